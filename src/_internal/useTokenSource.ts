/*
 * The token state behind useUpdateModeToken and the Link flows: one SWR entry per Item and token
 * kind (and one for new Items), shared by every hook that asks for it.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react'
import useSWR, { unstable_serialize, useSWRConfig, type SWRConfiguration } from 'swr'
import { gatewayError, type PlaidGatewayError } from '../PlaidGatewayError'
import { useGatewayConfig } from './config'
import { createToken, endpointUrl, type GatewayToken } from './request'
import { shareInFlight } from './singleUse'
import { startTimer } from './timer'
import { expiredRetryDelay, nextAllowedAt, noteRequest, replacementAt } from './tokenSchedule'
import { useLatest } from './useLatest'
import { TOKEN_CACHE_KEY } from '../wire'
import type { UpdateModeTokenType, UseUpdateModeTokenOptions, UseUpdateModeTokenResult } from '../types'

type TokenKey = readonly [string, string, UpdateModeTokenType, string | null, boolean]

/** The target of the account flow's token: a new Item, which has no id yet. */
export const NEW_ITEM = /* @__PURE__ */ Symbol('a new Item')

/*
 * Tokens are minted by the gateway and cost a Plaid call each: no refetch on focus, reconnect or
 * mount while a cached one is still good, and no automatic retry of a failure (a 4xx such as
 * ITEM_NOT_FOUND will not heal by itself). Expiry is handled by this hook's own timers.
 */
const TOKEN_SWR_OPTIONS: SWRConfiguration<GatewayToken, PlaidGatewayError> = {
  revalidateOnFocus: false,
  revalidateOnReconnect: false,
  revalidateIfStale: false,
  shouldRetryOnError: false,
  refreshInterval: 0,
  // Set, even to undefined, so an app-wide SWRConfig cannot make every mount mint a token.
  revalidateOnMount: undefined,
  keepPreviousData: false,
  suspense: false,
}

/* Reads the clock during render on purpose: an expired token must never be returned. */
function validFor(data: GatewayToken | undefined, ms = 0): data is GatewayToken {
  return data !== undefined && data.expiresAt - Date.now() > ms
}

/* The repair flow opens Link only with a token that stays good this long; a shorter one is replaced first. */
const MIN_VALIDITY_MS = 60_000

function inputError(itemId: unknown, tokenType: unknown): PlaidGatewayError | undefined {
  const badItem = itemId != null && itemId !== '' && (typeof itemId !== 'string' || itemId.trim() === '')
  if (badItem || (tokenType !== 'link_token' && tokenType !== 'public_token')) {
    return gatewayError(
      'INVALID_INPUT',
      process.env.NODE_ENV !== 'production' &&
        (badItem
          ? `useUpdateModeToken(itemId) needs the Item id as a non-empty string (or null while there is none); got ${typeof itemId === 'string' ? 'a blank string' : typeof itemId}. Nothing was sent.`
          : `useUpdateModeToken's tokenType must be 'link_token' or 'public_token'; got ${JSON.stringify(tokenType) ?? String(tokenType)}. Nothing was sent.`),
    )
  }
  return undefined
}

/** What useUpdateModeToken returns, and what the Link flows need to act within one click. */
export interface TokenSource {
  /** useUpdateModeToken's result. */
  result: UseUpdateModeTokenResult
  /**
   * Resolves with a token that stays valid for at least a minute: the cached one when it does,
   * otherwise a new one, shared with every hook for the same key and put into the SWR cache.
   * Works while the hook is disabled. Rejects with PlaidGatewayError.
   */
  ensureToken: () => Promise<GatewayToken>
  /** The cached token for this Item, read without waiting, if it stays valid for at least a minute. */
  peekToken: () => GatewayToken | undefined
  /** Drops the cached token (one Link rejected, say) so that no hook hands it out again. */
  discard: () => void
}

