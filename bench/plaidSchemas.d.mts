/** A schema fact copied from Plaid's OpenAPI spec 2020-09-14; see plaidSchemas.mjs. */
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

export const ItemPublicTokenExchangeRequest: SchemaFact
export const ItemPublicTokenExchangeResponse: SchemaFact
export const ItemPublicTokenCreateRequest: SchemaFact
export const ItemRemoveRequest: SchemaFact
export const ItemGetRequest: SchemaFact
export const Item: SchemaFact
export const ItemGetResponse: SchemaFact
export const InstitutionsGetByIdRequest: SchemaFact
export const WebhookVerificationKeyGetRequest: SchemaFact
export const JWKPublicKey: SchemaFact
export const ItemRemoveResponse: SchemaFact
export const ItemPublicTokenCreateResponse: SchemaFact
export const LinkTokenCreateRequestUser: SchemaFact
export const LinkTokenCreateRequestUpdate: SchemaFact
export const LinkTokenCreateRequest: SchemaFact
export const LinkTokenCreateResponse: SchemaFact
export const PLAID_ERROR_TYPES: string[]
export const PRODUCTS: string[]
export const LINK_TOKEN_PRODUCT_FIELDS: string[]
/** What the spec says of /link/token/create beyond its schema: update mode without products, a new Item with one. */
export function linkTokenModeProblems(body: Record<string, unknown>): string[]
export const PlaidError: SchemaFact

/** One readable line per violation of `schema` by `value`; empty when it fits. */
export function validate(schema: SchemaFact, value: unknown, path?: string): string[]
