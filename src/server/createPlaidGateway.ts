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
import { createExchangeOnce, type Exchanged } from './exchangeOnce'
import { optionalBoolean, readJsonBody, requiredString } from './readJsonBody'
import { credentialsOf } from './redact'
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
  if (typeof basePath !== 'string' || /[?#]/.test(basePath)) {
    throw new TypeError(
      `createPlaidGateway: \`basePath\` must be a URL path such as '/api/plaid'; got ${JSON.stringify(basePath)}.`,
    )
  }
  const trimmed = basePath.replace(/\/+$/, '')
  return trimmed === '' || trimmed.startsWith('/') ? trimmed : '/' + trimmed
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
  if (typeof options.linkToken !== 'object' || options.linkToken === null) {
    throw missing(
      'linkToken',
      "pass the app's /link/token/create fields, e.g. { client_name, language, country_codes }.",
    )
  }
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== ''

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
  const credentials = credentialsOf(plaid)
  const exchanges = createExchangeOnce()

  function matchRoute(url: string): PlaidGatewayRoute | undefined {
    const { pathname } = new URL(url)
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

  async function exchange(userId: string, body: Record<string, unknown>): Promise<Response> {
    const publicToken = requiredString(body, 'public_token')
    const outcome = await exchanges.run(
      userId,
      publicToken,
      async (): Promise<Exchanged> => {
        let data: { item_id?: unknown; access_token?: unknown; request_id?: unknown }
        try {
          data = (await plaid.itemPublicTokenExchange({ public_token: publicToken })).data
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
      },
      async ({ itemId, accessToken, requestId }) => {
        try {
          await store.save({ userId, itemId, accessToken })
        } catch (error) {
          throw internalError(error, [...credentials, accessToken])
        }
        await callHook(onItemLinked, requestId === undefined ? { userId, itemId } : { userId, itemId, requestId })
      },
    )
    return jsonResponse(200, { item_id: outcome.itemId, request_id: outcome.requestId })
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
      data = (await plaid.linkTokenCreate(request)).data
    } catch (error) {
      throw plaidFailure(error, secrets)
    }
    if (!isNonEmptyString(data?.link_token) || !isNonEmptyString(data?.expiration)) {
      throw internalError(new Error("Plaid's /link/token/create answer has no link_token or expiration."), secrets)
    }
    return jsonResponse(200, {
      link_token: data.link_token,
      expiration: data.expiration,
      request_id: typeof data.request_id === 'string' ? data.request_id : undefined,
    })
  }

  async function publicTokenCreate(userId: string, body: Record<string, unknown>): Promise<Response> {
    const itemId = requiredString(body, 'item_id')
    const accessToken = await ownedAccessToken(userId, itemId)
    const secrets = [...credentials, accessToken]
    let data: { public_token?: unknown; expiration?: unknown; request_id?: unknown }
    try {
      data = (await plaid.itemCreatePublicToken({ access_token: accessToken })).data
    } catch (error) {
      throw plaidFailure(error, secrets)
    }
    if (!isNonEmptyString(data?.public_token)) {
      throw internalError(new Error("Plaid's /item/public_token/create answer has no public_token."), secrets)
    }
    return jsonResponse(200, {
      public_token: data.public_token,
      expiration: isNonEmptyString(data.expiration) ? data.expiration : undefined,
      request_id: typeof data.request_id === 'string' ? data.request_id : undefined,
    })
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
        ...(failure.redactedCause === undefined ? {} : { cause: failure.redactedCause }),
      })
      return failureResponse(failure)
    }
  }

  return { handle }
}