export function useTokenSource(
  itemId: string | null | undefined | typeof NEW_ITEM,
  options: UseUpdateModeTokenOptions = {},
): TokenSource {
  const { tokenType = 'link_token', accountSelectionEnabled = false, enabled = true, ...gateway } = options
  const config = useGatewayConfig(gateway)
  const configRef = useLatest(config)
  const newItem = itemId === NEW_ITEM
  const invalid = useMemo(() => (newItem ? undefined : inputError(itemId, tokenType)), [newItem, itemId, tokenType])
  const url = endpointUrl(config, tokenType === 'public_token' ? 'publicTokenCreate' : 'linkTokenCreate')
  // The key of this Item's token whether or not the hook is enabled; `null` without a valid Item.
  const selection = tokenType === 'link_token' && accountSelectionEnabled
  const fullKey = useMemo(
    (): TokenKey | null =>
      !invalid && itemId ? [TOKEN_CACHE_KEY, url, tokenType, newItem ? null : itemId, selection] : null,
    [invalid, itemId, newItem, url, tokenType, selection],
  )
  const key = enabled ? fullKey : null
  const keysRef = useLatest({ key, fullKey, invalid })

  const { cache, mutate: mutateGlobal } = useSWRConfig()
  const load = useCallback(
    (k: TokenKey) => {
      const id = JSON.stringify(k)
      const create = (lastTry: boolean) => {
        noteRequest(cache, id)
        return createToken(configRef.current, k[2], k[3], k[4], lastTry)
      }
      return shareInFlight(cache, id, async () => {
        const first = await create(false)
        if (first.expiresAt > Date.now()) return first
        // Already expired on arrival (a gateway's clock or cache at fault): not an error the
        // person has to clear, so ask once more, a little later.
        await new Promise((resolve) => setTimeout(resolve, expiredRetryDelay(cache, id)))
        return create(true)
      })
    },
    [cache, configRef],
  )
  const { data, error, isValidating, mutate } = useSWR(key, load, TOKEN_SWR_OPTIONS)

  // Re-render when the token expires, and fetch its replacement before (see tokenSchedule).
  const [, expired] = useReducer((n: number) => n + 1, 0)
  const failedRefreshes = useRef({ data: undefined as GatewayToken | undefined, count: 0 })
  useEffect(() => {
    if (!data || !key) return
    const id = JSON.stringify(key)
    const failures = failedRefreshes.current
    if (failures.data !== data) {
      failures.data = data
      failures.count = 0
    }
    const retrying = error !== undefined
    let refreshTimer: ReturnType<typeof setTimeout> | undefined
    const arm = (at: number) => {
      refreshTimer = startTimer(() => {
        // Another hook for this key may have replaced the token, or used up the minute's requests.
        if (cache.get(unstable_serialize(key))?.data !== data) return
        const allowedAt = nextAllowedAt(cache, id)
        if (allowedAt > Date.now()) return arm(allowedAt)
        if (retrying) failures.count += 1
        void mutate()
      }, at - Date.now())
    }
    const at = replacementAt(data, error, failures.count, Date.now())
    if (at !== undefined) arm(Math.max(at, nextAllowedAt(cache, id)))
    const expiryTimer = startTimer(expired, data.expiresAt - Date.now())
    return () => {
      clearTimeout(refreshTimer)
      clearTimeout(expiryTimer)
    }
  }, [data, error, mutate, cache, key])

  const refresh = useCallback(async (): Promise<string | undefined> => {
    if (!keysRef.current.key) return undefined
    // Drop the old token first so nobody is handed it while the new one loads.
    await mutate(undefined, { revalidate: false })
    const next = await mutate()
    return validFor(next) ? next.token : undefined
  }, [keysRef, mutate])

  const peekToken = useCallback((): GatewayToken | undefined => {
    const k = keysRef.current.fullKey
    const cached = k ? (cache.get(unstable_serialize(k))?.data as GatewayToken | undefined) : undefined
    return validFor(cached, MIN_VALIDITY_MS) ? cached : undefined
  }, [cache, keysRef])

  const ensureToken = useCallback(async () => {
    const { fullKey: k, invalid: refused } = keysRef.current
    if (!k) {
      throw (
        refused ??
        gatewayError(
          'INVALID_INPUT',
          process.env.NODE_ENV !== 'production' &&
            'An Item id is needed to get an update-mode token; pass a non-empty itemId.',
        )
      )
    }
    const cached = peekToken()
    if (cached) return cached
    const fresh = await load(k)
    await mutateGlobal(k, fresh, { revalidate: false })
    return fresh
  }, [keysRef, load, mutateGlobal, peekToken])

  const discard = useCallback(() => {
    const k = keysRef.current.fullKey
    // Mounted useUpdateModeToken hooks for this Item fetch a fresh token at once; if none is
    // mounted, nothing is sent until someone asks.
    if (k) void mutateGlobal(k, undefined, { revalidate: true })
  }, [keysRef, mutateGlobal])

  const current = key && validFor(data) ? data : undefined
  return {
    result: {
      token: current?.token,
      expiration: current?.expiration,
      error: invalid ?? (key ? error : undefined),
      isLoading: key !== null && isValidating,
      refresh,
    },
    ensureToken,
    peekToken,
    discard,
  }
}
