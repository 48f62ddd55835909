import { useContext, useMemo, type ReactNode } from 'react'
import { GatewayContext, mergeConfig } from './_internal/config'
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
export function PlaidGatewayProvider({
  children,
  baseUrl,
  headers,
  credentials,
  fetch,
  timeoutMs,
  paths,
}: PlaidGatewayProviderProps) {
  const parent = useContext(GatewayContext)
  const exchange = paths?.exchange
  const linkTokenCreate = paths?.linkTokenCreate
  const publicTokenCreate = paths?.publicTokenCreate
  const value = useMemo(
    () =>
      mergeConfig(parent, {
        baseUrl,
        headers,
        credentials,
        fetch,
        timeoutMs,
        paths: { exchange, linkTokenCreate, publicTokenCreate },
      }),
    [parent, baseUrl, headers, credentials, fetch, timeoutMs, exchange, linkTokenCreate, publicTokenCreate],
  )
  return <GatewayContext.Provider value={value}>{children}</GatewayContext.Provider>
}
