/*
 * One Link session for every flow: the repair of an Item, the link of a new one, and the return
 * from an OAuth bank. It gets a token and Link's script (side by side, ahead of time on intent),
 * opens Link in the click's own task when both are ready, keeps the OAuth record while Link is
 * open, and turns Link's callbacks into the flow's state. What happens after Link's success is the
 * flow's own (`onLinkSuccess`).
 *
 * The state is held once, in a small store that event handlers read and change synchronously and
 * that React renders from. It belongs to one `key` (the Item, or the new Item): a new key starts
 * idle, and a session still open for the old key is closed.
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react'
import { PlaidGatewayError, gatewayError } from '../PlaidGatewayError'
import type {
  PlaidLinkError,
  PlaidLinkEventMetadata,
  PlaidLinkExitMetadata,
  PlaidLinkFactory,
  PlaidLinkSuccessMetadata,
} from '../linkTypes'
import type { ExchangeResult } from '../types'
import { callSafely } from './callbacks'
import {
  acquireHandler,
  closeSession,
  dropHandler,
  forgetOAuthSession,
  openHandler,
  rememberOAuthSession,
  releaseHandler,
  type LinkEntry,
  type LinkSessionOwner,
  type OAuthSessionRecord,
} from './linkHandlers'
import { linkOnPage, loadPlaidLink } from './loadPlaidLink'
import type { TokenSource } from './useTokenSource'
import { useLatest } from './useLatest'

/** Where a Link flow is. `loading` only after the person asked for Link; `exchanging` only when linking a new Item. */
export type LinkFlowStatus = 'idle' | 'loading' | 'open' | 'exchanging' | 'success' | 'error'

export interface FlowState {
  key: string | undefined
  status: LinkFlowStatus
  error?: PlaidGatewayError | undefined
  /** A new Item's exchange result. */
  data?: ExchangeResult | undefined
  /** In `error`, what the next `open` does instead of opening Link (the failed exchange, again). */
  retry?: (() => void) | undefined
  /** On the OAuth redirect page, the session being finished; kept through the key's states. */
  record?: OAuthSessionRecord | undefined
}

/** Sets the flow's state, if the session is still this flow's (its key unchanged). */
export type Report = (status: LinkFlowStatus, changes?: Omit<FlowState, 'key' | 'status' | 'record'>) => void

export interface LinkSessionSpec {
  flow: 'account' | 'repair'
  /** What the session is for; `undefined` when the flow cannot open (no Item to repair). */
  key: string | undefined
  /** The Item being repaired, for the OAuth record. */
  itemId?: string | undefined
  /** The message of the INVALID_INPUT reported by `open()` without a key. */
  missingKey?: string | false
  scriptTimeoutMs?: number | null | undefined
  cspNonce?: string | undefined
  onExit?: ((error: PlaidLinkError | null, metadata: PlaidLinkExitMetadata) => void) | undefined
  onEvent?: ((eventName: string, metadata: PlaidLinkEventMetadata) => void) | undefined
  /** Link succeeded: the flow finishes (exchanges, confirms) and reports. */
  onLinkSuccess: (publicToken: string, metadata: PlaidLinkSuccessMetadata, report: Report) => void
  /**
   * Whether Link's token is spent once a session ends so (Link's success, or its exit with this
   * error or `null`): then it is dropped, and the next open gets a fresh one.
   */
  spentAfter: (outcome: 'success' | PlaidLinkError | null) => boolean
}

const IDLE = { status: 'idle' } as const

