export { PlaidGatewayProvider } from './PlaidGatewayProvider'
export type { PlaidGatewayProviderProps } from './PlaidGatewayProvider'
export { useExchangePublicToken } from './useExchangePublicToken'
export { useUpdateModeToken } from './useUpdateModeToken'
export { PlaidGatewayError } from './PlaidGatewayError'
export type { PlaidGatewayErrorCode, PlaidGatewayErrorInit } from './PlaidGatewayError'
export type {
  ExchangeResult,
  ItemStatus,
  LinkFlowOptions,
  PlaidGatewayConfig,
  PlaidGatewayHeaders,
  PlaidGatewayPaths,
  PlaidItem,
  UpdateModeTokenType,
  UseExchangePublicTokenOptions,
  UseExchangePublicTokenResult,
  UsePlaidItemsOptions,
  UsePlaidItemsResult,
  UseUpdateModeTokenOptions,
  UseUpdateModeTokenResult,
} from './types'
export { usePlaidItems } from './usePlaidItems'
export { useLinkRepair } from './useLinkRepair'
export type { LinkRepairStatus, UseLinkRepairOptions, UseLinkRepairResult } from './useLinkRepair'
export { LinkRepairButton } from './LinkRepairButton'
export type { LinkRepairButtonProps } from './LinkRepairButton'
export { useLinkAccount } from './useLinkAccount'
export type {
  LinkAccountStatus,
  LinkAccountSuccess,
  UseLinkAccountOptions,
  UseLinkAccountResult,
} from './useLinkAccount'
export { LinkAccountButton } from './LinkAccountButton'
export type { LinkAccountButtonProps } from './LinkAccountButton'
export { useLinkOAuthResume } from './useLinkOAuthResume'
export type {
  LinkFlowName,
  LinkOAuthResumeSuccess,
  UseLinkOAuthResumeOptions,
  UseLinkOAuthResumeResult,
} from './useLinkOAuthResume'
export type {
  PlaidLinkAccount,
  PlaidLinkCreateOptions,
  PlaidLinkError,
  PlaidLinkEventMetadata,
  PlaidLinkExitMetadata,
  PlaidLinkFactory,
  PlaidLinkHandler,
  PlaidLinkInstitution,
  PlaidLinkSuccessMetadata,
} from './linkTypes'
