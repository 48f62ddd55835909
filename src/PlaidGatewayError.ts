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
  override readonly name = 'PlaidGatewayError'
  /** The HTTP status of the gateway's answer; `undefined` for network failures, timeouts and refused input. */
  readonly status: number | undefined
  /** Plaid's `error_type`, or `'GATEWAY_ERROR'` / `'LINK_ERROR'`. */
  readonly errorType: string
  /** Plaid's `error_code`, or one of {@link PlaidGatewayErrorCode}. */
  readonly errorCode: PlaidGatewayErrorCode | (string & {})
  /** Plaid's `error_message`, or the package's own explanation; the same text as `message`. */
  readonly errorMessage: string
  /** Plaid's `display_message`: safe to show to a person. `null` when there is none. */
  readonly displayMessage: string | null
  /** Plaid's `request_id`, when the gateway passed it on. */
  readonly requestId: string | undefined

  constructor(init: PlaidGatewayErrorInit, options?: { cause?: unknown }) {
    super(init.errorMessage, options)
    this.status = init.status
    this.errorType = init.errorType
    this.errorCode = init.errorCode
    this.errorMessage = init.errorMessage
    this.displayMessage = init.displayMessage ?? null
    this.requestId = init.requestId
    Object.defineProperty(this, BRAND, { value: true })
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
  }
}

/** A failure of the package's own (not Plaid's), with `errorType: 'GATEWAY_ERROR'`. */
export function gatewayError(
  errorCode: PlaidGatewayErrorCode,
  errorMessage: string,
  status?: number,
  cause?: unknown,
): PlaidGatewayError {
  return new PlaidGatewayError(
    { status, errorType: 'GATEWAY_ERROR', errorCode, errorMessage },
    cause === undefined ? undefined : { cause },
  )
}
