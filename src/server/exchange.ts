/*
 * POST {basePath}/item/public_token/exchange, in the order that makes it crash-safe (contract,
 * section 10): claim the token in the ledger, refuse a duplicate before Plaid is called, make the
 * one Plaid call, then one write that seals the access token into the store and completes the
 * claim together. Only then the answer; confirming the institution with Plaid comes after it.
 *
 * An instance that dies after that write leaves the Item in the store and the claim done, so a
 * retry on any instance answers with the Item. The one window left is between Plaid's answer and
 * the write: an instance killed there leaves an Item that only Plaid knows.
 */
import { callHook, isNonEmptyString, type GatewayContext } from './context'
import { GatewayFailure, duplicateItem, internalError, itemNotFound, plaidFailure } from './errors'
import { EXCHANGE_WINDOW_MS, claimExchange, type ExchangeOutcome, type HeldClaim } from './exchangeLedger'
import type { InstitutionLookup } from './institutions'
import { duplicateOf, linkMetadataOf, type LinkMetadataHints } from './linkMetadata'
import { requiredString } from './readBody'
import { describeCause } from './redact'
import type { ItemToSave } from './types'

/* A failed write is tried this many times in all, waiting longer before each new try. */
const SAVE_ATTEMPTS = 3
const SAVE_BACKOFF_MS = [100, 400]

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Plaid's answer to an exchange, before it is saved. */
interface Exchanged {
  itemId: string
  accessToken: string
  requestId: string | undefined
}

export function createExchangeRoute(ctx: GatewayContext, institutions: InstitutionLookup) {
  const { store, ledger, credentials } = ctx

  async function exchangeWithPlaid(publicToken: string): Promise<Exchanged> {
    let data: { item_id?: unknown; access_token?: unknown; request_id?: unknown }
    try {
      data = (
        await ctx.callPlaid('/item/public_token/exchange', (options) =>
          ctx.plaid.itemPublicTokenExchange({ public_token: publicToken }, options),
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

  /* Refuses a second Item for an institution and account the user already linked. */
  async function refuseDuplicate(userId: string, hints: LinkMetadataHints): Promise<void> {
    if (ctx.options.duplicates === 'allow' || !hints.institution?.institutionId || !hints.accounts?.length) return
    const items = await ctx.storeCall((s) => s.list(userId))
    const duplicate = duplicateOf(hints, items)
    if (duplicate) {
      throw duplicateItem(duplicate.itemId, duplicate.institutionName ?? hints.institution.name)
    }
  }

  /* The one write: the sealed access token, and the claim's answer with it where the ledger can. */
  async function write(item: ItemToSave, claim: HeldClaim, outcome: ExchangeOutcome): Promise<void> {
    const result = outcome.requestId === undefined ? { itemId: outcome.itemId } : { ...outcome }
    if (ledger.saveAndComplete) {
      await ledger.saveAndComplete(item, claim.key, claim.claimId, result, EXCHANGE_WINDOW_MS)
      return
    }
    await store.save(item)
    // The Item is durable, so the answer is a success even if the ledger cannot record it: a
    // later retry then reaches Plaid, which refuses the spent token, and nothing is lost.
    await ledger.complete(claim.key, claim.claimId, result, EXCHANGE_WINDOW_MS).catch(() => undefined)
  }

  /*
   * Makes the new Item durable, trying again after a failure. Another user's Item is never
   * touched: it is the 404 of every foreign Item, with nothing removed. If the store still
   * refuses the Item, it is removed at Plaid, so that no Item lives (and is billed) there with its
   * access token lost.
   */
  async function makeDurable(item: ItemToSave, claim: HeldClaim, outcome: ExchangeOutcome): Promise<void> {
    const secrets = [...credentials, item.accessToken]
    let lastError: unknown
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(SAVE_BACKOFF_MS[attempt - 1] ?? 0)
      try {
        await write(item, claim, outcome)
        return
      } catch (error) {
        lastError = error
      }
      const owner = await store.owner(item.itemId).catch(() => undefined)
      if (owner !== undefined && owner !== item.userId) {
        throw itemNotFound(
          describeCause(
            new Error(
              `Plaid exchanged the public token for Item ${item.itemId}, which belongs to another user; nothing was ` +
                'changed and the Item was not removed at Plaid.',
            ),
            secrets,
          ),
          item.itemId,
        )
      }
    }
    let removed = 'and was removed at Plaid'
    try {
      await ctx.callPlaid('/item/remove', (options) =>
        ctx.plaid.itemRemove({ access_token: item.accessToken }, options),
      )
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error)
      removed = `and removing it at Plaid failed too (${why}); remove it by hand`
    }
    const reason = describeCause(lastError, secrets).message
    throw internalError(
      new Error(`store.save failed ${SAVE_ATTEMPTS} times for Item ${item.itemId} (${reason}), ${removed}.`),
      secrets,
      item.itemId,
    )
  }

  return async function exchange(userId: string, body: Record<string, unknown>): Promise<ExchangeOutcome> {
    const publicToken = requiredString(body, 'public_token')
    const hints = linkMetadataOf(body)
    const claim = await claimExchange(ledger, {
      userId,
      publicToken,
      // The exchange, the removal of an Item that could not be kept, and the writes all fit in the lease.
      leaseMs: 2 * ctx.plaidTimeoutMs + 5_000,
      waitMs: 2 * ctx.plaidTimeoutMs + 5_000,
      stillRunning: () =>
        internalError(new Error('Another request of this user is still exchanging this public token.'), credentials),
      firstFailed: () =>
        internalError(
          new Error(
            'The request this retry waited for failed to exchange the public token; Plaid was not called again.',
          ),
          credentials,
        ),
    }).catch((error: unknown) => {
      throw error instanceof GatewayFailure ? error : internalError(error, credentials)
    })
    if (claim.state === 'done') return claim.outcome

    const hinted = {
      institutionId: hints.institution?.institutionId ?? null,
      institutionName: hints.institution?.name ?? null,
    }
    let exchanged: Exchanged
    try {
      await refuseDuplicate(userId, hints)
      exchanged = await exchangeWithPlaid(publicToken)
      await makeDurable(
        { userId, itemId: exchanged.itemId, accessToken: exchanged.accessToken, ...hinted, accounts: hints.accounts },
        claim,
        { itemId: exchanged.itemId, requestId: exchanged.requestId },
      )
    } catch (error) {
      // Nothing was kept, so the claim is let go: the user can try again (Plaid decides the outcome).
      await ledger.release(claim.key, claim.claimId).catch(() => undefined)
      throw error instanceof GatewayFailure ? error : internalError(error, credentials)
    }

    const { itemId, requestId, accessToken } = exchanged
    await callHook(
      ctx.options.onItemLinked,
      requestId === undefined ? { userId, itemId } : { userId, itemId, requestId },
    )
    ctx.after(`confirming the institution of Item ${itemId}`, () => institutions.confirm(itemId, accessToken, hinted))
    return { itemId, requestId }
  }
}
