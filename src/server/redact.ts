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

/**
 * The client id and secret configured in a `PlaidApi`, read only so they can be redacted. The
 * SDK keeps them in its configuration's default headers; a client that is not a `PlaidApi` has
 * none to find, which is fine.
 */
export function credentialsOf(plaid: unknown): string[] {
  try {
    const configuration = (plaid as { configuration?: { baseOptions?: { headers?: unknown } } }).configuration
    const headers = configuration?.baseOptions?.headers
    if (typeof headers !== 'object' || headers === null) return []
    const found: string[] = []
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase()
      if ((lower === 'plaid-client-id' || lower === 'plaid-secret') && typeof value === 'string' && value !== '') {
        found.push(value)
      }
    }
    return found
  } catch {
    return []
  }
}