function createStore(key: string | undefined) {
  let state: FlowState = { key, status: 'idle' }
  const listeners = new Set<() => void>()
  return {
    get: () => state,
    set(next: FlowState) {
      state = next
      for (const listener of listeners) listener()
    },
    subscribe(listener: () => void) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

/** A failure that is not a PlaidGatewayError already (Link throwing, say), as one. */
function linkFailure(error: unknown): PlaidGatewayError {
  return error instanceof PlaidGatewayError
    ? error
    : new PlaidGatewayError(
        { errorType: 'LINK_ERROR', errorCode: 'LINK_SCRIPT_FAILED', errorMessage: 'Plaid Link failed to start.' },
        { cause: error },
      )
}

export function useLinkSession(spec: LinkSessionSpec, tokens?: TokenSource) {
  const latestRef = useLatest({ spec, tokens })
  const [store] = useState(() => createStore(spec.key))
  // The flow instance, as a holder of Link handlers, and the handler it holds now.
  const selfRef = useRef<{ entry: LinkEntry | undefined; mounted: boolean }>({ entry: undefined, mounted: false })
  const snapshot = useSyncExternalStore(store.subscribe, store.get, store.get)
  const state = snapshot.key === spec.key ? snapshot : IDLE

  const isCurrent = useCallback((key: string | undefined) => latestRef.current.spec.key === key, [latestRef])
  /** The flow's state now, as event handlers must see it: idle for a key that has changed. */
  const now = useCallback((): FlowState => {
    const current = store.get()
    return current.key === latestRef.current.spec.key ? current : { key: latestRef.current.spec.key, status: 'idle' }
  }, [latestRef, store])
  const reporterFor = useCallback(
    (key: string | undefined): Report =>
      (status, changes) => {
        if (!isCurrent(key)) return
        const { record } = store.get()
        store.set({ key, status, record, ...changes })
      },
    [isCurrent, store],
  )

  const hold = useCallback(
    (entry: LinkEntry) => {
      if (selfRef.current.entry && selfRef.current.entry !== entry)
        releaseHandler(selfRef.current.entry, selfRef.current)
      selfRef.current.entry = entry
      return entry
    },
    [selfRef],
  )

  /** The owner of a session opened now: Link's callbacks, for the key and token it opened with. */
  const ownerFor = useCallback(
    (key: string | undefined, entry: LinkEntry): LinkSessionOwner => {
      const report = reporterFor(key)
      const ended = (outcome: 'success' | PlaidLinkError | null) => {
        forgetOAuthSession(entry.token)
        if (!latestRef.current.spec.spentAfter(outcome)) return
        // Spent, or refused by Link: no flow may open it again.
        if (isCurrent(key)) latestRef.current.tokens?.discard()
        dropHandler(entry)
      }
      return {
        onSuccess: (publicToken, metadata) => {
          ended('success')
          latestRef.current.spec.onLinkSuccess(publicToken, metadata, report)
        },
        onExit: (error, metadata) => {
          ended(error)
          report(
            error ? 'error' : 'idle',
            error
              ? {
                  error: new PlaidGatewayError({
                    errorType: error.error_type,
                    errorCode: error.error_code,
                    errorMessage: error.error_message || error.error_code,
                    displayMessage: error.display_message,
                  }),
                }
              : undefined,
          )
          callSafely(latestRef.current.spec.onExit, error, metadata)
        },
        onEvent: (eventName, metadata) => callSafely(latestRef.current.spec.onEvent, eventName, metadata),
      }
    },
    [isCurrent, latestRef, reporterFor],
  )

  /** Opens Link with the handler for `token`, in this task; on the redirect page, to finish `resumed`. */
  const start = useCallback(
    (plaid: PlaidLinkFactory, token: string, resumed?: { record: OAuthSessionRecord; receivedRedirectUri: string }) => {
      const { spec } = latestRef.current
      const entry = hold(acquireHandler(plaid, token, selfRef.current, resumed?.receivedRedirectUri))
      reporterFor(spec.key)('open')
      // Kept until the session ends, for the redirect page of an OAuth bank.
      rememberOAuthSession(
        resumed?.record ?? (spec.itemId ? { flow: spec.flow, token, itemId: spec.itemId } : { flow: spec.flow, token }),
      )
      openHandler(entry, ownerFor(spec.key, entry))
    },
    [hold, latestRef, ownerFor, reporterFor, selfRef],
  )

  const fail = useCallback(
    (key: string | undefined, error: unknown) => reporterFor(key)('error', { error: linkFailure(error) }),
    [reporterFor],
  )

  /* Link's script and a token that stays good for at least a minute, fetched side by side. */
  const prepare = useCallback(() => {
    const { spec, tokens: source } = latestRef.current
    return Promise.all([
      loadPlaidLink(spec.scriptTimeoutMs ?? 15_000, spec.cspNonce),
      source!.ensureToken().then((fresh) => fresh.token),
    ])
  }, [latestRef])

  const prefetch = useCallback(() => {
    const { key } = latestRef.current.spec
    // A pending retry resends what failed (a public token): a new Link token would go unused.
    if (key === undefined || now().retry) return
    prepare().then(
      ([plaid, token]) => {
        const { status } = now()
        if (isCurrent(key) && selfRef.current.mounted && status !== 'open' && status !== 'loading') {
          hold(acquireHandler(plaid, token, selfRef.current))
        }
      },
      () => {
        // Silent on purpose: a prefetch is not a request from the person. A click retries and
        // shows the failure.
      },
    )
  }, [hold, isCurrent, latestRef, now, prepare, selfRef])

  const open = useCallback(() => {
    const { spec, tokens: source } = latestRef.current
    const { key } = spec
    const current = now()
    if (current.status === 'loading' || current.status === 'open' || current.status === 'exchanging') return
    if (current.status === 'error' && current.retry) return current.retry()
    if (key === undefined) return fail(key, gatewayError('INVALID_INPUT', spec.missingKey ?? false))
    // The fast path: with a token that is still good and Link on the page, Link opens in this
    // same task, with nothing awaited, so the browser treats it as part of the click.
    const cached = source?.peekToken()
    const plaid = linkOnPage()
    if (cached && plaid) {
      try {
        start(plaid, cached.token)
      } catch (error) {
        fail(key, error)
      }
      return
    }
    reporterFor(key)('loading')
    prepare()
      .then(([loaded, token]) => {
        if (isCurrent(key) && now().status === 'loading') start(loaded, token)
      })
      .catch((error: unknown) => fail(key, error))
  }, [fail, isCurrent, latestRef, now, prepare, reporterFor, start])

  /** Re-opens Link on the OAuth redirect page, with the token the session began with. */
  const resume = useCallback(
    (record: OAuthSessionRecord, receivedRedirectUri: string) => {
      const { spec } = latestRef.current
      if (now().status !== 'idle') return
      store.set({ key: spec.key, status: 'loading', record })
      loadPlaidLink(spec.scriptTimeoutMs ?? 15_000, spec.cspNonce)
        .then((plaid) => {
          if (isCurrent(spec.key) && now().status === 'loading') {
            start(plaid, record.token, { record, receivedRedirectUri })
          }
        })
        .catch((error: unknown) => fail(spec.key, error))
    },
    [fail, isCurrent, latestRef, now, start, store],
  )

  // A new key: a session still open for the old one is closed (its onExit runs), the old one's
  // handler is let go, and the state starts idle, so that work still running for the old key
  // finds it no longer current, even if the key comes back.
  useEffect(
    () => () => {
      const { key } = latestRef.current.spec
      const old = store.get()
      if (old.key === key) return
      const { entry } = selfRef.current
      if (entry?.owner && old.status === 'open') closeSession(entry, entry.owner)
      if (entry) releaseHandler(entry, selfRef.current)
      selfRef.current.entry = undefined
      store.set({ key, status: 'idle' })
    },
    [spec.key, latestRef, selfRef, store],
  )

  useEffect(() => {
    // The same object for the whole life of the component: it is the holder of its handlers.
    const self = selfRef.current
    self.mounted = true
    return () => {
      self.mounted = false
      // Deferred: StrictMode runs this cleanup and the effect again at once, and the handler
      // should survive that. A real unmount closes the session it had open without reporting.
      setTimeout(() => {
        const { entry } = self
        if (self.mounted || !entry) return
        if (entry.owner && store.get().status === 'open') {
          entry.owner = undefined
          dropHandler(entry)
        } else {
          releaseHandler(entry, self)
        }
        self.entry = undefined
      })
    }
  }, [selfRef, store])

  return {
    open,
    prefetch,
    resume,
    report: reporterFor,
    status: state.status,
    error: state.status === 'error' ? snapshot.error : undefined,
    data: state.status === 'success' ? snapshot.data : undefined,
    record: state === snapshot ? snapshot.record : undefined,
  }
}
