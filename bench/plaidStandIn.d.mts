/** A request as the stand-in received it. */
export interface StandInRequest {
  path: string
  method: string | undefined
  headers: Record<string, string | string[] | undefined>
  body: Record<string, unknown> | undefined
  /** When its body had arrived, by `performance.now()` of the process that runs the stand-in. */
  at: number
}

/** An answer the stand-in gives instead of serving a request; see `failNext`. */
export interface StandInFailure {
  status: number
  body: unknown
  contentType?: string
}

export interface PlaidStandIn {
  /** Where it listens, e.g. `http://127.0.0.1:43210`: the `basePath` for the SDK's Configuration. */
  url: string
  /** Delay before every answer, in milliseconds; may be changed at any time. */
  latencyMs: number
  /** Every request received, in order. */
  readonly requests: StandInRequest[]
  /** Every way a request broke Plaid's spec or credentials; a correct gateway leaves it empty. */
  readonly violations: string[]
  /** How many requests reached `path`, e.g. `'/item/public_token/exchange'`. */
  calls(path: string): number
  /** How many exchange requests carried this public token, served or not. */
  exchangesOf(publicToken: string): number
  /**
   * While true, every request is recorded and then left unanswered, as by a Plaid that stopped
   * responding; a held request is never served, even once this is false again.
   */
  hanging: boolean
  /** Paths whose requests are held like that while the others are served, e.g. `'/item/get'`. */
  hangingPaths: Set<string>
  /** Holds the requests to `path` until the returned function is called, then serves them as usual. */
  holdUntilReleased(path: string): () => void
  /** How many held requests still have their connection open. */
  readonly held: number
  /** Every access token handed out so far. */
  readonly issuedAccessTokens: string[]
  /** The Items Plaid still has: exchanged and not removed. */
  readonly liveItems: string[]
  /** The Items removed through /item/remove, in order. */
  readonly removedItems: string[]
  /** The institution every Item is at, as /item/get and /institutions/get_by_id tell; may be changed. */
  institution: { institution_id: string; name: string }
  /** Sets the `error` that /item/get reports for an Item (`null`: none, the Item is healthy). */
  setItemError(itemId: string, error: Record<string, unknown> | null): void
  /** Makes /webhook_verification_key/get hand out `key` (Plaid's JWK shape) for its `kid`. */
  addWebhookKey(key: { kid: string }): void
  /** The access token of an Item, as Plaid knows it. */
  accessTokenOf(itemId: string): string | undefined
  /** A fresh public token for a new Item. */
  createPublicToken(): { publicToken: string; itemId: string }
  /** Makes the next request to `path` fail with this answer. */
  failNext(path: string, answer: StandInFailure): void
  close(): Promise<void>
}

/** A Plaid error body with the fields Plaid's docs list, plus `extra`. */
export function plaidErrorBody(
  fields: { error_type: string; error_code: string; error_message: string; display_message?: string | null },
  extra?: Record<string, unknown>,
): Record<string, unknown>

export function startPlaidStandIn(options: {
  clientId: string
  secret: string
  latencyMs?: number
}): Promise<PlaidStandIn>

/** A URL on 127.0.0.1 where nothing listens. */
export function unreachableUrl(): Promise<string>
