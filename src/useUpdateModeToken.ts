import { useCallback, useEffect, useMemo, useReducer } from 'react'
import useSWR, { useSWRConfig, type SWRConfiguration } from 'swr'
import { gatewayError, type PlaidGatewayError } from './PlaidGatewayError'
import { useGatewayConfig } from './_internal/config'
import { MAX_TIMER_MS, createUpdateModeToken, endpointUrl, type UpdateModeToken } from './_internal/request'
import { shareInFlight } from './_internal/singleUse'
import { useLatest } from './_internal/useLatest'
import type { UpdateModeTokenType, UseUpdateModeTokenOptions, UseUpdateModeTokenResult } from './types'

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

/**
 * Gets an update-mode token for an existing Item from the app's gateway: a Link token by default,
 * or a legacy public token. Hooks for the same Item share one request and one cached token; the
 * token is replaced before it expires while a hook uses it, and an expired one is never returned.
 *
 * @example
 * ```tsx
 * const { token, isLoading, error, refresh } = useUpdateModeToken(item.id)
 * ```
 */
export function useUpdateModeToken(
  itemId: string | null | undefined,
  options: UseUpdateModeTokenOptions = {},
): UseUpdateModeTokenResult {
  const { tokenType = 'link_token', accountSelectionEnabled = false, enabled = true, ...gateway } = options
  const config = useGatewayConfig(gateway)
  const configRef = useLatest(config)
  const invalid = useMemo(() => inputError(itemId, tokenType), [itemId, tokenType])
  const url = endpointUrl(config, tokenType === 'public_token' ? 'publicTokenCreate' : 'linkTokenCreate')
  const key: TokenKey | null =
    enabled && !invalid && itemId
      ? [
          '@utdk/plaid-react/update-mode-token',
          url,
          tokenType,
          itemId,
          tokenType === 'link_token' && accountSelectionEnabled,
        ]
      : null

  const { cache } = useSWRConfig()
  const { data, error, isValidating, mutate } = useSWR(
    key,
    (k: TokenKey) =>
      shareInFlight(cache, JSON.stringify(k), () => createUpdateModeToken(configRef.current, k[2], k[3], k[4])),
    TOKEN_SWR_OPTIONS,
  )

  // Re-render when the token expires, and fetch its replacement a little before.
  const [, expired] = useReducer((n: number) => n + 1, 0)
  useEffect(() => {
    if (!data) return
    const now = Date.now()
    const refreshTimer = setTimeout(() => void mutate(), Math.min(Math.max(0, data.refreshAt - now), MAX_TIMER_MS))
    const expiryTimer =
      data.expiresAt - now < MAX_TIMER_MS ? setTimeout(expired, Math.max(0, data.expiresAt - now)) : undefined
    return () => {
      clearTimeout(refreshTimer)
      clearTimeout(expiryTimer)
    }
  }, [data, mutate])

  const keyRef = useLatest(key)
  const refresh = useCallback(async (): Promise<string | undefined> => {
    if (!keyRef.current) return undefined
    // Drop the old token first so nobody is handed it while the new one loads.
    await mutate(undefined, { revalidate: false })
    const next = await mutate()
    return isUnexpired(next) ? next.token : undefined
  }, [keyRef, mutate])

  const current = key && isUnexpired(data) ? data : undefined
  return {
    token: current?.token,
    expiration: current?.expiration,
    error: invalid ?? (key ? error : undefined),
    isLoading: key !== null && isValidating,
    refresh,
  }
}
