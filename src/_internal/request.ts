/*
 * The only module that talks to the network. It builds the URL and headers, enforces the
 * timeout, refuses Plaid secrets and Plaid's own hosts, parses the answer, strips any access
 * token a misconfigured gateway sent, and turns every failure into a PlaidGatewayError.
 *
 * Each failure is reported where it happens, with a message written
 * `process.env.NODE_ENV !== 'production' && '…'`: development builds explain the failure and its
 * fix, and production bundles keep only the error code (see gatewayError).
 */
import { gatewayError, plaidError, type PlaidErrorBody, type PlaidGatewayErrorCode } from '../PlaidGatewayError'
import type { PlaidLinkSuccessMetadata } from '../linkTypes'
import type { ExchangeResult } from '../types'
import { exchangeBody, type RouteName } from '../wire'
import type { ResolvedGatewayConfig } from './config'
import { rememberDestination } from './devLog'
import { withDeadline } from './timer'

export type Operation = RouteName

type Json = Record<string, unknown>

export interface Answer {
  json: Json
  status: number
  /** Every `access_token` value the answer held; none of them is passed on. */
  secrets: string[]
  url: string
  /** When the answer arrived, by this browser's clock. */
  receivedAt: number
  /** The answer's `Date` header: the gateway's clock when it answered, if the browser could read it. */
  date: string | null
}

/* Plaid's access tokens look like `access-sandbox-<uuid>`; a string of that form is never passed on. */
const ACCESS_TOKEN_PATTERN = /access-(?:sandbox|development|production)-[\w-]+/gi

