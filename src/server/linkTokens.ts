/*
 * POST {basePath}/link/token/create and /item/public_token/create: the tokens that open Link. A
 * body without `item_id` asks for a new Item's Link token, made from the app's fields with its
 * products; with `item_id` it is update mode for one of the user's Items, where Plaid asks that
 * the product lists be left out.
 */
import type { LinkTokenCreateRequest } from 'plaid'
import { isNonEmptyString, type GatewayContext } from './context'
import { internalError, plaidFailure } from './errors'
import { MISSING_PRODUCTS } from './options'
import { optionalBoolean, requiredString } from './readBody'
import type { LinkTokenFields } from './types'

/* Fields the app's linkUser may not set: the user is always who the session says. */
const GATEWAY_OWNED_USER_FIELDS = ['client_user_id'] as const

export function createLinkTokenRoutes(ctx: GatewayContext) {
  const { credentials } = ctx
  const { newItem, updateMode } = ctx.linkTokenFields

  /* The `user` of a new Item's token: the session's user id, and whatever the app adds for it. */
  async function newItemUser(userId: string, request: Request): Promise<LinkTokenCreateRequest['user']> {
    const linkUser = ctx.options.linkUser
    if (!linkUser) return { client_user_id: userId }
    let extra: unknown
    try {
      extra = await linkUser(userId, request)
    } catch (error) {
      throw internalError(error, credentials)
    }
    const fields = typeof extra === 'object' && extra !== null ? { ...(extra as Record<string, unknown>) } : {}
    for (const field of GATEWAY_OWNED_USER_FIELDS) delete fields[field]
    return { ...fields, client_user_id: userId }
  }

  async function linkTokenCreate(userId: string, body: Record<string, unknown>, request: Request): Promise<Response> {
    let plaidRequest: LinkTokenCreateRequest
    let secrets = credentials
    if (!('item_id' in body)) {
      if (!newItem.products?.length)
        throw internalError(new Error(`createPlaidGateway: ${MISSING_PRODUCTS}`), credentials)
      plaidRequest = { ...(newItem as LinkTokenFields), user: await newItemUser(userId, request) }
    } else {
      const itemId = requiredString(body, 'item_id')
      const accountSelectionEnabled = optionalBoolean(body, 'account_selection_enabled')
      const accessToken = await ctx.ownedAccessToken(userId, itemId)
      plaidRequest = { ...(updateMode as LinkTokenFields), user: { client_user_id: userId }, access_token: accessToken }
      if (accountSelectionEnabled === true) plaidRequest.update = { account_selection_enabled: true }
      secrets = [...credentials, accessToken]
    }
    let data: { link_token?: unknown; expiration?: unknown; request_id?: unknown }
    try {
      data = (await ctx.callPlaid('/link/token/create', (options) => ctx.plaid.linkTokenCreate(plaidRequest, options)))
        .data
    } catch (error) {
      throw plaidFailure(error, secrets)
    }
    if (!isNonEmptyString(data?.link_token) || !isNonEmptyString(data?.expiration)) {
      throw internalError(new Error("Plaid's /link/token/create answer has no link_token or expiration."), secrets)
    }
    return ctx.success(
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
    const accessToken = await ctx.ownedAccessToken(userId, itemId)
    const secrets = [...credentials, accessToken]
    let data: { public_token?: unknown; expiration?: unknown; request_id?: unknown }
    try {
      data = (
        await ctx.callPlaid('/item/public_token/create', (options) =>
          ctx.plaid.itemCreatePublicToken({ access_token: accessToken }, options),
        )
      ).data
    } catch (error) {
      throw plaidFailure(error, secrets)
    }
    if (!isNonEmptyString(data?.public_token)) {
      throw internalError(new Error("Plaid's /item/public_token/create answer has no public_token."), secrets)
    }
    return ctx.success(
      {
        public_token: data.public_token,
        expiration: isNonEmptyString(data.expiration) ? data.expiration : undefined,
        request_id: typeof data.request_id === 'string' ? data.request_id : undefined,
      },
      secrets,
    )
  }

  return { linkTokenCreate, publicTokenCreate }
}
