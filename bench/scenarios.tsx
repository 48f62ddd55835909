/*
 * The measured scenarios, shared by the benchmark (which reports them) and the count tests
 * (which assert the counts). They run in jsdom with `fetch` and `window.Plaid` stood in at the
 * boundary, the package and the hand-written baseline side by side.
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { Profiler, useEffect, type ReactNode } from 'react'
import { SWRConfig } from 'swr'
import { LinkRepairButton, useExchangePublicToken, useLinkRepair, useUpdateModeToken } from '../src'
import type { PlaidLinkCreateOptions, PlaidLinkFactory } from '../src'
import { NaiveRepairButton, useNaiveExchange, useNaiveLinkToken } from './baselines'

export type Kind = 'package' | 'baseline'

/* Each side's hooks, picked once per scenario so that every component calls its hooks unconditionally. */
const usePackageToken = (itemId: string) => useUpdateModeToken(itemId).token
const tokenHook = (kind: Kind) => (kind === 'package' ? usePackageToken : useNaiveLinkToken)
const exchangeHook = (kind: Kind) => (kind === 'package' ? useExchangePublicToken : useNaiveExchange)

let minted = 0
/** A gateway at the fetch boundary that answers after `latencyMs` and counts requests per path. */
function installGateway(latencyMs: number) {
  const counts: Record<string, number> = {}
  globalThis.fetch = (async (input: RequestInfo | URL) => {
    const path = new URL(String(input), 'http://localhost').pathname.replace('/api/plaid', '')
    counts[path] = (counts[path] ?? 0) + 1
    await new Promise((resolve) => setTimeout(resolve, latencyMs))
    minted += 1
    const body =
      path === '/item/public_token/exchange'
        ? { item_id: `item-${minted}`, request_id: 'req' }
        : { link_token: `link-sandbox-${minted}`, expiration: new Date(Date.now() + 3_600_000).toISOString() }
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
  }) as typeof fetch
  return counts
}

/** A window.Plaid whose handlers record when open() ran and whether a click was still running. */
function installLink(clock: { inClick: boolean }) {
  const opens: Array<{ at: number; inClick: boolean; token: string }> = []
  const handlers: PlaidLinkCreateOptions[] = []
  const plaid: PlaidLinkFactory = {
    create: (options) => {
      handlers.push(options)
      return {
        open: () => opens.push({ at: performance.now(), inClick: clock.inClick, token: options.token }),
        exit: () => {},
        destroy: () => {},
      }
    },
  }
  ;(window as unknown as { Plaid?: PlaidLinkFactory }).Plaid = plaid
  return { opens, handlers }
}

const fresh = ({ children }: { children: ReactNode }) => (
  <SWRConfig value={{ provider: () => new Map() }}>{children}</SWRConfig>
)

const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 0)))

/*
 * Render counts are taken the way a browser schedules React, not the way act() batches a whole
 * test step into one render: act is switched off while they are counted.
 */
async function asInBrowser<T>(work: () => Promise<T>): Promise<T> {
  const scope = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }
  const before = scope.IS_REACT_ACT_ENVIRONMENT
  scope.IS_REACT_ACT_ENVIRONMENT = false
  try {
    return await work()
  } finally {
    scope.IS_REACT_ACT_ENVIRONMENT = before
  }
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 200; i += 1) {
    if (check()) return
    await tick(5)
  }
  throw new Error(`timed out waiting for ${what}`)
}

/**
 * Token requests and Link handlers (`Plaid.create` calls, each an iframe) when 50 buttons for one
 * Item are on a page and each is hovered (the package) or mounted (the baseline). With `onMount`
 * the package's buttons fetch on mount too (`prefetch="mount"`), and nothing is hovered.
 */
export async function tokenRequestsFor50Buttons(
  kind: Kind,
  onMount = false,
): Promise<{ requests: number; handlers: number }> {
  const counts = installGateway(20)
  const link = installLink({ inClick: false })
  const buttons = Array.from({ length: 50 }, (_, i) =>
    kind === 'package' ? (
      <LinkRepairButton key={i} itemId="item-shared" prefetch={onMount ? 'mount' : 'intent'} />
    ) : (
      <NaiveRepairButton key={i} itemId="item-shared" />
    ),
  )
  render(<>{buttons}</>, { wrapper: fresh })
  if (kind === 'package' && !onMount) for (const button of screen.getAllByRole('button')) fireEvent.pointerEnter(button)
  await waitFor(() => expect(link.handlers.length).toBe(kind === 'package' ? 1 : 50))
  // Whatever else was coming has come by now.
  await act(() => tick(50))
  const handlers = link.handlers.length
  cleanup()
  return { requests: counts['/link/token/create'] ?? 0, handlers }
}

/** Token requests when 50 components read the token for one Item at once. */
export async function tokenRequestsFor50Hooks(kind: Kind): Promise<number> {
  const counts = installGateway(20)
  let ready = 0
  const useToken = tokenHook(kind)
  function Reader() {
    const token = useToken('item-shared')
    useEffect(() => {
      if (token) ready += 1
    }, [token])
    return null
  }
  render(
    <>
      {Array.from({ length: 50 }, (_, i) => (
        <Reader key={i} />
      ))}
    </>,
    { wrapper: fresh },
  )
  await waitFor(() => expect(ready).toBe(50))
  cleanup()
  return counts['/link/token/create'] ?? 0
}

