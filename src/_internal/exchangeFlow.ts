/*
 * What the account flow does after Link's success, on the page that opened Link and on the OAuth
 * redirect page alike: exchange the public token through the single-use path of
 * useExchangePublicToken, report `exchanging`, then the new Item or the failure. After a failure
 * the next `open()` sends the same public token again (the gateway answers a retry once). After a
 * success every Item list on the page (usePlaidItems) is asked for again.
 */
import type { PlaidGatewayError } from '../PlaidGatewayError'
import type { PlaidLinkSuccessMetadata } from '../linkTypes'
import type { ExchangeResult, PlaidGatewayConfig } from '../types'
import { callSafely } from './callbacks'
import { revalidateItems, useItemsMutate } from './items'
import { layer, type ResolvedGatewayConfig } from './config'
import { exchangePublicToken } from './request'
import { exchangeOnce } from './singleUse'
import type { Report } from './useLinkSession'
import { useLatest } from './useLatest'

export function useExchangeOnce(
  provider: ResolvedGatewayConfig,
  gateway: PlaidGatewayConfig,
  onSuccess: ((success: ExchangeResult & { metadata: PlaidLinkSuccessMetadata }) => void) | undefined,
) {
  const latestRef = useLatest({ provider, gateway, onSuccess, mutate: useItemsMutate() })
  return (publicToken: string, metadata: PlaidLinkSuccessMetadata, report: Report) => {
    const send = () => {
      report('exchanging')
      const { provider: base, gateway: over } = latestRef.current
      exchangeOnce(publicToken, () => exchangePublicToken(layer(base, over), publicToken)).then(
        (result) => {
          report('success', { data: result })
          revalidateItems(latestRef.current.mutate)
          callSafely(latestRef.current.onSuccess, { ...result, metadata })
        },
        (error: PlaidGatewayError) => report('error', { error, retry: send }),
      )
    }
    send()
  }
}
