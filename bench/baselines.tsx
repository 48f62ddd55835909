/*
 * What an app writes by hand without the package: useState + useEffect + fetch, the way the
 * usual examples do it. The benchmark and the count tests measure the package against these.
 */
import { useEffect, useRef, useState } from 'react'
import type { PlaidLinkFactory, PlaidLinkHandler, PlaidLinkSuccessMetadata } from '../src'

const post = (path: string, body: unknown) =>
  fetch(`/api/plaid${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })

/** A hand-written exchange hook. */
export function useNaiveExchange() {
  const [state, setState] = useState<{ itemId?: string; error?: unknown; isLoading: boolean }>({ isLoading: false })
  const exchange = async (publicToken: string) => {
    setState((s) => ({ ...s, isLoading: true, error: undefined }))
    try {
      const response = await post('/item/public_token/exchange', { public_token: publicToken })
      const json = (await response.json()) as { item_id: string }
      if (!response.ok) throw json
      setState({ itemId: json.item_id, isLoading: false })
      return json.item_id
    } catch (error) {
      setState({ error, isLoading: false })
      return undefined
    }
  }
  return { ...state, exchange }
}

/** A hand-written update-mode token hook: one request per mounted component. */
export function useNaiveLinkToken(itemId: string) {
  const [token, setToken] = useState<string>()
  useEffect(() => {
    let live = true
    void post('/link/token/create', { item_id: itemId })
      .then((response) => response.json() as Promise<{ link_token: string }>)
      .then((json) => {
        if (live) setToken(json.link_token)
      })
    return () => {
      live = false
    }
  }, [itemId])
  return token
}

/** A hand-written repair button: fetches its token on mount, opens Link on click. */
export function NaiveRepairButton({
  itemId,
  onSuccess,
}: {
  itemId: string
  onSuccess?: (metadata: PlaidLinkSuccessMetadata) => void
}) {
  const token = useNaiveLinkToken(itemId)
  const [status, setStatus] = useState('idle')
  const handler = useRef<PlaidLinkHandler | null>(null)
  useEffect(() => {
    if (!token) return
    const plaid = (window as unknown as { Plaid?: PlaidLinkFactory }).Plaid!
    const created = plaid.create({
      token,
      onSuccess: (_publicToken, metadata) => {
        setStatus('success')
        onSuccess?.(metadata)
      },
      onExit: () => setStatus('idle'),
    })
    handler.current = created
    return () => created.destroy()
  }, [token, onSuccess])
  return (
    <button
      type="button"
      data-state={status}
      disabled={!token}
      onClick={() => {
        handler.current?.open()
        setStatus('open')
      }}
    >
      Reconnect
    </button>
  )
}

/**
 * A hand-written update-mode token hook that keeps its token fresh, with the same policy as the
 * package (replaced five minutes before it expires, or halfway through a shorter life) but judged,
 * as such code usually is, by the browser's clock, and with no limit on how often it asks.
 */
export function useNaiveExpiringToken(itemId: string): string | undefined {
  const [state, setState] = useState<{ token: string; expiresAt: number }>()
  useEffect(() => {
    let live = true
    let timer: ReturnType<typeof setTimeout> | undefined
    const load = async () => {
      const response = await post('/link/token/create', { item_id: itemId })
      const json = (await response.json()) as { link_token: string; expiration: string }
      if (!live) return
      const expiresAt = new Date(json.expiration).getTime()
      setState({ token: json.link_token, expiresAt })
      const left = expiresAt - Date.now()
      timer = setTimeout(load, Math.max(0, left - Math.min(5 * 60_000, left / 2)))
    }
    void load()
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [itemId])
  // eslint-disable-next-line react-hooks/purity -- as such code is usually written: an expired token is hidden at render
  return state && state.expiresAt > Date.now() ? state.token : undefined
}
