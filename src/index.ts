export { PlaidGatewayProvider } from './PlaidGatewayProvider'
export type { PlaidGatewayProviderProps } from './PlaidGatewayProvider'
export { useExchangePublicToken } from './useExchangePublicToken'
export { useUpdateModeToken } from './useUpdateModeToken'
export { PlaidGatewayError } from './PlaidGatewayError'
export type { PlaidGatewayErrorCode, PlaidGatewayErrorInit } from './PlaidGatewayError'
export type {
  ExchangeResult,
  PlaidGatewayConfig,
  PlaidGatewayHeaders,
  PlaidGatewayPaths,
  UpdateModeTokenType,
  UseExchangePublicTokenOptions,
  UseExchangePublicTokenResult,
  UseUpdateModeTokenOptions,
  UseUpdateModeTokenResult,
} from './types'
