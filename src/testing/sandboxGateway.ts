/*
 * msw handlers that act as the app's gateway of the package's wire contract, with no Plaid and
 * no network: for Storybook, for an app's own tests, and for demos that must run offline.
 */
import { HttpResponse, delay, http, type HttpHandler } from 'msw'
import type { PlaidLinkInstitution } from '../linkTypes'
import type { ItemStatus } from '../types'
import { DEFAULT_BASE_URL, DEFAULT_PATHS, type ExchangeAccount, type ExchangeInstitution } from '../wire'
import { rememberTokenInstitution } from './sandboxLinkTokens'

/** A Plaid error as the gateway forwards it: the HTTP status and Plaid's error body. */
export interface SandboxPlaidError {
  status: number
  body: {
    error_type: string
    error_code: string
    error_message: string
    display_message: string | null
    request_id?: string
    /** On `DUPLICATE_ITEM` only: the Item the user already linked. */
    item_id?: string
  }
}

export interface SandboxGatewayOptions {
  /**
   * Where the routes are mounted; match it to `PlaidGatewayProvider`'s `baseUrl`.
   * @defaultValue `'/api/plaid'`
   */
  baseUrl?: string
  /**
   * How long each answer takes, like a gateway that calls Plaid.
   * @defaultValue `350`
   */
  latencyMs?: number
  /**
   * The Items the signed-in user owns, by id or with their institution. A token for any other
   * Item is refused with `ITEM_NOT_FOUND`, as a gateway that checks ownership does. By default
   * every Item is known. An Item's institution is what the sandbox Link shows when it repairs it.
   */
  items?: readonly (string | SandboxItem)[] | SandboxItems
  /**
   * What an exchange does when the user already has an Item at the same institution with an
   * account of the same name and mask, as the real gateway's option of that name: `'refuse'`
   * answers `409` `DUPLICATE_ITEM` with that Item's id, and exchanges nothing.
   * @defaultValue `'refuse'`
   */
  duplicates?: 'refuse' | 'allow'
}

/** One account of a sandbox Item: what the duplicate check compares (its name and mask), never an account number. */
export interface SandboxAccount {
  name: string
  mask: string | null
  type?: string | null
  subtype?: string | null
}

/** An Item of the sandbox gateway. */
export interface SandboxItem {
  itemId: string
  /** Shown by `installPlaidLinkSandbox` when Link repairs this Item, and listed by `/item/list`. */
  institution?: PlaidLinkInstitution
  /** Its health, as `/item/list` reports it. @defaultValue `'healthy'` */
  status?: ItemStatus
  /** Plaid's error code behind the status. */
  errorCode?: string | null
  /** ISO 8601, for `pending_expiration`. */
  consentExpirationTime?: string | null
  /** ISO 8601: when Plaid will disconnect the Item, for `pending_disconnect`. */
  disconnectTime?: string | null
  /** Plaid's reason for a `pending_disconnect`, such as `INSTITUTION_TOKEN_EXPIRATION`. */
  reason?: string | null
  /** Its accounts, for the duplicate check; an Item linked through the sandbox keeps those Link reported. */
  accounts?: SandboxAccount[]
  /**
   * Refuse update-mode tokens for this Item the way Plaid may for an Item whose user revoked
   * access (typically at the bank's own portal): `/link/token/create` answers `400` `ITEM_ERROR`
   * `USER_PERMISSION_REVOKED`, and the Item can only be linked again.
   * @defaultValue `false`
   */
  refusesUpdateMode?: boolean
}

/**
 * The Items of a sandbox gateway, which a test or a story can change while it runs: mark one
 * `login_required` as a webhook would, and see the app offer its repair. Made by
 * {@link createSandboxItems}; pass it as `items` to {@link sandboxGateway}.
 */
export interface SandboxItems {
  /** Every Item, in the order they were added. */
  list(): SandboxItem[]
  /** Adds an Item, or replaces the one with its id. */
  add(item: string | SandboxItem): void
  /** Changes an Item's status, as a Plaid webhook would; details left out are cleared. */
  setStatus(
    itemId: string,
    status: ItemStatus,
    details?: {
      errorCode?: string | null
      consentExpirationTime?: string | null
      disconnectTime?: string | null
      reason?: string | null
    },
  ): void
  /** Whether the Item is there. */
  has(itemId: string): boolean
  remove(itemId: string): void
}

const ITEMS_BRAND = Symbol('sandbox items')

/**
 * Items for {@link sandboxGateway} that stay changeable: the gateway lists them on `/item/list`,
 * adds each newly linked Item, confirms an Item on `/item/get` (an Item whose update-mode token was
 * made counts as repaired: `healthy`), and deletes it on `/item/remove`.
 *
 * @example
 * ```ts
 * const items = createSandboxItems([{ itemId: 'item-1', institution: { name: 'Wells Fargo', institution_id: 'ins_127991' } }])
 * const server = setupServer(...sandboxGateway({ latencyMs: 0, items }))
 * items.setStatus('item-1', 'login_required', { errorCode: 'ITEM_LOGIN_REQUIRED' })
 * ```
 */
