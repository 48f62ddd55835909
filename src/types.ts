import type { PlaidGatewayError } from './PlaidGatewayError'
import type {
  PlaidLinkError,
  PlaidLinkEventMetadata,
  PlaidLinkExitMetadata,
  PlaidLinkSuccessMetadata,
} from './linkTypes'

/** Paths of the gateway's routes, relative to `baseUrl`. */
export interface PlaidGatewayPaths {
  /** @defaultValue `'/item/public_token/exchange'` */
  exchange?: string
  /** @defaultValue `'/link/token/create'` */
  linkTokenCreate?: string
  /** @defaultValue `'/item/public_token/create'` */
  publicTokenCreate?: string
  /** @defaultValue `'/item/list'` */
  itemList?: string
  /** @defaultValue `'/item/get'` */
  itemGet?: string
  /** @defaultValue `'/item/remove'` */
  itemRemove?: string
}

/** Headers sent with every gateway request, or a function that returns them (it may be async). */
export type PlaidGatewayHeaders = HeadersInit | (() => HeadersInit | Promise<HeadersInit>)

/**
 * How to reach the app's gateway. `<PlaidGatewayProvider>` takes these as props and every hook
 * takes them as options; a hook's option wins over the provider's.
 */
export interface PlaidGatewayConfig {
  /**
   * Where the gateway's routes are mounted. A relative URL is resolved against the page.
   * @defaultValue `'/api/plaid'`
   */
  baseUrl?: string
  /**
   * Extra headers, such as a CSRF token or a session bearer. A function is called before every
   * request. A `PLAID-CLIENT-ID` or `PLAID-SECRET` header is refused with `SECRET_ON_CLIENT`.
   */
  headers?: PlaidGatewayHeaders
  /** @defaultValue `'same-origin'` */
  credentials?: RequestCredentials
  /**
   * The `fetch` to use, for tests or instrumentation.
   * @defaultValue the global `fetch`, looked up at request time
   */
  fetch?: typeof fetch
  /**
   * How long to wait for the gateway's whole answer before failing with `TIMEOUT`.
   * @defaultValue `30000`
   */
  timeoutMs?: number
  /** Paths of the routes; each one left out keeps its default. */
  paths?: PlaidGatewayPaths
}

/** What a successful exchange gives the browser: the Item's id, never its access token. */
export interface ExchangeResult {
  itemId: string
  requestId?: string
}

export interface UseExchangePublicTokenOptions extends PlaidGatewayConfig {
  /** Runs once for each public token exchanged by this hook. */
  onSuccess?: (result: ExchangeResult) => void
  /** Runs once for each failed exchange request started by this hook. */
  onError?: (error: PlaidGatewayError) => void
}

export interface UseExchangePublicTokenResult {
  /**
   * Sends the exchange. Never rejects: resolves with the result, or with `undefined` after
   * setting `error`. A token already in flight or already exchanged is not sent again, nor one the
   * gateway refused as a duplicate (`DUPLICATE_ITEM`).
   *
   * Pass Link's `onSuccess` metadata as `metadata`: the body then carries its institution
   * (`institution_id`, `name`) and its accounts (`id`, `name`, `mask`, `type`, `subtype`), which the
   * gateway uses to refuse a bank the user has already linked. Nothing else of the metadata is sent.
   */
  exchange: (publicToken: string, metadata?: PlaidLinkSuccessMetadata) => Promise<ExchangeResult | undefined>
  /** The last successful result. */
  data: ExchangeResult | undefined
  /** The last failure; cleared when the next exchange starts or by `reset`. */
  error: PlaidGatewayError | undefined
  /** True while an exchange is in flight. */
  isLoading: boolean
  /** Back to the initial state. */
  reset: () => void
}

/** Which update-mode token to ask the gateway for. */
export type UpdateModeTokenType = 'link_token' | 'public_token'

export interface UseUpdateModeTokenOptions extends PlaidGatewayConfig {
  /**
   * `'link_token'` for Link's update mode, or `'public_token'` for Plaid's deprecated
   * `/item/public_token/create`, which some gateways still expose.
   * @defaultValue `'link_token'`
   */
  tokenType?: UpdateModeTokenType
  /**
   * Ask for `account_selection_enabled`, for Items with `NEW_ACCOUNTS_AVAILABLE`.
   * Only sent for link tokens.
   * @defaultValue `false`
   */
  accountSelectionEnabled?: boolean
  /**
   * Set to `false` to hold the request, for example until the user asks for Link.
   * @defaultValue `true`
   */
  enabled?: boolean
}

