/*
 * Page-wide bookkeeping for work that must happen once: a public token may be exchanged only
 * once, and a token refresh asked for by many hooks at the same moment is one request.
 * SWR's own dedup covers mounts within its interval, not forced revalidation, and its mutation
 * hook is per component, so this has to live outside both.
 */
import type { ExchangeResult } from '../types'

const exchanges = /* @__PURE__ */ new Map<string, Promise<ExchangeResult>>()

/**
 * Runs `send` for a public token unless the same token is in flight (that promise is shared) or
 * was exchanged already (its result is returned). A failed exchange is forgotten, so it may be
 * retried.
 */
export function exchangeOnce(publicToken: string, send: () => Promise<ExchangeResult>): Promise<ExchangeResult> {
  const known = exchanges.get(publicToken)
  if (known) return known
  const request = send().catch((error: unknown) => {
    exchanges.delete(publicToken)
    throw error
  })
  exchanges.set(publicToken, request)
  return request
}

/*
 * Keyed by the SWR cache as well, so that separate caches (one per test or story, or an app's
 * nested SWRConfig providers) never join each other's requests.
 */
const inFlight = /* @__PURE__ */ new WeakMap<object, Map<string, Promise<unknown>>>()

/** Shares one running `load` among callers with the same cache and key; the next call after it settles starts anew. */
export function shareInFlight<T>(cache: object, key: string, load: () => Promise<T>): Promise<T> {
  let running = inFlight.get(cache)
  if (!running) inFlight.set(cache, (running = new Map()))
  const known = running.get(key)
  if (known) return known as Promise<T>
  const requests = running
  const request = load().finally(() => {
    requests.delete(key)
  })
  requests.set(key, request)
  return request
}
