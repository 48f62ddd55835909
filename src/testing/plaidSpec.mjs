/*
 * The facts about Plaid's API that the Plaid stand-in checks requests against and that the tests
 * check answers and webhooks against. They come from Plaid's OpenAPI spec, version 2020-09-14
 * (components.schemas of the same names), copied by hand so that nothing reads a file outside the
 * package. Plain JavaScript, so that the load benchmark reads the same facts in plain Node.
 *
 * A schema here is { type, required?, properties?, closed?, minLength?, minItems?, items?,
 * nullable?, format?, enum? }. `closed` marks an object whose unknown fields the stand-in rejects:
 * the spec declares no extra fields for these request objects, and a field Plaid does not know is
 * a gateway bug worth failing on.
 */

const string = { type: 'string' }
const nonEmptyString = { type: 'string', minLength: 1 }
const anyValue = {}
const dateTime = { type: 'string', format: 'date-time' }

/** CountryCode's enum (ISO-3166-1 alpha-2 codes Plaid serves). */
export const COUNTRY_CODES = [
  'US',
  'GB',
  'ES',
  'NL',
  'FR',
  'IE',
  'CA',
  'DE',
  'IT',
  'PL',
  'DK',
  'NO',
  'SE',
  'EE',
  'LT',
  'LV',
  'PT',
  'BE',
  'AT',
  'FI',
]

const countryCodes = { type: 'array', minItems: 1, items: { type: 'string', enum: COUNTRY_CODES } }

/** ItemPublicTokenExchangeRequest */
export const ItemPublicTokenExchangeRequest = {
  type: 'object',
  closed: true,
  required: ['public_token'],
  properties: { client_id: string, secret: string, public_token: string },
}

/** ItemPublicTokenExchangeResponse (additionalProperties: true) */
export const ItemPublicTokenExchangeResponse = {
  type: 'object',
  required: ['access_token', 'item_id', 'request_id'],
  properties: { access_token: string, item_id: string, request_id: string },
}

/** ItemPublicTokenCreateRequest */
export const ItemPublicTokenCreateRequest = {
  type: 'object',
  closed: true,
  required: ['access_token'],
  properties: { client_id: string, secret: string, access_token: string },
}

/** ItemPublicTokenCreateResponse (additionalProperties: true) */
export const ItemPublicTokenCreateResponse = {
  type: 'object',
  required: ['public_token', 'request_id'],
  properties: { public_token: string, expiration: { type: 'string', format: 'date-time' }, request_id: string },
}

/** ItemRemoveRequest */
export const ItemRemoveRequest = {
  type: 'object',
  closed: true,
  required: ['access_token'],
  properties: {
    client_id: string,
    secret: string,
    access_token: string,
    reason_code: {
      type: 'string',
      nullable: true,
      enum: [
        'FRAUD_FIRST_PARTY',
        'FRAUD_FALSE_IDENTITY',
        'FRAUD_ABUSE',
        'FRAUD_OTHER',
        'CONNECTION_IS_NON_FUNCTIONAL',
        'OTHER',
      ],
    },
    reason_note: { type: 'string', nullable: true },
  },
}

/** ItemRemoveResponse (additionalProperties: true) */
export const ItemRemoveResponse = {
  type: 'object',
  required: ['request_id'],
  properties: { request_id: string },
}

/** ItemGetRequest */
export const ItemGetRequest = {
  type: 'object',
  closed: true,
  required: ['access_token'],
  properties: { client_id: string, secret: string, access_token: string },
}

/** Item (additionalProperties: true): the required fields of Plaid's Item object. */
export const Item = {
  type: 'object',
  required: [
    'item_id',
    'webhook',
    'error',
    'available_products',
    'billed_products',
    'consent_expiration_time',
    'update_type',
  ],
  properties: {
    item_id: string,
    institution_id: { type: 'string', nullable: true },
    institution_name: { type: 'string', nullable: true },
    webhook: { type: 'string', nullable: true },
    error: { type: 'object', nullable: true },
    available_products: { type: 'array', items: string },
    billed_products: { type: 'array', items: string },
    auth_method: { type: 'string', nullable: true },
    consent_expiration_time: { type: 'string', nullable: true, format: 'date-time' },
    update_type: { type: 'string', enum: ['background', 'user_present_required'] },
    created_at: dateTime,
  },
}

