import type { LinkTokenCreateRequest } from 'plaid'
import {
  GatewayFailure,
  failureResponse,
  internalError,
  itemNotFound,
  jsonResponse,
  methodNotAllowed,
  notFound,
  plaidFailure,
  unauthorized,
} from './errors'
import { exchangeLedgerOf, exchangeOnce, type ExchangeOutcome, type Exchanged } from './exchangeOnce'
import { createMemoryExchangeLedger } from './memoryItemStore'
import { optionalBoolean, readJsonBody, requiredString } from './readJsonBody'
import { credentialsOf, containsSecret } from './redact'
import type { LinkTokenFields, PlaidGateway, PlaidGatewayOptions, PlaidGatewayRoute } from './types'

const ROUTES: readonly PlaidGatewayRoute[] = [
  '/item/public_token/exchange',
  '/link/token/create',
  '/item/public_token/create',
]

/* Fields of /link/token/create that the gateway always sets itself, so app config cannot override them. */
const GATEWAY_OWNED_FIELDS = [
  'client_id',
  'secret',
  'user',
  'user_id',
  'user_token',
  'access_token',
  'access_tokens',
  'update',
] as const

/* Plaid asks update mode to leave these out; a new Item's token needs `products`. */
const PRODUCT_FIELDS = [
  'products',
  'required_if_supported_products',
  'optional_products',
  'additional_consented_products',
] as const

