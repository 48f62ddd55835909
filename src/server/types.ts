import type { LinkTokenCreateRequest, PlaidApi } from 'plaid'

/** One linked Item as the gateway hands it to an {@link ItemStore}. */
export interface StoredItem {
  /** The app's user id, as returned by `getUserId`. */
  userId: string
  /** Plaid's id of the Item; the only identifier the browser ever sees. */
  itemId: string
  /** Plaid's access token for the Item. Keep it on the server, encrypted at rest. */
  accessToken: string
}

/**
 * Where the gateway keeps access tokens. Any database can stand behind it; the package ships an
 * in-memory one for development ({@link createMemoryItemStore}).
 *
 * `get` must only find Items that were saved for that same user: the gateway relies on it to keep
 * one user from reaching another user's Item.
 *
 * @example
 * ```ts
 * const store: ItemStore = {
 *   async save({ userId, itemId, accessToken }) {
 *     await db.items.upsert({ userId, itemId, accessToken: encrypt(accessToken) })
 *   },
 *   async get(userId, itemId) {
 *     const row = await db.items.find({ userId, itemId })
 *     return row ? decrypt(row.accessToken) : undefined
 *   },
 * }
 * ```
 */
export interface ItemStore {
  /** Saves (or replaces) the access token of an Item for a user. */
  save(item: StoredItem): Promise<void>
  /** The access token of the user's Item, or `undefined` when this user has no such Item. */
  get(userId: string, itemId: string): Promise<string | undefined>
}

/** The routes of the gateway, as paths below `basePath`. */
export type PlaidGatewayRoute = '/item/public_token/exchange' | '/link/token/create' | '/item/public_token/create'

/** The part of the `plaid` SDK's `PlaidApi` that the gateway calls. A `PlaidApi` instance fits. */
export type PlaidGatewayClient = Pick<PlaidApi, 'itemPublicTokenExchange' | 'linkTokenCreate' | 'itemCreatePublicToken'>

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
  /** The signed-in user, once known. */
  userId?: string
  /** For 500 responses: what went wrong inside, redacted. */
  cause?: RedactedCause
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
   * Called once per new Item, after its access token was saved. It gets ids only. The response
   * waits for it; whatever it throws is ignored.
   */
  onItemLinked?: (event: ItemLinkedEvent) => void | Promise<void>
  /**
   * Called for every error response, with redacted data only: use it for logs and metrics. The
   * response waits for it; whatever it throws is ignored.
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
