/*
 * The only module that talks to the network. It builds the URL and headers, enforces the
 * timeout, refuses Plaid secrets, parses the answer, strips any access token a misconfigured
 * gateway sent, and turns every failure into a PlaidGatewayError.
 */
import { PlaidGatewayError, gatewayError } from '../PlaidGatewayError'
import type { ExchangeResult, PlaidGatewayPaths } from '../types'
import type { ResolvedGatewayConfig } from './config'

export type Operation = keyof PlaidGatewayPaths

type Json = Record<string, unknown>

const SECRET_HEADERS = /* @__PURE__ */ new Set(['plaid-client-id', 'plaid-secret'])
/* Plaid's access tokens look like `access-sandbox-<uuid>`; a string of that form is never passed on. */
const ACCESS_TOKEN_PATTERN = /access-(?:sandbox|development|production)-[\w-]+/gi
const REDACTED = '[redacted access token]'
/* Setting a timer for longer than this fires it at once in browsers and Node. */
export const MAX_TIMER_MS = 2_147_483_647

/** The full URL (or page-relative URL) of one of the gateway's routes. */
export function endpointUrl(config: ResolvedGatewayConfig, operation: Operation): string {
  // String() keeps a wrongly typed option from crashing a render; checkConfig reports it.
  const base = String(config.baseUrl).replace(/\/+$/, '')
  const path = String(config.paths[operation])
  return base + (path.startsWith('/') ? path : '/' + path)
}

function isDevelopment(): boolean {
  // Written out in full so that bundlers replace it; without a bundler `process` may not exist.
  try {
    return process.env.NODE_ENV !== 'production'
  } catch {
    return true
  }
}

const warnedEndpoints = /* @__PURE__ */ new Set<string>()

function warnAccessTokenLeak(url: string): void {
  if (!isDevelopment() || warnedEndpoints.has(url)) return
  warnedEndpoints.add(url)
  console.error(
    `@utdk/plaid-react: the gateway answered POST ${url} with an "access_token". ` +
      'The package dropped it, but the gateway must keep the access token on the server: ' +
      'store it there and send the browser only the item_id.',
  )
}

/** Finds every `access_token` value in a parsed answer, however deeply nested. */
function collectAccessTokens(value: unknown, found: Set<string>, depth = 0): void {
  if (depth > 32 || typeof value !== 'object' || value === null) return
  for (const [key, child] of Object.entries(value)) {
    if (key === 'access_token' && child != null) found.add(typeof child === 'string' ? child : JSON.stringify(child))
    collectAccessTokens(child, found, depth + 1)
  }
}

function redact(text: string, secrets: ReadonlySet<string>): string {
  let out = text.replace(ACCESS_TOKEN_PATTERN, REDACTED)
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join(REDACTED)
  return out
}

function containsSecret(text: string, secrets: ReadonlySet<string>): boolean {
  ACCESS_TOKEN_PATTERN.lastIndex = 0
  if (ACCESS_TOKEN_PATTERN.test(text)) return true
  for (const secret of secrets) if (secret.length > 0 && text.includes(secret)) return true
  return false
}

function isPlaidErrorBody(body: unknown): body is Json {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  const b = body as Json
  return (
    typeof b.error_type === 'string' &&
    b.error_type !== '' &&
    typeof b.error_code === 'string' &&
    b.error_code !== '' &&
    typeof b.error_message === 'string' &&
    (b.display_message === undefined || b.display_message === null || typeof b.display_message === 'string') &&
    (b.request_id === undefined || b.request_id === null || typeof b.request_id === 'string')
  )
}

async function resolveHeaders(config: ResolvedGatewayConfig, url: string): Promise<Headers> {
  let init: HeadersInit | undefined
  try {
    init = typeof config.headers === 'function' ? await config.headers() : config.headers
  } catch (cause) {
    throw gatewayError(
      'NETWORK_ERROR',
      `The headers function given to PlaidGatewayProvider or the hook's options threw before POST ${url} was sent; ` +
        'see `cause`, and make it return the headers (or a promise of them).',
      undefined,
      cause,
    )
  }
  let headers: Headers
  try {
    headers = new Headers(init ?? undefined)
  } catch (cause) {
    throw gatewayError(
      'INVALID_INPUT',
      "The `headers` given to PlaidGatewayProvider or the hook's options are not valid HTTP headers; " +
        'pass an object of header names to string values.',
      undefined,
      cause,
    )
  }
  for (const name of headers.keys()) {
    if (SECRET_HEADERS.has(name.toLowerCase())) {
      throw gatewayError(
        'SECRET_ON_CLIENT',
        `A "${name.toUpperCase()}" header was configured in the browser, so nothing was sent. ` +
          "Plaid secrets belong on the gateway: remove the header from PlaidGatewayProvider or the hook's " +
          'options and have the gateway add it when it calls Plaid.',
      )
    }
  }
  headers.set('Content-Type', 'application/json')
  if (!headers.has('Accept')) headers.set('Accept', 'application/json')
  return headers
}

