import type { LinkTokenCreateRequest, LinkTokenCreateRequestUser, PlaidApi } from 'plaid'
// A type only, erased from the build: no client code reaches the server entry.
import type { ItemStatus } from '../types'

/**
 * One account of an Item as Link's `onSuccess` metadata describes it: what the duplicate check
 * compares (the institution's account name and mask), never an account or routing number.
 */
export interface ItemAccount {
  /** The account's name at the institution, e.g. `Plaid Checking`. */
  name: string | null
  /** The last 2 to 4 characters of the account number, as the institution shows them. */
  mask: string | null
  /** Plaid's account type, e.g. `depository`. */
  type: string | null
  /** Plaid's account subtype, e.g. `checking`. */
  subtype: string | null
}

/** What the gateway asks an {@link ItemStore} to save after an exchange. */
export interface ItemToSave {
  /** The app's user id, as returned by `getUserId`. */
  userId: string
  /** Plaid's id of the Item; the only identifier the browser ever sees. */
  itemId: string
  /** Plaid's access token for the Item. Keep it on the server, encrypted at rest. */
  accessToken: string
  /**
   * Plaid's id of the Item's institution, when the gateway knows it. At the exchange this is the
   * browser's hint from Link's metadata; Plaid's own answer replaces it later
   * ({@link ItemStore.setInstitution}).
   */
  institutionId?: string | null
  /** The institution's name, when the gateway knows it (a hint at first, like `institutionId`). */
  institutionName?: string | null
  /**
   * The Item's accounts as Link reported them, for the duplicate check (version 3). `undefined`
   * keeps what is stored; `null` or `[]` stores none.
   */
  accounts?: readonly ItemAccount[] | null
}

/**
 * The health of an Item, as section 7 of the contract defines it: `healthy` after the exchange
 * and after a repair; the other states come from Plaid's `ITEM` webhooks and `/item/get`. The
 * same type the browser's `usePlaidItems` reports.
 */
export type { ItemStatus }

/** What a status change writes. */
export interface ItemStatusUpdate {
  status: ItemStatus
  /** Plaid's error code behind the status, or `null`. */
  errorCode?: string | null
  /** When the consent runs out (ISO 8601), for `pending_expiration`; `null` clears it. */
  consentExpirationTime?: string | null
  /** When Plaid will disconnect the Item (ISO 8601), for `pending_disconnect`; `null` clears it. */
  disconnectTime?: string | null
  /** Plaid's reason for a `pending_disconnect` (e.g. `INSTITUTION_TOKEN_EXPIRATION`); `null` clears it. */
  reason?: string | null
  /**
   * When Plaid signed the webhook that says this, in milliseconds since the epoch (its `iat`).
   * The update applies only when it is not older than the webhook that last set the Item's
   * status, so webhooks that arrive out of order never move an Item back. Left out, the update is
   * Plaid's answer now (`/item/get`): it always applies, and leaves the last webhook's time as it
   * is (both times come from Plaid's clock only when both are webhooks).
   */
  asOf?: number
}

/** The institution Plaid confirmed for an Item; `null` leaves the stored value as it is. */
export interface ItemInstitution {
  institutionId: string | null
  institutionName: string | null
}

/** One of a user's Items as {@link ItemStore.list} returns it: never the access token. */
export interface StoredItem {
  userId: string
  itemId: string
  status: ItemStatus
  institutionId: string | null
  institutionName: string | null
  errorCode: string | null
  /** ISO 8601, or `null`. */
  consentExpirationTime: string | null
  /** ISO 8601, or `null`: when Plaid will disconnect a `pending_disconnect` Item (version 3). */
  disconnectTime: string | null
  /** Plaid's reason for a `pending_disconnect`, or `null` (version 3). */
  reason: string | null
  /** The accounts Link reported when the Item was linked; `[]` when none were (version 3). */
  accounts: ItemAccount[]
  /** ISO 8601: when the Item was saved or its status last changed. */
  updatedAt: string
}