/** ItemGetResponse (additionalProperties: true) */
export const ItemGetResponse = {
  type: 'object',
  required: ['item', 'request_id'],
  properties: { item: Item, request_id: string },
}

/** InstitutionsGetByIdRequest: `country_codes` is required (at least one). */
export const InstitutionsGetByIdRequest = {
  type: 'object',
  closed: true,
  required: ['institution_id', 'country_codes'],
  properties: {
    client_id: string,
    secret: string,
    institution_id: nonEmptyString,
    country_codes: countryCodes,
    options: {
      type: 'object',
      closed: true,
      properties: {
        include_optional_metadata: { type: 'boolean' },
        include_status: { type: 'boolean' },
        include_auth_metadata: { type: 'boolean' },
        include_payment_initiation_metadata: { type: 'boolean' },
      },
    },
  },
}

/** WebhookVerificationKeyGetRequest */
export const WebhookVerificationKeyGetRequest = {
  type: 'object',
  closed: true,
  required: ['key_id'],
  properties: { client_id: string, secret: string, key_id: string },
}

/** JWKPublicKey: every field is required; `expired_at` is null while the key is valid. */
export const JWKPublicKey = {
  type: 'object',
  required: ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y', 'created_at', 'expired_at'],
  properties: {
    alg: string,
    crv: string,
    kid: string,
    kty: string,
    use: string,
    x: string,
    y: string,
    created_at: { type: 'integer' },
    expired_at: { type: 'integer', nullable: true },
  },
}

/** LinkTokenCreateRequestUser: only `client_user_id` is required. */
export const LinkTokenCreateRequestUser = {
  type: 'object',
  closed: true,
  required: ['client_user_id'],
  properties: {
    client_user_id: nonEmptyString,
    legal_name: string,
    name: anyValue,
    phone_number: string,
    phone_number_verified_time: { type: 'string', nullable: true },
    email_address: string,
    email_address_verified_time: { type: 'string', nullable: true },
    ssn: string,
    date_of_birth: { type: 'string', nullable: true },
    address: anyValue,
    id_number: anyValue,
  },
}

/** LinkTokenCreateRequestUpdate: the options of update mode. */
export const LinkTokenCreateRequestUpdate = {
  type: 'object',
  closed: true,
  properties: {
    account_selection_enabled: { type: 'boolean' },
    reauthorization_enabled: { type: 'boolean' },
    user: { type: 'boolean' },
    item_ids: { type: 'array', nullable: true, items: string },
  },
}

/** Products (the spec's enum of product names). */
export const PRODUCTS = [
  'assets',
  'auth',
  'balance',
  'balance_plus',
  'beacon',
  'identity',
  'identity_match',
  'investments',
  'investments_auth',
  'liabilities',
  'payment_initiation',
  'identity_verification',
  'transactions',
  'credit_details',
  'income',
  'income_verification',
  'standing_orders',
  'transfer',
  'employment',
  'recurring_transactions',
  'transactions_refresh',
  'signal',
  'statements',
  'processor_payments',
  'processor_identity',
  'profile',
  'cra_base_report',
  'cra_income_insights',
  'cra_partner_insights',
  'cra_network_insights',
  'cra_cashflow_insights',
  'cra_monitoring',
  'cra_lend_score',
  'cra_plaid_credit_score',
  'layer',
  'pay_by_bank',
  'protect_linked_bank',
  'protect_transactions',
]

const products = { type: 'array', nullable: true, items: { type: 'string', enum: PRODUCTS } }

/**
 * The four product lists of LinkTokenCreateRequest. The spec's description of `products`: "If
 * launching Link in update mode, should be omitted …; at least one `product` is required
 * otherwise." The stand-in holds gateways to that (see linkTokenModeProblems).
 */
export const LINK_TOKEN_PRODUCT_FIELDS = [
  'products',
  'required_if_supported_products',
  'optional_products',
  'additional_consented_products',
]

