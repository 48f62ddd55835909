/*
 * What createPlaidGateway checks of its options before it serves anything: every mistake is a
 * TypeError (or, for what only some requests need, a warning) that names the option and the fix.
 */
import type { LinkTokenFields, PlaidGatewayOptions } from './types'

/* Fields of /link/token/create that the gateway always sets itself, so app config cannot override them. */
const GATEWAY_OWNED_FIELDS = [
  'client_id',
  'secret',
  'user',
  'user_id',
  'user_token',
  'access_token',
  'access_tokens',
  'update',
] as const

/* Plaid asks update mode to leave these out; a new Item's token needs `products`. */
const PRODUCT_FIELDS = [
  'products',
  'required_if_supported_products',
  'optional_products',
  'additional_consented_products',
] as const

/* The largest delay setTimeout keeps; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1

export function normalizeBasePath(basePath: string): string {
  const refuse = (why: string) =>
    new TypeError(
      `createPlaidGateway: \`basePath\` ${why}; give the path the routes are mounted under, such as ` +
        `'/api/plaid'. Got ${JSON.stringify(basePath)}.`,
    )
  if (typeof basePath !== 'string') throw refuse('must be a string')
  if (/^[a-z][a-z0-9+.-]*:/i.test(basePath) || basePath.startsWith('//')) {
    throw refuse('is a path, not a URL: requests are matched on their path only')
  }
  if (/[?#]/.test(basePath)) throw refuse('cannot hold a query or a fragment')
  if (/\s/.test(basePath)) throw refuse('cannot hold whitespace, which no request path matches')
  if (/%/.test(basePath)) throw refuse('must be written decoded, without % escapes')
  const trimmed = basePath.replace(/\/+$/, '')
  const path = trimmed === '' || trimmed.startsWith('/') ? trimmed : '/' + trimmed
  const segments = path.split('/').slice(1)
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw refuse('cannot hold . or .. segments, which a request URL never keeps')
  }
  if (segments.some((segment) => segment === '')) throw refuse('cannot hold empty segments (//)')
  return path
}

function checkMilliseconds(name: string, value: unknown, example: number): void {
  if (value === undefined) return
  if (!(typeof value === 'number' && value > 0 && value <= MAX_TIMER_MS)) {
    throw new TypeError(
      `createPlaidGateway: \`${name}\` must be a number of milliseconds above 0, such as ${example}; got ${String(value)}.`,
    )
  }
}

export function checkOptions(options: PlaidGatewayOptions): void {
  const missing = (what: string, fix: string) => new TypeError(`createPlaidGateway needs \`${what}\`: ${fix}`)
  if (typeof options !== 'object' || options === null) {
    throw missing('options', 'pass { plaid, store, getUserId, linkToken, basePath }.')
  }
  if (typeof options.plaid?.itemPublicTokenExchange !== 'function') {
    throw missing('plaid', "pass a PlaidApi from the 'plaid' package, configured with your client id and secret.")
  }
  if (typeof options.store?.get !== 'function' || typeof options.store?.save !== 'function') {
    throw missing('store', 'pass an ItemStore with save() and get(), such as createMemoryItemStore() in development.')
  }
  if (typeof options.getUserId !== 'function') {
    throw missing('getUserId', "pass a function that returns the signed-in user's id from the request, or null.")
  }
  checkMilliseconds('plaidTimeoutMs', options.plaidTimeoutMs, 30_000)
  checkMilliseconds('bodyTimeoutMs', options.bodyTimeoutMs, 10_000)
  if (
    options.secrets !== undefined &&
    !(Array.isArray(options.secrets) && options.secrets.every((secret) => typeof secret === 'string'))
  ) {
    throw new TypeError('createPlaidGateway: `secrets` must be an array of strings.')
  }
  if (typeof options.linkToken !== 'object' || options.linkToken === null) {
    throw missing(
      'linkToken',
      "pass the app's /link/token/create fields, e.g. { client_name, language, country_codes, products }.",
    )
  }
  for (const name of ['waitUntil', 'linkUser', 'onError', 'onWebhook', 'onItemLinked'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`createPlaidGateway: \`${name}\` must be a function when it is given.`)
    }
  }
  if (options.environment !== undefined && options.environment !== 'sandbox' && options.environment !== 'production') {
    throw new TypeError(
      `createPlaidGateway: \`environment\` must be 'sandbox' or 'production'; got ${JSON.stringify(options.environment)}.`,
    )
  }
  if (options.duplicates !== undefined && options.duplicates !== 'refuse' && options.duplicates !== 'allow') {
    throw new TypeError(
      `createPlaidGateway: \`duplicates\` must be 'refuse' or 'allow'; got ${JSON.stringify(options.duplicates)}.`,
    )
  }
}

/** The app's Link token fields as new-Item and update-mode tokens use them. */
export function linkTokenFieldsOf(linkToken: LinkTokenFields): {
  newItem: Partial<LinkTokenFields>
  updateMode: Partial<LinkTokenFields>
} {
  const newItem: Partial<LinkTokenFields> = { ...linkToken }
  for (const field of GATEWAY_OWNED_FIELDS) delete (newItem as Record<string, unknown>)[field]
  const updateMode: Partial<LinkTokenFields> = { ...newItem }
  for (const field of PRODUCT_FIELDS) delete updateMode[field]
  return { newItem, updateMode }
}

export const MISSING_PRODUCTS =
  'linkToken.products is needed for new Items (a new-Item Link token needs at least one product, such as ' +
  'Products.Transactions of the plaid SDK); update mode works without it.'

/**
 * Without products every new-Item Link token fails, and the person who clicks "Connect a bank"
 * sees a bare error: said once, when the gateway is made, where the developer looks.
 */
export function warnOfMissingProducts(fields: Partial<LinkTokenFields>): void {
  if (fields.products?.length) return
  console.warn(
    `createPlaidGateway: ${MISSING_PRODUCTS} Until it is set, /link/token/create for a new Item answers 500. ` +
      'Add it, e.g. linkToken: { client_name, language, country_codes, products: [Products.Transactions] }.',
  )
}

const PLAID_HOSTS: Record<string, 'sandbox' | 'production'> = {
  'sandbox.plaid.com': 'sandbox',
  'production.plaid.com': 'production',
}

/**
 * The Plaid environment the gateway talks to: the `environment` option, else the one the
 * `PlaidApi`'s `basePath` names; `undefined` for any other host (a stand-in), where webhooks'
 * environment is not checked.
 */
export function environmentOf(options: PlaidGatewayOptions): 'sandbox' | 'production' | undefined {
  if (options.environment) return options.environment
  try {
    const api = options.plaid as { basePath?: unknown; configuration?: { basePath?: unknown } }
    const basePath = api.configuration?.basePath ?? api.basePath
    if (typeof basePath !== 'string') return undefined
    return PLAID_HOSTS[new URL(basePath).hostname.toLowerCase()]
  } catch {
    return undefined
  }
}