/** The outcome of {@link ExchangeLedger.claim}. */
export type ExchangeClaim =
  { state: 'claimed' } | { state: 'pending' } | { state: 'done'; itemId: string; requestId?: string }

/**
 * The memory that answers an exchange retried by the same user once, across every gateway
 * instance that shares it. Keys are opaque hashes of the user and the public token; the public
 * token itself is never handed to the ledger.
 *
 * A claim is a lease: the first caller gets `claimed`; while its lease runs, others get `pending`
 * and ask again; once it completes, everyone gets `done` with its result until `keepMs` passes.
 * A released claim, or one whose lease ran out, can be claimed again.
 */
export interface ExchangeLedger {
  claim(key: string, claimId: string, leaseMs: number): Promise<ExchangeClaim>
  complete(key: string, claimId: string, outcome: { itemId: string; requestId?: string }, keepMs: number): Promise<void>
  release(key: string, claimId: string): Promise<void>
  /**
   * Version 3, optional: saves the Item (as {@link ItemStore.save} does, and refusing another
   * user's Item the same way) and completes the claim in one atomic write, so that the moment
   * the access token is durable is also the moment a retry on any instance finds the answer.
   * Without it the gateway calls `save`, then `complete`.
   */
  saveAndComplete?(
    item: ItemToSave,
    key: string,
    claimId: string,
    outcome: { itemId: string; requestId?: string },
    keepMs: number,
  ): Promise<void>
}

/**
 * Where the gateway keeps Items and their access tokens. Any database can stand behind it; the
 * package ships an in-memory one for development ({@link createMemoryItemStore}) and one for
 * PostgreSQL (`createPostgresItemStore`). `itemStoreContract` of `@utdk/plaid-react/testing`
 * checks your own against the rules below.
 *
 * Every method that takes a `userId` must only find Items saved for that same user: the gateway
 * relies on it to keep one user from reaching another user's Item. The owner of an Item never
 * changes after its first save. An id the store could never hold (one with a NUL character, say)
 * is an unknown Item like any other: `get` and `owner` resolve `undefined`, nothing throws.
 *
 * The methods marked version 3 are optional, so a store written for version 2 keeps working;
 * without them the gateway keeps webhook replays in its own process only, and does not record the
 * institution Plaid confirms.
 */
export interface ItemStore {
  /**
   * Saves an Item's access token for a user, with the status `healthy`. Saving it again for the
   * same user replaces the token; saving it for another user must throw and change nothing.
   */
  save(item: ItemToSave): Promise<void>
  /** The access token of the user's Item, or `undefined` when this user has no such Item. */
  get(userId: string, itemId: string): Promise<string | undefined>
  /** The user's Items, oldest first, without access tokens. */
  list(userId: string): Promise<StoredItem[]>
  /** The user an Item belongs to, or `undefined` (used for webhooks, which carry no session). */
  owner(itemId: string): Promise<string | undefined>
  /**
   * Changes an Item's status; an unknown Item is ignored. An update with `asOf` older than the
   * one that set the current status changes nothing (version 3).
   */
  setStatus(itemId: string, update: ItemStatusUpdate): Promise<void>
  /** Deletes the user's Item; another user's Item is left alone. */
  remove(userId: string, itemId: string): Promise<void>
  /**
   * Version 3: records the institution Plaid confirmed for an Item, over the browser's hint. A
   * `null` field keeps what is stored; an unknown Item is ignored.
   */
  setInstitution?(itemId: string, institution: ItemInstitution): Promise<void>
  /**
   * Version 3: remembers a verified webhook by an opaque id (a hash of its signature) for at
   * least `keepMs`, across every instance sharing the store. Resolves `true` the first time an id
   * is remembered, `false` while it is still remembered, so a replayed webhook is answered once.
   */
  rememberWebhook?(id: string, keepMs: number): Promise<boolean>
  /** Version 3: forgets a webhook id again, when handling it failed and Plaid may send it again. */
  forgetWebhook?(id: string): Promise<void>
  /**
   * Makes exchange retries answer once across every gateway instance that shares the store.
   * Without it the gateway remembers exchanges in its own process only.
   */
  exchangeLedger?: ExchangeLedger
}

