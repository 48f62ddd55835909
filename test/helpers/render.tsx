import { act } from '@testing-library/react'
import { StrictMode, type ReactNode } from 'react'
import { SWRConfig, type Cache, type SWRConfiguration } from 'swr'
import { vi } from 'vitest'
import { PlaidGatewayProvider, type PlaidGatewayProviderProps } from '../../src'

export interface WrapperOptions {
  /** A cache the test keeps a reference to; a fresh one otherwise. */
  cache?: Map<string, unknown>
  /** Wrap everything in a PlaidGatewayProvider with these props. */
  provider?: Omit<PlaidGatewayProviderProps, 'children'>
  /**
   * Wrap the tree in StrictMode. React double-renders below it, but double-invokes effects on
   * mount only under a StrictMode at the root: for that, pass Testing Library's
   * `reactStrictMode: true` to `render` / `renderHook` instead.
   */
  strict?: boolean
  /** App-wide SWR options, as an app's own SWRConfig would set them. */
  swr?: SWRConfiguration
}

/** A wrapper with a fresh SWR cache per test, and optionally a provider and StrictMode. */
export function createWrapper(options: WrapperOptions = {}) {
  const cache = options.cache ?? new Map<string, unknown>()
  function Wrapper({ children }: { children: ReactNode }) {
    let tree = <SWRConfig value={{ ...options.swr, provider: () => cache as Cache }}>{children}</SWRConfig>
    if (options.provider) tree = <PlaidGatewayProvider {...options.provider}>{tree}</PlaidGatewayProvider>
    return options.strict ? <StrictMode>{tree}</StrictMode> : tree
  }
  return Wrapper
}

/** Fake timers for the clock and timers only, so Response bodies and microtasks run normally. */
export function useFakeClock() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
}

/** Moves the fake clock on, running React's updates and pending promises on the way. */
export async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms)
  })
}