let publicTokens = 0
/** Exchange requests for one public token exchanged from an effect under StrictMode, then 5 rapid calls. */
export async function exchangeRequests(kind: Kind): Promise<number> {
  const counts = installGateway(20)
  const publicToken = `public-sandbox-bench-${++publicTokens}`
  const probe: { calls: Array<() => Promise<unknown>> } = { calls: [] }
  const useExchange = exchangeHook(kind)
  function Exchanger() {
    const { exchange } = useExchange()
    useEffect(() => {
      probe.calls = Array.from({ length: 5 }, () => () => exchange(publicToken))
    })
    useEffect(() => {
      void exchange(publicToken)
      // eslint-disable-next-line react-hooks/exhaustive-deps -- the effect runs once per mount, as apps write it
    }, [])
    return null
  }
  // StrictMode at the root, where React 19 runs effects twice on mount.
  render(<Exchanger />, { wrapper: fresh, reactStrictMode: true })
  await act(async () => {
    await Promise.all(probe.calls.map((call) => call()))
  })
  await settle()
  cleanup()
  return counts['/item/public_token/exchange'] ?? 0
}

/** Renders of the consumer component from mount to the exchange's result. */
export function exchangeRenders(kind: Kind): Promise<number> {
  return asInBrowser(async () => {
    installGateway(20)
    const publicToken = `public-sandbox-bench-${++publicTokens}`
    let renders = 0
    const probe: { exchange: (token: string) => Promise<unknown>; done: boolean } = {
      exchange: async () => undefined,
      done: false,
    }
    const useExchange = exchangeHook(kind)
    function Consumer() {
      const result = useExchange()
      useEffect(() => {
        probe.exchange = result.exchange
        probe.done = 'data' in result ? result.data !== undefined : !!result.itemId
      })
      return null
    }
    // React's Profiler counts the commits in which the consumer rendered.
    render(
      <Profiler id="consumer" onRender={() => (renders += 1)}>
        <Consumer />
      </Profiler>,
      { wrapper: fresh },
    )
    await until(() => renders > 0, 'the first render')
    await probe.exchange(publicToken)
    await until(() => probe.done, 'the result')
    await tick(20)
    cleanup()
    return renders
  })
}

/** Renders of the component that owns the repair flow, from mount through click, open and success. */
export function repairRenders(kind: Kind): Promise<number> {
  return asInBrowser(async () => {
    installGateway(20)
    const link = installLink({ inClick: false })
    let renders = 0
    function PackageRepair() {
      const { open, prefetch, status } = useLinkRepair('item-repair')
      return (
        <button type="button" data-state={status} onClick={open} onPointerEnter={prefetch}>
          Reconnect
        </button>
      )
    }
    render(
      <Profiler id="repair" onRender={() => (renders += 1)}>
        {kind === 'package' ? <PackageRepair /> : <NaiveRepairButton itemId="item-repair" />}
      </Profiler>,
      { wrapper: fresh },
    )
    const button = screen.getByRole('button')
    if (kind === 'baseline') await until(() => !(button as HTMLButtonElement).disabled, 'the baseline token')
    button.click()
    await until(() => button.getAttribute('data-state') === 'open', 'Link to open')
    link.handlers
      .at(-1)!
      .onSuccess('public-sandbox-repaired', { institution: null, accounts: [], link_session_id: 's' })
    await until(() => button.getAttribute('data-state') === 'success', 'success')
    await tick(20)
    cleanup()
    return renders
  })
}

export interface OpenLatency {
  /** Whether open() ran inside the click's own task. */
  sameTask: boolean
  /** Milliseconds from the click to open(). */
  ms: number
}

/** Click to Link's open(): after a prefetch on hover, or cold (the token fetched on click). */
export async function clickToOpen(kind: Kind, prefetched: boolean, latencyMs: number): Promise<OpenLatency> {
  installGateway(latencyMs)
  const clock = { inClick: false }
  const link = installLink(clock)
  render(
    kind === 'package' ? <LinkRepairButton itemId="item-latency" /> : <NaiveRepairButton itemId="item-latency" />,
    {
      wrapper: fresh,
    },
  )
  const button = screen.getByRole('button')
  if (kind === 'package' && prefetched) {
    fireEvent.pointerEnter(button)
    await waitFor(() => expect(link.handlers.length).toBe(1))
  }
  // The baseline cannot open before its token arrives: its button stays disabled until then.
  if (kind === 'baseline') await waitFor(() => expect(button).not.toBeDisabled())
  const started = performance.now()
  clock.inClick = true
  fireEvent.click(button)
  clock.inClick = false
  await waitFor(() => expect(link.opens.length).toBe(1))
  const open = link.opens[0]!
  cleanup()
  return { sameTask: open.inClick, ms: open.at - started }
}