function normalizeBasePath(basePath: string): string {
  const refuse = (why: string) =>
    new TypeError(
      `createPlaidGateway: \`basePath\` ${why}; give the path the routes are mounted under, such as ` +
        `'/api/plaid'. Got ${JSON.stringify(basePath)}.`,
    )
  if (typeof basePath !== 'string') throw refuse('must be a string')
  if (/^[a-z][a-z0-9+.-]*:/i.test(basePath) || basePath.startsWith('//')) {
    throw refuse('is a path, not a URL: requests are matched on their path only')
  }
  if (/[?#]/.test(basePath)) throw refuse('cannot hold a query or a fragment')
  if (/\s/.test(basePath)) throw refuse('cannot hold whitespace, which no request path matches')
  if (/%/.test(basePath)) throw refuse('must be written decoded, without % escapes')
  const trimmed = basePath.replace(/\/+$/, '')
  const path = trimmed === '' || trimmed.startsWith('/') ? trimmed : '/' + trimmed
  const segments = path.split('/').slice(1)
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw refuse('cannot hold . or .. segments, which a request URL never keeps')
  }
  if (segments.some((segment) => segment === '')) throw refuse('cannot hold empty segments (//)')
  return path
}

function checkOptions(options: PlaidGatewayOptions): void {
  const missing = (what: string, fix: string) => new TypeError(`createPlaidGateway needs \`${what}\`: ${fix}`)
  if (typeof options !== 'object' || options === null) {
    throw missing('options', 'pass { plaid, store, getUserId, linkToken, basePath }.')
  }
  if (typeof options.plaid?.itemPublicTokenExchange !== 'function') {
    throw missing('plaid', "pass a PlaidApi from the 'plaid' package, configured with your client id and secret.")
  }
  if (typeof options.store?.get !== 'function' || typeof options.store?.save !== 'function') {
    throw missing('store', 'pass an ItemStore with save() and get(), such as createMemoryItemStore() in development.')
  }
  if (typeof options.getUserId !== 'function') {
    throw missing('getUserId', "pass a function that returns the signed-in user's id from the request, or null.")
  }
  if (
    options.plaidTimeoutMs !== undefined &&
    !(typeof options.plaidTimeoutMs === 'number' && options.plaidTimeoutMs > 0 && options.plaidTimeoutMs <= 2 ** 31 - 1)
  ) {
    throw new TypeError(
      `createPlaidGateway: \`plaidTimeoutMs\` must be a number of milliseconds above 0, such as 30000; got ${String(options.plaidTimeoutMs)}.`,
    )
  }
  if (
    options.secrets !== undefined &&
    !(Array.isArray(options.secrets) && options.secrets.every((secret) => typeof secret === 'string'))
  ) {
    throw new TypeError('createPlaidGateway: `secrets` must be an array of strings.')
  }
  if (typeof options.linkToken !== 'object' || options.linkToken === null) {
    throw missing(
      'linkToken',
      "pass the app's /link/token/create fields, e.g. { client_name, language, country_codes }.",
    )
  }
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== ''

/* A failed save is tried this many times in all, waiting longer before each new try. */
const SAVE_ATTEMPTS = 3
const SAVE_BACKOFF_MS = [100, 400]
const DEFAULT_PLAID_TIMEOUT_MS = 30_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/* Hooks are the app's code: whatever they throw must not change the response. */
async function callHook<T>(hook: ((event: T) => void | Promise<void>) | undefined, event: T): Promise<void> {
  if (!hook) return
  try {
    await hook(event)
  } catch {
    // Ignored on purpose; reporting it could only go through the hooks themselves.
  }
}

/**
 * Creates the gateway that the package's hooks talk to: a Fetch-API handler that serves
 * `POST {basePath}/item/public_token/exchange`, `/link/token/create` and
 * `/item/public_token/create` with the official `plaid` SDK. It keeps the client id, the secret
 * and every access token on the server, and lets a user reach only their own Items.
 *
 * @example
 * ```ts
 * // app/api/plaid/[...path]/route.ts
 * import { createPlaidGateway, createMemoryItemStore } from '@utdk/plaid-react/server'
 * import { Configuration, PlaidApi, PlaidEnvironments } from 'plaid'
 *
 * const gateway = createPlaidGateway({
 *   plaid: new PlaidApi(new Configuration({
 *     basePath: PlaidEnvironments.sandbox,
 *     baseOptions: { headers: { 'PLAID-CLIENT-ID': process.env.PLAID_CLIENT_ID, 'PLAID-SECRET': process.env.PLAID_SECRET } },
 *   })),
 *   store: createMemoryItemStore(),
 *   getUserId: async (request) => (await getSession(request))?.userId ?? null,
 *   linkToken: { client_name: 'My App', language: 'en', country_codes: ['US'] },
 *   basePath: '/api/plaid',
 * })
 * export const POST = gateway.handle
 * ```
 */
export function createPlaidGateway(options: PlaidGatewayOptions): PlaidGateway {
  checkOptions(options)
  const { plaid, store, getUserId, onItemLinked, onError } = options
  const basePath = normalizeBasePath(options.basePath ?? '/api/plaid')
  const linkTokenFields: Partial<LinkTokenFields> = { ...options.linkToken }
  for (const field of GATEWAY_OWNED_FIELDS) delete (linkTokenFields as Record<string, unknown>)[field]
  const updateModeFields: Partial<LinkTokenFields> = { ...linkTokenFields }
  for (const field of PRODUCT_FIELDS) delete updateModeFields[field]
  const credentials = [...credentialsOf(plaid), ...(options.secrets ?? []).filter((secret) => secret !== '')]
  const plaidTimeoutMs = options.plaidTimeoutMs ?? DEFAULT_PLAID_TIMEOUT_MS
  const ledger = exchangeLedgerOf(store, createMemoryExchangeLedger)

  /*
   * Every Plaid call runs against the deadline: the SDK gets a signal that aborts its request,
   * and the answer does not wait past the deadline even for a client that ignores the signal.
   */
  async function callPlaid<T>(
    what: string,
    call: (options: { timeout: number; signal: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort()
        reject(new Error(`Plaid's ${what} did not answer within plaidTimeoutMs (${plaidTimeoutMs} ms).`))
      }, plaidTimeoutMs)
    })
    try {
      return await Promise.race([call({ timeout: plaidTimeoutMs, signal: controller.signal }), deadline])
    } finally {
      clearTimeout(timer)
    }
  }

  /* A success answer passes on only strings that hold none of the secrets the gateway knows. */
  function success(body: Record<string, string | undefined>, secrets: readonly string[]): Response {
    for (const [field, value] of Object.entries(body)) {
      if (value !== undefined && containsSecret(value, secrets)) {
        throw internalError(new Error(`Plaid's answer holds a secret in ${field}; it was not passed on.`), secrets)
      }
    }
    return jsonResponse(200, body)
  }

  function matchRoute(url: string): PlaidGatewayRoute | undefined {
    const { pathname } = new URL(url)
    // A Fetch-API Request has resolved dot segments already; encoded slashes and empty segments
    // are refused here, so that no two spellings reach one route.
    if (/%(?:2f|5c)/i.test(pathname) || pathname.includes('//')) return undefined
    if (!pathname.startsWith(basePath + '/')) return undefined
    const rest = pathname.slice(basePath.length)
    return ROUTES.find((route) => route === rest)
  }

  /* The user's access token for the Item; unknown and foreign Items get the same answer. */
  async function ownedAccessToken(userId: string, itemId: string): Promise<string> {
    let accessToken: unknown
    try {
      accessToken = await store.get(userId, itemId)
    } catch (error) {
      throw internalError(error, credentials)
    }
    if (!isNonEmptyString(accessToken)) throw itemNotFound()
    return accessToken
  }

  async function exchangeWithPlaid(publicToken: string): Promise<Exchanged> {
    let data: { item_id?: unknown; access_token?: unknown; request_id?: unknown }
    try {
      data = (
        await callPlaid('/item/public_token/exchange', (options) =>
          plaid.itemPublicTokenExchange({ public_token: publicToken }, options),
        )
      ).data
    } catch (error) {
      throw plaidFailure(error, credentials)
    }
    const accessToken = data?.access_token
    if (!isNonEmptyString(data?.item_id) || !isNonEmptyString(accessToken)) {
      const secrets = isNonEmptyString(accessToken) ? [...credentials, accessToken] : credentials
      throw internalError(new Error("Plaid's exchange answer has no item_id or access_token."), secrets)
    }
    const requestId = typeof data.request_id === 'string' ? data.request_id : undefined
    return { itemId: data.item_id, accessToken, requestId }
  }

  /*
   * Saves a new Item, trying again after a failure. If the store still refuses it, the Item is
   * removed at Plaid, so that no Item lives (and is billed) there with its access token lost.
   */
  async function saveOrRemove(userId: string, { itemId, accessToken }: Exchanged): Promise<void> {
    const secrets = [...credentials, accessToken]
    let lastError: unknown
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(SAVE_BACKOFF_MS[attempt - 1] ?? 0)
      try {
        await store.save({ userId, itemId, accessToken })
        return
      } catch (error) {
        lastError = error
      }
    }
    let removed = 'and was removed at Plaid'
    try {
      await callPlaid('/item/remove', (options) => plaid.itemRemove({ access_token: accessToken }, options))
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error)
      removed = `and removing it at Plaid failed too (${why}); remove it by hand`
    }
    const failure = internalError(lastError, secrets)
    const reason = failure.redactedCause?.message ?? ''
    throw internalError(
      new Error(`store.save failed ${SAVE_ATTEMPTS} times for Item ${itemId} (${reason}), ${removed}.`),
      secrets,
      itemId,
    )
  }

  async function exchange(userId: string, body: Record<string, unknown>): Promise<Response> {
    const publicToken = requiredString(body, 'public_token')
    let outcome: ExchangeOutcome
    try {
      outcome = await exchangeOnce(ledger, {
        userId,
        publicToken,
        // The first request's exchange, its saves and a removal all fit in the lease.
        leaseMs: 3 * plaidTimeoutMs + 5_000,
        waitMs: 3 * plaidTimeoutMs + 5_000,
        stillRunning: () =>
          internalError(new Error('Another request of this user is still exchanging this public token.'), credentials),
        run: async () => {
          const exchanged = await exchangeWithPlaid(publicToken)
          await saveOrRemove(userId, exchanged)
          const { itemId, requestId } = exchanged
          await callHook(onItemLinked, requestId === undefined ? { userId, itemId } : { userId, itemId, requestId })
          return { itemId, requestId }
        },
      })
    } catch (error) {
      throw error instanceof GatewayFailure ? error : internalError(error, credentials)
    }
    return success({ item_id: outcome.itemId, request_id: outcome.requestId }, credentials)
  }

  /*
   * A body without `item_id` asks for a new Item's token, made from the app's fields with its
   * products. With `item_id` it is update mode, where Plaid asks that the product lists be left out.
   */
  async function linkTokenCreate(userId: string, body: Record<string, unknown>): Promise<Response> {
    const user = { client_user_id: userId }
    let request: LinkTokenCreateRequest
    let secrets = credentials
    if (!('item_id' in body)) {
      if (!linkTokenFields.products?.length) {
        throw internalError(
          new Error(
            'createPlaidGateway: linkToken.products is needed for new Items (a new-Item Link token needs at least ' +
              'one product, such as Products.Transactions of the plaid SDK); update mode works without it.',
          ),
          credentials,
        )
      }
      request = { ...(linkTokenFields as LinkTokenFields), user }
    } else {
      const itemId = requiredString(body, 'item_id')
      const accountSelectionEnabled = optionalBoolean(body, 'account_selection_enabled')
      const accessToken = await ownedAccessToken(userId, itemId)
      request = { ...(updateModeFields as LinkTokenFields), user, access_token: accessToken }
      if (accountSelectionEnabled === true) request.update = { account_selection_enabled: true }
      secrets = [...credentials, accessToken]
    }
    let data: { link_token?: unknown; expiration?: unknown; request_id?: unknown }
    try {
      data = (await callPlaid('/link/token/create', (options) => plaid.linkTokenCreate(request, options))).data
    } catch (error) {
      throw plaidFailure(error, secrets)
    }
    if (!isNonEmptyString(data?.link_token) || !isNonEmptyString(data?.expiration)) {
      throw internalError(new Error("Plaid's /link/token/create answer has no link_token or expiration."), secrets)
    }
    return success(
      {
        link_token: data.link_token,
        expiration: data.expiration,
        request_id: typeof data.request_id === 'string' ? data.request_id : undefined,
      },
      secrets,
    )
  }

  async function publicTokenCreate(userId: string, body: Record<string, unknown>): Promise<Response> {
    const itemId = requiredString(body, 'item_id')
    const accessToken = await ownedAccessToken(userId, itemId)
    const secrets = [...credentials, accessToken]
    let data: { public_token?: unknown; expiration?: unknown; request_id?: unknown }
    try {
      data = (
        await callPlaid('/item/public_token/create', (options) =>
          plaid.itemCreatePublicToken({ access_token: accessToken }, options),
        )
      ).data
    } catch (error) {
      throw plaidFailure(error, secrets)
    }
    if (!isNonEmptyString(data?.public_token)) {
      throw internalError(new Error("Plaid's /item/public_token/create answer has no public_token."), secrets)
    }
    return success(
      {
        public_token: data.public_token,
        expiration: isNonEmptyString(data.expiration) ? data.expiration : undefined,
        request_id: typeof data.request_id === 'string' ? data.request_id : undefined,
      },
      secrets,
    )
  }

  const handle = async (request: Request): Promise<Response> => {
    let route: PlaidGatewayRoute | undefined
    let userId: string | undefined
    try {
      // The checks run in the contract's order; the first that fails answers.
      if (request.method !== 'POST') throw methodNotAllowed()
      route = matchRoute(request.url)
      if (!route) throw notFound(basePath)
      let user: unknown
      try {
        user = await getUserId(request)
      } catch (error) {
        throw internalError(error, credentials)
      }
      if (!isNonEmptyString(user)) throw unauthorized()
      userId = user
      const body = await readJsonBody(request)
      if (route === '/item/public_token/exchange') return await exchange(userId, body)
      if (route === '/link/token/create') return await linkTokenCreate(userId, body)
      return await publicTokenCreate(userId, body)
    } catch (error) {
      const failure = error instanceof GatewayFailure ? error : internalError(error, credentials)
      const { body } = failure
      await callHook(onError, {
        route,
        status: failure.status,
        errorType: body.error_type,
        errorCode: body.error_code,
        errorMessage: body.error_message,
        ...(body.request_id === undefined ? {} : { requestId: body.request_id }),
        ...(userId === undefined ? {} : { userId }),
        ...(failure.itemId === undefined ? {} : { itemId: failure.itemId }),
        ...(failure.redactedCause === undefined ? {} : { cause: failure.redactedCause }),
      })
      return failureResponse(failure)
    }
  }

  return { handle }
}
