/*
 * The Plaid errors the stand-in answers with, in Plaid's shape: `error_type`, `error_code`,
 * `error_message`, `display_message`, `request_id`, `documentation_url` and `suggested_action`,
 * with the HTTP status Plaid gives each code. The messages are the stand-in's own wording.
 */

/** A Plaid error object as Plaid's API answers with it (the `PlaidError` schema). */
export interface StandInPlaidError {
  error_type: string
  error_code: string
  error_message: string
  display_message: string | null
  request_id: string
  documentation_url: string
  suggested_action: string | null
  [field: string]: unknown
}

/** The fields a caller gives; the rest is filled in as Plaid does. */
export interface PlaidErrorFields {
  error_type: string
  error_code: string
  error_message: string
  display_message?: string | null
  [field: string]: unknown
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A random id of Plaid's alphabet, as its request, Item and account ids are. */
export function plaidId(length: number): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(length))
  return Array.from(bytes, (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('')
}

export const requestId = () => plaidId(15)

/**
 * Plaid's documentation page for an error: one page per type (`ITEM_ERROR` is `item/`,
 * `INVALID_INPUT` is `invalid-input/`), the code as the anchor.
 */
const documentationUrl = (type: string, code: string) =>
  `https://plaid.com/docs/errors/${type
    .toLowerCase()
    .replace(/_error$/, '')
    .replace(/_/g, '-')}/#${code.toLowerCase()}`

/** A whole Plaid error body from its fields: a fresh `request_id`, the documentation link, nulls. */
export function plaidErrorBody(fields: PlaidErrorFields): StandInPlaidError {
  const { error_type, error_code, error_message, display_message = null, ...rest } = fields
  return {
    error_type,
    error_code,
    error_message,
    display_message,
    request_id: requestId(),
    documentation_url: documentationUrl(error_type, error_code),
    suggested_action: null,
    ...rest,
  }
}

/** An error answer: the HTTP status and the body. */
export interface ErrorAnswer {
  status: number
  body: StandInPlaidError
}

const error = (status: number, error_type: string, error_code: string, error_message: string): ErrorAnswer => ({
  status,
  body: plaidErrorBody({ error_type, error_code, error_message }),
})

/* Each returns a fresh answer, so that every one has its own request id. */
export const errors = {
  notFound: (method: string, path: string) =>
    error(404, 'INVALID_REQUEST', 'NOT_FOUND', `${method} ${path} is not an endpoint of Plaid's API, which takes POST`),
  tooLarge: (limit: number) =>
    error(413, 'INVALID_REQUEST', 'INVALID_BODY', `the request body is larger than ${limit} bytes`),
  invalidHeaders: () =>
    error(400, 'INVALID_REQUEST', 'INVALID_HEADERS', 'the request must be sent with Content-Type: application/json'),
  invalidBody: () => error(400, 'INVALID_REQUEST', 'INVALID_BODY', 'the body could not be parsed as a JSON object'),
  missingFields: (fields: readonly string[]) =>
    error(400, 'INVALID_REQUEST', 'MISSING_FIELDS', `the following required fields are missing: ${fields.join(', ')}`),
  unknownFields: (fields: readonly string[]) =>
    error(
      400,
      'INVALID_REQUEST',
      'UNKNOWN_FIELDS',
      `the following fields are not recognized by this endpoint: ${fields.join(', ')}`,
    ),
  invalidField: (message: string) => error(400, 'INVALID_REQUEST', 'INVALID_FIELD', message),
  invalidApiKeys: () => error(400, 'INVALID_INPUT', 'INVALID_API_KEYS', 'invalid client_id or secret provided'),
  invalidPublicToken: () =>
    error(
      400,
      'INVALID_INPUT',
      'INVALID_PUBLIC_TOKEN',
      'the public token is unknown, expired, or was already exchanged; public tokens are single-use and live 30 minutes',
    ),
  invalidAccessToken: () =>
    error(400, 'INVALID_INPUT', 'INVALID_ACCESS_TOKEN', 'the access token is unknown to this environment'),
  invalidLinkToken: () => error(400, 'INVALID_INPUT', 'INVALID_LINK_TOKEN', 'the link token is unknown or has expired'),
  invalidInstitution: () => error(400, 'INVALID_INPUT', 'INVALID_INSTITUTION', 'invalid institution_id provided'),
  invalidWebhookKeyId: () =>
    error(400, 'INVALID_INPUT', 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', 'invalid key_id provided'),
  oauthStateNotFound: () =>
    error(
      400,
      'OAUTH_ERROR',
      'OAUTH_STATE_ID_NOT_FOUND',
      'the oauth_state_id is unknown, or belongs to another link token',
    ),
  oauthStateProcessed: () =>
    error(400, 'OAUTH_ERROR', 'OAUTH_STATE_ID_ALREADY_PROCESSED', 'the oauth_state_id has already been used'),
  itemNotFound: () =>
    error(400, 'ITEM_ERROR', 'ITEM_NOT_FOUND', 'the Item does not exist or was removed through /item/remove'),
  sandboxWebhookInvalid: () =>
    error(400, 'SANDBOX_ERROR', 'SANDBOX_WEBHOOK_INVALID', 'the Item has no webhook URL to send the webhook to'),
  sandboxProductNotEnabled: (product: string) =>
    error(
      400,
      'SANDBOX_ERROR',
      'SANDBOX_PRODUCT_NOT_ENABLED',
      `the Item does not have the ${product} product, which this webhook needs`,
    ),
  internal: () => error(500, 'API_ERROR', 'INTERNAL_SERVER_ERROR', 'an unexpected error occurred in the stand-in'),
}

/** The `error` of an Item that needs its login again, as `/item/get` and the `ERROR` webhook show it. */
export const itemLoginRequired = () => ({
  error_type: 'ITEM_ERROR',
  error_code: 'ITEM_LOGIN_REQUIRED',
  error_code_reason: null,
  error_message:
    'the login details of this Item have changed (credentials, MFA, or required user action) and a user login is required to update this information',
  display_message: null,
})
