import { useCallback, useContext, useRef } from 'react'
import useSWRMutation from 'swr/mutation'
import type { PlaidGatewayError } from './PlaidGatewayError'
import { callSafely } from './_internal/callbacks'
import { gatewayContext, layer } from './_internal/config'
import { exchangePublicToken } from './_internal/request'
import { exchangeOnce } from './_internal/singleUse'
import { useLatest } from './_internal/useLatest'
import type { ExchangeResult, UseExchangePublicTokenOptions, UseExchangePublicTokenResult } from './types'

/* The mutation's fetcher only awaits the shared request, so SWR tracks its state. */
const awaitRequest = (_key: unknown, { arg }: { arg: Promise<ExchangeResult> }) => arg

/**
 * Exchanges a Link `public_token` through the app's gateway, which keeps the access token and
 * answers with the Item's id. A public token is single-use, so a token already in flight or
 * already exchanged on this page is never sent again.
 *
 * @example
 * ```tsx
 * const { exchange, isLoading, error } = useExchangePublicToken({
 *   onSuccess: ({ itemId }) => addItem(itemId),
 * })
 * // in Link's onSuccess:
 * onSuccess: (publicToken) => void exchange(publicToken)
 * ```
 */
export function useExchangePublicToken(options: UseExchangePublicTokenOptions = {}): UseExchangePublicTokenResult {
  // Resolved when exchange() runs rather than memoized: only a request reads it, and the newest
  // provider and options then apply without giving exchange a new identity.
  const providerRef = useLatest(useContext(gatewayContext()))
  const optionsRef = useLatest(options)
  // Requests whose callbacks this hook has already run, so joined and repeated calls run them once.
  const reported = useRef(new WeakSet<Promise<ExchangeResult>>())
  // The mutation's state belongs to this hook alone, so the key only has to be one no useSWR reads.
  const mutation = useSWRMutation(['@utdk/plaid-react', 'exchange'], awaitRequest, { throwOnError: false })
  const { trigger } = mutation

  const exchange = useCallback(
    async (publicToken: string): Promise<ExchangeResult | undefined> => {
      const request = exchangeOnce(publicToken, () =>
        exchangePublicToken(layer(providerRef.current, optionsRef.current), publicToken),
      )
      void trigger(request)
      const firstReport = !reported.current.has(request)
      reported.current.add(request)
      try {
        const result = await request
        if (firstReport) callSafely(optionsRef.current.onSuccess, result)
        return result
      } catch (error) {
        if (firstReport) callSafely(optionsRef.current.onError, error as PlaidGatewayError)
        return undefined
      }
    },
    [optionsRef, providerRef, trigger],
  )

  const isLoading = mutation.isMutating
  return {
    exchange,
    data: mutation.data,
    // Hidden while the next exchange runs: the contract clears the error when one starts.
    error: isLoading ? undefined : (mutation.error as PlaidGatewayError | undefined),
    isLoading,
    reset: mutation.reset,
  }
}
