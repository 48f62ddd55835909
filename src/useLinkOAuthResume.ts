import { useContext, useEffect } from 'react'
import { PlaidGatewayError } from './PlaidGatewayError'
import { callSafely } from './_internal/callbacks'
import { gatewayContext, layer } from './_internal/config'
import { confirmItem, useItemsMutate } from './_internal/items'
import { useExchangeOnce } from './_internal/exchangeFlow'
import { storedOAuthSession } from './_internal/linkHandlers'
import { useLatest } from './_internal/useLatest'
import { useLinkSession } from './_internal/useLinkSession'
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

/* Only one OAuth session can be resumed on a page. */
const RESUME_KEY = 'oauth'

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
  const { onSuccess, onExit, onEvent, scriptTimeoutMs, cspNonce, ...gateway } = options
  const provider = useContext(gatewayContext())
  const latestRef = useLatest({ onSuccess, provider, gateway, mutate: useItemsMutate() })
  const exchangeFor = useExchangeOnce(provider, gateway, ({ itemId, metadata }) =>
    callSafely(latestRef.current.onSuccess, { flow: 'account', itemId, metadata }),
  )
  const session = useLinkSession({
    flow: 'account',
    key: RESUME_KEY,
    scriptTimeoutMs,
    cspNonce,
    onExit,
    onEvent,
    onLinkSuccess: (publicToken, metadata, report) => {
      const record = latestRecordRef.current
      if (record?.flow === 'account') return exchangeFor(publicToken, metadata, report)
      report('success')
      const { provider: base, gateway: over, mutate } = latestRef.current
      if (record?.itemId) confirmItem(mutate, layer(base, over), record.itemId)
      callSafely(latestRef.current.onSuccess, { flow: 'repair', itemId: record?.itemId ?? '', metadata })
    },
    spentAfter: () => true,
  })
  const { record, resume, report } = session
  const latestRecordRef = useLatest(record)

  useEffect(() => {
    if (!new URLSearchParams(window.location.search).has('oauth_state_id')) return
    const stored = storedOAuthSession()
    if (stored) return resume(stored, window.location.href)
    report(RESUME_KEY)('error', {
      error: new PlaidGatewayError({
        errorType: 'LINK_ERROR',
        errorCode: 'OAUTH_STATE_MISSING',
        errorMessage:
          (process.env.NODE_ENV !== 'production' &&
            'useLinkOAuthResume found oauth_state_id in the URL but no Link session to resume: the session began in ' +
              'another tab, or its sessionStorage was cleared. Open Link again from the page that links accounts.') ||
          'OAUTH_STATE_MISSING',
      }),
    })
  }, [report, resume])

  return {
    status: session.status,
    error: session.error,
    flow: record?.flow,
    itemId: session.data?.itemId ?? record?.itemId,
  }
}