export function createSandboxItems(initial: readonly (string | SandboxItem)[] = []): SandboxItems {
  const items = new Map<string, SandboxItem>()
  const sandbox: SandboxItems & { [ITEMS_BRAND]: true } = {
    [ITEMS_BRAND]: true,
    list: () => [...items.values()].map((item) => ({ ...item })),
    add(item) {
      const full = typeof item === 'string' ? { itemId: item } : { ...item }
      items.set(full.itemId, full)
    },
    setStatus(itemId, status, details = {}) {
      const item = items.get(itemId)
      if (!item) throw new Error(`createSandboxItems: there is no Item ${itemId}; add it first.`)
      Object.assign(item, {
        status,
        errorCode: details.errorCode ?? null,
        consentExpirationTime: details.consentExpirationTime ?? null,
        disconnectTime: details.disconnectTime ?? null,
        reason: details.reason ?? null,
      })
    },
    has: (itemId) => items.has(itemId),
    remove: (itemId) => void items.delete(itemId),
  }
  for (const item of initial) sandbox.add(item)
  return sandbox
}

const isSandboxItems = (value: unknown): value is SandboxItems =>
  typeof value === 'object' && value !== null && ITEMS_BRAND in value

/** The route names of the wire contract, for {@link sandboxGatewayError}. */
export type SandboxRoute = 'exchange' | 'linkTokenCreate' | 'publicTokenCreate' | 'itemList' | 'itemGet' | 'itemRemove'

const hex = (length: number) => Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('')
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`
const requestId = () => hex(15)

function plaidError(
  status: number,
  error_type: string,
  error_code: string,
  error_message: string,
  display_message: string | null = null,
): SandboxPlaidError {
  return { status, body: { error_type, error_code, error_message, display_message } }
}

/**
 * The gateway's answer to a bank the user has already linked (contract, section 10): Plaid's
 * error shape, a message for the person that names the bank, and the Item already linked.
 */
function sandboxDuplicateItem(institutionName: string, itemId: string): SandboxPlaidError {
  return {
    status: 409,
    body: {
      ...plaidError(
        409,
        'ITEM_ERROR',
        'DUPLICATE_ITEM',
        'the user already has an Item at this institution with the same account; the public token was not exchanged',
        `You have already connected ${institutionName}. Update that connection instead of adding it again.`,
      ).body,
      item_id: itemId,
    },
  }
}

/** Plaid errors a gateway commonly forwards, ready for {@link sandboxGatewayError}. */
export const sandboxErrors = {
  itemLoginRequired: plaidError(
    400,
    'ITEM_ERROR',
    'ITEM_LOGIN_REQUIRED',
    'the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information',
    'The login details for this account have changed. Please sign in to your bank again.',
  ),
  itemNotFound: plaidError(404, 'ITEM_ERROR', 'ITEM_NOT_FOUND', 'the requested Item was not found'),
  invalidPublicToken: plaidError(
    400,
    'INVALID_INPUT',
    'INVALID_PUBLIC_TOKEN',
    'provided public token is expired. Public tokens expire 30 minutes after creation at which point they can no longer be exchanged',
  ),
  rateLimit: plaidError(
    429,
    'RATE_LIMIT_EXCEEDED',
    'RATE_LIMIT',
    'rate limit exceeded for attempts to access this item. please try again later',
    'Too many attempts. Please wait a moment and try again.',
  ),
  institutionDown: plaidError(
    400,
    'INSTITUTION_ERROR',
    'INSTITUTION_DOWN',
    'this institution is not currently responding to this request. please try again soon',
    'This bank is not responding right now. Please try again later.',
  ),
  internal: plaidError(500, 'API_ERROR', 'INTERNAL_SERVER_ERROR', 'an unexpected error occurred'),
  // What Plaid answers when it refuses update mode for an Item whose user revoked access.
  userPermissionRevoked: plaidError(
    400,
    'ITEM_ERROR',
    'USER_PERMISSION_REVOKED',
    'the holder of this account has revoked their permission for your application to access it',
  ),
} satisfies Record<string, SandboxPlaidError>

function routeUrl(options: SandboxGatewayOptions, route: SandboxRoute | '*'): string {
  const base = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '')
  return route === '*' ? `${base}/*` : base + DEFAULT_PATHS[route]
}

function answerError(error: SandboxPlaidError) {
  return HttpResponse.json(
    { ...error.body, request_id: error.body.request_id ?? requestId() },
    { status: error.status },
  )
}

async function readBody(request: Request): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await request.json()
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

const badRequest = (message: string) => answerError(plaidError(400, 'INVALID_REQUEST', 'INVALID_REQUEST', message))

/** The bank a new Item is at when the exchange carries no institution: the sandbox Link's own. */
const SANDBOX_INSTITUTION: PlaidLinkInstitution = { name: 'First Platypus Bank', institution_id: 'ins_109508' }

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const isText = (value: unknown) => typeof value === 'string'
const isTextOrNull = (value: unknown) => value === null || isText(value)

