/*
 * The server entry, `@utdk/plaid-react/server`: the gateway that keeps Plaid's secrets and access
 * tokens. It imports nothing from the browser entry, so no React or client code is bundled here.
 */
export { createPlaidGateway } from './createPlaidGateway'
export { createMemoryItemStore } from './memoryItemStore'
export { createPostgresItemStore } from './postgresItemStore'
export type {
  EncryptionKeys,
  PostgresItemStore,
  PostgresItemStoreOptions,
  PostgresQueryable,
  RotationError,
  RotationFailure,
} from './postgresItemStore'
export { toNodeHandler } from './toNodeHandler'
export type { NodeRequest } from './toNodeHandler'
export type {
  ExchangeClaim,
  ExchangeLedger,
  GatewayErrorEvent,
  ItemAccount,
  ItemInstitution,
  ItemLinkedEvent,
  ItemStatus,
  ItemStatusUpdate,
  ItemStore,
  ItemToSave,
  LinkTokenFields,
  PlaidGateway,
  PlaidGatewayClient,
  PlaidGatewayOptions,
  PlaidGatewayRoute,
  RedactedCause,
  StoredItem,
  WebhookEvent,
} from './types'