/** The full URL (or page-relative URL) of one of the gateway's routes. */
export function endpointUrl(config: ResolvedGatewayConfig, operation: Operation): string {
  // String() keeps a wrongly typed option from crashing a render; postJson reports it.
  return String(config.baseUrl).replace(/\/+$/, '') + '/' + String(config[operation]).replace(/^\//, '')
}

const warnedEndpoints = /* @__PURE__ */ new Set<string>()

/** `text` with every access token, by pattern and by the values the answer held, replaced. */
function redact(text: string, secrets: string[]): string {
  return secrets.reduce(
    (out, secret) => out.replaceAll(secret, '[redacted access token]'),
    text.replace(ACCESS_TOKEN_PATTERN, '[redacted access token]'),
  )
}

const isString = (value: unknown): value is string => typeof value === 'string'
const isOptionalString = (value: unknown) => value == null || isString(value)

/** A `.catch` handler that reports `cause` as the package's own failure. */
const failWith =
  (errorCode: PlaidGatewayErrorCode, explanation: string | false) =>
  (cause: unknown): never => {
    throw gatewayError(errorCode, explanation, undefined, cause)
  }

/*
 * Kept in every build, unlike the other messages: the contract wants it to say where the secret
 * belongs.
 */
const secretRefused = (what: string) =>
  gatewayError(
    'SECRET_ON_CLIENT',
    `${what} refused, nothing was sent: Plaid secrets belong on the gateway, not in the browser.`,
  )

/*
 * Plaid's API answers only requests that carry the secret, so a gateway URL on Plaid's own hosts
 * is a secret waiting to be put in the browser. A URL that cannot be parsed is left to fetch.
 */
function plaidHostOf(url: string): string | undefined {
  try {
    const { hostname } = new URL(url, globalThis.location?.href ?? 'http://localhost')
    return hostname === 'plaid.com' || hostname.endsWith('.plaid.com') ? hostname : undefined
  } catch {
    return undefined
  }
}

/** Sends the request and reads the answer; postJson bounds it in time. */
async function send(config: ResolvedGatewayConfig, url: string, body: object, signal: AbortSignal): Promise<Answer> {
  const plaidHost = plaidHostOf(url)
  if (plaidHost) throw secretRefused(`baseUrl on Plaid's own host ${plaidHost}`)
  const init = await new Promise<HeadersInit | undefined>((resolve) =>
    resolve(typeof config.headers === 'function' ? config.headers() : config.headers),
  ).catch(
    failWith(
      'NETWORK_ERROR',
      process.env.NODE_ENV !== 'production' &&
        `The headers function given to PlaidGatewayProvider or the hook's options threw before POST ${url} was sent; ` +
          'see `cause`, and make it return the headers (or a promise of them).',
    ),
  )
  let headers: Headers
  try {
    headers = new Headers(init ?? undefined)
  } catch (cause) {
    return failWith(
      'INVALID_INPUT',
      process.env.NODE_ENV !== 'production' &&
        "The `headers` given to PlaidGatewayProvider or the hook's options are not valid HTTP headers; " +
          'pass an object of header names to string values.',
    )(cause)
  }
  // Headers.has ignores case.
  for (const name of ['PLAID-CLIENT-ID', 'PLAID-SECRET']) {
    if (headers.has(name)) throw secretRefused(`${name} header`)
  }
  headers.set('Content-Type', 'application/json')
  if (!headers.has('Accept')) headers.set('Accept', 'application/json')
  // A headers function that answered after the timeout must not send anything: the caller was
  // told TIMEOUT, may have retried, and a public token must reach the gateway once.
  if (signal.aborted) throw signal.reason

  // Called detached, so that a `window.fetch` passed in is never called with another `this`.
  const fetchGateway = config.fetch ?? fetch
  const response = await fetchGateway(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    credentials: config.credentials,
    signal,
  }).catch(
    failWith(
      'NETWORK_ERROR',
      process.env.NODE_ENV !== 'production' &&
        `POST ${url} failed before the gateway answered (offline, DNS, CORS or a blocked request); see \`cause\`.`,
    ),
  )
  const text = await Promise.resolve(response)
    .then((answer) => answer.text())
    .catch(
      failWith(
        'NETWORK_ERROR',
        process.env.NODE_ENV !== 'production' &&
          `The answer to POST ${url} could not be read: it broke off, or a custom \`fetch\` did not resolve ` +
            'with a Response. See `cause`.',
      ),
    )
  const receivedAt = Date.now()

  const { status } = response
  const secrets: string[] = []
  let leaked = false
  let json: unknown
  try {
    // The reviver takes every `access_token` out, however deeply nested, and remembers its value.
    json = JSON.parse(text, (key, value: unknown) => {
      if (key !== 'access_token') return value
      if (value != null) {
        leaked = true
        const secret = isString(value) ? value : JSON.stringify(value)
        if (secret) secrets.push(secret)
      }
    })
  } catch {
    // Not JSON: handled below according to the status.
  }
  if (process.env.NODE_ENV !== 'production' && leaked && !warnedEndpoints.has(url)) {
    warnedEndpoints.add(url)
    console.error(
      `@utdk/plaid-react: the gateway answered POST ${url} with an "access_token". ` +
        'The package dropped it, but the gateway must keep the access token on the server: ' +
        'store it there and send the browser only the item_id.',
    )
  }

  const answer = json as Json
  // JSON.parse makes its objects in this realm, so instanceof is exact here.
  const isObject = json instanceof Object && !Array.isArray(json)
  if (!response.ok) {
    const { error_type, error_code, error_message, display_message, request_id } = isObject ? answer : {}
    if (
      isString(error_type) &&
      isString(error_code) &&
      isString(error_message) &&
      error_type &&
      error_code &&
      isOptionalString(display_message) &&
      isOptionalString(request_id)
    ) {
      // Plaid's error body with every string field's access tokens taken out, and nothing else.
      throw plaidError(
        Object.fromEntries(
          Object.entries(answer).map(([field, value]) => [field, isString(value) ? redact(value, secrets) : undefined]),
        ) as unknown as PlaidErrorBody,
        status,
      )
    }
    throw gatewayError(
      'HTTP_ERROR',
      process.env.NODE_ENV !== 'production' &&
        `The gateway answered POST ${url} with HTTP ${status} and ` +
          (/html/i.test(response.headers.get('content-type') ?? '')
            ? "an HTML page (an error page of a proxy, the hosting platform or the framework) instead of the gateway's JSON "
            : 'no ') +
          'Plaid error body (error_type, error_code, error_message).',
      status,
    )
  }
  if (!isObject) {
    throw gatewayError(
      'INVALID_RESPONSE',
      process.env.NODE_ENV !== 'production' &&
        `The gateway answered POST ${url} with HTTP ${status} but not with a JSON object.`,
      status,
    )
  }
  // Cross-origin, the browser reads `Date` only when the gateway lists it in Access-Control-Expose-Headers.
  return { json: answer, status, secrets, url, receivedAt, date: response.headers.get('date') }
}