/**
 * The hints an exchange body carries from Link's metadata (contract, section 10), or the reason
 * they are refused: a wrong type in either field is the gateway's 400.
 */
function linkHints(
  body: Record<string, unknown>,
): { institution?: ExchangeInstitution; accounts?: ExchangeAccount[] } | { refused: string } {
  const { institution, accounts } = body
  if (
    institution !== undefined &&
    !(isRecord(institution) && isText(institution.institution_id) && isText(institution.name))
  ) {
    return { refused: 'institution must be an object with string institution_id and name' }
  }
  if (
    accounts !== undefined &&
    !(
      Array.isArray(accounts) &&
      accounts.every(
        (account) =>
          isRecord(account) &&
          isText(account.id) &&
          isTextOrNull(account.name) &&
          isTextOrNull(account.mask) &&
          isTextOrNull(account.type) &&
          isTextOrNull(account.subtype),
      )
    )
  ) {
    return {
      refused: 'accounts must be an array of objects with string id, and name, mask, type and subtype strings or null',
    }
  }
  return {
    institution: institution as ExchangeInstitution | undefined,
    accounts: accounts as ExchangeAccount[] | undefined,
  }
}

/**
 * A healthy gateway: exchanges public tokens (once each, as Plaid does), creates Link tokens for
 * new Items, and update-mode Link tokens and legacy public tokens for the user's Items.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node'
 * import { sandboxGateway } from '@utdk/plaid-react/testing'
 *
 * const server = setupServer(...sandboxGateway({ latencyMs: 0, items: ['item-1'] }))
 * ```
 */
