/*
 * POST {basePath}/item/list, /item/get and /item/remove: the signed-in user's Items and their
 * health (contract, sections 7 and 11). Only the user's own Items are ever found; another user's
 * Item is the same 404 as an unknown one.
 */
import { storeMethod, type GatewayContext } from './context'
import { internalError, itemNotFound, jsonResponse, plaidFailure } from './errors'
import type { InstitutionLookup } from './institutions'
import { requiredString } from './readBody'
import type { StoredItem } from './types'
import { statusFromItemGet } from './webhooks'

/* An Item on the wire, snake_case like Plaid (contract, sections 7 and 11); never the access token. */
export function itemSummary(item: StoredItem) {
  return {
    item_id: item.itemId,
    status: item.status,
    institution_id: item.institutionId,
    institution_name: item.institutionName,
    error_code: item.errorCode,
    consent_expiration_time: item.consentExpirationTime,
    disconnect_time: item.disconnectTime ?? null,
    reason: item.reason ?? null,
    updated_at: item.updatedAt,
  }
}

export function createItemRoutes(ctx: GatewayContext, institutions: InstitutionLookup) {
  const { credentials } = ctx

  const storedItem = async (userId: string, itemId: string) =>
    (await ctx.storeCall((store) => storeMethod(store, 'list')(userId))).find((item) => item.itemId === itemId)

  async function itemList(userId: string): Promise<Response> {
    const items = await ctx.storeCall((store) => storeMethod(store, 'list')(userId))
    return jsonResponse(200, { items: items.map(itemSummary) })
  }

  /*
   * Asks Plaid how the Item is, stores the status that follows (Plaid's answer now, so it always
   * applies), fills in the institution when the store lacks Plaid's, and answers with the Item.
   */
  async function itemGet(userId: string, body: Record<string, unknown>): Promise<Response> {
    const itemId = requiredString(body, 'item_id')
    const accessToken = await ctx.ownedAccessToken(userId, itemId)
    const secrets = [...credentials, accessToken]
    let item: { error?: unknown; consent_expiration_time?: unknown; institution_id?: unknown }
    try {
      item = (await ctx.callPlaid('/item/get', (options) => ctx.plaid.itemGet({ access_token: accessToken }, options)))
        .data.item
    } catch (error) {
      throw plaidFailure(error, secrets)
    }
    if (typeof item !== 'object' || item === null) {
      throw internalError(new Error("Plaid's /item/get answer has no item."), secrets)
    }
    await ctx.storeCall((store) => storeMethod(store, 'setStatus')(itemId, statusFromItemGet(item)))
    let stored = await storedItem(userId, itemId)
    if (!stored) throw itemNotFound()
    const setInstitution = ctx.store.setInstitution?.bind(ctx.store)
    if (
      setInstitution &&
      item.institution_id &&
      (item.institution_id !== stored.institutionId || !stored.institutionName)
    ) {
      const institution = await institutions.of(item)
      await ctx.storeCall(() => setInstitution(itemId, institution))
      stored = (await storedItem(userId, itemId)) ?? stored
    }
    return jsonResponse(200, { item: itemSummary(stored) })
  }

  /* Removes the Item at Plaid first, so that a failure there leaves the app able to try again. */
  async function itemRemove(userId: string, body: Record<string, unknown>): Promise<Response> {
    const itemId = requiredString(body, 'item_id')
    const accessToken = await ctx.ownedAccessToken(userId, itemId)
    const secrets = [...credentials, accessToken]
    let requestId: unknown
    try {
      requestId = (
        await ctx.callPlaid('/item/remove', (options) => ctx.plaid.itemRemove({ access_token: accessToken }, options))
      ).data?.request_id
    } catch (error) {
      throw plaidFailure(error, secrets)
    }
    await ctx.storeCall((store) => storeMethod(store, 'remove')(userId, itemId))
    return ctx.success({ removed: true, request_id: typeof requestId === 'string' ? requestId : undefined }, secrets)
  }

  return { itemList, itemGet, itemRemove }
}
