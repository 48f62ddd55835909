/*
 * The wire's names, in one place for the hooks, the gateway and the sandbox: the path of every
 * route, below the gateway's base URL or base path. They mirror Plaid's own endpoint paths.
 */

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
