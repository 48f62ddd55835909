import { useCallback, useEffect, useRef, useState } from 'react'
import { PlaidGatewayError, gatewayError } from './PlaidGatewayError'
import { callSafely } from './_internal/callbacks'
import { linkOnPage, loadPlaidLink } from './_internal/loadPlaidLink'
import { useLatest } from './_internal/useLatest'
import { useTokenSource } from './_internal/useTokenSource'
import type {
  PlaidLinkError,
  PlaidLinkEventMetadata,
  PlaidLinkExitMetadata,
  PlaidLinkFactory,
  PlaidLinkHandler,
  PlaidLinkSuccessMetadata,
} from './linkTypes'
import type { PlaidGatewayConfig } from './types'

/** Where the repair flow is: `loading` only after the person asked for Link. */
export type LinkRepairStatus = 'idle' | 'loading' | 'open' | 'success' | 'error'

export interface UseLinkRepairOptions extends PlaidGatewayConfig {
  /**
   * Let the person pick accounts again, for Items with `NEW_ACCOUNTS_AVAILABLE`.
   * @defaultValue `false`
   */
  accountSelectionEnabled?: boolean
  /** Link finished: the Item is repaired. Nothing is exchanged in update mode. */
  onSuccess?: (metadata: PlaidLinkSuccessMetadata) => void
  /** Link closed without success; `error` is Link's error, or `null` when the person closed it. */
  onExit?: (error: PlaidLinkError | null, metadata: PlaidLinkExitMetadata) => void
  /** Every event Link reports, passed through. */
  onEvent?: (eventName: string, metadata: PlaidLinkEventMetadata) => void
  /**
   * How long to wait for Plaid Link's script before failing with `LINK_SCRIPT_TIMEOUT`.
   * @defaultValue `15000`
   */
  scriptTimeoutMs?: number
}

export interface UseLinkRepairResult {
  /** Opens Link in update mode: at once when a token and Link are ready, otherwise after loading them. */
  open: () => void
  /** Fetches the token and Link's script without changing `status`; call it on intent (hover, focus). */
  prefetch: () => void
  /** `idle`, `loading`, `open`, `success` or `error`. */
  status: LinkRepairStatus
  /** The failure behind `status === 'error'`: the gateway's, Link's script's, or Link's own exit error. */
  error: PlaidGatewayError | undefined
}

interface FlowState {
  itemId: string | null | undefined
  status: LinkRepairStatus
  error?: PlaidGatewayError | undefined
}

interface HandlerEntry {
  itemId: string
  token: string
  handler: PlaidLinkHandler
}

/**
 * The headless repair flow behind `<LinkRepairButton>`: gets an update-mode Link token for the
 * Item, loads Plaid Link once for the page, and opens Link in update mode. Call `prefetch` on
 * intent so that `open` usually opens Link in the same task as the click. Use it to give another
 * element (a menu item, a link) the button's behaviour.
 *
 * @example
 * ```tsx
 * const { open, prefetch, status, error } = useLinkRepair(item.id, { onSuccess: () => reloadItems() })
 * return <button onClick={open} onPointerEnter={prefetch} onFocus={prefetch} data-state={status}>Reconnect</button>
 * ```
 */
