import { createContext, useContext, useMemo, type Context } from 'react'
import type { PlaidGatewayConfig, PlaidGatewayPaths } from '../types'
import { DEFAULT_BASE_URL, DEFAULT_PATHS } from '../wire'
import { pageSlot } from './page'
import { useLatest } from './useLatest'

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
  baseUrl: DEFAULT_BASE_URL,
  headers: undefined,
  credentials: 'same-origin',
  fetch: undefined,
  timeoutMs: 30_000,
  ...DEFAULT_PATHS,
}

const KEYS = /* @__PURE__ */ Object.keys(DEFAULTS) as Key[]

/**
 * What the nearest provider resolved; the defaults when there is none. One context per page, so
 * that a provider from one copy of the package (its CJS build, say) reaches the hooks of another.
 */
export const gatewayContext = (): Context<ResolvedGatewayConfig> =>
  pageSlot('gatewayContext', () => createContext(DEFAULTS))

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
 * Development builds only: the configurations resolved below a PlaidGatewayProvider, so that a
 * console message can say whether one was there. Production bundles never fill it, and drop it.
 */
export const providedConfigs = /* @__PURE__ */ new WeakSet<ResolvedGatewayConfig>()

/**
 * The nearest provider's configuration with `over` on top. The result keeps its identity while
 * no setting changes. A `headers` function and a `fetch` are called through the latest render's,
 * so an inline `headers={() => …}` does not count as a change.
 */
export function useGatewayConfig(over: PlaidGatewayConfig): ResolvedGatewayConfig {
  const provided = useContext(gatewayContext())
  const next = layer(provided, over)
  const latest = useLatest(next)
  // One dependency per setting, always in the same order; for a function, only that it is one.
  const deps = KEYS.map((key) => (typeof next[key] === 'function' ? Function : next[key]))
  const config = useMemo(
    (): ResolvedGatewayConfig => ({
      ...next,
      // Each is read into a variable and called detached: a `window.fetch` called as a method of
      // the config object would throw "Illegal invocation".
      headers:
        typeof next.headers === 'function'
          ? () => {
              const headers = latest.current.headers as () => HeadersInit | Promise<HeadersInit>
              return headers()
            }
          : next.headers,
      fetch:
        next.fetch &&
        ((input, init) => {
          const fetchGateway = latest.current.fetch!
          return fetchGateway(input, init)
        }),
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps, react-hooks/use-memo
    deps,
  )
  if (process.env.NODE_ENV !== 'production' && provided !== DEFAULTS) providedConfigs.add(config)
  return config
}
