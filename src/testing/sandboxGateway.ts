/*
 * msw handlers that act as the app's gateway of the package's wire contract, with no Plaid and
 * no network: for Storybook, for an app's own tests, and for demos that must run offline.
 */
import { HttpResponse, delay, http, type HttpHandler } from 'msw'
import type { PlaidLinkInstitution } from '../linkTypes'
import { DEFAULT_BASE_URL, DEFAULT_PATHS } from '../wire'
import { rememberTokenInstitution } from './sandboxLinkTokens'

/** A Plaid error as the gateway forwards it: the HTTP status and Plaid's error body. */
export interface SandboxPlaidError {
  status: number
  body: {
    error_type: string
    error_code: string
    error_message: string
    display_message: string | null
    request_id?: string
  }
}

export interface SandboxGatewayOptions {
  /**
   * Where the routes are mounted; match it to `PlaidGatewayProvider`'s `baseUrl`.
   * @defaultValue `'/api/plaid'`
   */
  baseUrl?: string
  /**
   * How long each answer takes, like a gateway that calls Plaid.
   * @defaultValue `350`
   */
  latencyMs?: number
  /**
   * The Items the signed-in user owns, by id or with their institution. A token for any other
   * Item is refused with `ITEM_NOT_FOUND`, as a gateway that checks ownership does. By default
   * every Item is known. An Item's institution is what the sandbox Link shows when it repairs it.
   */
  items?: readonly (string | SandboxItem)[]
}

/** An Item of the sandbox gateway. */
export interface SandboxItem {
  itemId: string
  /** Shown by `installPlaidLinkSandbox` when Link repairs this Item. */
  institution?: PlaidLinkInstitution
}

/** The route names of the wire contract, for {@link sandboxGatewayError}. */
export type SandboxRoute = 'exchange' | 'linkTokenCreate' | 'publicTokenCreate'

const hex = (length: number) => Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('')
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`
const requestId = () => hex(15)

function plaidError(
  status: number,
  error_type: string,
  error_code: string,
  error_message: string,
  display_message: string | null = null,
): SandboxPlaidError {
  return { status, body: { error_type, error_code, error_message, display_message } }
}

/** Plaid errors a gateway commonly forwards, ready for {@link sandboxGatewayError}. */
export const sandboxErrors = {
  itemLoginRequired: plaidError(
    400,
    'ITEM_ERROR',
    'ITEM_LOGIN_REQUIRED',
    'the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information',
    'The login details for this account have changed. Please sign in to your bank again.',
  ),
  itemNotFound: plaidError(404, 'ITEM_ERROR', 'ITEM_NOT_FOUND', 'the requested Item was not found'),
  invalidPublicToken: plaidError(
    400,
    'INVALID_INPUT',
    'INVALID_PUBLIC_TOKEN',
    'provided public token is expired. Public tokens expire 30 minutes after creation at which point they can no longer be exchanged',
  ),
  rateLimit: plaidError(
    429,
    'RATE_LIMIT_EXCEEDED',
    'RATE_LIMIT',
    'rate limit exceeded for attempts to access this item. please try again later',
    'Too many attempts. Please wait a moment and try again.',
  ),
  institutionDown: plaidError(
    400,
    'INSTITUTION_ERROR',
    'INSTITUTION_DOWN',
    'this institution is not currently responding to this request. please try again soon',
    'This bank is not responding right now. Please try again later.',
  ),
  internal: plaidError(500, 'API_ERROR', 'INTERNAL_SERVER_ERROR', 'an unexpected error occurred'),
} satisfies Record<string, SandboxPlaidError>

function routeUrl(options: SandboxGatewayOptions, route: SandboxRoute | '*'): string {
  const base = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '')
  return route === '*' ? `${base}/*` : base + DEFAULT_PATHS[route]
}

function answerError(error: SandboxPlaidError) {
  return HttpResponse.json(
    { ...error.body, request_id: error.body.request_id ?? requestId() },
    { status: error.status },
  )
}

async function readBody(request: Request): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await request.json()
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

const badRequest = (message: string) => answerError(plaidError(400, 'INVALID_REQUEST', 'INVALID_REQUEST', message))

/**
 * A healthy gateway: exchanges public tokens (once each, as Plaid does), creates Link tokens for
 * new Items, and update-mode Link tokens and legacy public tokens for the user's Items.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node'
 * import { sandboxGateway } from '@utdk/plaid-react/testing'
 *
 * const server = setupServer(...sandboxGateway({ latencyMs: 0, items: ['item-1'] }))
 * ```
 */
