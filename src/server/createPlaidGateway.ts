/*
 * The gateway as a table of routes: each names how it is authorised (the app's session for the
 * browser's routes, Plaid's signature for the webhook), how large a body it reads, and its
 * handler. The handlers live in exchange.ts, linkTokens.ts, items.ts and webhooks.ts; this file
 * only checks the options, assembles them, and answers every failure in Plaid's error shape.
 */
import { createGatewayContext, isNonEmptyString } from './context'
import {
  GatewayFailure,
  failureResponse,
  internalError,
  methodNotAllowed,
  notFound,
  unauthorized,
  type PlaidErrorBody,
} from './errors'
import { createExchangeRoute } from './exchange'
import { createInstitutionLookup } from './institutions'
import { createItemRoutes } from './items'
import { createLinkTokenRoutes } from './linkTokens'
import { checkOptions, environmentOf, normalizeBasePath, warnOfMissingProducts } from './options'
import { BROWSER_BODY_BYTES, DEFAULT_BODY_TIMEOUT_MS, WEBHOOK_BODY_BYTES, parseJsonObject, readBody } from './readBody'
import type { GatewayErrorEvent, PlaidGateway, PlaidGatewayOptions, PlaidGatewayRoute } from './types'
import { createWebhookRoute } from './webhooks'

/** A route the browser calls for the signed-in user, with a JSON object as its body. */
interface SessionRoute {
  authorisedBy: 'session'
  maxBodyBytes: number
  handle(input: { userId: string; body: Record<string, unknown>; request: Request }): Promise<Response>
}

/** A route Plaid calls: no session, the raw body, and the signature over it checked by the handler. */
interface PlaidSignedRoute {
  authorisedBy: 'plaid-signature'
  maxBodyBytes: number
  handle(input: { body: Uint8Array<ArrayBuffer>; request: Request }): Promise<Response>
}

type Route = SessionRoute | PlaidSignedRoute

const session = (handle: SessionRoute['handle']): SessionRoute => ({
  authorisedBy: 'session',
  maxBodyBytes: BROWSER_BODY_BYTES,
  handle,
})

const plaidSigned = (handle: PlaidSignedRoute['handle']): PlaidSignedRoute => ({
  authorisedBy: 'plaid-signature',
  maxBodyBytes: WEBHOOK_BODY_BYTES,
  handle,
})

/* A log line holds the path as asked, bounded, since the path of an unknown route is anyone's text. */
const MAX_LOGGED_PATH = 200

/**
 * Creates the gateway that the package's hooks talk to: a Fetch-API handler that serves the
 * routes of the contract (the exchange, Link tokens, the user's Items and Plaid's webhooks) with
 * the official `plaid` SDK. It keeps the client id, the secret and every access token on the
 * server, and lets a user reach only their own Items.
 *
 * @example
 * ```ts
 * // app/api/plaid/[...path]/route.ts
 * import { createPlaidGateway, createMemoryItemStore } from '@utdk/plaid-react/server'
 * import { Configuration, CountryCode, PlaidApi, PlaidEnvironments, Products } from 'plaid'
 *
 * const gateway = createPlaidGateway({
 *   plaid: new PlaidApi(new Configuration({
 *     basePath: PlaidEnvironments.sandbox,
 *     baseOptions: { headers: { 'PLAID-CLIENT-ID': process.env.PLAID_CLIENT_ID, 'PLAID-SECRET': process.env.PLAID_SECRET } },
 *   })),
 *   store: createMemoryItemStore(),
 *   getUserId: async (request) => (await getSession(request))?.userId ?? null,
 *   linkToken: { client_name: 'My App', language: 'en', country_codes: [CountryCode.Us], products: [Products.Transactions] },
 *   basePath: '/api/plaid',
 * })
 * export const POST = gateway.handle
 * ```
 */
