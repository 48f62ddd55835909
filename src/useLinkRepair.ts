import { useCallback, useEffect, useRef, useState } from 'react'
import { PlaidGatewayError, gatewayError } from './PlaidGatewayError'
import { callSafely } from './_internal/callbacks'
import { DEFAULT_SCRIPT_TIMEOUT_MS, linkOnPage, loadPlaidLink } from './_internal/loadPlaidLink'
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

/* A token must stay valid this long for Link to be opened with it; a shorter one is replaced first. */
const MIN_VALIDITY_MS = 60_000

interface FlowState {
  itemId: string | null | undefined
  status: LinkRepairStatus
  error?: PlaidGatewayError
}

interface HandlerEntry {
  itemId: string
  token: string
  handler: PlaidLinkHandler
}

function linkExitError(error: PlaidLinkError): PlaidGatewayError {
  return new PlaidGatewayError({
    errorType: error.error_type,
    errorCode: error.error_code,
    errorMessage: error.error_message || `Plaid Link closed with ${error.error_code}.`,
    displayMessage: error.display_message,
  })
}

function asGatewayError(error: unknown): PlaidGatewayError {
  return error instanceof PlaidGatewayError
    ? error
    : new PlaidGatewayError(
        {
          errorType: 'LINK_ERROR',
          errorCode: 'LINK_SCRIPT_FAILED',
          errorMessage: 'Plaid Link failed to start; see `cause`.',
        },
        { cause: error },
      )
}

/**
 * The headless repair flow behind `<LinkRepairButton>`: gets an update-mode Link token for the
 * Item, loads Plaid Link once for the page, and opens Link in update mode. Call `prefetch` on
 * intent so that `open` usually opens Link in the same task as the click.
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
  const callbacks = useLatest({ onSuccess, onExit, onEvent })
  const scriptTimeout = useLatest(scriptTimeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS)
  const itemRef = useLatest(itemId)

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
  const plaidRef = useRef<PlaidLinkFactory | undefined>(undefined)
  const mountedRef = useRef(false)

  const update = useCallback((forItem: string, change: (current: FlowState) => FlowState) => {
    const base: FlowState = flowRef.current.itemId === forItem ? flowRef.current : { itemId: forItem, status: 'idle' }
    const next = change(base)
    flowRef.current = next
    setState(next)
  }, [])

  const handlerFor = useCallback(
    (plaid: PlaidLinkFactory, forItem: string, linkToken: string): PlaidLinkHandler => {
      const entry = handlerRef.current
      if (entry && entry.token === linkToken && entry.itemId === forItem) return entry.handler
      // One handler per token: the one for an older token goes before a new one is made.
      entry?.handler.destroy()
      handlerRef.current = null
      const stillCurrent = () => mountedRef.current && itemRef.current === forItem
      const handler = plaid.create({
        token: linkToken,
        onSuccess: (_publicToken, metadata) => {
          // Update mode repairs the existing Item: there is nothing to exchange. The token has
          // done its job, so the next repair gets a fresh one.
          discard()
          if (stillCurrent()) update(forItem, (s) => ({ ...s, status: 'success', error: undefined }))
          callSafely(callbacks.current.onSuccess, metadata)
        },
        onExit: (error, metadata) => {
          if (error?.error_code === 'INVALID_LINK_TOKEN') discard()
          if (stillCurrent()) {
            update(forItem, (s) =>
              error
                ? { ...s, status: 'error', error: linkExitError(error) }
                : { ...s, status: 'idle', error: undefined },
            )
          }
          callSafely(callbacks.current.onExit, error, metadata)
        },
        onEvent: (eventName, metadata) => callSafely(callbacks.current.onEvent, eventName, metadata),
      })
      handlerRef.current = { itemId: forItem, token: linkToken, handler }
      return handler
    },
    [callbacks, discard, itemRef, update],
  )

  const prefetch = useCallback(() => {
    const forItem = itemRef.current
    if (typeof forItem !== 'string' || forItem === '') return
    Promise.all([loadPlaidLink(scriptTimeout.current), ensureToken({ minValidityMs: MIN_VALIDITY_MS })])
      .then(([plaid, fresh]) => {
        plaidRef.current = plaid
        const status = flowRef.current.status
        if (mountedRef.current && itemRef.current === forItem && status !== 'open' && status !== 'loading') {
          handlerFor(plaid, forItem, fresh.token)
        }
      })
      .catch(() => {
        // Silent on purpose: a prefetch is not a request from the person. A click retries and
        // shows the failure.
      })
  }, [ensureToken, handlerFor, itemRef, scriptTimeout])

  const open = useCallback(() => {
    const forItem = itemRef.current
    const current = flowRef.current.itemId === forItem ? flowRef.current.status : 'idle'
    if (current === 'loading' || current === 'open') return
    if (typeof forItem !== 'string' || forItem === '') {
      const error = gatewayError(
        'INVALID_INPUT',
        'LinkRepairButton and useLinkRepair need the itemId of the Item to repair.',
      )
      flowRef.current = { itemId: forItem, status: 'error', error }
      setState(flowRef.current)
      return
    }

    // The fast path: with a token that is still good and Link on the page, the handler (made
    // ahead of time on intent, or now) opens Link in this same task, with nothing awaited, so the
    // browser treats it as part of the click.
    const cached = peekToken()
    const plaid = plaidRef.current ?? linkOnPage()
    // Whatever goes wrong, Link throwing included, ends in the error state, never stuck.
    const fail = (error: unknown) => {
      if (!mountedRef.current || itemRef.current !== forItem) return
      update(forItem, (s) => ({ ...s, status: 'error', error: asGatewayError(error) }))
    }
    if (cached && plaid && cached.expiresAt - Date.now() > MIN_VALIDITY_MS) {
      plaidRef.current = plaid
      try {
        const handler = handlerFor(plaid, forItem, cached.token)
        update(forItem, (s) => ({ ...s, status: 'open', error: undefined }))
        handler.open()
      } catch (error) {
        fail(error)
      }
      return
    }

    update(forItem, (s) => ({ ...s, status: 'loading', error: undefined }))
    Promise.all([loadPlaidLink(scriptTimeout.current), ensureToken({ minValidityMs: MIN_VALIDITY_MS })])
      .then(([plaid, fresh]) => {
        plaidRef.current = plaid
        if (!mountedRef.current || itemRef.current !== forItem || flowRef.current.status !== 'loading') return
        const handler = handlerFor(plaid, forItem, fresh.token)
        update(forItem, (s) => ({ ...s, status: 'open' }))
        handler.open()
      })
      .catch(fail)
  }, [ensureToken, handlerFor, itemRef, peekToken, scriptTimeout, update])

  // When the Item changes, the handler made for the old Item's token goes, and so does the old
  // Item's state: a request for it still in flight is ignored, so coming back to it starts idle.
  useEffect(
    () => () => {
      const current = itemRef.current
      const entry = handlerRef.current
      if (entry && entry.itemId !== current) {
        entry.handler.destroy()
        handlerRef.current = null
      }
      if (flowRef.current.itemId !== current) flowRef.current = { itemId: current, status: 'idle' }
    },
    [itemId, itemRef],
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
