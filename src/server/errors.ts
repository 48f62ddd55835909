/*
 * Every error the gateway answers with, in Plaid's error shape. The gateway's own errors are
 * built here; Plaid's are copied from the SDK's rejection field by field, so that nothing of the
 * SDK's error object (which holds the request headers, and with them the secret) can reach a
 * response.
 */
import { describeCause, redactText } from './redact'
import type { RedactedCause } from './types'

/** The fields of Plaid's documented `PlaidError` object that the gateway passes on. */
export interface PlaidErrorBody {
  error_type: string
  error_code: string
  error_message: string
  display_message: string | null
  request_id?: string
  error_code_reason?: string | null
  documentation_url?: string
  suggested_action?: string | null
  required_account_subtypes?: string[]
  provided_account_subtypes?: string[]
  /** Only on `DUPLICATE_ITEM`: the Item the user already has. */
  item_id?: string
}

/** An error response on its way out of the gateway; thrown inside, answered once at the top. */
export class GatewayFailure extends Error {
  override readonly name = 'GatewayFailure'

  constructor(
    readonly status: number,
    readonly body: PlaidErrorBody,
    /** Already redacted: a GatewayFailure never holds a raw error. */
    readonly redactedCause?: RedactedCause,
    /** The Item the failure concerns, for `onError` only. */
    readonly itemId?: string,
  ) {
    super(body.error_message)
  }
}

function own(
  status: number,
  errorType: string,
  errorCode: string,
  message: string,
  cause?: RedactedCause,
  itemId?: string,
) {
  return new GatewayFailure(
    status,
    { error_type: errorType, error_code: errorCode, error_message: message, display_message: null },
    cause,
    itemId,
  )
}

export const methodNotAllowed = () =>
  own(405, 'INVALID_REQUEST', 'METHOD_NOT_ALLOWED', 'The Plaid gateway only answers POST requests.')

export const notFound = (basePath: string) =>
  own(
    404,
    'INVALID_REQUEST',
    'NOT_FOUND',
    `There is no gateway route at this path. The routes are POST ${basePath}/item/public_token/exchange, ` +
      `/link/token/create, /item/public_token/create, /item/list, /item/get, /item/remove and /webhook ` +
      `under ${basePath}.`,
  )

export const unauthorized = () =>
  own(401, 'INVALID_REQUEST', 'UNAUTHORIZED', 'The request has no signed-in user; sign in and try again.')

export const tooLarge = (maxBytes: number) =>
  own(413, 'INVALID_REQUEST', 'REQUEST_TOO_LARGE', `The request body is larger than ${maxBytes} bytes.`)

export const requestTimeout = (timeoutMs: number) =>
  own(
    408,
    'INVALID_REQUEST',
    'REQUEST_TIMEOUT',
    `The request body did not arrive within ${timeoutMs} ms; the gateway stopped reading it.`,
  )

export const invalidRequest = (message: string) => own(400, 'INVALID_REQUEST', 'INVALID_REQUEST', message)

/*
 * One message for an unknown Item and another user's Item, so the answer tells nobody which it
 * was. The cause and the Item id, when given, reach `onError` only.
 */
export const itemNotFound = (cause?: RedactedCause, itemId?: string) =>
  own(404, 'ITEM_ERROR', 'ITEM_NOT_FOUND', 'The signed-in user has no Item with this item_id.', cause, itemId)

/**
 * Plaid's "Preventing duplicate Items": the user already linked this institution and account, so
 * the public token is not exchanged. The answer names the Item already linked, so the app can
 * offer to repair it instead.
 */
export const duplicateItem = (itemId: string, institutionName: string | null) =>
  new GatewayFailure(
    409,
    {
      error_type: 'ITEM_ERROR',
      error_code: 'DUPLICATE_ITEM',
      error_message:
        'The signed-in user already has an Item at this institution with the same account; the public token ' +
        'was not exchanged. Repair the existing Item (item_id) with update mode instead of linking it again.',
      display_message: `You have already connected ${institutionName ?? 'this bank'}. If it stopped working, repair that connection instead.`,
      item_id: itemId,
    },
    undefined,
    itemId,
  )

/** A 500 that tells the browser nothing of what went wrong; the redacted cause goes to `onError` only. */
export const internalError = (error: unknown, secrets: readonly string[], itemId?: string) =>
  own(
    500,
    'API_ERROR',
    'INTERNAL_SERVER_ERROR',
    'The gateway could not complete the request. Try again later.',
    describeCause(error, secrets),
    itemId,
  )

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((entry) => typeof entry === 'string')

/**
 * Turns a rejection of the `plaid` SDK into the failure to answer with: Plaid's own error when
 * Plaid answered with one, a 500 otherwise (Plaid unreachable, a proxy's HTML page, a timeout).
 */
export function plaidFailure(error: unknown, secrets: readonly string[]): GatewayFailure {
  let status: unknown
  let data: unknown
  try {
    const response = (error as { response?: { status?: unknown; data?: unknown } }).response
    status = response?.status
    data = response?.data
  } catch {
    // A rejection that is not an object at all: handled as an internal error below.
  }
  if (
    typeof status !== 'number' ||
    !Number.isInteger(status) ||
    status < 400 ||
    status > 599 ||
    !isObject(data) ||
    typeof data.error_type !== 'string' ||
    data.error_type === '' ||
    typeof data.error_code !== 'string' ||
    data.error_code === '' ||
    typeof data.error_message !== 'string'
  ) {
    return internalError(error, secrets)
  }
  const text = (value: string) => redactText(value, secrets)
  const body: PlaidErrorBody = {
    error_type: text(data.error_type),
    error_code: text(data.error_code),
    error_message: text(data.error_message),
    display_message: typeof data.display_message === 'string' ? text(data.display_message) : null,
  }
  if (typeof data.request_id === 'string') body.request_id = text(data.request_id)
  if (typeof data.error_code_reason === 'string' || data.error_code_reason === null) {
    body.error_code_reason = data.error_code_reason === null ? null : text(data.error_code_reason)
  }
  if (typeof data.documentation_url === 'string') body.documentation_url = text(data.documentation_url)
  if (typeof data.suggested_action === 'string' || data.suggested_action === null) {
    body.suggested_action = data.suggested_action === null ? null : text(data.suggested_action)
  }
  // `causes` (free-form, only for report products) and `status` (webhooks only) are left out.
  if (isStringArray(data.required_account_subtypes)) {
    body.required_account_subtypes = data.required_account_subtypes.map(text)
  }
  if (isStringArray(data.provided_account_subtypes)) {
    body.provided_account_subtypes = data.provided_account_subtypes.map(text)
  }
  return new GatewayFailure(status, body)
}

/** A JSON response that no cache keeps: tokens and errors are for this request only. */
export function jsonResponse(status: number, body: object, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  })
}

/* Extra headers some failures need: what a 405 allows, and that a 408's connection is done with. */
const FAILURE_HEADERS: Record<number, Record<string, string>> = {
  405: { Allow: 'POST' },
  // A client that does not send its body in time is not kept: the server lets the connection go.
  408: { Connection: 'close' },
}

export function failureResponse(failure: GatewayFailure): Response {
  return jsonResponse(failure.status, failure.body, FAILURE_HEADERS[failure.status])
}