/* The top-level fields of LinkTokenCreateRequest; those the gateway sends get their full schema. */
const LINK_TOKEN_CREATE_FIELDS = [
  'client_id',
  'secret',
  'client_name',
  'language',
  'country_codes',
  'user',
  'user_id',
  'products',
  'required_if_supported_products',
  'optional_products',
  'additional_consented_products',
  'webhook',
  'access_token',
  'access_tokens',
  'link_customization_name',
  'appearance_mode',
  'redirect_uri',
  'android_package_name',
  'institution_data',
  'card_switch',
  'account_filters',
  'eu_config',
  'institution_id',
  'payment_configuration',
  'payment_initiation',
  'employment',
  'income_verification',
  'base_report',
  'credit_partner_insights',
  'cra_options',
  'consumer_report_permissible_purpose',
  'auth',
  'transfer',
  'update',
  'identity_verification',
  'statements',
  'third_party_user_token',
  'investments',
  'investments_auth',
  'hosted_link',
  'transactions',
  'cashflow_report',
  'cra_enabled',
  'identity',
  'financekit_supported',
  'enable_multi_item_link',
  'user_token',
]

/** LinkTokenCreateRequest */
export const LinkTokenCreateRequest = {
  type: 'object',
  closed: true,
  required: ['client_name', 'language', 'country_codes'],
  properties: {
    ...Object.fromEntries(LINK_TOKEN_CREATE_FIELDS.map((field) => [field, anyValue])),
    client_id: string,
    secret: string,
    client_name: nonEmptyString,
    language: nonEmptyString,
    country_codes: countryCodes,
    user: LinkTokenCreateRequestUser,
    products,
    required_if_supported_products: products,
    optional_products: products,
    additional_consented_products: products,
    webhook: { type: 'string', format: 'url' },
    access_token: { type: 'string', minLength: 1, nullable: true },
    access_tokens: { type: 'array', items: string },
    redirect_uri: string,
    update: LinkTokenCreateRequestUpdate,
  },
}

/** LinkTokenCreateResponse (additionalProperties: true) */
export const LinkTokenCreateResponse = {
  type: 'object',
  required: ['link_token', 'expiration', 'request_id'],
  properties: {
    link_token: string,
    expiration: { type: 'string', format: 'date-time' },
    request_id: string,
    hosted_link_url: string,
    user_id: string,
  },
}

/** PlaidErrorType's enum. */
export const PLAID_ERROR_TYPES = [
  'INVALID_REQUEST',
  'INVALID_RESULT',
  'INVALID_INPUT',
  'INSTITUTION_ERROR',
  'RATE_LIMIT_EXCEEDED',
  'API_ERROR',
  'ITEM_ERROR',
  'ASSET_REPORT_ERROR',
  'BASE_REPORT_ERROR',
  'RECAPTCHA_ERROR',
  'OAUTH_ERROR',
  'PAYMENT_ERROR',
  'BANK_TRANSFER_ERROR',
  'INCOME_VERIFICATION_ERROR',
  'MICRODEPOSITS_ERROR',
  'SANDBOX_ERROR',
  'PARTNER_ERROR',
  'SIGNAL_ERROR',
  'TRANSACTIONS_ERROR',
  'TRANSACTION_ERROR',
  'TRANSFER_ERROR',
  'CHECK_REPORT_ERROR',
  'CONSUMER_REPORT_ERROR',
  'USER_ERROR',
]

/** PlaidError: the documented error object. Its `display_message` is required but nullable. */
export const PlaidError = {
  type: 'object',
  closed: true,
  required: ['error_type', 'error_code', 'error_message', 'display_message'],
  properties: {
    error_type: { type: 'string', enum: PLAID_ERROR_TYPES },
    error_code: string,
    error_code_reason: { type: 'string', nullable: true },
    error_message: string,
    display_message: { type: 'string', nullable: true },
    request_id: string,
    causes: { type: 'array' },
    status: { type: 'integer', nullable: true },
    documentation_url: string,
    suggested_action: { type: 'string', nullable: true },
    required_account_subtypes: { type: 'array', items: string },
    provided_account_subtypes: { type: 'array', items: string },
  },
}

/** WebhookVerificationKeyGetResponse (additionalProperties: true) */
export const WebhookVerificationKeyGetResponse = {
  type: 'object',
  required: ['key', 'request_id'],
  properties: { key: JWKPublicKey, request_id: string },
}