export function useLinkRepair(
  itemId: string | null | undefined,
  options: UseLinkRepairOptions = {},
): UseLinkRepairResult {
  const { accountSelectionEnabled = false, onSuccess, onExit, onEvent, scriptTimeoutMs, ...gateway } = options
  // `??`, like the gateway settings: null means the default too.
  const latestRef = useLatest({ itemId, scriptTimeoutMs: scriptTimeoutMs ?? 15_000, onSuccess, onExit, onEvent })

  const [state, setState] = useState<FlowState>({ itemId, status: 'idle' })
  // A new Item starts over; nothing of the old one's state applies to it (React's pattern for
  // state that follows a prop: adjusted during render, before anything is committed).
  if (state.itemId !== itemId) setState({ itemId, status: 'idle' })
  const flow: FlowState = state.itemId === itemId ? state : { itemId, status: 'idle' }
  // The same state, readable at once by event handlers that run before the next render.
  const flowRef = useRef(flow)

  // Not subscribed (enabled: false): the flow reads the shared cache when it acts, so a token
  // arriving or being replaced costs this component no render.
  const { ensureToken, peekToken, discard } = useTokenSource(itemId, {
    ...gateway,
    accountSelectionEnabled,
    tokenType: 'link_token',
    enabled: false,
  })

  const handlerRef = useRef<HandlerEntry | null>(null)
  const mountedRef = useRef(false)

  /* Work started for `forItem` may change the state only while it is still this component's Item. */
  const isCurrent = useCallback(
    (forItem: unknown) => mountedRef.current && latestRef.current.itemId === forItem,
    [latestRef],
  )
  const set = useCallback((forItem: FlowState['itemId'], status: LinkRepairStatus, error?: PlaidGatewayError) => {
    setState((flowRef.current = { itemId: forItem, status, error }))
  }, [])

  const handlerFor = useCallback(
    (plaid: PlaidLinkFactory, forItem: string, token: string): PlaidLinkHandler => {
      const entry = handlerRef.current
      if (entry?.token === token && entry.itemId === forItem) return entry.handler
      // One handler per token: the one for an older token goes before a new one is made.
      entry?.handler.destroy()
      handlerRef.current = null
      const handler = plaid.create({
        token,
        onSuccess: (_publicToken, metadata) => {
          // Update mode repairs the existing Item: there is nothing to exchange. The token has
          // done its job, so the next repair gets a fresh one.
          discard()
          if (isCurrent(forItem)) set(forItem, 'success')
          callSafely(latestRef.current.onSuccess, metadata)
        },
        onExit: (error, metadata) => {
          if (error?.error_code === 'INVALID_LINK_TOKEN') discard()
          if (isCurrent(forItem)) {
            set(
              forItem,
              error ? 'error' : 'idle',
              error
                ? new PlaidGatewayError({
                    errorType: error.error_type,
                    errorCode: error.error_code,
                    errorMessage: error.error_message || error.error_code,
                    displayMessage: error.display_message,
                  })
                : undefined,
            )
          }
          callSafely(latestRef.current.onExit, error, metadata)
        },
        onEvent: (eventName, metadata) => callSafely(latestRef.current.onEvent, eventName, metadata),
      })
      handlerRef.current = { itemId: forItem, token, handler }
      return handler
    },
    [discard, isCurrent, latestRef, set],
  )

  /* Link's script and a token that stays good for at least a minute, fetched side by side. */
  const prepare = useCallback(
    () => Promise.all([loadPlaidLink(latestRef.current.scriptTimeoutMs), ensureToken()]),
    [ensureToken, latestRef],
  )

  const prefetch = useCallback(() => {
    const forItem = latestRef.current.itemId
    if (!forItem || typeof forItem !== 'string') return
    prepare().then(
      ([plaid, fresh]) => {
        const { status } = flowRef.current
        if (isCurrent(forItem) && status !== 'open' && status !== 'loading') handlerFor(plaid, forItem, fresh.token)
      },
      () => {
        // Silent on purpose: a prefetch is not a request from the person. A click retries and
        // shows the failure.
      },
    )
  }, [handlerFor, isCurrent, latestRef, prepare])

  const open = useCallback(() => {
    const forItem = latestRef.current.itemId
    const current = flowRef.current.itemId === forItem ? flowRef.current.status : 'idle'
    if (current === 'loading' || current === 'open') return
    if (!forItem || typeof forItem !== 'string') {
      return set(
        forItem,
        'error',
        gatewayError(
          'INVALID_INPUT',
          process.env.NODE_ENV !== 'production' &&
            'LinkRepairButton and useLinkRepair need the itemId of the Item to repair.',
        ),
      )
    }
    // Whatever goes wrong, Link throwing included, ends in the error state, never stuck.
    const fail = (error: unknown) => {
      if (!isCurrent(forItem)) return
      set(
        forItem,
        'error',
        error instanceof PlaidGatewayError
          ? error
          : new PlaidGatewayError(
              { errorType: 'LINK_ERROR', errorCode: 'LINK_SCRIPT_FAILED', errorMessage: 'Plaid Link failed to start.' },
              { cause: error },
            ),
      )
    }
    const start = (plaid: PlaidLinkFactory, token: string) => {
      const handler = handlerFor(plaid, forItem, token)
      set(forItem, 'open')
      handler.open()
    }

    // The fast path: with a token that is still good and Link on the page, the handler (made
    // ahead of time on intent, or now) opens Link in this same task, with nothing awaited, so the
    // browser treats it as part of the click.
    const cached = peekToken()
    const plaid = linkOnPage()
    if (cached && plaid) {
      try {
        start(plaid, cached.token)
      } catch (error) {
        fail(error)
      }
      return
    }
    set(forItem, 'loading')
    prepare()
      .then(([plaid, fresh]) => {
        if (isCurrent(forItem) && flowRef.current.status === 'loading') start(plaid, fresh.token)
      })
      .catch(fail)
  }, [handlerFor, isCurrent, latestRef, peekToken, prepare, set])

  // When the Item changes, the handler made for the old Item's token goes, and so does the old
  // Item's state: a request for it still in flight is ignored, so coming back to it starts idle.
  useEffect(
    () => () => {
      const current = latestRef.current.itemId
      const entry = handlerRef.current
      if (entry && entry.itemId !== current) {
        entry.handler.destroy()
        handlerRef.current = null
      }
      if (flowRef.current.itemId !== current) flowRef.current = { itemId: current, status: 'idle' }
    },
    [itemId, latestRef],
  )

  useEffect(() => {
    mountedRef.current = true
    return () => {
      mountedRef.current = false
      const entry = handlerRef.current
      // Deferred, because StrictMode runs this cleanup and the effect again at once, and the
      // handler should survive that; a real unmount destroys it a moment later.
      setTimeout(() => {
        if (!mountedRef.current && entry && handlerRef.current === entry) {
          entry.handler.destroy()
          handlerRef.current = null
        }
      })
    }
  }, [])

  return { open, prefetch, status: flow.status, error: flow.status === 'error' ? flow.error : undefined }
}
