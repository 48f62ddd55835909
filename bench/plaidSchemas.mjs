/*
 * The few facts about Plaid's API that the Plaid stand-in checks requests against and that the
 * tests check responses against. They come from Plaid's OpenAPI spec, version 2020-09-14
 * (components.schemas of the same names), copied by hand so that no test reads a file outside
 * the repository.
 *
 * A schema here is { type, required?, properties?, closed?, minLength?, minItems?, items?,
 * nullable?, format?, enum? }. `closed` marks an object whose unknown fields the stand-in rejects:
 * the spec declares no extra fields for these request objects, and a field Plaid does not know is
 * a gateway bug worth failing on.
 */

const string = { type: 'string' }
const nonEmptyString = { type: 'string', minLength: 1 }
const anyValue = {}

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
    consent_expiration_time: { type: 'string', nullable: true, format: 'date-time' },
    update_type: { type: 'string', enum: ['background', 'user_present_required'] },
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
    country_codes: { type: 'array', minItems: 1, items: string },
    options: { type: 'object' },
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
    country_codes: { type: 'array', minItems: 1, items: string },
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

/* An RFC 3339 date-time, as the spec's `format: date-time` means. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/

/**
 * Checks `value` against one of the schemas above.
 * @returns one readable line per violation; empty when the value fits
 */
export function validate(schema, value, path = '$') {
  if (value === null) return schema.nullable || schema.type === undefined ? [] : [`${path} must not be null`]
  if (schema.type === undefined) return []
  const problems = []
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${path} must be a string`]
      if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${path} is too short`)
      if (schema.format === 'date-time' && !DATE_TIME.test(value)) problems.push(`${path} must be a date-time`)
      if (schema.format === 'url' && !URL.canParse(value)) problems.push(`${path} must be a URL`)
      if (schema.enum && !schema.enum.includes(value)) problems.push(`${path} must be one of the documented values`)
      return problems
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path} must be a boolean`]
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path} must be an integer`]
    case 'array':
      if (!Array.isArray(value)) return [`${path} must be an array`]
      if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${path} has too few items`)
      if (schema.items) value.forEach((item, i) => problems.push(...validate(schema.items, item, `${path}[${i}]`)))
      return problems
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path} must be an object`]
      for (const field of schema.required ?? []) {
        if (!(field in value)) problems.push(`${path}.${field} is required`)
      }
      for (const [field, fieldValue] of Object.entries(value)) {
        const fieldSchema = schema.properties?.[field]
        if (fieldSchema === undefined) {
          if (schema.closed) problems.push(`${path}.${field} is not a documented field`)
          continue
        }
        problems.push(...validate(fieldSchema, fieldValue, `${path}.${field}`))
      }
      return problems
    }
    default:
      return [`${path}: unknown schema type ${schema.type}`]
  }
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