/** Institution (additionalProperties: true): what /institutions/get_by_id describes. */
export const Institution = {
  type: 'object',
  required: ['institution_id', 'name', 'products', 'country_codes', 'routing_numbers', 'oauth'],
  properties: {
    institution_id: string,
    name: string,
    products: { type: 'array', items: { type: 'string', enum: PRODUCTS } },
    country_codes: { type: 'array', items: { type: 'string', enum: COUNTRY_CODES } },
    url: { type: 'string', nullable: true },
    primary_color: { type: 'string', nullable: true },
    logo: { type: 'string', nullable: true },
    routing_numbers: { type: 'array', items: string },
    dtc_numbers: { type: 'array', items: string },
    oauth: { type: 'boolean' },
    status: { type: 'object', nullable: true },
  },
}

/** InstitutionsGetByIdResponse (additionalProperties: true) */
export const InstitutionsGetByIdResponse = {
  type: 'object',
  required: ['institution', 'request_id'],
  properties: { institution: Institution, request_id: string },
}

/** ItemWebhookUpdateRequest: `webhook` null removes the Item's webhook. */
export const ItemWebhookUpdateRequest = {
  type: 'object',
  closed: true,
  required: ['access_token'],
  properties: {
    client_id: string,
    secret: string,
    access_token: string,
    webhook: { type: 'string', format: 'url', nullable: true },
  },
}

/** ItemWebhookUpdateResponse (additionalProperties: true) */
export const ItemWebhookUpdateResponse = {
  type: 'object',
  required: ['item', 'request_id'],
  properties: { item: Item, request_id: string },
}

/** SandboxPublicTokenCreateRequestOptions: "If specified, must not be `null`." */
export const SandboxPublicTokenCreateRequestOptions = {
  type: 'object',
  closed: true,
  properties: {
    webhook: { type: 'string', format: 'url' },
    override_username: { type: 'string', nullable: true },
    override_password: { type: 'string', nullable: true },
    transactions: { type: 'object', nullable: true },
    statements: { type: 'object', nullable: true },
    income_verification: { type: 'object' },
  },
}

/** SandboxPublicTokenCreateRequest: `initial_products` "may not be empty". */
export const SandboxPublicTokenCreateRequest = {
  type: 'object',
  closed: true,
  required: ['institution_id', 'initial_products'],
  properties: {
    client_id: string,
    secret: string,
    institution_id: string,
    initial_products: { type: 'array', minItems: 1, items: { type: 'string', enum: PRODUCTS } },
    options: SandboxPublicTokenCreateRequestOptions,
    user_token: string,
    user_id: string,
  },
}

/** SandboxPublicTokenCreateResponse (additionalProperties: true) */
export const SandboxPublicTokenCreateResponse = {
  type: 'object',
  required: ['public_token', 'request_id'],
  properties: { public_token: string, request_id: string },
}

/** WebhookType: the types /sandbox/item/fire_webhook can fire. */
export const WEBHOOK_TYPES = [
  'AUTH',
  'HOLDINGS',
  'INVESTMENTS_TRANSACTIONS',
  'ITEM',
  'LIABILITIES',
  'TRANSACTIONS',
  'ASSETS',
]

/** SandboxItemFireWebhookRequest's `webhook_code` enum. */
export const FIRE_WEBHOOK_CODES = [
  'DEFAULT_UPDATE',
  'NEW_ACCOUNTS_AVAILABLE',
  'SMS_MICRODEPOSITS_VERIFICATION',
  'AUTHORIZATION_GRANTED',
  'USER_PERMISSION_REVOKED',
  'USER_ACCOUNT_REVOKED',
  'PENDING_DISCONNECT',
  'RECURRING_TRANSACTIONS_UPDATE',
  'LOGIN_REPAIRED',
  'SYNC_UPDATES_AVAILABLE',
  'PRODUCT_READY',
  'ERROR',
]

/** SandboxItemFireWebhookRequest */
export const SandboxItemFireWebhookRequest = {
  type: 'object',
  closed: true,
  required: ['access_token', 'webhook_code'],
  properties: {
    client_id: string,
    secret: string,
    access_token: string,
    webhook_type: { type: 'string', enum: WEBHOOK_TYPES },
    webhook_code: { type: 'string', enum: FIRE_WEBHOOK_CODES },
  },
}