function checkConfig(config: ResolvedGatewayConfig): void {
  if (typeof config.baseUrl !== 'string') {
    throw gatewayError(
      'INVALID_INPUT',
      '`baseUrl` must be a string such as "/api/plaid" or "https://api.example.com/plaid".',
    )
  }
  if (typeof config.timeoutMs !== 'number' || !(config.timeoutMs > 0)) {
    throw gatewayError(
      'INVALID_INPUT',
      `\`timeoutMs\` must be a positive number of milliseconds; got ${String(config.timeoutMs)}.`,
    )
  }
  const fetchImpl = config.fetch ?? globalThis.fetch
  if (typeof fetchImpl !== 'function') {
    throw gatewayError(
      'INVALID_INPUT',
      'No `fetch` is available: pass one to PlaidGatewayProvider (`fetch` prop) or to the hook, or run where a global fetch exists.',
    )
  }
}

/**
 * POSTs `body` as JSON to one route of the gateway and returns the parsed 2xx object with the
 * `access_token` values it found, so callers read only named fields and refuse any that hold one.
 * Rejects only with PlaidGatewayError.
 */
async function postJson(
  config: ResolvedGatewayConfig,
  operation: Operation,
  body: Json,
): Promise<{ json: Json; status: number; secrets: ReadonlySet<string>; url: string }> {
  checkConfig(config)
  const url = endpointUrl(config, operation)
  const controller = new AbortController()
  let timedOut = false
  const timeoutError = () =>
    gatewayError('TIMEOUT', `The gateway did not answer POST ${url} within ${config.timeoutMs} ms (timeoutMs).`)
  /*
   * Aborting is not enough on its own: a custom `fetch`, a body stream or a `headers` function
   * may ignore the signal, and the caller must still hear about the timeout on time.
   */
  let expire = () => {}
  const deadline = new Promise<never>((_resolve, reject) => {
    expire = () => reject(timeoutError())
  })
  deadline.catch(() => {})
  const beforeDeadline = <T>(work: T | Promise<T>): Promise<T> => Promise.race([work, deadline])
  const timer = setTimeout(
    () => {
      timedOut = true
      controller.abort()
      expire()
    },
    Math.min(config.timeoutMs, MAX_TIMER_MS),
  )
  try {
    const headers = await beforeDeadline(resolveHeaders(config, url))
    if (timedOut) throw timeoutError()
    // Detached so that a `window.fetch` passed in is never called with another `this`.
    const fetchImpl = config.fetch ?? globalThis.fetch
    let response: Response
    try {
      response = await beforeDeadline(
        fetchImpl(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          credentials: config.credentials,
          signal: controller.signal,
        }),
      )
    } catch (cause) {
      if (timedOut) throw timeoutError()
      throw gatewayError(
        'NETWORK_ERROR',
        `POST ${url} failed before the gateway answered (offline, DNS, CORS or a blocked request); see \`cause\`.`,
        undefined,
        cause,
      )
    }
    let text: string
    try {
      text = await beforeDeadline(response.text())
    } catch (cause) {
      if (timedOut) throw timeoutError()
      throw gatewayError(
        'NETWORK_ERROR',
        `The answer to POST ${url} broke off while it was being read.`,
        undefined,
        cause,
      )
    }
    if (timedOut) throw timeoutError()

    let parsed: unknown = undefined
    let isJson = false
    try {
      parsed = JSON.parse(text)
      isJson = true
    } catch {
      // Not JSON: handled below according to the status.
    }
    const secrets = new Set<string>()
    collectAccessTokens(parsed, secrets)
    if (secrets.size > 0) warnAccessTokenLeak(url)

    if (!response.ok) {
      if (isJson && isPlaidErrorBody(parsed)) {
        const clean = (value: unknown) => (typeof value === 'string' ? redact(value, secrets) : undefined)
        throw new PlaidGatewayError({
          status: response.status,
          errorType: clean(parsed.error_type)!,
          errorCode: clean(parsed.error_code)!,
          errorMessage: clean(parsed.error_message)!,
          displayMessage: clean(parsed.display_message) ?? null,
          requestId: clean(parsed.request_id),
        })
      }
      throw gatewayError(
        'HTTP_ERROR',
        `The gateway answered POST ${url} with HTTP ${response.status} and no Plaid error body ` +
          '(error_type, error_code, error_message).',
        response.status,
      )
    }
    if (!isJson || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw gatewayError(
        'INVALID_RESPONSE',
        `The gateway answered POST ${url} with HTTP ${response.status} but not with a JSON object.`,
        response.status,
      )
    }
    return { json: parsed as Json, status: response.status, secrets, url }
  } catch (error) {
    throw asGatewayError(error, url)
  } finally {
    clearTimeout(timer)
  }
}

