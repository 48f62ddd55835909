/*
 * When a token is fetched again without anybody asking: its replacement before it expires, a
 * retry after a failed replacement, and the one retry after an answer that had already expired.
 * Every token costs the gateway a Plaid call, so however short the lifetimes a gateway hands out,
 * one key is fetched on its own at most twice in any minute. A click or `refresh()` is never held
 * back, but it counts.
 */
import type { PlaidGatewayError } from '../PlaidGatewayError'
import { perCache } from './singleUse'
import type { GatewayToken } from './request'

const WINDOW_MS = 60_000
const PER_WINDOW = 2

/** Notes that a request for `key` is being sent now. */
export function noteRequest(cache: object, key: string): void {
  const log = perCache<number[]>('sent', cache)
  log.set(key, [...(log.get(key) ?? []), Date.now()].slice(-PER_WINDOW))
}

/** The earliest time (by `Date.now()`) at which `key` may be fetched on its own. */
export function nextAllowedAt(cache: object, key: string): number {
  const sent = perCache<number[]>('sent', cache).get(key) ?? []
  return sent.length < PER_WINDOW ? 0 : sent[0]! + WINDOW_MS
}

/** Failures that may be gone a little later: the network, a timeout, a rate limit, the gateway down; never another 4xx. */
export function canHeal(error: PlaidGatewayError): boolean {
  const status = error.status ?? 0
  return error.errorCode === 'NETWORK_ERROR' || error.errorCode === 'TIMEOUT' || status === 429 || status >= 500
}

/**
 * When a mounted hook should fetch the replacement of `token`, or `undefined` for never.
 * `failures` counts the failed replacements of this token so far; `error` is the last one's.
 * A replacement is fetched even after the token expired, as long as nothing failed; a failed one
 * is retried with a growing pause (5 s, 10 s, … at most a minute) while the token is still good,
 * and only when the failure can heal. The two-a-minute limit applies on top.
 */
export function replacementAt(
  token: GatewayToken,
  error: PlaidGatewayError | undefined,
  failures: number,
  now: number,
): number | undefined {
  if (!error || now < token.refreshAt) return token.refreshAt
  if (!canHeal(error)) return undefined
  const retryAt = now + Math.min(60_000, 5_000 * 2 ** failures)
  return retryAt < token.expiresAt ? retryAt : undefined
}

/** How long to wait before asking again for a token that had already expired when it arrived. */
export function expiredRetryDelay(cache: object, key: string): number {
  return Math.max(1000, nextAllowedAt(cache, key) - Date.now())
}