/** The routes of the gateway, as paths below `basePath`. */
export type PlaidGatewayRoute =
  | '/item/public_token/exchange'
  | '/link/token/create'
  | '/item/public_token/create'
  | '/item/list'
  | '/item/get'
  | '/item/remove'
  | '/webhook'

/** The part of the `plaid` SDK's `PlaidApi` that the gateway calls. A `PlaidApi` instance fits. */
export type PlaidGatewayClient = Pick<
  PlaidApi,
  | 'itemPublicTokenExchange'
  | 'linkTokenCreate'
  | 'itemCreatePublicToken'
  | 'itemRemove'
  | 'itemGet'
  | 'institutionsGetById'
  | 'webhookVerificationKeyGet'
>

/**
 * The app's own fields for Plaid's `/link/token/create`, such as `client_name`, `language` and
 * `country_codes`. The fields that identify the user, the Item or the credentials are always set
 * by the gateway and cannot be given here.
 */
export type LinkTokenFields = Omit<
  LinkTokenCreateRequest,
  'client_id' | 'secret' | 'user' | 'user_id' | 'user_token' | 'access_token' | 'access_tokens' | 'update'
>

/** What `onItemLinked` receives after a new Item's access token was saved. */
export interface ItemLinkedEvent {
  userId: string
  itemId: string
  /** Plaid's request id of the exchange. */
  requestId?: string
}

/**
 * A summary of an unexpected error, made for logs: only its name, code, message and stack, with
 * every access token and Plaid credential the gateway knows replaced by `[redacted]`. The original
 * error object is never passed on, because the `plaid` SDK's errors carry the request headers, and
 * with them the secret.
 */
export interface RedactedCause {
  name: string
  message: string
  code?: string
  stack?: string
}

/** What `onError` receives for every error response of the gateway. */
export interface GatewayErrorEvent {
  /** The route that was asked for, or `undefined` when the path matched none (or, for a 405, before it was read). */
  route: PlaidGatewayRoute | undefined
  /** The HTTP status of the response. */
  status: number
  /** The `error_type` of the response body. */
  errorType: string
  /** The `error_code` of the response body. */
  errorCode: string
  /** The `error_message` of the response body. */
  errorMessage: string
  /** Plaid's request id, when Plaid answered. */
  requestId?: string
  /**
   * The Item concerned: one the store could not keep, which the gateway then removed at Plaid
   * (see `cause` for whether that worked); or, answered 404, an exchanged Item that belongs to
   * another user, which the gateway left untouched; or, answered 409, the Item a duplicate
   * would have repeated.
   */
  itemId?: string
  /** The signed-in user, once known. */
  userId?: string
  /** For 500 responses: what went wrong inside, redacted. */
  cause?: RedactedCause
}

/**
 * A verified webhook, as Plaid sent it (`webhook_type`, `webhook_code`, `item_id`, ...), plus the
 * `userId` of the Item's owner when the store knows the Item.
 */
export type WebhookEvent = Record<string, unknown> & {
  webhook_type?: unknown
  webhook_code?: unknown
  item_id?: unknown
  userId?: string
}

