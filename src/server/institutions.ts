/*
 * The institution of an Item as Plaid tells it: its id from /item/get, its name from there or
 * from /institutions/get_by_id, asked once per institution per process. The browser's hint from
 * Link's metadata is shown until this replaces it.
 */
import { isNonEmptyString, type GatewayContext } from './context'
import type { ItemInstitution } from './types'

export interface PlaidItemFields {
  institution_id?: unknown
  institution_name?: unknown
}

export interface InstitutionLookup {
  /** The institution an `/item/get` answer names, with its name looked up when the answer lacks it. */
  of(item: PlaidItemFields): Promise<ItemInstitution>
  /**
   * Asks Plaid's /item/get for the Item's institution and records it in the store, unless it is
   * what the store already holds (`saved`: Link's hint, written with the Item).
   */
  confirm(itemId: string, accessToken: string, saved: ItemInstitution): Promise<void>
}

export function createInstitutionLookup(ctx: GatewayContext): InstitutionLookup {
  const names = new Map<string, Promise<string | null>>()

  function nameOf(institutionId: string): Promise<string | null> {
    let name = names.get(institutionId)
    if (!name) {
      name = ctx
        .callPlaid('/institutions/get_by_id', (options) =>
          ctx.plaid.institutionsGetById(
            { institution_id: institutionId, country_codes: ctx.linkTokenFields.newItem.country_codes ?? [] },
            options,
          ),
        )
        .then(
          ({ data }) => (isNonEmptyString(data?.institution?.name) ? data.institution.name : null),
          () => {
            // Not remembered: the next Item at this institution asks again.
            names.delete(institutionId)
            return null
          },
        )
      names.set(institutionId, name)
    }
    return name
  }

  const lookup: InstitutionLookup = {
    async of(item) {
      const institutionId = isNonEmptyString(item?.institution_id) ? item.institution_id : null
      if (institutionId === null) return { institutionId: null, institutionName: null }
      const institutionName = isNonEmptyString(item.institution_name)
        ? item.institution_name
        : await nameOf(institutionId)
      return { institutionId, institutionName }
    },

    async confirm(itemId, accessToken, saved) {
      const setInstitution = ctx.store.setInstitution?.bind(ctx.store)
      if (!setInstitution) return
      const { data } = await ctx.callPlaid('/item/get', (options) =>
        ctx.plaid.itemGet({ access_token: accessToken }, options),
      )
      const institution = await lookup.of(data?.item ?? {})
      if (institution.institutionId === null) return
      // Link's hint was right: the row already says so, and one write per exchange is saved.
      if (institution.institutionId === saved.institutionId && institution.institutionName === saved.institutionName)
        return
      await setInstitution(itemId, institution)
    },
  }
  return lookup
}
