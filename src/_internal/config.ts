import { createContext, useContext, useMemo } from 'react'
import type { PlaidGatewayConfig, PlaidGatewayPaths } from '../types'

/** Every gateway setting, with the paths flattened in and the defaults filled in. */
export interface ResolvedGatewayConfig extends Required<PlaidGatewayPaths> {
  baseUrl: string
  headers: PlaidGatewayConfig['headers']
  credentials: RequestCredentials
  fetch: PlaidGatewayConfig['fetch']
  timeoutMs: number
}

type Key = keyof ResolvedGatewayConfig

const DEFAULTS: ResolvedGatewayConfig = {
  baseUrl: '/api/plaid',
  headers: undefined,
  credentials: 'same-origin',
  fetch: undefined,
  timeoutMs: 30_000,
  exchange: '/item/public_token/exchange',
  linkTokenCreate: '/link/token/create',
  publicTokenCreate: '/item/public_token/create',
}

const KEYS = /* @__PURE__ */ Object.keys(DEFAULTS) as Key[]

/** What the nearest provider resolved; the defaults when there is none. */
export const GatewayContext = /* @__PURE__ */ createContext(DEFAULTS)

/** `base` with every setting that `over` gives (its `paths` included) on top; `undefined` keeps the base's. */
export function layer(base: ResolvedGatewayConfig, over: PlaidGatewayConfig): ResolvedGatewayConfig {
  const top = over as Record<Key, unknown>
  const paths = (over.paths ?? {}) as Record<Key, unknown>
  return Object.fromEntries(
    KEYS.map((key) => [key, top[key] ?? paths[key] ?? base[key]]),
  ) as unknown as ResolvedGatewayConfig
}

/** The defaults with `config` on top, outside React. */
export const resolveConfig = (config: PlaidGatewayConfig) => layer(DEFAULTS, config)

/**
 * The nearest provider's configuration with `over` on top. The result keeps its identity while
 * no setting changes, so inline option objects cost nothing.
 */
export function useGatewayConfig(over: PlaidGatewayConfig): ResolvedGatewayConfig {
  const next = layer(useContext(GatewayContext), over)
  // One dependency per setting, always in the same order; `next` is new on every render.
  const deps = KEYS.map((key) => next[key])
  // eslint-disable-next-line react-hooks/exhaustive-deps, react-hooks/use-memo
  return useMemo(() => next, deps)
}
