import { useEffect } from 'react'
import type { PlaidGatewayError } from './PlaidGatewayError'
import { callSafely } from './_internal/callbacks'
import { confirmItem } from './_internal/items'
import { exchangeAfterLink } from './_internal/exchangeFlow'
import { OAUTH_KEY, useLinkSession } from './_internal/useLinkSession'
import type { PlaidLinkSuccessMetadata } from './linkTypes'
import type { LinkFlowOptions } from './types'
import type { LinkAccountStatus } from './useLinkAccount'

/** Which flow an OAuth redirect finishes: linking a new account, or repairing an Item. */
export type LinkFlowName = 'account' | 'repair'

/** What `onSuccess` of the OAuth return receives. */
export interface LinkOAuthResumeSuccess {
  flow: LinkFlowName
  /** The repaired Item, or the new Item once the gateway exchanged it. */
  itemId: string
  metadata: PlaidLinkSuccessMetadata
}

export interface UseLinkOAuthResumeOptions extends LinkFlowOptions {
  /** The resumed flow finished: the Item was repaired, or the new Item exchanged and stored. */
  onSuccess?: (success: LinkOAuthResumeSuccess) => void
}

export interface UseLinkOAuthResumeResult {
  /** As for the account flow; `idle` when the page has nothing to resume. */
  status: LinkAccountStatus
  /** The failure behind `error`; `OAUTH_STATE_MISSING` when the URL has `oauth_state_id` but no session was kept. */
  error: PlaidGatewayError | undefined
  /** The flow being finished, once known. */
  flow: LinkFlowName | undefined
  /** The Item being repaired, or the new Item after its exchange. */
  itemId: string | undefined
}

/**
 * Finishes a Link session on the app's OAuth redirect page. An OAuth bank (most large US banks)
 * takes the person away from the page that opened Link and back to the `redirect_uri` of the
 * gateway's Link token, with `oauth_state_id` in the URL. There, this hook re-opens Link with the
 * same token and `receivedRedirectUri`, and finishes the flow as the first page would have:
 * exchanging a new Item's public token, or reporting the repair.
 *
 * @example
 * ```tsx
 * // app/oauth-return/page.tsx
 * const { status, error } = useLinkOAuthResume({ onSuccess: () => router.replace('/accounts') })
 * ```
 */
export function useLinkOAuthResume(options: UseLinkOAuthResumeOptions = {}): UseLinkOAuthResumeResult {
  const {
    result: { status, error, data },
    record,
    resume,
  } = useLinkSession({
    flow: 'account',
    key: OAUTH_KEY,
    options,
    onLinkSuccess: (publicToken, metadata, report, latest, finishing) => {
      const { config, mutate } = latest.current
      const finished = (flow: LinkFlowName, itemId = '') =>
        callSafely(latest.current.options.onSuccess, { flow, itemId, metadata })
      if (finishing?.flow === 'account') {
        return exchangeAfterLink(publicToken, metadata, report, latest, ({ itemId }) => finished('account', itemId))
      }
      report('success')
      if (finishing?.itemId) confirmItem(mutate, config, finishing.itemId)
      finished('repair', finishing?.itemId)
    },
  })

  useEffect(() => {
    if (new URLSearchParams(window.location.search).has('oauth_state_id')) resume(window.location.href)
  }, [resume])

  return { status, error, flow: record?.flow, itemId: data?.itemId ?? record?.itemId }
}
