import { useCallback, useRef } from 'react'
import useSWRMutation from 'swr/mutation'
import type { PlaidGatewayError } from './PlaidGatewayError'
import { callSafely } from './_internal/callbacks'
import { useGatewayConfig } from './_internal/config'
import { exchangePublicToken } from './_internal/request'
import { exchangeOnce } from './_internal/singleUse'
import { useLatest } from './_internal/useLatest'
import type { PlaidLinkSuccessMetadata } from './linkTypes'
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
 * // in Link's onSuccess, with its metadata for the gateway's duplicate check:
 * onSuccess: (publicToken, metadata) => void exchange(publicToken, metadata)
 * ```
 */
export function useExchangePublicToken(options: UseExchangePublicTokenOptions = {}): UseExchangePublicTokenResult {
  // Read when exchange() runs: the newest provider and options then apply without giving
  // exchange a new identity.
  const configRef = useLatest(useGatewayConfig(options))
  const optionsRef = useLatest(options)
  // Requests whose callbacks this hook has already run, so joined and repeated calls run them once.
  const reported = useRef(new WeakSet<Promise<ExchangeResult>>())
  // The mutation's state belongs to this hook alone, so the key only has to be one no useSWR reads.
  const mutation = useSWRMutation(['@utdk/plaid-react', 'exchange'], awaitRequest, { throwOnError: false })
  const { trigger } = mutation

  const exchange = useCallback(
    async (publicToken: string, metadata?: PlaidLinkSuccessMetadata): Promise<ExchangeResult | undefined> => {
      const request = exchangeOnce(publicToken, () => exchangePublicToken(configRef.current, publicToken, metadata))
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
    [configRef, optionsRef, trigger],
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
