export {
  createSandboxItems,
  sandboxErrors,
  sandboxGateway,
  sandboxGatewayError,
  sandboxHtmlError,
  sandboxLeakyGateway,
  sandboxSilentGateway,
} from './sandboxGateway'
export type {
  SandboxGatewayOptions,
  SandboxItem,
  SandboxItems,
  SandboxPlaidError,
  SandboxRoute,
} from './sandboxGateway'
export { installPlaidLinkSandbox } from './plaidLinkSandbox'
export type {
  PlaidLinkSandbox,
  PlaidLinkSandboxOptions,
  PlaidLinkSandboxSession,
  SandboxLinkErrorCode,
} from './plaidLinkSandbox'
export { itemStoreContract } from './itemStoreContract'
export type { ItemStoreContractCase } from './itemStoreContract'
export { createPlaidWebhookSigner } from './webhookSigner'
export type { PlaidWebhookSigner, PlaidWebhookVerificationKey, SignWebhookOptions } from './webhookSigner'
export { createPlaidStandIn } from './plaidStandIn'
export type {
  CreatePublicTokenOptions,
  PlaidStandIn,
  PlaidStandInOptions,
  StandInAccount,
  StandInAnswer,
  StandInInstitution,
  StandInItem,
  StandInPlaidError,
  StandInRequest,
  StandInSignOptions,
  StandInWebhookDelivery,
  StandInWebhookFields,
} from './plaidStandIn'
