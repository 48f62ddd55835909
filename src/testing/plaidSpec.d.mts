/** A schema fact copied from Plaid's OpenAPI spec 2020-09-14; see plaidSpec.mjs. */
export interface SchemaFact {
  type?: 'object' | 'string' | 'boolean' | 'integer' | 'array'
  required?: string[]
  properties?: Record<string, SchemaFact>
  closed?: boolean
  minLength?: number
  minItems?: number
  items?: SchemaFact
  nullable?: boolean
  format?: 'date-time' | 'url'
  enum?: string[]
}

/** One way a value breaks a schema: a missing field, an unknown one, or a wrong type or value. */
export interface SchemaProblem {
  kind: 'missing' | 'unknown' | 'invalid'
  /** Where, e.g. `$.options.webhook`. */
  path: string
  /** A readable line that starts with the path. */
  message: string
}

export const COUNTRY_CODES: string[]
export const ItemPublicTokenExchangeRequest: SchemaFact
export const ItemPublicTokenExchangeResponse: SchemaFact
export const ItemPublicTokenCreateRequest: SchemaFact
export const ItemPublicTokenCreateResponse: SchemaFact
export const ItemRemoveRequest: SchemaFact
export const ItemRemoveResponse: SchemaFact
export const ItemGetRequest: SchemaFact
export const Item: SchemaFact
export const ItemGetResponse: SchemaFact
export const InstitutionsGetByIdRequest: SchemaFact
export const WebhookVerificationKeyGetRequest: SchemaFact
export const JWKPublicKey: SchemaFact
export const LinkTokenCreateRequestUser: SchemaFact
export const LinkTokenCreateRequestUpdate: SchemaFact
export const PRODUCTS: string[]
export const LINK_TOKEN_PRODUCT_FIELDS: string[]
export const LinkTokenCreateRequest: SchemaFact
export const LinkTokenCreateResponse: SchemaFact
export const PLAID_ERROR_TYPES: string[]
export const PlaidError: SchemaFact
export const WebhookVerificationKeyGetResponse: SchemaFact
export const Institution: SchemaFact
export const InstitutionsGetByIdResponse: SchemaFact
export const ItemWebhookUpdateRequest: SchemaFact
export const ItemWebhookUpdateResponse: SchemaFact
export const SandboxPublicTokenCreateRequestOptions: SchemaFact
export const SandboxPublicTokenCreateRequest: SchemaFact
export const SandboxPublicTokenCreateResponse: SchemaFact
export const WEBHOOK_TYPES: string[]
export const FIRE_WEBHOOK_CODES: string[]
export const SandboxItemFireWebhookRequest: SchemaFact
export const SandboxItemFireWebhookResponse: SchemaFact
export const SandboxItemResetLoginRequest: SchemaFact
export const SandboxItemResetLoginResponse: SchemaFact
export const WEBHOOK_ENVIRONMENTS: string[]
export const ItemErrorWebhook: SchemaFact
export const ItemLoginRepairedWebhook: SchemaFact
export const PendingExpirationWebhook: SchemaFact
export const PENDING_DISCONNECT_REASONS: string[]
export const PendingDisconnectWebhook: SchemaFact
export const UserPermissionRevokedWebhook: SchemaFact
export const UserAccountRevokedWebhook: SchemaFact
export const NewAccountsAvailableWebhook: SchemaFact
export const WebhookUpdateAcknowledgedWebhook: SchemaFact
/** The ITEM webhooks, by `webhook_code`. */
export const ITEM_WEBHOOKS: Record<string, SchemaFact>

/** Every problem of `value` against `schema`, each with its kind; empty when it fits. */
export function check(schema: SchemaFact, value: unknown, path?: string): SchemaProblem[]
/** One readable line per violation of `schema` by `value`; empty when it fits. */
export function validate(schema: SchemaFact, value: unknown, path?: string): string[]
/** What the spec says of /link/token/create beyond its schema: update mode without products, a new Item with one. */
export function linkTokenModeProblems(body: Record<string, unknown>): string[]