/**
 * POSTs `body` as JSON to one route of the gateway and returns the parsed 2xx object, from
 * which callers read only named fields. Rejects only with PlaidGatewayError.
 */
export async function postJson(config: ResolvedGatewayConfig, operation: Operation, body: object): Promise<Answer> {
  const { timeoutMs } = config
  if (!isString(config.baseUrl) || typeof (config.fetch ?? globalThis.fetch) !== 'function') {
    throw gatewayError(
      'INVALID_INPUT',
      process.env.NODE_ENV !== 'production' &&
        '`baseUrl` must be a string such as "/api/plaid", and a `fetch` must be available: pass one to ' +
          'PlaidGatewayProvider or the hook, or run where a global fetch exists.',
    )
  }
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw gatewayError(
      'INVALID_INPUT',
      process.env.NODE_ENV !== 'production' &&
        `\`timeoutMs\` must be a positive number of milliseconds; got ${String(timeoutMs)}.`,
    )
  }
  const url = endpointUrl(config, operation)
  const controller = new AbortController()
  /*
   * Aborting is not enough on its own: a custom `fetch`, a body stream or a `headers` function
   * may ignore the signal, and the caller must still hear about the timeout on time. The deadline
   * rejects first and the request is aborted after, so the caller sees TIMEOUT, not the aborted
   * fetch.
   */
  const answer = withDeadline(send(config, url, body, controller.signal), timeoutMs, () =>
    gatewayError(
      'TIMEOUT',
      process.env.NODE_ENV !== 'production' &&
        `The gateway did not answer POST ${url} within ${timeoutMs} ms (timeoutMs).`,
    ),
  ).catch((error: unknown) => {
    controller.abort()
    throw error
  })
  // Development builds remember where a failed request went, for the console message (devLog).
  if (process.env.NODE_ENV !== 'production') answer.catch((error) => rememberDestination(error, url, config, operation))
  return answer
}

/** `value` when it is a string free of access tokens, or `undefined`. */
export const cleanString = (answer: Answer, value: unknown): string | undefined =>
  isString(value) && redact(value, answer.secrets) === value ? value : undefined

/** A string field of a 2xx answer that is free of access tokens, or `undefined`. */
const readString = (answer: Answer, field: string) => cleanString(answer, answer.json[field])

/**
 * A field the contract requires; its absence, or a value that `usable` rejects, is the gateway's
 * fault. The check is passed in so that the exchange does not carry the date parsing.
 */
function requireString(answer: Answer, field: string, usable?: (value: string) => unknown): string {
  const value = readString(answer, field)
  if (!value || (usable && !usable(value))) {
    throw gatewayError(
      'INVALID_RESPONSE',
      process.env.NODE_ENV !== 'production' &&
        `The gateway's answer to POST ${answer.url} has no usable "${field}" (a non-empty string${field === 'expiration' ? ' with an ISO 8601 date' : ''} is required).`,
      answer.status,
    )
  }
  return value
}