export function sandboxGateway(options: SandboxGatewayOptions = {}): HttpHandler[] {
  const latency = options.latencyMs ?? 350
  // Without `items`, every Item id is accepted for tokens, and the list holds what was linked here.
  const everyItemKnown = options.items === undefined
  const items = isSandboxItems(options.items) ? options.items : createSandboxItems(options.items ?? [])
  const repairing = new Set<string>()
  const exchanged = new Set<string>()
  const itemFor = (body: Record<string, unknown> | undefined) => {
    const itemId = body?.item_id
    if (typeof itemId !== 'string' || itemId === '') return { error: badRequest('item_id must be a non-empty string') }
    if (!everyItemKnown && !items.has(itemId)) return { error: answerError(sandboxErrors.itemNotFound) }
    return { itemId, body }
  }
  const listed = (itemId: string) => items.list().find((item) => item.itemId === itemId)
  const summary = (item: SandboxItem) => ({
    item_id: item.itemId,
    status: item.status ?? 'healthy',
    institution_id: item.institution?.institution_id ?? null,
    institution_name: item.institution?.name ?? null,
    error_code: item.errorCode ?? null,
    consent_expiration_time: item.consentExpirationTime ?? null,
    disconnect_time: item.disconnectTime ?? null,
    reason: item.reason ?? null,
    updated_at: new Date().toISOString(),
  })
  /*
   * Plaid's "Preventing duplicate Items": an Item of the user's at the same institution with an
   * account of the same name and mask is the bank linked again.
   */
  const alreadyLinked = (institution: ExchangeInstitution, accounts: ExchangeAccount[]) =>
    items
      .list()
      .find(
        (item) =>
          item.institution?.institution_id === institution.institution_id &&
          item.accounts?.some((held) =>
            accounts.some((account) => account.name === held.name && account.mask === held.mask),
          ),
      )

  return [
    http.post(routeUrl(options, 'exchange'), async ({ request }) => {
      const body = await readBody(request)
      await delay(latency)
      const publicToken = body?.public_token
      if (typeof publicToken !== 'string' || publicToken === '') {
        return badRequest('public_token must be a non-empty string')
      }
      const hints = linkHints(body!)
      if ('refused' in hints) return badRequest(hints.refused)
      const { institution, accounts = [] } = hints
      // Checked before Plaid would be called, as the gateway does: nothing is exchanged or billed.
      const duplicate = options.duplicates !== 'allow' && institution && alreadyLinked(institution, accounts)
      if (duplicate) return answerError(sandboxDuplicateItem(institution.name, duplicate.itemId))
      // Plaid refuses a public token the second time, which is why the hook never resends one.
      if (!publicToken.startsWith('public-') || exchanged.has(publicToken)) {
        return answerError(sandboxErrors.invalidPublicToken)
      }
      exchanged.add(publicToken)
      const itemId = `item-sandbox-${uuid()}`
      items.add({
        itemId,
        // The browser's hint, which the gateway shows until Plaid confirms the institution.
        institution: institution ?? SANDBOX_INSTITUTION,
        accounts: accounts.map(({ name, mask, type, subtype }) => ({ name, mask, type, subtype })),
      })
      return HttpResponse.json({ item_id: itemId, request_id: requestId() })
    }),
    http.post(routeUrl(options, 'linkTokenCreate'), async ({ request }) => {
      // Without an item_id the browser asks for a new Item's token, which Plaid lets live 4 hours;
      // update-mode tokens live 30 minutes.
      const body = await readBody(request)
      const newItem = body !== undefined && !('item_id' in body)
      const found = newItem ? undefined : itemFor(body)
      await delay(latency)
      if (found?.error) return found.error
      if (found && listed(found.itemId)?.refusesUpdateMode) return answerError(sandboxErrors.userPermissionRevoked)
      const linkToken = `link-sandbox-${uuid()}`
      const institution = found && listed(found.itemId)?.institution
      if (institution) rememberTokenInstitution(linkToken, institution)
      if (found) repairing.add(found.itemId)
      return HttpResponse.json({
        link_token: linkToken,
        expiration: new Date(Date.now() + (newItem ? 4 * 60 : 30) * 60_000).toISOString(),
        request_id: requestId(),
      })
    }),
    http.post(routeUrl(options, 'publicTokenCreate'), async ({ request }) => {
      const found = itemFor(await readBody(request))
      await delay(latency)
      if (found.error) return found.error
      return HttpResponse.json({
        public_token: `public-sandbox-${uuid()}`,
        expiration: new Date(Date.now() + 30 * 60_000).toISOString(),
        request_id: requestId(),
      })
    }),
    http.post(routeUrl(options, 'itemList'), async () => {
      await delay(latency)
      return HttpResponse.json({ items: items.list().map(summary) })
    }),
    http.post(routeUrl(options, 'itemGet'), async ({ request }) => {
      const found = itemFor(await readBody(request))
      await delay(latency)
      if (found.error) return found.error
      if (!items.has(found.itemId)) return answerError(sandboxErrors.itemNotFound)
      // An Item that went through update mode is what Plaid then reports: repaired.
      if (repairing.delete(found.itemId)) items.setStatus(found.itemId, 'healthy')
      return HttpResponse.json({ item: summary(listed(found.itemId)!) })
    }),
    http.post(routeUrl(options, 'itemRemove'), async ({ request }) => {
      const found = itemFor(await readBody(request))
      await delay(latency)
      if (found.error) return found.error
      if (!items.has(found.itemId)) return answerError(sandboxErrors.itemNotFound)
      items.remove(found.itemId)
      return HttpResponse.json({ removed: true, request_id: requestId() })
    }),
  ]
}

/** Routes that answer with a Plaid error; `'*'` (the default) for every route. */
export function sandboxGatewayError(
  error: SandboxPlaidError,
  options: SandboxGatewayOptions & { route?: SandboxRoute | '*' } = {},
): HttpHandler[] {
  return [
    http.post(routeUrl(options, options.route ?? '*'), async () => {
      await delay(options.latencyMs ?? 350)
      return answerError(error)
    }),
  ]
}

/** A gateway behind a proxy that answers with an HTML error page (a crash, a deploy, a load balancer). */
export function sandboxHtmlError(status = 502, options: SandboxGatewayOptions = {}): HttpHandler[] {
  return [
    http.post(routeUrl(options, '*'), async () => {
      await delay(options.latencyMs ?? 350)
      return new HttpResponse(`<!doctype html><title>${status}</title><h1>${status} Bad Gateway</h1>`, {
        status,
        headers: { 'Content-Type': 'text/html' },
      })
    }),
  ]
}

/** A gateway that never answers, to show timeouts and loading states. */
export function sandboxSilentGateway(options: SandboxGatewayOptions = {}): HttpHandler[] {
  return [http.post(routeUrl(options, '*'), () => delay('infinite'))]
}

/**
 * A misconfigured gateway that passes Plaid's exchange answer through, access token included.
 * The hooks drop the token; use it to see that they do.
 */
export function sandboxLeakyGateway(options: SandboxGatewayOptions = {}): HttpHandler[] {
  return [
    http.post(routeUrl(options, 'exchange'), async () => {
      await delay(options.latencyMs ?? 350)
      return HttpResponse.json({
        access_token: `access-sandbox-${uuid()}`,
        item_id: `item-sandbox-${uuid()}`,
        request_id: requestId(),
      })
    }),
  ]
}