/* Anything unforeseen (a custom `fetch` that returns no Response, say) still ends as the one error type. */
function asGatewayError(error: unknown, url: string): PlaidGatewayError {
  if (error instanceof PlaidGatewayError) return error
  return gatewayError(
    'INVALID_RESPONSE',
    `The answer to POST ${url} could not be read; if a custom \`fetch\` is configured, it must resolve with a Response. See \`cause\`.`,
    undefined,
    error,
  )
}

/** Reads a required non-empty string field of a 2xx answer that must not hold an access token. */
function requiredString(
  answer: { json: Json; status: number; secrets: ReadonlySet<string>; url: string },
  field: string,
): string {
  const value = answer.json[field]
  if (typeof value !== 'string' || value === '' || containsSecret(value, answer.secrets)) {
    throw gatewayError(
      'INVALID_RESPONSE',
      `The gateway's answer to POST ${answer.url} has no usable "${field}" (a non-empty string is required).`,
      answer.status,
    )
  }
  return value
}

function optionalRequestId(answer: { json: Json; secrets: ReadonlySet<string> }): string | undefined {
  const value = answer.json.request_id
  return typeof value === 'string' && !containsSecret(value, answer.secrets) ? value : undefined
}

function parseExpiration(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value === '') return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date
}

function checkId(value: unknown, what: string, api: string): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw gatewayError(
      'INVALID_INPUT',
      `${api} needs ${what} as a non-empty string; got ${value === '' ? 'an empty string' : typeof value}. Nothing was sent.`,
    )
  }
}

export async function exchangePublicToken(config: ResolvedGatewayConfig, publicToken: string): Promise<ExchangeResult> {
  checkId(publicToken, "the public_token from Link's onSuccess", 'exchange() of useExchangePublicToken')
  const answer = await postJson(config, 'exchange', { public_token: publicToken })
  const itemId = requiredString(answer, 'item_id')
  const requestId = optionalRequestId(answer)
  return requestId === undefined ? { itemId } : { itemId, requestId }
}

/** A token as it lives in the SWR cache: no access token, and when it must be replaced. */
export interface UpdateModeToken {
  token: string
  /** When the gateway said it expires; `undefined` when it did not say. */
  expiration: Date | undefined
  /** When the package stops handing it out (the gateway's expiration, or an assumed lifetime). */
  expiresAt: number
  /** When a mounted hook starts fetching its replacement. */
  refreshAt: number
  requestId?: string
}

/* Plaid's public tokens live 30 minutes; assumed when a legacy gateway does not say. */
const PUBLIC_TOKEN_LIFETIME_MS = 30 * 60_000
/* Replace a token this long before it expires, or halfway through a shorter life. */
const REFRESH_AHEAD_MS = 5 * 60_000

function scheduleToken(
  answer: { status: number; url: string },
  token: string,
  expiration: Date | undefined,
  requestId: string | undefined,
): UpdateModeToken {
  const now = Date.now()
  const expiresAt = expiration ? expiration.getTime() : now + PUBLIC_TOKEN_LIFETIME_MS
  if (expiresAt <= now) {
    // Handing it out would fail in Link, and fetching again at once could loop.
    throw gatewayError(
      'INVALID_RESPONSE',
      `The gateway's answer to POST ${answer.url} holds a token that expired at ${new Date(expiresAt).toISOString()}; ` +
        "check the gateway's clock and that it passes on Plaid's expiration unchanged.",
      answer.status,
    )
  }
  const refreshAt = expiresAt - Math.min(REFRESH_AHEAD_MS, Math.max(0, (expiresAt - now) / 2))
  const result: UpdateModeToken = { token, expiration, expiresAt, refreshAt }
  if (requestId !== undefined) result.requestId = requestId
  return result
}

export async function createUpdateModeToken(
  config: ResolvedGatewayConfig,
  tokenType: 'link_token' | 'public_token',
  itemId: string,
  accountSelectionEnabled: boolean,
): Promise<UpdateModeToken> {
  checkId(itemId, 'the Item id', 'useUpdateModeToken(itemId)')
  if (tokenType === 'public_token') {
    const answer = await postJson(config, 'publicTokenCreate', { item_id: itemId })
    const token = requiredString(answer, 'public_token')
    return scheduleToken(answer, token, parseExpiration(answer.json.expiration), optionalRequestId(answer))
  }
  const body: Json = { item_id: itemId }
  if (accountSelectionEnabled) body.account_selection_enabled = true
  const answer = await postJson(config, 'linkTokenCreate', body)
  const token = requiredString(answer, 'link_token')
  const expiration = parseExpiration(answer.json.expiration)
  if (!expiration) {
    throw gatewayError(
      'INVALID_RESPONSE',
      `The gateway's answer to POST ${answer.url} has no valid "expiration" (an ISO 8601 date is required).`,
      answer.status,
    )
  }
  return scheduleToken(answer, token, expiration, optionalRequestId(answer))
}
