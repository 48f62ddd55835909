/*
 * One Link session for every flow: the repair of an Item, the link of a new one, and the return
 * from an OAuth bank. It gets a token and Link's script (side by side, ahead of time on intent or
 * on mount), opens Link in the click's own task when both are ready, keeps the OAuth record while
 * Link is open, and turns Link's callbacks into the flow's state. What happens after Link's
 * success is the flow's own (`onLinkSuccess`).
 *
 * The state is held once, in a small store that event handlers read and change synchronously and
 * that React renders from. It belongs to one `key` (the Item, or the new Item): a new key starts
 * idle, and a session still open for the old key is closed. Every failure the flow reports goes
 * through one place, which calls the app's `onError` once and, in development, logs it.
 *
 * The session's functions are made once per component (createSession) and read the newest spec,
 * tokens and gateway settings from a ref, so that they keep their identity across renders.
 */
import { useEffect, useState, useSyncExternalStore } from 'react'
import { useSWRConfig } from 'swr'
import { PlaidGatewayError, gatewayError, linkError, plaidError } from '../PlaidGatewayError'
import type { PlaidLinkError, PlaidLinkFactory, PlaidLinkSuccessMetadata } from '../linkTypes'
import type { ExchangeResult, LinkFlowOptions, LinkPrefetch } from '../types'
import { callSafely } from './callbacks'
import { useGatewayConfig, type ResolvedGatewayConfig } from './config'
import { logFailure } from './devLog'
import type { Mutate } from './items'
import {
  acquireHandler,
  closeSession,
  dropHandler,
  forgetOAuthSession,
  openHandler,
  rememberOAuthSession,
  releaseHandler,
  storedOAuthSession,
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

/** The options every flow on the session takes; `prefetch` only where the flow has a button. */
export type SessionOptions = LinkFlowOptions & { prefetch?: LinkPrefetch }

/** The session's newest render, in a ref that the session's functions and the flow's `onLinkSuccess` read when they run. */
export interface LatestSession<O extends SessionOptions> {
  readonly current: {
    spec: LinkSessionSpec<O>
    tokens: TokenSource | undefined
    /** The flow's options, as the app gave them. */
    options: O
    /** The gateway settings of the provider with the flow's own on top. */
    config: ResolvedGatewayConfig
    /** SWR's `mutate`, to update the Item lists. */
    mutate: Mutate
  }
}

export interface LinkSessionSpec<O extends SessionOptions> {
  /** The flow whose Link session this is; on the OAuth redirect page, `'account'` whichever it finishes. */
  flow: 'account' | 'repair'
  /** What the session is for: the Item being repaired (`undefined` when there is none), or a name. */
  key: string | undefined
  options: O
  /** Link succeeded: the flow finishes (exchanges, confirms) and reports; `record` is the OAuth session it finishes, if any. */
  onLinkSuccess: (
    publicToken: string,
    metadata: PlaidLinkSuccessMetadata,
    report: Report,
    latest: LatestSession<O>,
    record: OAuthSessionRecord | undefined,
  ) => void
}

/*
 * Whether Link's token is spent once a session ends so (Link's success, or its exit with this
 * error or `null`): then it is dropped, and the next open gets a fresh one. A token for a new Item
 * serves one Link session, so that it never outlives the signed-in user who asked for it; an
 * update-mode token has done its job after a success, and Link refused it after INVALID_LINK_TOKEN.
 */
const isSpent = (flow: LinkSessionSpec<SessionOptions>['flow'], outcome: 'success' | PlaidLinkError | null) =>
  flow === 'account' || outcome === 'success' || outcome?.error_code === 'INVALID_LINK_TOKEN'

const IDLE: FlowState = { key: undefined, status: 'idle' }

/** On the OAuth redirect page: the session being finished, and the address the bank sent the person back to. */
interface Resumed {
  record: OAuthSessionRecord
  receivedRedirectUri: string
}

/** The key of the session that the OAuth redirect page resumes: one per page. */
export const OAUTH_KEY = 'oauth'

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
const linkFailure = (error: unknown): PlaidGatewayError =>
  error instanceof PlaidGatewayError
    ? error
    : linkError(
        'LINK_SCRIPT_FAILED',
        process.env.NODE_ENV !== 'production' && 'Plaid Link failed to start: it threw the error in `cause`.',
        error,
      )

/** The session's functions and state for one flow instance; made once, reading `latestRef` when they run. */
function createSession<O extends SessionOptions>(latestRef: LatestSession<O>, key: string | undefined) {
  const store = createStore(key)
  // The flow instance, as a holder of Link handlers, and the handler it holds now.
  const self = { entry: undefined as LinkEntry | undefined, mounted: false }

  const isCurrent = (key: string | undefined) => latestRef.current.spec.key === key
  /** The flow's state now, as event handlers must see it: idle for a key that has changed. */
  const now = (): FlowState => {
    const current = store.get()
    return isCurrent(current.key) ? current : IDLE
  }
  /**
   * A failure the flow reports: the app's onError once, and in development the console. A flow
   * that has unmounted reports nothing: its page has moved on.
   */
  const failed = (error: PlaidGatewayError) => {
    if (!self.mounted) return
    if (process.env.NODE_ENV !== 'production') {
      const { spec } = latestRef.current
      logFailure(
        error,
        spec.key === OAUTH_KEY
          ? 'useLinkOAuthResume'
          : spec.flow === 'repair'
            ? 'useLinkRepair (LinkRepairButton)'
            : 'useLinkAccount (LinkAccountButton)',
      )
    }
    callSafely(latestRef.current.options.onError, error)
  }
  const reporterFor =
    (key: string | undefined): Report =>
    (status, changes) => {
      if (!isCurrent(key)) return
      const { record } = store.get()
      store.set({ key, status, record, ...changes })
      if (changes?.error) failed(changes.error)
    }

  const hold = (entry: LinkEntry) => {
    if (self.entry && self.entry !== entry) releaseHandler(self.entry, self)
    self.entry = entry
    return entry
  }

  /** The owner of a session opened now: Link's callbacks, for the key and token it opened with. */
  const ownerFor = (key: string | undefined, entry: LinkEntry): LinkSessionOwner => {
    const report = reporterFor(key)
    const ended = (outcome: 'success' | PlaidLinkError | null) => {
      forgetOAuthSession(entry.token)
      if (!isSpent(latestRef.current.spec.flow, outcome)) return
      // Spent, or refused by Link: no flow may open it again.
      if (isCurrent(key)) latestRef.current.tokens?.discard()
      dropHandler(entry)
    }
    return {
      onSuccess: (publicToken, metadata) => {
        ended('success')
        latestRef.current.spec.onLinkSuccess(publicToken, metadata, report, latestRef, store.get().record)
      },
      onExit: (error, metadata) => {
        ended(error)
        if (error)
          report('error', { error: plaidError({ ...error, error_message: error.error_message || error.error_code }) })
        else report('idle')
        callSafely(latestRef.current.options.onExit, error, metadata)
      },
      onEvent: (eventName, metadata) => callSafely(latestRef.current.options.onEvent, eventName, metadata),
    }
  }

  /** Opens Link with the handler for `token`, in this task; on the redirect page, to finish `resumed`. */
  const start = (plaid: PlaidLinkFactory, token: string, resumed?: Resumed) => {
    const { spec } = latestRef.current
    const entry = hold(acquireHandler(plaid, token, self, resumed?.receivedRedirectUri))
    reporterFor(spec.key)('open')
    // Kept until the session ends, for the redirect page of an OAuth bank.
    rememberOAuthSession(
      resumed?.record ?? { flow: spec.flow, token, itemId: spec.flow === 'repair' ? spec.key : undefined },
    )
    openHandler(entry, ownerFor(spec.key, entry))
  }

  const fail = (key: string | undefined, error: unknown) => reporterFor(key)('error', { error: linkFailure(error) })

  const loadLink = () => {
    const { scriptTimeoutMs, cspNonce } = latestRef.current.options
    return loadPlaidLink(scriptTimeoutMs ?? 15_000, cspNonce)
  }

  /* Link's script and a token that stays good for at least a minute, fetched side by side. */
  const prepare = () => Promise.all([loadLink(), latestRef.current.tokens!.ensureToken().then((fresh) => fresh.token)])

  /** Opens Link for `key` once Link and the token are ready, if the person still waits for it. */
  const openWhenReady = (key: string | undefined, ready: Promise<[PlaidLinkFactory, string]>, resumed?: Resumed) =>
    ready
      .then(([plaid, token]) => {
        if (isCurrent(key) && now().status === 'loading') start(plaid, token, resumed)
      })
      .catch((error: unknown) => fail(key, error))

  const prefetch = () => {
    const { key } = latestRef.current.spec
    // A pending retry resends what failed (a public token): a new Link token would go unused.
    if (key === undefined || now().retry) return
    prepare().then(
      ([plaid, token]) => {
        const { status } = now()
        if (isCurrent(key) && self.mounted && status !== 'open' && status !== 'loading') {
          hold(acquireHandler(plaid, token, self))
        }
      },
      () => {
        // Silent on purpose: a prefetch is not a request from the person. A click retries and
        // shows the failure.
      },
    )
  }

  const open = () => {
    const { spec, tokens } = latestRef.current
    const { key } = spec
    const current = now()
    if (current.status === 'loading' || current.status === 'open' || current.status === 'exchanging') return
    if (current.status === 'error' && current.retry) return current.retry()
    // Only a repair can lack its key: the Item to repair.
    if (key === undefined) {
      return fail(
        key,
        gatewayError(
          'INVALID_INPUT',
          process.env.NODE_ENV !== 'production' &&
            'LinkRepairButton and useLinkRepair need the itemId of the Item to repair.',
        ),
      )
    }
    // The fast path: with a token that is still good and Link on the page, Link opens in this
    // same task, with nothing awaited, so the browser treats it as part of the click.
    const cached = tokens?.peekToken()
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
    openWhenReady(key, prepare())
  }

  /**
   * On the OAuth redirect page: re-opens Link with the token the session began with, kept in
   * sessionStorage. Without a kept session the flow fails with OAUTH_STATE_MISSING, once, however
   * often this runs (StrictMode runs effects twice).
   */
  const resume = (receivedRedirectUri: string) => {
    const { key } = latestRef.current.spec
    if (now().status !== 'idle') return
    const record = storedOAuthSession()
    if (!record) {
      return fail(
        key,
        linkError(
          'OAUTH_STATE_MISSING',
          process.env.NODE_ENV !== 'production' &&
            'useLinkOAuthResume found oauth_state_id in the URL but no Link session to resume: the session began in ' +
              'another tab, or its sessionStorage was cleared. Open Link again from the page that links accounts.',
        ),
      )
    }
    store.set({ key, status: 'loading', record })
    openWhenReady(
      key,
      loadLink().then((plaid) => [plaid, record.token]),
      { record, receivedRedirectUri },
    )
  }

  /*
   * A new key: a session still open for the old one is closed (its onExit runs), the old one's
   * handler is let go, and the state starts idle, so that work still running for the old key
   * finds it no longer current, even if the key comes back.
   */
  const keyChanged = () => {
    const { key } = latestRef.current.spec
    const old = store.get()
    if (old.key === key) return
    const { entry } = self
    if (entry?.owner && old.status === 'open') closeSession(entry, entry.owner)
    if (entry) releaseHandler(entry, self)
    self.entry = undefined
    store.set({ key, status: 'idle' })
  }

  const mount = () => {
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
  }

  return { store, open, prefetch, resume, keyChanged, mount }
}

export function useLinkSession<O extends SessionOptions>(spec: LinkSessionSpec<O>, tokens?: TokenSource) {
  const { options } = spec
  const latestRef: LatestSession<O> = useLatest({
    spec,
    tokens,
    options,
    config: useGatewayConfig(options),
    // SWR's mutate of the nearest cache, to update the Item lists.
    mutate: useSWRConfig().mutate,
  })
  const [session] = useState(() => createSession(latestRef, spec.key))
  const snapshot = useSyncExternalStore(session.store.subscribe, session.store.get, session.store.get)
  const state = snapshot.key === spec.key ? snapshot : IDLE
  const prefetchOnMount = options.prefetch === 'mount'

  // Its cleanup runs when the key changes (and on unmount, where the key is the same: nothing to do).
  useEffect(() => session.keyChanged, [spec.key, session])
  useEffect(() => session.mount(), [session])
  // Plaid recommends initialising Link as soon as a view whose purpose is linking loads.
  useEffect(() => {
    if (prefetchOnMount) session.prefetch()
  }, [prefetchOnMount, spec.key, session])

  return {
    /** What useLinkAccount returns; useLinkRepair returns the same, where `data` stays `undefined`. */
    // Every state is set whole, so an error or a result belongs to the status it came with.
    result: {
      open: session.open,
      prefetch: session.prefetch,
      status: state.status,
      error: state.error,
      data: state.data,
    },
    resume: session.resume,
    record: state.record,
  }
}