export interface UseUpdateModeTokenResult {
  /** The current token; `undefined` while none is held or once it has expired. */
  token: string | undefined
  /** When the token expires, when the gateway said. */
  expiration: Date | undefined
  /** The last failure. */
  error: PlaidGatewayError | undefined
  /** True while a token is being fetched. */
  isLoading: boolean
  /** Discards the token and fetches a fresh one; resolves with it, or `undefined` on failure. */
  refresh: () => Promise<string | undefined>
}

/** What every Link flow takes: the gateway settings, Link's callbacks, and how Link is loaded. */
export interface LinkFlowOptions extends PlaidGatewayConfig {
  /**
   * Runs once for each failure the flow reports, with the error that `error` then holds: the
   * gateway's, Link's script's, or Link's own exit error. Development builds also log each
   * failure with `console.error`, saying what to check.
   */
  onError?: (error: PlaidGatewayError) => void
  /** Link closed without success; `error` is Link's error, or `null` when the person closed it. */
  onExit?: (error: PlaidLinkError | null, metadata: PlaidLinkExitMetadata) => void
  /** Every event Link reports, passed through. */
  onEvent?: (eventName: string, metadata: PlaidLinkEventMetadata) => void
  /**
   * How long to wait for Plaid Link's script before failing with `LINK_SCRIPT_TIMEOUT`;
   * `Infinity` waits as long as it takes.
   * @defaultValue `15000`
   */
  scriptTimeoutMs?: number
  /**
   * The nonce of the page's Content-Security-Policy, set on the script tag the package adds for
   * Plaid Link (a `script-src 'nonce-…'` policy needs it).
   */
  cspNonce?: string
}

/**
 * When a flow that opens Link gets its token and Link's script: on `'intent'` (pointer enter or
 * focus), or on `'mount'`, as Plaid recommends for a view whose purpose is linking, and for touch
 * screens, which have no hover.
 */
export type LinkPrefetch = 'intent' | 'mount'

/** The health of an Item, as the gateway stores it from Plaid's webhooks and `/item/get`. */
export type ItemStatus =
  | 'healthy'
  | 'login_required'
  | 'pending_expiration'
  | 'pending_disconnect'
  | 'new_accounts_available'
  | 'revoked'
  | 'error'

/** One of the signed-in user's Items, as `usePlaidItems` gives it. Never the access token. */
export interface PlaidItem {
  itemId: string
  status: ItemStatus
  /**
   * Whether update mode fixes the status, as Plaid documents it: `login_required`,
   * `pending_expiration`, `pending_disconnect`, `new_accounts_available` (repair it with
   * `accountSelectionEnabled`) and `revoked` (update mode first; when Plaid refuses it, the repair's
   * error says to link the bank again); `error` when its `errorCode` is one that Plaid fixes through
   * update mode, such as `ITEM_LOGIN_REQUIRED`; `healthy` never.
   */
  needsRepair: boolean
  institutionId: string | null
  institutionName: string | null
  /** Plaid's error code behind the status, or `null`. */
  errorCode: string | null
  /** When the Item's consent runs out, for `pending_expiration`; otherwise `null`. */
  consentExpiresAt: Date | null
  /** When Plaid will disconnect the Item, for `pending_disconnect`; otherwise `null`. */
  disconnectAt: Date | null
  /** Plaid's reason for a `pending_disconnect`, such as `INSTITUTION_TOKEN_EXPIRATION`; otherwise `null`. */
  reason: string | null
  /** When the gateway last saved the Item or changed its status. */
  updatedAt: Date
}

export interface UsePlaidItemsOptions extends PlaidGatewayConfig {
  /**
   * `false` asks nothing of the gateway (say, until the user is signed in).
   * @defaultValue `true`
   */
  enabled?: boolean
}

export interface UsePlaidItemsResult {
  /** The user's Items, oldest first; `undefined` until the gateway first answered. */
  items: PlaidItem[] | undefined
  /** The last failure: of loading the list, or of the last `remove`. */
  error: PlaidGatewayError | undefined
  /** `true` while the first answer is awaited. */
  isLoading: boolean
  /** Asks the gateway for the list again; resolves once it answered (it never rejects). */
  refresh: () => Promise<void>
  /**
   * Removes the Item at Plaid and from the gateway's store. It leaves `items` at once, and comes
   * back if the gateway refuses. Resolves `true`, or `false` with `error` set; never rejects.
   */
  remove: (itemId: string) => Promise<boolean>
}
