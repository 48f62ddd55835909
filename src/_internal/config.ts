import { createContext, useContext, useMemo } from 'react'
import type { PlaidGatewayConfig, PlaidGatewayPaths } from '../types'

const DEFAULT_BASE_URL = '/api/plaid'
const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_PATHS: Required<PlaidGatewayPaths> = {
  exchange: '/item/public_token/exchange',
  linkTokenCreate: '/link/token/create',
  publicTokenCreate: '/item/public_token/create',
}

/** The configuration with every default filled in; what the request module works from. */
export interface ResolvedGatewayConfig extends Required<Omit<PlaidGatewayConfig, 'headers' | 'fetch' | 'paths'>> {
  headers: PlaidGatewayConfig['headers']
  fetch: PlaidGatewayConfig['fetch']
  paths: Required<PlaidGatewayPaths>
}

export const GatewayContext = /* @__PURE__ */ createContext<PlaidGatewayConfig>({})

/** Layers configurations: a field that is `undefined` in a later layer keeps the earlier value. */
export function mergeConfig(base: PlaidGatewayConfig, override: PlaidGatewayConfig): PlaidGatewayConfig {
  return {
    baseUrl: override.baseUrl ?? base.baseUrl,
    headers: override.headers ?? base.headers,
    credentials: override.credentials ?? base.credentials,
    fetch: override.fetch ?? base.fetch,
    timeoutMs: override.timeoutMs ?? base.timeoutMs,
    paths: {
      exchange: override.paths?.exchange ?? base.paths?.exchange,
      linkTokenCreate: override.paths?.linkTokenCreate ?? base.paths?.linkTokenCreate,
      publicTokenCreate: override.paths?.publicTokenCreate ?? base.paths?.publicTokenCreate,
    },
  }
}

export function resolveConfig(config: PlaidGatewayConfig): ResolvedGatewayConfig {
  return {
    baseUrl: config.baseUrl ?? DEFAULT_BASE_URL,
    headers: config.headers,
    credentials: config.credentials ?? 'same-origin',
    fetch: config.fetch,
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    paths: {
      exchange: config.paths?.exchange ?? DEFAULT_PATHS.exchange,
      linkTokenCreate: config.paths?.linkTokenCreate ?? DEFAULT_PATHS.linkTokenCreate,
      publicTokenCreate: config.paths?.publicTokenCreate ?? DEFAULT_PATHS.publicTokenCreate,
    },
  }
}

/**
 * The configuration a hook works with: the nearest provider's, with the hook's own options on top.
 * The result keeps its identity while no field changes, so inline option objects cost nothing.
 */
export function useGatewayConfig(options: PlaidGatewayConfig): ResolvedGatewayConfig {
  const fromProvider = useContext(GatewayContext)
  const merged = resolveConfig(mergeConfig(fromProvider, options))
  const { baseUrl, headers, credentials, fetch, timeoutMs, paths } = merged
  const { exchange, linkTokenCreate, publicTokenCreate } = paths
  return useMemo(
    () => ({
      baseUrl,
      headers,
      credentials,
      fetch,
      timeoutMs,
      paths: { exchange, linkTokenCreate, publicTokenCreate },
    }),
    [baseUrl, headers, credentials, fetch, timeoutMs, exchange, linkTokenCreate, publicTokenCreate],
  )
}
