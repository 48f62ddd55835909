/*
 * What the account flow does after Link's success, on the page that opened Link and on the OAuth
 * redirect page alike: exchange the public token, with Link's metadata, through the single-use path
 * of useExchangePublicToken, report `exchanging`, then the new Item or the failure. After a failure
 * the next `open()` sends the same public token again (the gateway answers a retry once), except
 * after a duplicate: the gateway refused that bank as already linked, so the token is never sent
 * again and the next `open()` opens Link anew. After a success every Item list on the page
 * (usePlaidItems) is asked for again.
 */
import type { PlaidGatewayError } from '../PlaidGatewayError'
import type { PlaidLinkSuccessMetadata } from '../linkTypes'
import type { ExchangeResult } from '../types'
import { revalidateItems } from './items'
import { exchangePublicToken } from './request'
import { exchangeOnce } from './singleUse'
import type { LatestSession, Report, SessionOptions } from './useLinkSession'

export function exchangeAfterLink<O extends SessionOptions>(
  publicToken: string,
  metadata: PlaidLinkSuccessMetadata,
  report: Report,
  latest: LatestSession<O>,
  onSuccess: (result: ExchangeResult) => void,
): void {
  const send = () => {
    report('exchanging')
    exchangeOnce(publicToken, () => exchangePublicToken(latest.current.config, publicToken, metadata)).then(
      (result) => {
        report('success', { data: result })
        revalidateItems(latest.current.mutate)
        onSuccess(result)
      },
      (error: PlaidGatewayError) =>
        report('error', error.errorCode === 'DUPLICATE_ITEM' ? { error } : { error, retry: send }),
    )
  }
  send()
}
