/**
 * The codes the package itself produces when a failure has no Plaid error body.
 * Plaid's own codes (for example `ITEM_LOGIN_REQUIRED`) pass through unchanged.
 */
export type PlaidGatewayErrorCode =
  | 'HTTP_ERROR'
  | 'INVALID_RESPONSE'
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'INVALID_INPUT'
  | 'SECRET_ON_CLIENT'
  | 'LINK_SCRIPT_FAILED'
  | 'LINK_SCRIPT_TIMEOUT'
  | 'OAUTH_STATE_MISSING'

/** The fields of a {@link PlaidGatewayError}, as its constructor takes them. */
export interface PlaidGatewayErrorInit {
  /** The HTTP status of the gateway's answer, or `undefined` when there was none. */
  status?: number | undefined
  /** Plaid's `error_type`, or `'GATEWAY_ERROR'` / `'LINK_ERROR'` for the package's own failures. */
  errorType: string
  /** Plaid's `error_code`, or one of {@link PlaidGatewayErrorCode}. */
  errorCode: PlaidGatewayErrorCode | (string & {})
  /** A message for developers; also the `Error.message`. */
  errorMessage: string
  /** A message that may be shown to a person, when Plaid gave one. */
  displayMessage?: string | null | undefined
  /** Plaid's `request_id`, useful when asking Plaid's support about a failure. */
  requestId?: string | undefined
  /** For `DUPLICATE_ITEM` only: the `item_id` of the Item the user already linked. */
  itemId?: string | undefined
}

/*
 * The brand lets `instanceof` work even when an app ends up with two copies of the
 * package (its ESM and its CJS build, say), which a plain prototype check would not.
 */
const BRAND = /* @__PURE__ */ Symbol.for('@utdk/plaid-react.PlaidGatewayError')

/**
 * The one error type that every hook and the button report.
 *
 * @example
 * ```ts
 * if (error instanceof PlaidGatewayError && error.errorCode === 'ITEM_LOGIN_REQUIRED') {
 *   showRepairButton()
 * }
 * ```
 */
export class PlaidGatewayError extends Error {
  declare readonly name: 'PlaidGatewayError'
  /** The HTTP status of the gateway's answer; `undefined` for network failures, timeouts and refused input. */
  declare readonly status: number | undefined
  /** Plaid's `error_type`, or `'GATEWAY_ERROR'` / `'LINK_ERROR'`. */
  declare readonly errorType: string
  /** Plaid's `error_code`, or one of {@link PlaidGatewayErrorCode}. */
  declare readonly errorCode: PlaidGatewayErrorCode | (string & {})
  /**
   * Plaid's `error_message`, or the package's own explanation; the same text as `message`.
   * Production builds shorten the package's own explanations to the `errorCode`.
   */
  declare readonly errorMessage: string
  /** Plaid's `display_message`: safe to show to a person. `null` when there is none. */
  declare readonly displayMessage: string | null
  /** Plaid's `request_id`, when the gateway passed it on. */
  declare readonly requestId: string | undefined
  /**
   * For the gateway's `DUPLICATE_ITEM` answer only (`409`, `error_type: 'ITEM_ERROR'`): the
   * `item_id` of the Item the user already linked at that bank, so that the app can offer its
   * repair (`<LinkRepairButton itemId={error.itemId} />`) instead of a second link. `undefined` for
   * every other error.
   */
  declare readonly itemId: string | undefined

  constructor(init: PlaidGatewayErrorInit, options?: { cause?: unknown }) {
    super(init.errorMessage, options)
    // Only the contract's fields are taken from `init`, so that it cannot set `stack`, `message`
    // or anything else. Every instance has all of them, the optional ones included.
    Object.assign(this, {
      name: 'PlaidGatewayError',
      status: init.status,
      errorType: init.errorType,
      errorCode: init.errorCode,
      errorMessage: init.errorMessage,
      displayMessage: init.displayMessage ?? null,
      requestId: init.requestId,
      itemId: init.itemId,
    })
    Object.defineProperty(this, BRAND, { value: true })
  }

  /*
   * The brand answers for PlaidGatewayError itself, from any copy. A subclass is the app's own
   * and exists once, so it gets the ordinary prototype check: a plain PlaidGatewayError is not
   * an instance of it.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return this === PlaidGatewayError
      ? (value as Record<symbol, unknown> | null)?.[BRAND] === true
      : Function.prototype[Symbol.hasInstance].call(this, value)
  }
}

/** Plaid's error JSON, as the gateway forwards it and as Link reports it on exit. */
export interface PlaidErrorBody {
  error_type: string
  error_code: string
  error_message: string
  display_message?: string | null | undefined
  request_id?: string | undefined
  /** The gateway's `DUPLICATE_ITEM` only: the Item already linked. */
  item_id?: string | undefined
}

/**
 * Plaid's error JSON as the one error type; `status` is the gateway's HTTP status, none for Link's.
 *
 * USER_PERMISSION_REVOKED is Plaid's error for an Item whose user withdrew the app's access. Plaid
 * documents that update mode may bring such an Item back and may also be refused, with this error
 * (contract, section 11); then the Item can only be linked again, and when Plaid gave no message of
 * its own for the person, the error says so.
 */
export const plaidError = (body: PlaidErrorBody, status?: number): PlaidGatewayError =>
  new PlaidGatewayError({
    status,
    errorType: body.error_type,
    errorCode: body.error_code,
    errorMessage: body.error_message,
    displayMessage:
      body.display_message ??
      (body.error_code === 'USER_PERMISSION_REVOKED'
        ? 'Access to this bank was withdrawn, so it cannot be reconnected. Please link your bank again.'
        : null),
    requestId: body.request_id,
    // The Item the user already linked, which the gateway names on this error alone.
    itemId: body.error_code === 'DUPLICATE_ITEM' ? body.item_id : undefined,
  })

/**
 * A failure of the package's own (not Plaid's). The message is `explanation` in development and
 * the bare `errorCode` in production builds. Call sites write
 * `process.env.NODE_ENV !== 'production' && '…'` in full, each time, because that is the form
 * bundlers replace and then drop as dead code.
 */
function ownError(
  errorType: 'GATEWAY_ERROR' | 'LINK_ERROR',
  errorCode: PlaidGatewayErrorCode,
  explanation: string | false | undefined,
  status: number | undefined,
  cause: unknown,
): PlaidGatewayError {
  return new PlaidGatewayError(
    { status, errorType, errorCode, errorMessage: explanation || errorCode },
    cause === undefined ? undefined : { cause },
  )
}

/** A failure between the browser and the gateway, with `errorType: 'GATEWAY_ERROR'`. */
export const gatewayError = (
  errorCode: PlaidGatewayErrorCode,
  explanation?: string | false,
  status?: number,
  cause?: unknown,
): PlaidGatewayError => ownError('GATEWAY_ERROR', errorCode, explanation, status, cause)

/** A failure of Plaid Link in the browser (its script, its start, an OAuth return), with `errorType: 'LINK_ERROR'`. */
export const linkError = (errorCode: PlaidGatewayErrorCode, explanation: string | false, cause?: unknown) =>
  ownError('LINK_ERROR', errorCode, explanation, undefined, cause)
