import type { ReactNode } from 'react'
import { gatewayContext, useGatewayConfig } from './_internal/config'
import type { PlaidGatewayConfig } from './types'

export interface PlaidGatewayProviderProps extends PlaidGatewayConfig {
  children?: ReactNode
}

/**
 * Gateway configuration for every hook and button below it. Optional: without it the hooks use
 * the defaults (`/api/plaid`, same-origin cookies, 30 s timeout). Providers nest; an inner one
 * overrides only the fields it sets, and a hook's own options win over both.
 *
 * @example
 * ```tsx
 * <PlaidGatewayProvider baseUrl="/api/plaid" headers={() => ({ 'X-CSRF-Token': readCsrfToken() })}>
 *   <App />
 * </PlaidGatewayProvider>
 * ```
 */
export function PlaidGatewayProvider({ children, ...config }: PlaidGatewayProviderProps) {
  const { Provider } = gatewayContext()
  return <Provider value={useGatewayConfig(config)}>{children}</Provider>
}
