/*
 * PlaidGatewayProvider: every field applies to the hooks below it, a hook's own option wins,
 * and nested providers override only what they set.
 */
import { act, render, renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { SWRConfig } from 'swr'
import {
  PlaidGatewayProvider,
  useExchangePublicToken,
  useUpdateModeToken,
  type PlaidGatewayConfig,
  type PlaidGatewayProviderProps,
} from '../src'
import { deferred, fakeGateway, hangingFetch, json, linkTokenAnswer, uniqueToken } from './helpers/gateway'

type ProviderProps = Omit<PlaidGatewayProviderProps, 'children'>

/** A fresh SWR cache under one or more nested providers, outermost first. */
function nested(...layers: ProviderProps[]) {
  const cache = new Map()
  return function Wrapper({ children }: { children: ReactNode }) {
    let tree: ReactNode = <SWRConfig value={{ provider: () => cache }}>{children}</SWRConfig>
    for (const props of [...layers].reverse()) tree = <PlaidGatewayProvider {...props}>{tree}</PlaidGatewayProvider>
    return <>{tree}</>
  }
}

async function exchangeUnder(wrapper: ReturnType<typeof nested>, options: PlaidGatewayConfig = {}) {
  const { result } = renderHook(() => useExchangePublicToken(options), { wrapper })
  let value: unknown
  await act(async () => {
    value = await result.current.exchange(uniqueToken())
  })
  return { value, error: result.current.error }
}

async function linkTokenUnder(wrapper: ReturnType<typeof nested>, options: PlaidGatewayConfig = {}) {
  const { result } = renderHook(() => useUpdateModeToken('item-p', options), { wrapper })
  await waitFor(() => expect(result.current.token ?? result.current.error).toBeDefined(), { interval: 5 })
  return { value: result.current.token, error: result.current.error }
}

const ok = () => json({ item_id: 'item-p' })

describe('without a provider', () => {
  test('the defaults apply: /api/plaid, same-origin, the global fetch', async () => {
    const gateway = fakeGateway(ok)
    vi.stubGlobal('fetch', gateway.fetch)
    const { result } = renderHook(() => useExchangePublicToken(), {
      wrapper: ({ children }) => <SWRConfig value={{ provider: () => new Map() }}>{children}</SWRConfig>,
    })
    await act(async () => {
      await result.current.exchange(uniqueToken())
    })
    expect(gateway.requests[0]?.url).toBe(new URL('/api/plaid/item/public_token/exchange', location.href).href)
    expect(gateway.requests[0]?.credentials).toBe('same-origin')
  })

  test('the global fetch is looked up at request time', async () => {
    const early = fakeGateway(ok)
    const late = fakeGateway(ok)
    vi.stubGlobal('fetch', early.fetch)
    const { result } = renderHook(() => useExchangePublicToken(), { wrapper: nested() })
    vi.stubGlobal('fetch', late.fetch)
    await act(async () => {
      await result.current.exchange(uniqueToken())
    })
    expect(early.requests).toHaveLength(0)
    expect(late.requests).toHaveLength(1)
  })
})

describe('each field from the provider, and the hook option winning over it', () => {
  test('baseUrl', async () => {
    const gateway = fakeGateway(ok)
    await exchangeUnder(nested({ baseUrl: 'https://provider.example.com/gw', fetch: gateway.fetch }))
    await exchangeUnder(nested({ baseUrl: 'https://provider.example.com/gw', fetch: gateway.fetch }), {
      baseUrl: 'https://hook.example.com/gw/',
    })
    expect(gateway.requests.map((r) => r.url)).toEqual([
      'https://provider.example.com/gw/item/public_token/exchange',
      'https://hook.example.com/gw/item/public_token/exchange',
    ])
  })

  test('headers', async () => {
    const gateway = fakeGateway(ok)
    const provider = { headers: { 'X-Source': 'provider' }, fetch: gateway.fetch }
    await exchangeUnder(nested(provider))
    await exchangeUnder(nested(provider), { headers: { 'X-Source': 'hook' } })
    await exchangeUnder(nested(provider), { headers: async () => ({ 'X-Source': 'hook-async' }) })
    expect(gateway.requests.map((r) => r.headers.get('x-source'))).toEqual(['provider', 'hook', 'hook-async'])
  })

  test('credentials', async () => {
    const gateway = fakeGateway(ok)
    await exchangeUnder(nested({ credentials: 'include', fetch: gateway.fetch }))
    await exchangeUnder(nested({ credentials: 'include', fetch: gateway.fetch }), { credentials: 'omit' })
    expect(gateway.requests.map((r) => r.credentials)).toEqual(['include', 'omit'])
  })

  test('fetch', async () => {
    const fromProvider = fakeGateway(ok)
    const fromHook = fakeGateway(ok)
    const global = fakeGateway(ok)
    vi.stubGlobal('fetch', global.fetch)
    await exchangeUnder(nested({ fetch: fromProvider.fetch }))
    await exchangeUnder(nested({ fetch: fromProvider.fetch }), { fetch: fromHook.fetch })
    expect(fromProvider.requests).toHaveLength(1)
    expect(fromHook.requests).toHaveLength(1)
    expect(global.requests).toHaveLength(0)
  })

  test('timeoutMs', async () => {
    const hanging = hangingFetch()
    const fromProvider = await exchangeUnder(nested({ timeoutMs: 30, fetch: hanging.fetch }))
    expect(fromProvider.error?.errorCode).toBe('TIMEOUT')

    // The hook's longer timeout wins: an answer after 80 ms still arrives.
    const slow = fakeGateway(() => new Promise<Response>((resolve) => setTimeout(() => resolve(ok()), 80)))
    const fromHook = await exchangeUnder(nested({ timeoutMs: 30, fetch: slow.fetch }), { timeoutMs: 5_000 })
    expect(fromHook.error).toBeUndefined()
    expect(fromHook.value).toEqual({ itemId: 'item-p' })
  })

  test('paths.exchange', async () => {
    const gateway = fakeGateway(ok)
    await exchangeUnder(nested({ paths: { exchange: '/provider/exchange' }, fetch: gateway.fetch }))
    await exchangeUnder(nested({ paths: { exchange: '/provider/exchange' }, fetch: gateway.fetch }), {
      paths: { exchange: '/hook/exchange' },
    })
    expect(gateway.requests.map((r) => new URL(r.url).pathname)).toEqual([
      '/api/plaid/provider/exchange',
      '/api/plaid/hook/exchange',
    ])
  })

  test('paths.linkTokenCreate', async () => {
    const gateway = fakeGateway(() => linkTokenAnswer('link-p'))
    await linkTokenUnder(nested({ paths: { linkTokenCreate: '/provider/link' }, fetch: gateway.fetch }))
    await linkTokenUnder(nested({ paths: { linkTokenCreate: '/provider/link' }, fetch: gateway.fetch }), {
      paths: { linkTokenCreate: '/hook/link' },
    })
    expect(gateway.requests.map((r) => new URL(r.url).pathname)).toEqual([
      '/api/plaid/provider/link',
      '/api/plaid/hook/link',
    ])
  })

  test('paths.publicTokenCreate', async () => {
    const gateway = fakeGateway(() => json({ public_token: 'public-p' }))
    const wrapper = () => nested({ paths: { publicTokenCreate: '/provider/pt' }, fetch: gateway.fetch })
    for (const paths of [undefined, { publicTokenCreate: '/hook/pt' }]) {
      const { result } = renderHook(() => useUpdateModeToken('item-p', { tokenType: 'public_token', paths }), {
        wrapper: wrapper(),
      })
      await waitFor(() => expect(result.current.token).toBe('public-p'))
    }
    expect(gateway.requests.map((r) => new URL(r.url).pathname)).toEqual([
      '/api/plaid/provider/pt',
      '/api/plaid/hook/pt',
    ])
  })

  test("a hook's paths override only the paths it names", async () => {
    const gateway = fakeGateway(ok)
    await exchangeUnder(
      nested({ baseUrl: 'https://gw.example.com', paths: { exchange: '/p/exchange' }, fetch: gateway.fetch }),
      { paths: { linkTokenCreate: '/h/link' } },
    )
    expect(gateway.requests[0]?.url).toBe('https://gw.example.com/p/exchange')
  })
})

describe('nested providers', () => {
  test('the inner provider overrides only the fields it sets', async () => {
    const outer = fakeGateway(ok)
    const wrapper = nested(
      {
        baseUrl: 'https://outer.example.com/gw',
        headers: { 'X-Layer': 'outer' },
        credentials: 'include',
        fetch: outer.fetch,
        paths: { exchange: '/outer/exchange', linkTokenCreate: '/outer/link' },
      },
      { baseUrl: 'https://inner.example.com/gw', paths: { linkTokenCreate: '/inner/link' } },
    )
    await exchangeUnder(wrapper)
    const sent = outer.requests[0]
    expect(sent?.url).toBe('https://inner.example.com/gw/outer/exchange')
    expect(sent?.headers.get('x-layer')).toBe('outer')
    expect(sent?.credentials).toBe('include')
  })

  test('every field of the inner provider wins over the outer one, and the hook over both', async () => {
    const outer = fakeGateway(ok)
    const inner = fakeGateway(ok)
    const hook = fakeGateway(ok)
    const layers: ProviderProps[] = [
      {
        baseUrl: 'https://outer.example.com',
        headers: { 'X-Layer': 'outer' },
        credentials: 'omit',
        fetch: outer.fetch,
        timeoutMs: 10,
        paths: { exchange: '/outer' },
      },
      {
        baseUrl: 'https://inner.example.com',
        headers: { 'X-Layer': 'inner' },
        credentials: 'include',
        fetch: inner.fetch,
        timeoutMs: 5_000,
        paths: { exchange: '/inner' },
      },
    ]
    const fromInner = await exchangeUnder(nested(...layers))
    expect(fromInner.error).toBeUndefined()
    expect(inner.requests[0]?.url).toBe('https://inner.example.com/inner')
    expect(inner.requests[0]?.headers.get('x-layer')).toBe('inner')
    expect(inner.requests[0]?.credentials).toBe('include')

    await exchangeUnder(nested(...layers), {
      baseUrl: 'https://hook.example.com',
      headers: { 'X-Layer': 'hook' },
      credentials: 'same-origin',
      fetch: hook.fetch,
      paths: { exchange: '/hook' },
    })
    expect(hook.requests[0]?.url).toBe('https://hook.example.com/hook')
    expect(hook.requests[0]?.headers.get('x-layer')).toBe('hook')
    expect(hook.requests[0]?.credentials).toBe('same-origin')
    expect(outer.requests).toHaveLength(0)
  })

  test('a provider whose props change is used by the next request', async () => {
    const gateway = fakeGateway(ok)
    let csrf = 'first'
    const cache = new Map()
    function Wrapper({ children }: { children: ReactNode }) {
      return (
        <PlaidGatewayProvider headers={{ 'X-CSRF-Token': csrf }} fetch={gateway.fetch}>
          <SWRConfig value={{ provider: () => cache }}>{children}</SWRConfig>
        </PlaidGatewayProvider>
      )
    }
    const { result, rerender } = renderHook(() => useExchangePublicToken(), { wrapper: Wrapper })
    await act(async () => {
      await result.current.exchange(uniqueToken())
    })
    csrf = 'second'
    rerender()
    await act(async () => {
      await result.current.exchange(uniqueToken())
    })
    expect(gateway.requests.map((r) => r.headers.get('x-csrf-token'))).toEqual(['first', 'second'])
  })
})

test('an update-mode token takes every field from the provider', async () => {
  const answer = deferred<Response>()
  const gateway = fakeGateway(() => answer.promise)
  const wrapper = nested({
    baseUrl: 'https://gw.example.com/plaid/',
    headers: () => ({ Authorization: 'Bearer session' }),
    credentials: 'include',
    fetch: gateway.fetch,
    paths: { linkTokenCreate: '/tokens/link' },
  })
  const { result } = renderHook(() => useUpdateModeToken('item-q'), { wrapper })
  await waitFor(() => expect(gateway.requests).toHaveLength(1))
  await act(async () => {
    answer.resolve(linkTokenAnswer('link-q'))
  })
  await waitFor(() => expect(result.current.token).toBe('link-q'))
  const sent = gateway.requests[0]
  expect(sent?.url).toBe('https://gw.example.com/plaid/tokens/link')
  expect(sent?.headers.get('authorization')).toBe('Bearer session')
  expect(sent?.credentials).toBe('include')
  expect(sent?.body).toStrictEqual({ item_id: 'item-q' })
})

describe('inline functions cost nothing', () => {
  // The app re-renders (a clock, a form) with new inline functions each time; the subtree below
  // the provider is a stable element, so only a changed context value would re-render it.
  function setup() {
    const gateway = fakeGateway(ok)
    const renders = { count: 0 }
    let exchange: (token: string) => Promise<unknown> = async () => undefined
    function Consumer() {
      renders.count += 1
      exchange = useExchangePublicToken().exchange
      useUpdateModeToken(null)
      return null
    }
    const consumer = <Consumer />
    const cache = new Map()
    const swr = { provider: () => cache }
    function App({ tick }: { tick: number }) {
      return (
        <SWRConfig value={swr}>
          <PlaidGatewayProvider
            headers={() => ({ 'X-Tick': String(tick) })}
            fetch={(input, init) => gateway.fetch(input, init)}
          >
            {consumer}
          </PlaidGatewayProvider>
        </SWRConfig>
      )
    }
    return { App, gateway, renders, exchange: (token: string) => exchange(token) }
  }

  test('an inline headers function and fetch do not re-render the hooks below; the newest are used', async () => {
    const { App, gateway, renders, exchange } = setup()
    const view = render(<App tick={1} />)
    const rendersAfterMount = renders.count
    for (let tick = 2; tick <= 5; tick++) view.rerender(<App tick={tick} />)
    expect(renders.count).toBe(rendersAfterMount)
    await act(async () => {
      await exchange(uniqueToken())
    })
    expect(gateway.requests).toHaveLength(1)
    expect(gateway.requests[0]?.headers.get('x-tick')).toBe('5')
  })

  test('a window.fetch passed in is still called detached', async () => {
    const calls: unknown[] = []
    const strictFetch = function (this: unknown) {
      calls.push(this)
      return Promise.resolve(json({ item_id: 'item-detached' }))
    } as unknown as typeof fetch
    const { result } = renderHook(() => useExchangePublicToken(), {
      wrapper: nested({ fetch: strictFetch, headers: () => ({}) }),
    })
    await act(async () => {
      await result.current.exchange(uniqueToken())
    })
    expect(result.current.data?.itemId).toBe('item-detached')
    expect(calls).toEqual([undefined])
  })
})
