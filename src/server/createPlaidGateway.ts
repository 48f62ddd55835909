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
import { optionalBoolean, readJsonBody, readLimited, requiredString } from './readJsonBody'
import { credentialsOf, containsSecret } from './redact'
import type {
  ItemStatusUpdate,
  ItemStore,
  LinkTokenFields,
  PlaidGateway,
  PlaidGatewayOptions,
  PlaidGatewayRoute,
  StoredItem,
} from './types'
import {
  acknowledged,
  createWebhookVerifier,
  statusFromItemGet,
  statusFromItemWebhook,
  type PlaidVerificationKey,
} from './webhooks'

const ROUTES: readonly PlaidGatewayRoute[] = [
  '/item/public_token/exchange',
  '/link/token/create',
  '/item/public_token/create',
  '/item/list',
  '/item/get',
  '/item/remove',
  '/webhook',
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

interface Institution {
  institutionId: string | null
  institutionName: string | null
}

/* A failed save is tried this many times in all, waiting longer before each new try. */
const SAVE_ATTEMPTS = 3
const SAVE_BACKOFF_MS = [100, 400]
const DEFAULT_PLAID_TIMEOUT_MS = 30_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/* An Item on the wire, snake_case like Plaid (section 7 of the contract); never the access token. */
function itemSummary(item: StoredItem) {
  return {
    item_id: item.itemId,
    status: item.status,
    institution_id: item.institutionId,
    institution_name: item.institutionName,
    error_code: item.errorCode,
    consent_expiration_time: item.consentExpirationTime,
    updated_at: item.updatedAt,
  }
}

/* The v2 methods a store written for version 1 may lack; the routes that need them say so. */
function storeMethod<K extends 'list' | 'owner' | 'setStatus' | 'remove'>(store: ItemStore, name: K): ItemStore[K] {
  const method = store[name]
  if (typeof method !== 'function') {
    throw new Error(
      `createPlaidGateway: the store has no ${name}(), which this route needs (ItemStore of contract v2).`,
    )
  }
  return method.bind(store) as ItemStore[K]
}

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
  const { plaid, store, getUserId, onItemLinked, onError, onWebhook } = options
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
  function success(body: Record<string, string | boolean | undefined>, secrets: readonly string[]): Response {
    for (const [field, value] of Object.entries(body)) {
      if (typeof value === 'string' && containsSecret(value, secrets)) {
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

  /*
   * The new Item's institution, for the app's list of Items: its id from Plaid's /item/get, its
   * name from there or from /institutions/get_by_id (asked once per institution). Best effort:
   * anything failing leaves null and never fails the exchange.
   */
  const institutionNames = new Map<string, Promise<string | null>>()
  async function institutionOf(accessToken: string): Promise<Institution> {
    let item: { institution_id?: unknown; institution_name?: unknown }
    try {
      item = (await callPlaid('/item/get', (options) => plaid.itemGet({ access_token: accessToken }, options))).data
        .item
    } catch {
      return { institutionId: null, institutionName: null }
    }
    const institutionId = isNonEmptyString(item?.institution_id) ? item.institution_id : null
    if (institutionId === null) return { institutionId: null, institutionName: null }
    if (isNonEmptyString(item.institution_name)) return { institutionId, institutionName: item.institution_name }
    let name = institutionNames.get(institutionId)
    if (!name) {
      name = callPlaid('/institutions/get_by_id', (options) =>
        plaid.institutionsGetById(
          { institution_id: institutionId, country_codes: linkTokenFields.country_codes ?? [] },
          options,
        ),
      ).then(
        ({ data }) => (isNonEmptyString(data?.institution?.name) ? data.institution.name : null),
        () => {
          institutionNames.delete(institutionId)
          return null
        },
      )
      institutionNames.set(institutionId, name)
    }
    return { institutionId, institutionName: await name }
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
  async function saveOrRemove(
    userId: string,
    { itemId, accessToken }: Exchanged,
    institution: Institution,
  ): Promise<void> {
    const secrets = [...credentials, accessToken]
    let lastError: unknown
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(SAVE_BACKOFF_MS[attempt - 1] ?? 0)
      try {
        await store.save({ userId, itemId, accessToken, ...institution })
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
        firstFailed: () =>
          internalError(
            new Error(
              'The request this retry waited for failed to exchange the public token; Plaid was not called again.',
            ),
            credentials,
          ),
        run: async () => {
          const exchanged = await exchangeWithPlaid(publicToken)
          await saveOrRemove(userId, exchanged, await institutionOf(exchanged.accessToken))
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

  async function storeCall<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw error instanceof GatewayFailure ? error : internalError(error, credentials)
    }
  }

  async function itemList(userId: string): Promise<Response> {
    const items = await storeCall(() => storeMethod(store, 'list')(userId))
    return jsonResponse(200, { items: items.map(itemSummary) })
  }

  /* Asks Plaid how the Item is, stores the status that follows, and answers with the Item. */
  async function itemGet(userId: string, body: Record<string, unknown>): Promise<Response> {
    const itemId = requiredString(body, 'item_id')
    const accessToken = await ownedAccessToken(userId, itemId)
    const secrets = [...credentials, accessToken]
    let item: { error?: unknown; consent_expiration_time?: unknown }
    try {
      item = (await callPlaid('/item/get', (options) => plaid.itemGet({ access_token: accessToken }, options))).data
        .item
    } catch (error) {
      throw plaidFailure(error, secrets)
    }
    if (typeof item !== 'object' || item === null) {
      throw internalError(new Error("Plaid's /item/get answer has no item."), secrets)
    }
    const update: ItemStatusUpdate = statusFromItemGet(item)
    const stored = await storeCall(async () => {
      await storeMethod(store, 'setStatus')(itemId, update)
      return (await storeMethod(store, 'list')(userId)).find((one) => one.itemId === itemId)
    })
    if (!stored) throw itemNotFound()
    return jsonResponse(200, { item: itemSummary(stored) })
  }

  /* Removes the Item at Plaid first, so that a failure there leaves the app able to try again. */
  async function itemRemove(userId: string, body: Record<string, unknown>): Promise<Response> {
    const itemId = requiredString(body, 'item_id')
    const accessToken = await ownedAccessToken(userId, itemId)
    const secrets = [...credentials, accessToken]
    let requestId: unknown
    try {
      requestId = (
        await callPlaid('/item/remove', (options) => plaid.itemRemove({ access_token: accessToken }, options))
      ).data?.request_id
    } catch (error) {
      throw plaidFailure(error, secrets)
    }
    await storeCall(() => storeMethod(store, 'remove')(userId, itemId))
    return success({ removed: true, request_id: typeof requestId === 'string' ? requestId : undefined }, secrets)
  }

  const verifier = createWebhookVerifier(async (kid): Promise<PlaidVerificationKey> => {
    const { data } = await callPlaid('/webhook_verification_key/get', (options) =>
      plaid.webhookVerificationKeyGet({ key_id: kid }, options),
    )
    const key = data?.key as PlaidVerificationKey | undefined
    if (typeof key !== 'object' || key === null || key.kid !== kid) throw new Error('Plaid answered with another key.')
    return key
  })

  /* Called by Plaid, with no session: the signature is what proves where it came from. */
  async function webhook(request: Request): Promise<Response> {
    const event = await verifier.verify(request.headers.get('plaid-verification'), await readLimited(request))
    const itemId = event.item_id
    let userId: string | undefined
    if (isNonEmptyString(itemId)) {
      userId = await storeCall(() => storeMethod(store, 'owner')(itemId))
      const update = event.webhook_type === 'ITEM' ? statusFromItemWebhook(event) : undefined
      if (userId !== undefined && update) await storeCall(() => storeMethod(store, 'setStatus')(itemId, update))
    }
    await callHook(onWebhook, userId === undefined ? { ...event } : { ...event, userId })
    return acknowledged()
  }

  const handle = async (request: Request): Promise<Response> => {
    let route: PlaidGatewayRoute | undefined
    let userId: string | undefined
    try {
      // The checks run in the contract's order; the first that fails answers.
      if (request.method !== 'POST') throw methodNotAllowed()
      route = matchRoute(request.url)
      if (!route) throw notFound(basePath)
      if (route === '/webhook') return await webhook(request)
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
      if (route === '/item/public_token/create') return await publicTokenCreate(userId, body)
      if (route === '/item/list') return await itemList(userId)
      if (route === '/item/get') return await itemGet(userId, body)
      return await itemRemove(userId, body)
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
