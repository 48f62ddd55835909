/*
 * Token lifetimes on real clocks: a mounted token hook over simulated time, with the browser's
 * clock off by `skewMinutes` from the gateway's and the gateway handing out tokens that live
 * `lifetimeMs`. The gateway dates its answers (the `Date` header, whole seconds) by its own,
 * correct clock. Counted: requests, expired tokens handed out (samples where the hook returned a
 * token that had expired by the gateway's clock), and good tokens refused (samples where the hook
 * returned nothing although the gateway's last token was still good for another second).
 */
import { act, cleanup, renderHook } from '@testing-library/react'
import type { ReactNode } from 'react'
import { SWRConfig } from 'swr'
import { vi } from 'vitest'
import { useUpdateModeToken } from '../src'
import { useNaiveExpiringToken } from './baselines'
import type { Kind } from './scenarios'

export interface LifetimeRun {
  requests: number
  requestsPerHour: number
  /** The most requests in any one minute. */
  busiestMinute: number
  expiredHandedOut: number
  goodRefused: number
  samples: number
}

const ROUND_TRIP_MS = 50

const usePackageToken = (itemId: string) => useUpdateModeToken(itemId).token

export async function tokenLifetimes(
  kind: Kind,
  {
    skewMinutes,
    lifetimeMs,
    durationMs,
    sampleMs,
  }: { skewMinutes: number; lifetimeMs: number; durationMs: number; sampleMs: number },
): Promise<LifetimeRun> {
  const skew = skewMinutes * 60_000
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  vi.setSystemTime(Date.UTC(2026, 0, 5, 9, 0, 0) + skew)
  const realFetch = globalThis.fetch
  const trueNow = () => Date.now() - skew
  const expiresAt = new Map<string, number>()
  const sentAt: number[] = []
  let latest: string | undefined
  globalThis.fetch = (async () => {
    sentAt.push(trueNow())
    // A gateway that calls Plaid takes a moment; it also bounds a refresh loop to a rate.
    await new Promise((resolve) => setTimeout(resolve, ROUND_TRIP_MS))
    const token = `link-sandbox-${sentAt.length}`
    const expiration = trueNow() + lifetimeMs
    expiresAt.set(token, expiration)
    latest = token
    return new Response(JSON.stringify({ link_token: token, expiration: new Date(expiration).toISOString() }), {
      headers: { 'Content-Type': 'application/json', Date: new Date(trueNow()).toUTCString() },
    })
  }) as typeof fetch
  const wrapper = ({ children }: { children: ReactNode }) => (
    <SWRConfig value={{ provider: () => new Map() }}>{children}</SWRConfig>
  )
  const useToken = kind === 'package' ? usePackageToken : useNaiveExpiringToken
  const view = renderHook(() => useToken('item-clock'), { wrapper })
  let expiredHandedOut = 0
  let goodRefused = 0
  let samples = 0
  try {
    for (let elapsed = 0; elapsed < durationMs; elapsed += sampleMs) {
      await act(async () => {
        await vi.advanceTimersByTimeAsync(sampleMs)
      })
      view.rerender()
      samples += 1
      const token = view.result.current
      if (token !== undefined && expiresAt.get(token)! <= trueNow()) expiredHandedOut += 1
      if (token === undefined && latest !== undefined && expiresAt.get(latest)! > trueNow() + 1000) goodRefused += 1
    }
  } finally {
    cleanup()
    globalThis.fetch = realFetch
    vi.useRealTimers()
  }
  const busiestMinute = Math.max(
    0,
    ...sentAt.map((start) => sentAt.filter((t) => t >= start && t < start + 60_000).length),
  )
  return {
    requests: sentAt.length,
    requestsPerHour: Math.round((sentAt.length * 3_600_000) / durationMs),
    busiestMinute,
    expiredHandedOut,
    goodRefused,
    samples,
  }
}
