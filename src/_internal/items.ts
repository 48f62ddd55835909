/*
 * The Item routes on the browser's side: the user's Items as `PlaidItem`s, one Item confirmed by
 * the gateway with Plaid, and removal. The list lives in SWR's cache under ITEMS_CACHE_KEY, so the
 * Link flows can update it after a repair or a new link without knowing who shows it.
 */
import { useSWRConfig } from 'swr'
import { gatewayError } from '../PlaidGatewayError'
import type { ItemStatus, PlaidItem } from '../types'
import { ITEMS_CACHE_KEY } from '../wire'
import type { ResolvedGatewayConfig } from './config'
import { checkId, cleanString, kindOf, parseDate, postJson, type Answer } from './request'

/*
 * The statuses that update mode fixes, as Plaid documents them (contract, section 11). For
 * `revoked`, Plaid says update mode may bring the Item back and that it may also refuse; the
 * repair then fails with an error that says to link the bank again (see request.ts).
 */
const NEEDS_REPAIR: readonly ItemStatus[] = [
  'login_required',
  'pending_expiration',
  'pending_disconnect',
  'new_accounts_available',
  'revoked',
]
const STATUSES: readonly ItemStatus[] = [...NEEDS_REPAIR, 'healthy', 'error']

/*
 * The error codes behind an `error` Item that Plaid documents as fixed by sending the user through
 * Link's update mode. Any other code (INSTITUTION_DOWN, say, which waits on the bank) or none: no
 * repair to offer.
 */
const UPDATE_MODE_ERROR_CODES: readonly string[] = [
  // The login changed, expired or needs the person (a new password, MFA, expired OAuth consent);
  // the reason update mode exists.
  'ITEM_LOGIN_REQUIRED',
  // The person did not grant, or withdrew, the permission a product needs; Plaid's fix for an Item
  // already linked is update mode, where they can grant it.
  'ACCESS_NOT_GRANTED',
  // None of the accounts the app may see is open any more; when access was granted before, update
  // mode with account selection lets the person grant it again.
  'NO_ACCOUNTS',
  // No checking or savings account among those shared; update mode with account selection lets
  // the person share one.
  'NO_AUTH_ACCOUNTS',
  // The person withdrew the app's access; Plaid says to try update mode, which may bring it back.
  'USER_PERMISSION_REVOKED',
]

/** Whether update mode fixes an Item with this status and error code. */
const needsRepair = (status: ItemStatus, errorCode: string | null) =>
  NEEDS_REPAIR.includes(status) || (status === 'error' && UPDATE_MODE_ERROR_CODES.includes(errorCode!))

/* One ItemSummary of the wire as a PlaidItem; a summary without an item_id is the gateway's fault. */
function toPlaidItem(answer: Answer, summary: unknown): PlaidItem {
  const wire = (summary ?? {}) as Record<string, unknown>
  const text = (field: string) => cleanString(answer, wire[field]) ?? null
  const itemId = text('item_id')
  if (!itemId) {
    throw gatewayError(
      'INVALID_RESPONSE',
      process.env.NODE_ENV !== 'production' &&
        `The gateway's answer to POST ${answer.url} has an Item without a usable "item_id".`,
      answer.status,
    )
  }
  // A status this version does not know is shown as an error rather than guessed at.
  const status = STATUSES.includes(wire.status as ItemStatus) ? (wire.status as ItemStatus) : 'error'
  const errorCode = text('error_code')
  return {
    itemId,
    status,
    needsRepair: needsRepair(status, errorCode),
    institutionId: text('institution_id'),
    institutionName: text('institution_name'),
    errorCode,
    consentExpiresAt: parseDate(text('consent_expiration_time')) ?? null,
    disconnectAt: parseDate(text('disconnect_time')) ?? null,
    reason: text('reason'),
    updatedAt: parseDate(text('updated_at')) ?? new Date(answer.receivedAt),
  }
}

export async function listItems(config: ResolvedGatewayConfig): Promise<PlaidItem[]> {
  const answer = await postJson(config, 'itemList', {})
  const { items } = answer.json
  if (!Array.isArray(items)) {
    throw gatewayError(
      'INVALID_RESPONSE',
      process.env.NODE_ENV !== 'production' && `The gateway's answer to POST ${answer.url} has no "items" array.`,
      answer.status,
    )
  }
  return items.map((summary) => toPlaidItem(answer, summary))
}

/** One Item confirmed with Plaid by the gateway; the flows call it only with an Item they hold. */
export async function getItem(config: ResolvedGatewayConfig, itemId: string): Promise<PlaidItem> {
  const answer = await postJson(config, 'itemGet', { item_id: itemId })
  return toPlaidItem(answer, answer.json.item)
}

export async function removeItem(config: ResolvedGatewayConfig, itemId: string): Promise<void> {
  checkId(
    itemId,
    process.env.NODE_ENV !== 'production' &&
      `remove() of usePlaidItems needs the itemId of one of the user's Items as a non-empty string; got ${kindOf(itemId)}. Nothing was sent.`,
  )
  const answer = await postJson(config, 'itemRemove', { item_id: itemId })
  if (answer.json.removed !== true) {
    throw gatewayError(
      'INVALID_RESPONSE',
      process.env.NODE_ENV !== 'production' &&
        `The gateway's answer to POST ${answer.url} does not say "removed": true.`,
      answer.status,
    )
  }
}

/** Matches the SWR key of every Item list on the page, whatever gateway it comes from. */
export const isItemsKey = (key: unknown) => Array.isArray(key) && key[0] === ITEMS_CACHE_KEY

export type Mutate = ReturnType<typeof useSWRConfig>['mutate']

/**
 * After a repair: the gateway asks Plaid how the Item is now, and every Item list on the page
 * shows that answer; the browser never marks an Item healthy on its own. If the gateway cannot
 * say, the lists are asked for again instead.
 */
export function confirmItem(mutate: Mutate, config: ResolvedGatewayConfig, itemId: string): void {
  getItem(config, itemId).then(
    (confirmed) =>
      mutate(
        isItemsKey,
        (items: PlaidItem[] | undefined) => items?.map((item) => (item.itemId === itemId ? confirmed : item)),
        { revalidate: false },
      ),
    () => mutate(isItemsKey),
  )
}

/** After a new link: every Item list on the page is asked for again. */
export const revalidateItems = (mutate: Mutate): void => void mutate(isItemsKey)
