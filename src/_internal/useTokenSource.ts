/*
 * The token state behind useUpdateModeToken and the repair flow: one SWR entry per Item and
 * token kind, shared by every hook that asks for it.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react'
import useSWR, { unstable_serialize, useSWRConfig, type SWRConfiguration } from 'swr'
import { gatewayError, type PlaidGatewayError } from '../PlaidGatewayError'
import { useGatewayConfig } from './config'
import { MAX_TIMER_MS, createUpdateModeToken, endpointUrl, type UpdateModeToken } from './request'
import { shareInFlight } from './singleUse'
import { useLatest } from './useLatest'
import type { UpdateModeTokenType, UseUpdateModeTokenOptions, UseUpdateModeTokenResult } from '../types'

type TokenKey = readonly [string, string, UpdateModeTokenType, string, boolean]

/*
 * Tokens are minted by the gateway and cost a Plaid call each: no refetch on focus, reconnect or
 * mount while a cached one is still good, and no automatic retry of a failure (a 4xx such as
 * ITEM_NOT_FOUND will not heal by itself). Expiry is handled by this hook's own timers.
 */
const TOKEN_SWR_OPTIONS: SWRConfiguration<UpdateModeToken, PlaidGatewayError> = {
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
function isUnexpired(data: UpdateModeToken | undefined): data is UpdateModeToken {
  return data !== undefined && Date.now() < data.expiresAt
}

function inputError(itemId: unknown, tokenType: unknown): PlaidGatewayError | undefined {
  if (
    itemId !== null &&
    itemId !== undefined &&
    itemId !== '' &&
    (typeof itemId !== 'string' || itemId.trim() === '')
  ) {
    return gatewayError(
      'INVALID_INPUT',
      `useUpdateModeToken(itemId) needs the Item id as a non-empty string (or null while there is none); got ${typeof itemId === 'string' ? 'a blank string' : typeof itemId}. Nothing was sent.`,
    )
  }
  if (tokenType !== 'link_token' && tokenType !== 'public_token') {
    return gatewayError(
      'INVALID_INPUT',
      `useUpdateModeToken's tokenType must be 'link_token' or 'public_token'; got ${JSON.stringify(tokenType) ?? String(tokenType)}. Nothing was sent.`,
    )
  }
  return undefined
}

/** What useUpdateModeToken returns, plus what the repair flow needs to act within one click. */
export interface TokenSource extends UseUpdateModeTokenResult {
  /**
   * Resolves with a token that stays valid for at least `minValidityMs`: the cached one when it
   * does (and `force` is false), otherwise a new one, shared with every hook for the same key and
   * put into the SWR cache. Works while the hook is disabled. Rejects with PlaidGatewayError.
   */
  ensureToken: (options?: { force?: boolean; minValidityMs?: number }) => Promise<UpdateModeToken>
  /** The cached token for this Item, read without waiting, if one is held. */
  peekToken: () => UpdateModeToken | undefined
  /** Drops the cached token (one Link rejected, say) so that no hook hands it out again. */
  discard: () => void
}

export function useTokenSource(
  itemId: string | null | undefined,
  options: UseUpdateModeTokenOptions = {},
): TokenSource {
  const { tokenType = 'link_token', accountSelectionEnabled = false, enabled = true, ...gateway } = options
  const config = useGatewayConfig(gateway)
  const configRef = useLatest(config)
  const invalid = useMemo(() => inputError(itemId, tokenType), [itemId, tokenType])
  const url = endpointUrl(config, tokenType === 'public_token' ? 'publicTokenCreate' : 'linkTokenCreate')
  // The key of this Item's token whether or not the hook is enabled; `null` without a valid Item.
  const fullKey: TokenKey | null =
    !invalid && itemId
      ? [
          '@utdk/plaid-react/update-mode-token',
          url,
          tokenType,
          itemId,
          tokenType === 'link_token' && accountSelectionEnabled,
        ]
      : null
  const key = enabled ? fullKey : null

  const { cache, mutate: mutateGlobal } = useSWRConfig()
  const load = useCallback(
    (k: TokenKey) =>
      shareInFlight(cache, JSON.stringify(k), () => createUpdateModeToken(configRef.current, k[2], k[3], k[4])),
    [cache, configRef],
  )
  const { data, error, isValidating, mutate } = useSWR(key, load, TOKEN_SWR_OPTIONS)

  // Re-render when the token expires, and fetch its replacement a little before. A refresh that
  // fails is tried again with a growing pause (5 s, 10 s, … at most a minute) until the token
  // expires; after that the error stands until `refresh()` or a new mount.
  const [, expired] = useReducer((n: number) => n + 1, 0)
  const failedRefreshes = useRef({ data: undefined as UpdateModeToken | undefined, count: 0 })
  useEffect(() => {
    if (!data) return
    const now = Date.now()
    const failures = failedRefreshes.current
    if (failures.data !== data) {
      failures.data = data
      failures.count = 0
    }
    const retrying = error !== undefined && now >= data.refreshAt
    const refreshAt = retrying ? now + Math.min(60_000, 5_000 * 2 ** failures.count) : data.refreshAt
    // No retry is scheduled past the token's expiry; by then the error stands.
    const refreshTimer =
      retrying && refreshAt >= data.expiresAt
        ? undefined
        : setTimeout(
            () => {
              if (retrying) failures.count += 1
              void mutate()
            },
            Math.min(Math.max(0, refreshAt - now), MAX_TIMER_MS),
          )
    const expiryTimer =
      data.expiresAt - now < MAX_TIMER_MS ? setTimeout(expired, Math.max(0, data.expiresAt - now)) : undefined
    return () => {
      clearTimeout(refreshTimer)
      clearTimeout(expiryTimer)
    }
  }, [data, error, mutate])

  const keyRef = useLatest(key)
  const refresh = useCallback(async (): Promise<string | undefined> => {
    if (!keyRef.current) return undefined
    // Drop the old token first so nobody is handed it while the new one loads.
    await mutate(undefined, { revalidate: false })
    const next = await mutate()
    return isUnexpired(next) ? next.token : undefined
  }, [keyRef, mutate])

  const fullKeyRef = useLatest(fullKey)
  const invalidRef = useLatest(invalid)
  const peekToken = useCallback((): UpdateModeToken | undefined => {
    const k = fullKeyRef.current
    if (!k) return undefined
    const cached = cache.get(unstable_serialize(k))?.data as UpdateModeToken | undefined
    return isUnexpired(cached) ? cached : undefined
  }, [cache, fullKeyRef])

  const ensureToken = useCallback(
    async ({ force = false, minValidityMs = 0 }: { force?: boolean; minValidityMs?: number } = {}) => {
      const k = fullKeyRef.current
      if (!k) {
        throw (
          invalidRef.current ??
          gatewayError('INVALID_INPUT', 'An Item id is needed to get an update-mode token; pass a non-empty itemId.')
        )
      }
      const cached = force ? undefined : peekToken()
      if (cached && cached.expiresAt - Date.now() > minValidityMs) return cached
      const fresh = await load(k)
      await mutateGlobal(k, fresh, { revalidate: false })
      return fresh
    },
    [fullKeyRef, invalidRef, load, mutateGlobal, peekToken],
  )

  const discard = useCallback(() => {
    const k = fullKeyRef.current
    // Mounted useUpdateModeToken hooks for this Item fetch a fresh token at once; if none is
    // mounted, nothing is sent until someone asks.
    if (k) void mutateGlobal(k, undefined, { revalidate: true })
  }, [fullKeyRef, mutateGlobal])

  const current = key && isUnexpired(data) ? data : undefined
  return {
    token: current?.token,
    expiration: current?.expiration,
    error: invalid ?? (key ? error : undefined),
    isLoading: key !== null && isValidating,
    refresh,
    ensureToken,
    peekToken,
    discard,
  }
}
