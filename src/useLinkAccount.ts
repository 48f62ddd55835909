import { callSafely } from './_internal/callbacks'
import { exchangeAfterLink } from './_internal/exchangeFlow'
import { useLinkSession } from './_internal/useLinkSession'
import { NEW_ITEM, useTokenSource } from './_internal/useTokenSource'
import type { PlaidGatewayError } from './PlaidGatewayError'
import type { PlaidLinkSuccessMetadata } from './linkTypes'
import type { ExchangeResult, LinkFlowOptions, LinkPrefetch } from './types'

/** Where linking a new account is: `exchanging` from Link's success until the gateway answered. */
export type LinkAccountStatus = 'idle' | 'loading' | 'open' | 'exchanging' | 'success' | 'error'

/** What `onSuccess` of the account flow receives: the new Item, stored by the gateway, and Link's metadata. */
export interface LinkAccountSuccess extends ExchangeResult {
  metadata: PlaidLinkSuccessMetadata
}

export interface UseLinkAccountOptions extends LinkFlowOptions {
  /** The new Item was exchanged and stored by the gateway. */
  onSuccess?: (success: LinkAccountSuccess) => void
  /**
   * When to get the Link token and Link's script: on intent (pointer enter or focus), or as soon
   * as the component mounts.
   * @defaultValue `'intent'`
   */
  prefetch?: LinkPrefetch
}

export interface UseLinkAccountResult {
  /**
   * Opens Link for a new Item: at once when a token and Link are ready, otherwise after loading
   * them. After a failed exchange it sends the same public token again instead; after a
   * `DUPLICATE_ITEM` (a bank the user has already linked) it opens Link anew.
   */
  open: () => void
  /** Fetches a token and Link's script without changing `status`; call it on intent (hover, focus). */
  prefetch: () => void
  /** `idle`, `loading`, `open`, `exchanging`, `success` or `error`. */
  status: LinkAccountStatus
  /**
   * The failure behind `status === 'error'`: the gateway's, Link's script's, or Link's own exit
   * error. For a bank the user has already linked it is `DUPLICATE_ITEM`, whose `displayMessage`
   * names the bank and whose `itemId` is the Item already linked.
   */
  error: PlaidGatewayError | undefined
  /** The new Item, after success. */
  data: ExchangeResult | undefined
}

/**
 * The headless flow behind `<LinkAccountButton>`: gets a Link token for a new Item from the
 * gateway, opens Link, and exchanges Link's public token through the gateway, once per token
 * ever (the single-use path of `useExchangePublicToken`). A token serves one Link session.
 *
 * @example
 * ```tsx
 * const { open, prefetch, status, data } = useLinkAccount({ onSuccess: ({ itemId }) => showItem(itemId) })
 * return <button onClick={open} onPointerEnter={prefetch} data-state={status}>Connect a bank</button>
 * ```
 */
export function useLinkAccount(options: UseLinkAccountOptions = {}): UseLinkAccountResult {
  const tokens = useTokenSource(NEW_ITEM, { ...options, enabled: false })
  return useLinkSession(
    {
      flow: 'account',
      key: 'new Item',
      options,
      onLinkSuccess: (publicToken, metadata, report, latest) =>
        exchangeAfterLink(publicToken, metadata, report, latest, (result) =>
          callSafely(latest.current.options.onSuccess, { ...result, metadata }),
        ),
    },
    tokens,
  ).result
}
