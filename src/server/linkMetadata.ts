/*
 * Link's `onSuccess` metadata as the browser sends it with an exchange (contract, section 10):
 * the institution and the accounts the person chose. They are hints from the browser: used to
 * find a duplicate before Plaid is called and shown until Plaid confirms the institution, never
 * for ownership or status. A wrong type is the 400 of every other field.
 */
import { invalidRequest } from './errors'
import { isStorableText } from './storedValues'
import type { ItemAccount, StoredItem } from './types'

export interface LinkMetadataHints {
  institution: { institutionId: string | null; name: string | null } | undefined
  /** `undefined` when the browser sent none, so a re-save keeps what is stored. */
  accounts: ItemAccount[] | undefined
}

/* More accounts than any person links at once; the 16 KiB body limit bounds it anyway. */
const MAX_ACCOUNTS = 100

function optionalText(value: unknown, where: string): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string' || !isStorableText(value)) {
    throw invalidRequest(`${where} must be a string of text when it is present.`)
  }
  return value
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Reads `institution` and `accounts` of an exchange body; both may be absent or null. */
export function linkMetadataOf(body: Record<string, unknown>): LinkMetadataHints {
  const { institution, accounts } = body
  let hintedInstitution: LinkMetadataHints['institution']
  if (institution !== undefined && institution !== null) {
    if (!isObject(institution)) throw invalidRequest('"institution" must be an object, as in Link\'s metadata.')
    hintedInstitution = {
      institutionId: optionalText(institution.institution_id, '"institution.institution_id"'),
      name: optionalText(institution.name, '"institution.name"'),
    }
  }
  let hintedAccounts: ItemAccount[] | undefined
  if (accounts !== undefined && accounts !== null) {
    if (!Array.isArray(accounts) || accounts.length > MAX_ACCOUNTS) {
      throw invalidRequest(`"accounts" must be an array of at most ${MAX_ACCOUNTS} accounts, as in Link's metadata.`)
    }
    hintedAccounts = accounts.map((account, index) => {
      if (!isObject(account)) throw invalidRequest(`"accounts[${index}]" must be an object.`)
      // The account's own id is checked but not kept: it means nothing outside this Item.
      optionalText(account.id, `"accounts[${index}].id"`)
      return {
        name: optionalText(account.name, `"accounts[${index}].name"`),
        mask: optionalText(account.mask, `"accounts[${index}].mask"`),
        type: optionalText(account.type, `"accounts[${index}].type"`),
        subtype: optionalText(account.subtype, `"accounts[${index}].subtype"`),
      }
    })
  }
  return { institution: hintedInstitution, accounts: hintedAccounts }
}

/**
 * The user's Item that a new link would repeat, as Plaid's "Preventing duplicate Items" describes
 * it: the same institution, and at least one account with the same name and mask.
 */
export function duplicateOf(hints: LinkMetadataHints, items: readonly StoredItem[]): StoredItem | undefined {
  const institutionId = hints.institution?.institutionId
  const accounts = hints.accounts?.filter((account) => account.name !== null)
  if (!institutionId || !accounts?.length) return undefined
  return items.find(
    (item) =>
      item.institutionId === institutionId &&
      (item.accounts ?? []).some((stored) =>
        accounts.some((account) => account.name === stored.name && account.mask === stored.mask),
      ),
  )
}
