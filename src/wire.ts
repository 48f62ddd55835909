/*
 * The wire's names, in one place for the hooks, the gateway and the sandbox: the path of every
 * route, below the gateway's base URL or base path, and the exchange's body. They mirror Plaid's
 * own endpoint paths and field names.
 */
import type { PlaidLinkSuccessMetadata } from './linkTypes'

/** Where the hooks look for the gateway, and where the gateway and the sandbox mount it. */
export const DEFAULT_BASE_URL = '/api/plaid'

/** Default path of each route, by the name that `paths` overrides it with. */
export const DEFAULT_PATHS = {
  exchange: '/item/public_token/exchange',
  linkTokenCreate: '/link/token/create',
  publicTokenCreate: '/item/public_token/create',
  itemList: '/item/list',
  itemGet: '/item/get',
  itemRemove: '/item/remove',
} as const

export type RouteName = keyof typeof DEFAULT_PATHS

/** The first part of the SWR key of every token: then the route's URL, the token kind, the Item (null for a new one), and account selection. */
export const TOKEN_CACHE_KEY = '@utdk/plaid-react/token'

/** The first part of the SWR key of the Item list: then the list route's URL. */
export const ITEMS_CACHE_KEY = '@utdk/plaid-react/items'

/** The institution an exchange body carries (contract, section 10): a hint from Link's metadata. */
export interface ExchangeInstitution {
  institution_id: string
  name: string
}

/** One account an exchange body carries: what the gateway's duplicate check compares, never an account number. */
export interface ExchangeAccount {
  id: string
  name: string
  mask: string | null
  type: string
  subtype: string | null
}

/** The exchange's request body. */
export interface ExchangeBody {
  public_token: string
  institution?: ExchangeInstitution
  accounts?: ExchangeAccount[]
}

/**
 * The exchange's body for a public token and Link's `onSuccess` metadata: the institution and the
 * accounts, each with exactly the fields the gateway reads, and nothing when the metadata has
 * none. Whatever else Link reports about the accounts stays in the browser.
 */
export function exchangeBody(
  publicToken: string,
  { institution, accounts }: Partial<Pick<PlaidLinkSuccessMetadata, 'institution' | 'accounts'>> = {},
): ExchangeBody {
  const body: ExchangeBody = { public_token: publicToken }
  if (institution) body.institution = { institution_id: institution.institution_id, name: institution.name }
  if (accounts?.length)
    body.accounts = accounts.map(({ id, name, mask, type, subtype }) => ({ id, name, mask, type, subtype }))
  return body
}