export function createPlaidGateway(options: PlaidGatewayOptions): PlaidGateway {
  checkOptions(options)
  const basePath = normalizeBasePath(options.basePath ?? '/api/plaid')
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS
  const ctx = createGatewayContext(options)
  warnOfMissingProducts(ctx.linkTokenFields.newItem)

  const institutions = createInstitutionLookup(ctx)
  const exchange = createExchangeRoute(ctx, institutions)
  const { linkTokenCreate, publicTokenCreate } = createLinkTokenRoutes(ctx)
  const { itemList, itemGet, itemRemove } = createItemRoutes(ctx, institutions)
  const webhook = createWebhookRoute(ctx, environmentOf(options))

  const routes: Record<PlaidGatewayRoute, Route> = {
    '/item/public_token/exchange': session(async ({ userId, body }) => {
      const { itemId, requestId } = await exchange(userId, body)
      return ctx.success({ item_id: itemId, request_id: requestId }, ctx.credentials)
    }),
    '/link/token/create': session(({ userId, body, request }) => linkTokenCreate(userId, body, request)),
    '/item/public_token/create': session(({ userId, body }) => publicTokenCreate(userId, body)),
    '/item/list': session(({ userId }) => itemList(userId)),
    '/item/get': session(({ userId, body }) => itemGet(userId, body)),
    '/item/remove': session(({ userId, body }) => itemRemove(userId, body)),
    '/webhook': plaidSigned(({ body, request }) => webhook(request, body)),
  }

  function matchRoute(url: string): PlaidGatewayRoute | undefined {
    const { pathname } = new URL(url)
    // A Fetch-API Request has resolved dot segments already; encoded slashes and empty segments
    // are refused here, so that no two spellings reach one route.
    if (/%(?:2f|5c)/i.test(pathname) || pathname.includes('//')) return undefined
    if (!pathname.startsWith(basePath + '/')) return undefined
    const rest = pathname.slice(basePath.length)
    return Object.hasOwn(routes, rest) ? (rest as PlaidGatewayRoute) : undefined
  }

  async function signedInUser(request: Request): Promise<string> {
    let user: unknown
    try {
      user = await options.getUserId(request)
    } catch (error) {
      throw internalError(error, ctx.credentials)
    }
    if (!isNonEmptyString(user)) throw unauthorized()
    return user
  }

  /* Every failure reaches the app: through onError, or, without it, as one console.error line. */
  async function report(event: GatewayErrorEvent, request: Request): Promise<void> {
    if (options.onError) {
      try {
        await options.onError(event)
      } catch {
        // The app's hook failing must not change the answer.
      }
      return
    }
    const where = event.route ? basePath + event.route : new URL(request.url).pathname.slice(0, MAX_LOGGED_PATH)
    const why = event.cause?.message || event.errorMessage
    console.error(`@utdk/plaid-react/server: POST ${where} answered ${event.status} ${event.errorCode}: ${why}`)
  }

  const handle = async (request: Request): Promise<Response> => {
    let route: PlaidGatewayRoute | undefined
    let userId: string | undefined
    try {
      // The checks run in the contract's order; the first that fails answers.
      if (request.method !== 'POST') throw methodNotAllowed()
      route = matchRoute(request.url)
      if (!route) throw notFound(basePath)
      const served = routes[route]
      const limits = { maxBytes: served.maxBodyBytes, timeoutMs: bodyTimeoutMs }
      if (served.authorisedBy === 'plaid-signature') {
        return await served.handle({ body: await readBody(request, limits), request })
      }
      userId = await signedInUser(request)
      const body = parseJsonObject(request, await readBody(request, limits))
      return await served.handle({ userId, body, request })
    } catch (error) {
      const failure = error instanceof GatewayFailure ? error : internalError(error, ctx.credentials)
      const body: PlaidErrorBody = failure.body
      await report(
        {
          route,
          status: failure.status,
          errorType: body.error_type,
          errorCode: body.error_code,
          errorMessage: body.error_message,
          ...(body.request_id === undefined ? {} : { requestId: body.request_id }),
          ...(userId === undefined ? {} : { userId }),
          ...(failure.itemId === undefined ? {} : { itemId: failure.itemId }),
          ...(failure.redactedCause === undefined ? {} : { cause: failure.redactedCause }),
        },
        request,
      )
      return failureResponse(failure)
    }
  }

  return { handle }
}