export function sandboxGateway(options: SandboxGatewayOptions = {}): HttpHandler[] {
  const latency = options.latencyMs ?? 350
  const items = options.items?.map((item) => (typeof item === 'string' ? { itemId: item } : item))
  const owned = items && new Map(items.map((item) => [item.itemId, item]))
  const exchanged = new Set<string>()
  const itemFor = (body: Record<string, unknown> | undefined) => {
    const itemId = body?.item_id
    if (typeof itemId !== 'string' || itemId === '') return { error: badRequest('item_id must be a non-empty string') }
    if (owned && !owned.has(itemId)) return { error: answerError(sandboxErrors.itemNotFound) }
    return { itemId, body }
  }

  return [
    http.post(routeUrl(options, 'exchange'), async ({ request }) => {
      const body = await readBody(request)
      await delay(latency)
      const publicToken = body?.public_token
      if (typeof publicToken !== 'string' || publicToken === '') {
        return badRequest('public_token must be a non-empty string')
      }
      // Plaid refuses a public token the second time, which is why the hook never resends one.
      if (!publicToken.startsWith('public-') || exchanged.has(publicToken)) {
        return answerError(sandboxErrors.invalidPublicToken)
      }
      exchanged.add(publicToken)
      return HttpResponse.json({ item_id: `item-sandbox-${uuid()}`, request_id: requestId() })
    }),
    http.post(routeUrl(options, 'linkTokenCreate'), async ({ request }) => {
      // Without an item_id the browser asks for a new Item's token, which Plaid lets live 4 hours;
      // update-mode tokens live 30 minutes.
      const body = await readBody(request)
      const newItem = body !== undefined && !('item_id' in body)
      const found = newItem ? undefined : itemFor(body)
      await delay(latency)
      if (found?.error) return found.error
      const linkToken = `link-sandbox-${uuid()}`
      const institution = found && owned?.get(found.itemId)?.institution
      if (institution) rememberTokenInstitution(linkToken, institution)
      return HttpResponse.json({
        link_token: linkToken,
        expiration: new Date(Date.now() + (newItem ? 4 * 60 : 30) * 60_000).toISOString(),
        request_id: requestId(),
      })
    }),
    http.post(routeUrl(options, 'publicTokenCreate'), async ({ request }) => {
      const found = itemFor(await readBody(request))
      await delay(latency)
      if (found.error) return found.error
      return HttpResponse.json({
        public_token: `public-sandbox-${uuid()}`,
        expiration: new Date(Date.now() + 30 * 60_000).toISOString(),
        request_id: requestId(),
      })
    }),
  ]
}

/** Routes that answer with a Plaid error; `'*'` (the default) for every route. */
export function sandboxGatewayError(
  error: SandboxPlaidError,
  options: SandboxGatewayOptions & { route?: SandboxRoute | '*' } = {},
): HttpHandler[] {
  return [
    http.post(routeUrl(options, options.route ?? '*'), async () => {
      await delay(options.latencyMs ?? 350)
      return answerError(error)
    }),
  ]
}

/** A gateway behind a proxy that answers with an HTML error page (a crash, a deploy, a load balancer). */
export function sandboxHtmlError(status = 502, options: SandboxGatewayOptions = {}): HttpHandler[] {
  return [
    http.post(routeUrl(options, '*'), async () => {
      await delay(options.latencyMs ?? 350)
      return new HttpResponse(`<!doctype html><title>${status}</title><h1>${status} Bad Gateway</h1>`, {
        status,
        headers: { 'Content-Type': 'text/html' },
      })
    }),
  ]
}

/** A gateway that never answers, to show timeouts and loading states. */
export function sandboxSilentGateway(options: SandboxGatewayOptions = {}): HttpHandler[] {
  return [http.post(routeUrl(options, '*'), () => delay('infinite'))]
}

/**
 * A misconfigured gateway that passes Plaid's exchange answer through, access token included.
 * The hooks drop the token; use it to see that they do.
 */
export function sandboxLeakyGateway(options: SandboxGatewayOptions = {}): HttpHandler[] {
  return [
    http.post(routeUrl(options, 'exchange'), async () => {
      await delay(options.latencyMs ?? 350)
      return HttpResponse.json({
        access_token: `access-sandbox-${uuid()}`,
        item_id: `item-sandbox-${uuid()}`,
        request_id: requestId(),
      })
    }),
  ]
}
