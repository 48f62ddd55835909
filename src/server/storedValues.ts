/*
 * What every store of this package keeps of the values it is given: text a database can hold as
 * it is, and of each account only what the duplicate check compares. Both stores apply the same
 * rules, so an app tried on the memory store behaves the same on PostgreSQL.
 */
import type { ItemAccount, ItemToSave } from './types'

/* With the `u` flag a proper surrogate pair is one code point, so only a lone half matches. */
const LONE_SURROGATE = /\p{Cs}/u

/**
 * Whether a database can keep a string as it is. PostgreSQL's text cannot hold a NUL character,
 * and a lone UTF-16 surrogate reaches the server as U+FFFD, so two different ids would meet in
 * one row. No Plaid id or token holds either; the stores of this package treat such an id as
 * one they do not know, and refuse to write such a value.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value)
}

/** Throws a `TypeError` naming the first of `fields` that a database could not keep as it is. */
export function refuseUnstorable(where: string, fields: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(fields)) {
    // The value itself stays out of the message: it may be an access token.
    if (typeof value === 'string' && !isStorableText(value)) {
      throw new TypeError(
        `${where}: ${field} holds a NUL character or a lone UTF-16 surrogate, which a database cannot keep as text. ` +
          'No Plaid id, token or name holds one; check where the value came from.',
      )
    }
  }
}

const textOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null)

/**
 * The accounts a store keeps for an Item: only the name, mask, type and subtype of each, whatever
 * else the caller passed. `undefined` stays `undefined` (keep what is stored); `null` is `[]`.
 */
export function accountsToKeep(accounts: readonly ItemAccount[] | null | undefined): ItemAccount[] | undefined {
  if (accounts === undefined) return undefined
  return (accounts ?? []).map((account) => ({
    name: textOrNull(account?.name),
    mask: textOrNull(account?.mask),
    type: textOrNull(account?.type),
    subtype: textOrNull(account?.subtype),
  }))
}

/** Refuses, with a `TypeError` naming the field, an Item to save that holds a value no database can keep. */
export function refuseUnstorableItem(where: string, item: ItemToSave): void {
  const accountFields = (item.accounts ?? []).flatMap((account, n) =>
    (['name', 'mask', 'type', 'subtype'] as const).map((field) => [`accounts[${n}].${field}`, account?.[field]]),
  )
  refuseUnstorable(where, {
    userId: item.userId,
    itemId: item.itemId,
    accessToken: item.accessToken,
    institutionId: item.institutionId,
    institutionName: item.institutionName,
    ...Object.fromEntries(accountFields),
  })
}
