/*
 * Redaction of everything the gateway passes to the app's hooks or puts in a response body that
 * did not come from the gateway itself. Only strings survive, and in them every access token and
 * Plaid credential is replaced, so that no log line built from them can hold a secret.
 */
import type { RedactedCause } from './types'

const REDACTED = '[redacted]'
/* Plaid's access tokens look like `access-sandbox-<uuid>`; such a string never leaves the gateway. */
const ACCESS_TOKEN_PATTERN = /access-(?:sandbox|development|production)-[\w-]+/gi
/* Stacks are kept for debugging, but bounded: a log line should not be a megabyte. */
const MAX_STACK_LENGTH = 4000

/** Whether `text` holds an access token or any of `secrets`. */
export function containsSecret(text: string, secrets: readonly string[]): boolean {
  ACCESS_TOKEN_PATTERN.lastIndex = 0
  return ACCESS_TOKEN_PATTERN.test(text) || secrets.some((secret) => secret.length > 0 && text.includes(secret))
}

/** Replaces access tokens, and every one of `secrets`, in `text`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text.replace(ACCESS_TOKEN_PATTERN, REDACTED)
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join(REDACTED)
  return out
}

function readString(value: unknown, key: string): string | undefined {
  try {
    const field = (value as Record<string, unknown>)[key]
    return typeof field === 'string' ? field : undefined
  } catch {
    return undefined
  }
}

/**
 * A log-safe summary of a thrown value: its name, code, message and stack as redacted strings.
 * Nothing else is read, so the request configuration and headers inside the `plaid` SDK's
 * errors never leave this function.
 */
export function describeCause(error: unknown, secrets: readonly string[]): RedactedCause {
  if (typeof error !== 'object' || error === null) {
    return { name: typeof error, message: redactText(String(error), secrets) }
  }
  const cause: RedactedCause = {
    name: redactText(readString(error, 'name') ?? 'Error', secrets),
    message: redactText(readString(error, 'message') ?? '', secrets),
  }
  const code = readString(error, 'code')
  if (code !== undefined) cause.code = redactText(code, secrets)
  const stack = readString(error, 'stack')
  if (stack !== undefined) cause.stack = redactText(stack.slice(0, MAX_STACK_LENGTH), secrets)
  return cause
}

const CREDENTIAL_HEADERS = new Set(['plaid-client-id', 'plaid-secret'])

/* Header objects nest in axios (`common`, `post`, ...); a few levels cover every shape it uses. */
function collectCredentials(headers: unknown, found: string[], depth: number): void {
  if (typeof headers !== 'object' || headers === null || depth > 3) return
  for (const [name, value] of Object.entries(headers)) {
    if (CREDENTIAL_HEADERS.has(name.toLowerCase())) {
      if (typeof value === 'string' && value !== '' && !found.includes(value)) found.push(value)
    } else if (typeof value === 'object') {
      collectCredentials(value, found, depth + 1)
    }
  }
}

/**
 * The client id and secret configured in a `PlaidApi`, read only so they can be redacted. The
 * SDK keeps them in its configuration's default headers, or, when the app passed its own axios
 * instance, in that instance's defaults; both are read. A client that is not a `PlaidApi` has
 * none to find, which is fine.
 */
export function credentialsOf(plaid: unknown): string[] {
  const found: string[] = []
  try {
    const api = plaid as {
      configuration?: { baseOptions?: { headers?: unknown } }
      axios?: { defaults?: { headers?: unknown } }
    }
    collectCredentials(api.configuration?.baseOptions?.headers, found, 0)
    collectCredentials(api.axios?.defaults?.headers, found, 0)
  } catch {
    // A getter that throws: nothing more to find.
  }
  return found
}
