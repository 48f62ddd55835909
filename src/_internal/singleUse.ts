/*
 * Page-wide bookkeeping for work that must happen once: a public token may be exchanged only
 * once, and a token refresh asked for by many hooks at the same moment is one request.
 * SWR's own dedup covers mounts within its interval, not forced revalidation, and its mutation
 * hook is per component, so this has to live outside both, once per page (see page.ts).
 */
import type { PlaidGatewayError } from '../PlaidGatewayError'
import type { ExchangeResult } from '../types'
import { pageSlot } from './page'

/**
 * Runs `send` for a public token unless the same token is in flight (that promise is shared) or
 * was exchanged already (its result is returned). A failed exchange is forgotten, so it may be
 * retried; but a token the gateway refused as a duplicate would be refused again, so that refusal
 * is kept and the token is never sent again.
 */
export function exchangeOnce(publicToken: string, send: () => Promise<ExchangeResult>): Promise<ExchangeResult> {
  const exchanges = pageSlot('exchanges', () => new Map<string, Promise<ExchangeResult>>())
  const known = exchanges.get(publicToken)
  if (known) return known
  const request = send().catch((error: PlaidGatewayError) => {
    if (error.errorCode !== 'DUPLICATE_ITEM') exchanges.delete(publicToken)
    throw error
  })
  exchanges.set(publicToken, request)
  return request
}

/**
 * A map per SWR cache, so that separate caches (one per test or story, or an app's nested
 * SWRConfig providers) never see each other's entries.
 */
export function perCache<T>(name: string, cache: object): Map<string, T> {
  const caches = pageSlot(name, () => new WeakMap<object, Map<string, T>>())
  let entries = caches.get(cache)
  if (!entries) caches.set(cache, (entries = new Map()))
  return entries
}

/** Shares one running `load` among callers with the same cache and key; the next call after it settles starts anew. */
export function shareInFlight<T>(cache: object, key: string, load: () => Promise<T>): Promise<T> {
  const running = perCache<Promise<T>>('inFlight', cache)
  const known = running.get(key)
  if (known) return known
  const request = load().finally(() => {
    running.delete(key)
  })
  running.set(key, request)
  return request
}