/** An ISO 8601 date of an answer as a `Date`, or `undefined` when there is none or it is not a date. */
export function parseDate(value: string | null | undefined): Date | undefined {
  const date = new Date(value ?? NaN)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** Refuses an empty or non-string id before anything is sent. */
export function checkId(value: unknown, explanation: string | false): asserts value is string {
  if (!isString(value) || value.trim() === '') throw gatewayError('INVALID_INPUT', explanation)
}

export const kindOf = (value: unknown) => (value === '' ? 'an empty string' : typeof value)

/** Exchanges a public token, with the institution and accounts of Link's metadata when given (contract, section 10). */
export async function exchangePublicToken(
  config: ResolvedGatewayConfig,
  publicToken: string,
  metadata?: Partial<PlaidLinkSuccessMetadata>,
): Promise<ExchangeResult> {
  checkId(
    publicToken,
    process.env.NODE_ENV !== 'production' &&
      `exchange() of useExchangePublicToken needs the public_token from Link's onSuccess as a non-empty string; got ${kindOf(publicToken)}. Nothing was sent.`,
  )
  const answer = await postJson(config, 'exchange', exchangeBody(publicToken, metadata))
  const itemId = requireString(answer, 'item_id')
  const requestId = readString(answer, 'request_id')
  return requestId === undefined ? { itemId } : { itemId, requestId }
}

/** A token as it lives in the SWR cache: no access token, and when it must be replaced. */
export interface GatewayToken {
  token: string
  /** When the gateway said it expires; `undefined` when it did not say. */
  expiration: Date | undefined
  /** When it expires by this browser's clock: the package stops handing it out then. */
  expiresAt: number
  /** When a mounted hook starts fetching its replacement, by this browser's clock. */
  refreshAt: number
  requestId?: string
}

/* The Date header counts whole seconds, so the gateway's clock may be up to this much later than it says. */
const DATE_RESOLUTION_MS = 1000

/**
 * When a token expires by this browser's clock. A browser's clock can be off by any amount, so
 * the lifetime is judged by the gateway's: `expiration` minus the answer's `Date`, counted from
 * when the answer arrived. Without a readable `Date`, the browser's clock is all there is.
 */
function localExpiry({ date, receivedAt }: Answer, expiration: number): number {
  const serverDate = Date.parse(date ?? '')
  return Number.isNaN(serverDate) ? expiration : receivedAt + (expiration - serverDate - DATE_RESOLUTION_MS)
}

/**
 * Asks the gateway for a token: an update-mode token for `itemId`, or with `itemId` null a Link
 * token for a new Item. The token source calls it only for a key it has checked: a non-empty Item
 * id. A token that has already expired when it arrives is returned as it is (its `expiresAt` in
 * the past), so that the token source can ask once more; on that `lastTry` it is the gateway's
 * fault, INVALID_RESPONSE.
 */
export async function createToken(
  config: ResolvedGatewayConfig,
  tokenType: 'link_token' | 'public_token',
  itemId: string | null,
  accountSelectionEnabled: boolean,
  lastTry: boolean,
): Promise<GatewayToken> {
  const isLinkToken = tokenType === 'link_token'
  const body =
    itemId === null
      ? {}
      : isLinkToken && accountSelectionEnabled
        ? { item_id: itemId, account_selection_enabled: true }
        : { item_id: itemId }
  const answer = await postJson(config, isLinkToken ? 'linkTokenCreate' : 'publicTokenCreate', body)
  const token = requireString(answer, tokenType)
  // A Link token's expiration is required; a legacy public token is assumed to live Plaid's 30 minutes.
  const expiration = parseDate(
    isLinkToken ? requireString(answer, 'expiration', parseDate) : readString(answer, 'expiration'),
  )
  const { receivedAt } = answer
  const expiresAt = expiration ? localExpiry(answer, expiration.getTime()) : receivedAt + 30 * 60_000
  if (lastTry && expiresAt <= receivedAt) {
    throw gatewayError(
      'INVALID_RESPONSE',
      process.env.NODE_ENV !== 'production' &&
        `The gateway answered POST ${answer.url} twice with a token that had already expired ` +
          `(at ${expiration?.toISOString()}, by the gateway's own Date header when it sends one); check that it ` +
          "passes on Plaid's expiration unchanged.",
      answer.status,
    )
  }
  // Replaced five minutes before it expires, or halfway through a shorter life.
  const result: GatewayToken = {
    token,
    expiration,
    expiresAt,
    refreshAt: expiresAt - Math.min(5 * 60_000, (expiresAt - receivedAt) / 2),
  }
  const requestId = readString(answer, 'request_id')
  if (requestId !== undefined) result.requestId = requestId
  return result
}