/** SandboxItemFireWebhookResponse (additionalProperties: true) */
export const SandboxItemFireWebhookResponse = {
  type: 'object',
  required: ['webhook_fired', 'request_id'],
  properties: { webhook_fired: { type: 'boolean' }, request_id: string },
}

/** SandboxItemResetLoginRequest */
export const SandboxItemResetLoginRequest = {
  type: 'object',
  closed: true,
  required: ['access_token'],
  properties: { client_id: string, secret: string, access_token: string },
}

/** SandboxItemResetLoginResponse (additionalProperties: true) */
export const SandboxItemResetLoginResponse = {
  type: 'object',
  required: ['reset_login', 'request_id'],
  properties: { reset_login: { type: 'boolean' }, request_id: string },
}

/** WebhookEnvironmentValues */
export const WEBHOOK_ENVIRONMENTS = ['sandbox', 'production']

/* A PlaidError inside a webhook: `request_id` is left out there, and `status` is given. */
const webhookError = { ...PlaidError, nullable: true, closed: false }
const environment = { type: 'string', enum: WEBHOOK_ENVIRONMENTS }

/* The fields every ITEM webhook shares; each schema below adds its own. */
const itemWebhook = (code, required, properties) => ({
  type: 'object',
  required: ['webhook_type', 'webhook_code', 'item_id', 'environment', ...required],
  properties: {
    webhook_type: { type: 'string', enum: ['ITEM'] },
    webhook_code: { type: 'string', enum: [code] },
    item_id: string,
    user_id: string,
    environment,
    ...properties,
  },
})

/** ItemErrorWebhook: "can be resolved by having the user go through Link's update mode". */
export const ItemErrorWebhook = itemWebhook('ERROR', ['error'], { error: webhookError })

/** ItemLoginRepairedWebhook: the Item left `ITEM_LOGIN_REQUIRED`. */
export const ItemLoginRepairedWebhook = itemWebhook('LOGIN_REPAIRED', [], {})

/** PendingExpirationWebhook: consent expires in 7 days (Items in Europe and the UK). */
export const PendingExpirationWebhook = itemWebhook('PENDING_EXPIRATION', ['consent_expiration_time'], {
  consent_expiration_time: dateTime,
})

/** PendingDisconnectWebhookReason's enum. */
export const PENDING_DISCONNECT_REASONS = ['INSTITUTION_MIGRATION', 'INSTITUTION_TOKEN_EXPIRATION']

/** PendingDisconnectWebhook: the Item will be disconnected in 7 days (US and Canada). */
export const PendingDisconnectWebhook = itemWebhook('PENDING_DISCONNECT', ['reason', 'disconnect_time'], {
  reason: { type: 'string', enum: PENDING_DISCONNECT_REASONS },
  disconnect_time: dateTime,
})

/** UserPermissionRevokedWebhook */
export const UserPermissionRevokedWebhook = itemWebhook('USER_PERMISSION_REVOKED', [], { error: webhookError })

/** UserAccountRevokedWebhook: `account_id` is required. */
export const UserAccountRevokedWebhook = itemWebhook('USER_ACCOUNT_REVOKED', ['account_id'], {
  account_id: string,
  error: webhookError,
})

/** NewAccountsAvailableWebhook (no field besides the shared ones is required). */
export const NewAccountsAvailableWebhook = itemWebhook('NEW_ACCOUNTS_AVAILABLE', [], { error: webhookError })

/** WebhookUpdateAcknowledgedWebhook: sent to the new URL after /item/webhook/update. */
export const WebhookUpdateAcknowledgedWebhook = itemWebhook('WEBHOOK_UPDATE_ACKNOWLEDGED', ['new_webhook_url'], {
  new_webhook_url: string,
  error: webhookError,
})