/** Options of {@link createPlaidGateway}. */
export interface PlaidGatewayOptions {
  /** A `PlaidApi` from the official `plaid` SDK, configured with the app's client id and secret. */
  plaid: PlaidGatewayClient
  /** Where access tokens are kept. */
  store: ItemStore
  /**
   * Reads the app's session from the request and returns the signed-in user's id, or `null`
   * (or `undefined`) when nobody is signed in, which answers 401. Anything but a non-empty string
   * counts as nobody.
   */
  getUserId: (request: Request) => string | null | undefined | Promise<string | null | undefined>
  /** The app's fields for `/link/token/create`: at least `client_name`, `language` and `country_codes`. */
  linkToken: LinkTokenFields
  /**
   * The path prefix under which the routes are mounted, matched against the request URL's path.
   * @defaultValue `'/api/plaid'`
   */
  basePath?: string
  /**
   * How long each call to Plaid may take, in milliseconds. Past it the call is abandoned and the
   * answer is a 500, so that nothing waits forever on a Plaid that does not answer.
   * @defaultValue `30000`
   */
  plaidTimeoutMs?: number
  /**
   * Further values that must never appear in a response, a log line or a hook's payload. The
   * client id and secret are found on their own in the `PlaidApi`'s configuration and its axios
   * instance; list here any the gateway cannot see (say, a secret added by an axios interceptor).
   */
  secrets?: readonly string[]
  /**
   * How long a request's body may take to arrive, in milliseconds, on every route. Past it the
   * gateway stops reading and answers `408` `REQUEST_TIMEOUT`, so a client sending a byte a
   * second cannot hold a connection open.
   * @defaultValue `10000`
   */
  bodyTimeoutMs?: number
  /**
   * Hands the work that follows an answer to the platform, so that it may finish after the
   * response is sent: Next.js's `after`, Vercel's `waitUntil`, a Worker's `ctx.waitUntil`.
   * Confirming a new Item's institution with Plaid runs there. Without it, that work runs in the
   * background of this process, with its failures caught (on a serverless host that freezes
   * after the response, a later `/item/get` fills in what it missed).
   */
  waitUntil?: (work: Promise<unknown>) => void
  /**
   * The Plaid environment of this gateway. A webhook that names another environment is
   * acknowledged and changes nothing. Left out, it is read from the `PlaidApi`'s `basePath`
   * (Plaid's sandbox or production host); a stand-in on another host is not checked.
   */
  environment?: 'sandbox' | 'production'
  /**
   * What an exchange does when the signed-in user already has an Item at the same institution
   * with an account of the same name and mask (Plaid's "Preventing duplicate Items"):
   * `'refuse'` answers `409` `DUPLICATE_ITEM` with that Item's id before Plaid is called, so no
   * second Item is created or billed; `'allow'` exchanges anyway.
   * @defaultValue `'refuse'`
   */
  duplicates?: 'refuse' | 'allow'
  /**
   * More about the user for new-Item Link tokens, merged into `user` (e.g. `phone_number` for
   * Plaid's returning-user experience). `client_user_id` is always the gateway's: the user id.
   * The browser can never set any `user` field.
   */
  linkUser?: (userId: string, request: Request) => Promise<Partial<LinkTokenCreateRequestUser>>
  /**
   * Called once per new Item, after its access token was saved. It gets ids only. The response
   * waits for it; whatever it throws is ignored.
   */
  onItemLinked?: (event: ItemLinkedEvent) => void | Promise<void>
  /**
   * Called for every verified webhook (after the Item's status was stored, for `ITEM` webhooks).
   * The response to Plaid waits for it; whatever it throws is ignored.
   */
  onWebhook?: (event: WebhookEvent) => void | Promise<void>
  /**
   * Called for every error response, with redacted data only: use it for logs and metrics. The
   * response waits for it; whatever it throws is ignored. Without it, the gateway logs each
   * failure with `console.error` (the route, the error code and the cause's message; never a
   * secret or an access token).
   */
  onError?: (event: GatewayErrorEvent) => void | Promise<void>
}

/** The gateway: one Fetch-API handler that serves every route. */
export interface PlaidGateway {
  /**
   * Answers one request. It never rejects: every failure becomes a JSON response in Plaid's error
   * shape. It is bound, so it can be exported or passed around on its own.
   */
  handle: (request: Request) => Promise<Response>
}