/** The ITEM webhooks above, by `webhook_code`. */
export const ITEM_WEBHOOKS = {
  ERROR: ItemErrorWebhook,
  LOGIN_REPAIRED: ItemLoginRepairedWebhook,
  PENDING_EXPIRATION: PendingExpirationWebhook,
  PENDING_DISCONNECT: PendingDisconnectWebhook,
  USER_PERMISSION_REVOKED: UserPermissionRevokedWebhook,
  USER_ACCOUNT_REVOKED: UserAccountRevokedWebhook,
  NEW_ACCOUNTS_AVAILABLE: NewAccountsAvailableWebhook,
  WEBHOOK_UPDATE_ACKNOWLEDGED: WebhookUpdateAcknowledgedWebhook,
}

/* An RFC 3339 date-time, as the spec's `format: date-time` means. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/

/**
 * Checks `value` against one of the schemas above, telling apart the three ways Plaid refuses a
 * request: a required field that is missing (`MISSING_FIELDS`), a field the endpoint does not know
 * (`UNKNOWN_FIELDS`), and a field of the wrong type or value (`INVALID_FIELD`).
 * @returns one problem per violation; empty when the value fits
 */
export function check(schema, value, path = '$') {
  const problem = (kind, message) => [{ kind, path, message: `${path} ${message}` }]
  if (value === null) return schema.nullable || schema.type === undefined ? [] : problem('invalid', 'must not be null')
  if (schema.type === undefined) return []
  const problems = []
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return problem('invalid', 'must be a string')
      if (schema.minLength !== undefined && value.length < schema.minLength)
        problems.push(...problem('invalid', 'is too short'))
      if (schema.format === 'date-time' && !DATE_TIME.test(value))
        problems.push(...problem('invalid', 'must be a date-time'))
      if (schema.format === 'url' && !URL.canParse(value)) problems.push(...problem('invalid', 'must be a URL'))
      if (schema.enum && !schema.enum.includes(value)) {
        problems.push(...problem('invalid', 'must be one of the documented values'))
      }
      return problems
    case 'boolean':
      return typeof value === 'boolean' ? [] : problem('invalid', 'must be a boolean')
    case 'integer':
      return Number.isInteger(value) ? [] : problem('invalid', 'must be an integer')
    case 'array':
      if (!Array.isArray(value)) return problem('invalid', 'must be an array')
      if (schema.minItems !== undefined && value.length < schema.minItems)
        problems.push(...problem('invalid', 'has too few items'))
      if (schema.items) value.forEach((item, i) => problems.push(...check(schema.items, item, `${path}[${i}]`)))
      return problems
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return problem('invalid', 'must be an object')
      for (const field of schema.required ?? []) {
        if (!(field in value))
          problems.push({ kind: 'missing', path: `${path}.${field}`, message: `${path}.${field} is required` })
      }
      for (const [field, fieldValue] of Object.entries(value)) {
        const fieldSchema = schema.properties?.[field]
        if (fieldSchema === undefined) {
          if (schema.closed) {
            problems.push({
              kind: 'unknown',
              path: `${path}.${field}`,
              message: `${path}.${field} is not a documented field`,
            })
          }
          continue
        }
        problems.push(...check(fieldSchema, fieldValue, `${path}.${field}`))
      }
      return problems
    }
    default:
      return [{ kind: 'invalid', path, message: `${path}: unknown schema type ${schema.type}` }]
  }
}

/**
 * Checks `value` against one of the schemas above.
 * @returns one readable line per violation; empty when the value fits
 */
export function validate(schema, value, path = '$') {
  return check(schema, value, path).map((problem) => problem.message)
}

/**
 * What the spec says of /link/token/create beyond its schema: a token for an existing Item (update
 * mode, with `access_token`) leaves out the product lists; a token for a new Item has at least
 * one product; and the user is named by `user` unless `user_id` is given.
 * @returns one readable line per violation; empty when the request fits
 */
export function linkTokenModeProblems(body) {
  const problems = []
  const given = LINK_TOKEN_PRODUCT_FIELDS.filter((field) => body[field] !== undefined)
  if (body.access_token) {
    if (given.length > 0) problems.push(`update mode must leave out ${given.join(', ')}`)
  } else if (!(body.products?.length > 0)) {
    problems.push('a token for a new Item needs at least one product in products')
  }
  if (body.user === undefined && body.user_id === undefined) problems.push('user (or user_id) is required')
  return problems
}
