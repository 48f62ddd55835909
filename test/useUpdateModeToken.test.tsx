import { act, render, renderHook, screen, waitFor } from '@testing-library/react'
import { useUpdateModeToken, type UseUpdateModeTokenOptions } from '../src'
import {
  deferred,
  fakeGateway,
  HOUR,
  isoIn,
  json,
  linkTokenAnswer,
  MINUTE,
  plaidError,
  type SentRequest,
} from './helpers/gateway'
import { advance, createWrapper, useFakeClock, type WrapperOptions } from './helpers/render'

/** A gateway that mints `link-<item>-<n>` tokens, counting per Item. */
function mintingGateway(expiresInMs = 4 * HOUR) {
  const minted = new Map<string, number>()
  return fakeGateway((request: SentRequest) => {
    const itemId = (request.body as { item_id: string }).item_id
    const n = (minted.get(itemId) ?? 0) + 1
    minted.set(itemId, n)
    return linkTokenAnswer(`link-${itemId}-${n}`, expiresInMs)
  })
}

function renderToken(
  itemId: string | null | undefined,
  options: UseUpdateModeTokenOptions,
  wrapper: WrapperOptions = {},
  reactStrictMode = false,
) {
  return renderHook(({ id }) => useUpdateModeToken(id, options), {
    wrapper: createWrapper(wrapper),
    initialProps: { id: itemId },
    reactStrictMode,
  })
}

function TokenView({ itemId, ...options }: UseUpdateModeTokenOptions & { itemId: string }) {
  const { token } = useUpdateModeToken(itemId, options)
  return <li>{token ?? 'no token'}</li>
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30))

describe('when nothing may be fetched', () => {
  test.each([
    ['null', null],
    ['undefined', undefined],
    ['an empty string', ''],
  ])('itemId %s sends no request and reports nothing', async (_label, itemId) => {
    const gateway = mintingGateway()
    const { result } = renderToken(itemId, { fetch: gateway.fetch })
    await settle()
    expect(gateway.requests).toHaveLength(0)
    expect(result.current.token).toBeUndefined()
    expect(result.current.expiration).toBeUndefined()
    expect(result.current.error).toBeUndefined()
    expect(result.current.isLoading).toBe(false)
  })

  test('enabled: false sends no request until it becomes true', async () => {
    const gateway = mintingGateway()
    const { result, rerender } = renderHook(
      ({ enabled }) => useUpdateModeToken('item-held', { fetch: gateway.fetch, enabled }),
      { wrapper: createWrapper(), initialProps: { enabled: false } },
    )
    await settle()
    expect(gateway.requests).toHaveLength(0)
    expect(result.current.isLoading).toBe(false)
    expect(result.current.token).toBeUndefined()
    rerender({ enabled: true })
    await waitFor(() => expect(result.current.token).toBe('link-item-held-1'))
    expect(gateway.requests).toHaveLength(1)
  })

  test('an itemId that arrives later starts the request then', async () => {
    const gateway = mintingGateway()
    const { result, rerender } = renderToken(null, { fetch: gateway.fetch })
    await settle()
    expect(gateway.requests).toHaveLength(0)
    rerender({ id: 'item-later' })
    await waitFor(() => expect(result.current.token).toBe('link-item-later-1'))
    expect(gateway.requests).toHaveLength(1)
  })
})

test('returns the token and its expiration, loading meanwhile', async () => {
  const expiration = new Date(Date.now() + 2 * HOUR)
  const answer = deferred<Response>()
  const gateway = fakeGateway(() => answer.promise)
  const { result } = renderToken('item-1', { fetch: gateway.fetch })
  expect(result.current.isLoading).toBe(true)
  expect(result.current.token).toBeUndefined()
  await act(async () => {
    answer.resolve(json({ link_token: 'link-sandbox-abc', expiration: expiration.toISOString(), request_id: 'r' }))
  })
  await waitFor(() => expect(result.current.token).toBe('link-sandbox-abc'))
  expect(result.current.expiration).toBeInstanceOf(Date)
  expect(result.current.expiration?.getTime()).toBe(expiration.getTime())
  expect(result.current.isLoading).toBe(false)
  expect(result.current.error).toBeUndefined()
  expect(gateway.requests[0]?.body).toStrictEqual({ item_id: 'item-1' })
})

test.each([
  [
    'accountSelectionEnabled: true adds the flag',
    { accountSelectionEnabled: true },
    { item_id: 'item-a', account_selection_enabled: true },
  ],
  ['accountSelectionEnabled: false leaves it out', { accountSelectionEnabled: false }, { item_id: 'item-a' }],
  ['the default leaves it out', {}, { item_id: 'item-a' }],
])('link token body: %s', async (_label, options, body) => {
  const gateway = mintingGateway()
  const { result } = renderToken('item-a', { fetch: gateway.fetch, ...options })
  await waitFor(() => expect(result.current.token).toBe('link-item-a-1'))
  expect(gateway.requests.map((r) => r.body)).toStrictEqual([body])
  expect(gateway.requests[0]?.url).toBe(new URL('/api/plaid/link/token/create', location.href).href)
})

test.each([{ accountSelectionEnabled: true }, { accountSelectionEnabled: false }])(
  "tokenType 'public_token' posts only the item_id to the public-token path (%o)",
  async (options) => {
    const gateway = fakeGateway(() => json({ public_token: 'public-sandbox-legacy', expiration: isoIn(HOUR / 2) }))
    const { result } = renderToken('item-legacy', { fetch: gateway.fetch, tokenType: 'public_token', ...options })
    await waitFor(() => expect(result.current.token).toBe('public-sandbox-legacy'))
    expect(gateway.requests).toHaveLength(1)
    expect(gateway.requests[0]?.url).toBe(new URL('/api/plaid/item/public_token/create', location.href).href)
    expect(gateway.requests[0]?.body).toStrictEqual({ item_id: 'item-legacy' })
    expect(result.current.expiration).toBeInstanceOf(Date)
  },
)

test('a legacy public token without expiration is returned with expiration undefined', async () => {
  const gateway = fakeGateway(() => json({ public_token: 'public-sandbox-noexp' }))
  const { result } = renderToken('item-noexp', { fetch: gateway.fetch, tokenType: 'public_token' })
  await waitFor(() => expect(result.current.token).toBe('public-sandbox-noexp'))
  expect(result.current.expiration).toBeUndefined()
})

test.each([2, 10])('%i hooks for the same Item share one request', async (count) => {
  const answer = deferred<Response>()
  const gateway = fakeGateway(() => answer.promise)
  const Wrapper = createWrapper()
  render(
    <Wrapper>
      <ul>
        {Array.from({ length: count }, (_, i) => (
          <TokenView key={i} itemId="item-shared" fetch={gateway.fetch} />
        ))}
      </ul>
    </Wrapper>,
  )
  await act(async () => {
    answer.resolve(linkTokenAnswer('link-sandbox-shared'))
  })
  expect(await screen.findAllByText('link-sandbox-shared')).toHaveLength(count)
  expect(gateway.requests).toHaveLength(1)
})

test('hooks for different Items send their own requests and each shows only its own token', async () => {
  const answers = new Map([
    ['item-a', deferred<Response>()],
    ['item-b', deferred<Response>()],
  ])
  const gateway = fakeGateway((request) => answers.get((request.body as { item_id: string }).item_id)!.promise)
  const Wrapper = createWrapper()
  render(
    <Wrapper>
      <ul aria-label="a">
        <TokenView itemId="item-a" fetch={gateway.fetch} />
      </ul>
      <ul aria-label="b">
        <TokenView itemId="item-b" fetch={gateway.fetch} />
      </ul>
    </Wrapper>,
  )
  await waitFor(() => expect(gateway.requests).toHaveLength(2))
  // Answered out of order: B first.
  await act(async () => {
    answers.get('item-b')!.resolve(linkTokenAnswer('link-for-b'))
  })
  expect(await screen.findByText('link-for-b')).toBeInTheDocument()
  expect(screen.getByRole('list', { name: 'a' })).toHaveTextContent('no token')
  await act(async () => {
    answers.get('item-a')!.resolve(linkTokenAnswer('link-for-a'))
  })
  await waitFor(() => expect(screen.getByRole('list', { name: 'a' })).toHaveTextContent('link-for-a'))
  expect(screen.getByRole('list', { name: 'b' })).toHaveTextContent('link-for-b')
  expect(gateway.requests.map((r) => (r.body as { item_id: string }).item_id).sort()).toEqual(['item-a', 'item-b'])
})

test('different accountSelectionEnabled values do not share a token', async () => {
  const gateway = fakeGateway((request, index) => linkTokenAnswer(`link-${index}-${JSON.stringify(request.body)}`))
  const Wrapper = createWrapper()
  render(
    <Wrapper>
      <ul aria-label="plain">
        <TokenView itemId="item-x" fetch={gateway.fetch} />
      </ul>
      <ul aria-label="selection">
        <TokenView itemId="item-x" fetch={gateway.fetch} accountSelectionEnabled />
      </ul>
    </Wrapper>,
  )
  await waitFor(() => expect(gateway.requests).toHaveLength(2))
  await waitFor(() =>
    expect(screen.getByRole('list', { name: 'selection' })).toHaveTextContent('account_selection_enabled'),
  )
  expect(screen.getByRole('list', { name: 'plain' })).not.toHaveTextContent('account_selection_enabled')
  expect(screen.getByRole('list', { name: 'plain' })).toHaveTextContent('"item_id":"item-x"')
})

test('changing itemId while mounted fetches for the new Item and never shows the old token for it', async () => {
  const answers = new Map([
    ['item-old', deferred<Response>()],
    ['item-new', deferred<Response>()],
  ])
  const gateway = fakeGateway((request) => answers.get((request.body as { item_id: string }).item_id)!.promise)
  const { result, rerender } = renderToken('item-old', { fetch: gateway.fetch })
  await waitFor(() => expect(gateway.requests).toHaveLength(1))
  rerender({ id: 'item-new' })
  await waitFor(() => expect(gateway.requests).toHaveLength(2))
  // The old Item's answer arrives after the switch: it must not be shown for the new Item.
  await act(async () => {
    answers.get('item-old')!.resolve(linkTokenAnswer('link-for-old'))
  })
  await settle()
  expect(result.current.token).toBeUndefined()
  expect(result.current.isLoading).toBe(true)
  await act(async () => {
    answers.get('item-new')!.resolve(linkTokenAnswer('link-for-new'))
  })
  await waitFor(() => expect(result.current.token).toBe('link-for-new'))
  // And back: the old Item's token, which is still good, is its own.
  rerender({ id: 'item-old' })
  expect(result.current.token).toBe('link-for-old')
  expect(gateway.requests).toHaveLength(2)
})

test('a token held for one Item is not shown while switching to another', async () => {
  const gateway = mintingGateway()
  const { result, rerender } = renderToken('item-1', { fetch: gateway.fetch })
  await waitFor(() => expect(result.current.token).toBe('link-item-1-1'))
  rerender({ id: 'item-2' })
  expect(result.current.token).not.toBe('link-item-1-1')
  await waitFor(() => expect(result.current.token).toBe('link-item-2-1'))
})

test('refresh() forces a new request and resolves with the new token', async () => {
  const gateway = mintingGateway()
  const { result } = renderToken('item-r', { fetch: gateway.fetch })
  await waitFor(() => expect(result.current.token).toBe('link-item-r-1'))
  let refreshed: unknown
  await act(async () => {
    refreshed = await result.current.refresh()
  })
  expect(refreshed).toBe('link-item-r-2')
  expect(result.current.token).toBe('link-item-r-2')
  expect(gateway.requests).toHaveLength(2)
})

test('refresh() discards the old token while the new one loads', async () => {
  const second = deferred<Response>()
  const gateway = fakeGateway((_request, index) => (index === 0 ? linkTokenAnswer('link-first') : second.promise))
  const { result } = renderToken('item-d', { fetch: gateway.fetch })
  await waitFor(() => expect(result.current.token).toBe('link-first'))
  let pending!: Promise<unknown>
  act(() => {
    pending = result.current.refresh()
  })
  await waitFor(() => expect(gateway.requests).toHaveLength(2))
  expect(result.current.token).toBeUndefined()
  expect(result.current.isLoading).toBe(true)
  await act(async () => {
    second.resolve(linkTokenAnswer('link-second'))
    await pending
  })
  await expect(pending).resolves.toBe('link-second')
  expect(result.current.token).toBe('link-second')
})

test('refresh() that fails resolves undefined and sets error', async () => {
  const gateway = fakeGateway((_request, index) =>
    index === 0 ? linkTokenAnswer('link-before') : plaidError(400, { error_code: 'ITEM_LOGIN_REQUIRED' }),
  )
  const { result } = renderToken('item-f', { fetch: gateway.fetch })
  await waitFor(() => expect(result.current.token).toBe('link-before'))
  let refreshed: unknown = 'not settled'
  await act(async () => {
    refreshed = await result.current.refresh()
  })
  expect(refreshed).toBeUndefined()
  expect(result.current.token).toBeUndefined()
  expect(result.current.error?.errorCode).toBe('ITEM_LOGIN_REQUIRED')
})

test('refresh() from two hooks of the same Item at once is one request', async () => {
  const gateway = mintingGateway()
  const cache = new Map<string, unknown>()
  const first = renderToken('item-both', { fetch: gateway.fetch }, { cache })
  const second = renderToken('item-both', { fetch: gateway.fetch }, { cache })
  await waitFor(() => expect(second.result.current.token).toBe('link-item-both-1'))
  let results!: unknown[]
  await act(async () => {
    results = await Promise.all([first.result.current.refresh(), second.result.current.refresh()])
  })
  expect(results).toEqual(['link-item-both-2', 'link-item-both-2'])
  expect(gateway.requests).toHaveLength(2)
})

test('under StrictMode one request is sent', async () => {
  const gateway = mintingGateway()
  const { result } = renderToken('item-strict', { fetch: gateway.fetch }, {}, true)
  await waitFor(() => expect(result.current.token).toBe('link-item-strict-1'))
  await settle()
  expect(gateway.requests).toHaveLength(1)
})

describe('over time', () => {
  beforeEach(() => {
    useFakeClock()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  test('no refetch on window focus, visibility change or reconnect', async () => {
    const gateway = mintingGateway()
    const { result } = renderToken('item-focus', { fetch: gateway.fetch })
    await advance(0)
    expect(result.current.token).toBe('link-item-focus-1')
    // Past SWR's deduping interval and focus throttle, so a revalidation would send a request.
    await advance(10_000)
    await act(async () => {
      window.dispatchEvent(new Event('focus'))
      document.dispatchEvent(new Event('visibilitychange'))
      window.dispatchEvent(new Event('offline'))
      window.dispatchEvent(new Event('online'))
    })
    await advance(10_000)
    await act(async () => {
      window.dispatchEvent(new Event('focus'))
      window.dispatchEvent(new Event('online'))
    })
    await advance(10_000)
    expect(gateway.requests).toHaveLength(1)
    expect(result.current.token).toBe('link-item-focus-1')
  })

  test('a cached token that is still good is not refetched by a newly mounted hook', async () => {
    const gateway = mintingGateway()
    const cache = new Map<string, unknown>()
    const first = renderToken('item-cached', { fetch: gateway.fetch }, { cache })
    await advance(0)
    expect(first.result.current.token).toBe('link-item-cached-1')
    first.unmount()
    await advance(60_000)
    const second = renderToken('item-cached', { fetch: gateway.fetch }, { cache })
    expect(second.result.current.token).toBe('link-item-cached-1')
    await advance(10_000)
    expect(second.result.current.token).toBe('link-item-cached-1')
    expect(gateway.requests).toHaveLength(1)
  })

  test('a token is replaced before it expires while a hook is mounted', async () => {
    const gateway = mintingGateway(10 * MINUTE)
    const { result } = renderToken('item-rotate', { fetch: gateway.fetch })
    await advance(0)
    expect(result.current.token).toBe('link-item-rotate-1')
    const firstExpiration = result.current.expiration!.getTime()
    await advance(4 * MINUTE)
    expect(gateway.requests).toHaveLength(1)
    await advance(2 * MINUTE)
    expect(gateway.requests).toHaveLength(2)
    expect(result.current.token).toBe('link-item-rotate-2')
    expect(Date.now()).toBeLessThan(firstExpiration)
    expect(result.current.expiration!.getTime()).toBeGreaterThan(firstExpiration)
    // And the replacement (minted at minute 5) is replaced in its turn, at minute 10.
    await advance(5 * MINUTE)
    expect(result.current.token).toBe('link-item-rotate-3')
  })

  test('a short-lived token is replaced before it expires too', async () => {
    const gateway = mintingGateway(MINUTE)
    const { result } = renderToken('item-short', { fetch: gateway.fetch })
    await advance(0)
    expect(result.current.token).toBe('link-item-short-1')
    await advance(50_000)
    expect(result.current.token).toBe('link-item-short-2')
    expect(gateway.requests).toHaveLength(2)
  })

  test('several hooks on one Item replace its token with one request', async () => {
    const gateway = mintingGateway(10 * MINUTE)
    const Wrapper = createWrapper()
    render(
      <Wrapper>
        <ul>
          {Array.from({ length: 5 }, (_, i) => (
            <TokenView key={i} itemId="item-many" fetch={gateway.fetch} />
          ))}
        </ul>
      </Wrapper>,
    )
    await advance(0)
    expect(screen.getAllByText('link-item-many-1')).toHaveLength(5)
    await advance(6 * MINUTE)
    expect(screen.getAllByText('link-item-many-2')).toHaveLength(5)
    expect(gateway.requests).toHaveLength(2)
  })

  test('no timers keep fetching once the hook unmounts', async () => {
    const gateway = mintingGateway(10 * MINUTE)
    const { result, unmount } = renderToken('item-gone', { fetch: gateway.fetch })
    await advance(0)
    expect(result.current.token).toBe('link-item-gone-1')
    unmount()
    await advance(30 * MINUTE)
    expect(gateway.requests).toHaveLength(1)
  })

  test('an expired token is never returned, even when its replacement fails', async () => {
    const gateway = fakeGateway((_request, index) =>
      index === 0 ? linkTokenAnswer('link-doomed', 10 * MINUTE) : new Response('down', { status: 503 }),
    )
    const { result } = renderToken('item-expiring', { fetch: gateway.fetch })
    await advance(0)
    expect(result.current.token).toBe('link-doomed')
    await advance(6 * MINUTE)
    // The replacement failed at 5 minutes and was tried again with growing pauses (5 s, 10 s, 20 s).
    expect(gateway.requests).toHaveLength(5)
    // The old token is still good for a few minutes.
    expect(result.current.token).toBe('link-doomed')
    await advance(4 * MINUTE + 1)
    expect(result.current.token).toBeUndefined()
    expect(result.current.expiration).toBeUndefined()
    // Once it has expired, the retries stop: the error stands until refresh() or a new mount.
    const sent = gateway.requests.length
    await advance(30 * MINUTE)
    expect(gateway.requests).toHaveLength(sent)
  })

  test('a failed refresh is retried, and a later success replaces the token before it expires', async () => {
    const gateway = fakeGateway((_request, index) =>
      index === 0
        ? linkTokenAnswer('link-first', 10 * MINUTE)
        : index < 3
          ? new Response('down', { status: 503 })
          : linkTokenAnswer('link-second', 10 * MINUTE),
    )
    const { result } = renderToken('item-flaky', { fetch: gateway.fetch })
    await advance(0)
    expect(result.current.token).toBe('link-first')
    await advance(5 * MINUTE + 20_000)
    expect(gateway.requests).toHaveLength(4)
    expect(result.current.token).toBe('link-second')
  })

  test('an app-wide revalidateOnMount does not make a new mount mint another token', async () => {
    const gateway = mintingGateway(HOUR)
    const cache = new Map<string, unknown>()
    const first = renderToken('item-global', { fetch: gateway.fetch }, { cache, swr: { revalidateOnMount: true } })
    await advance(0)
    expect(first.result.current.token).toBe('link-item-global-1')
    // Past SWR's 2 s dedupe window, where a mount would otherwise fetch again.
    await advance(3_000)
    const second = renderToken('item-global', { fetch: gateway.fetch }, { cache, swr: { revalidateOnMount: true } })
    await advance(3_000)
    expect(second.result.current.token).toBe('link-item-global-1')
    expect(gateway.requests).toHaveLength(1)
  })

  test('a newly mounted hook never gets a cached token that has expired, and fetches a fresh one', async () => {
    const gateway = mintingGateway(10 * MINUTE)
    const cache = new Map<string, unknown>()
    const first = renderToken('item-stale', { fetch: gateway.fetch }, { cache })
    await advance(0)
    expect(first.result.current.token).toBe('link-item-stale-1')
    first.unmount()
    await advance(11 * MINUTE)
    const second = renderToken('item-stale', { fetch: gateway.fetch }, { cache })
    expect(second.result.current.token).not.toBe('link-item-stale-1')
    await advance(0)
    expect(second.result.current.token).toBe('link-item-stale-2')
    expect(gateway.requests).toHaveLength(2)
  })

  test('4xx errors are not retried automatically, but refresh() tries again', async () => {
    const gateway = fakeGateway((_request, index) =>
      index === 0 ? plaidError(404, { error_code: 'ITEM_NOT_FOUND' }) : linkTokenAnswer('link-after-retry'),
    )
    const { result } = renderToken('item-missing', { fetch: gateway.fetch })
    await advance(0)
    expect(result.current.error?.errorCode).toBe('ITEM_NOT_FOUND')
    expect(result.current.error?.status).toBe(404)
    expect(result.current.isLoading).toBe(false)
    await advance(5 * MINUTE)
    expect(gateway.requests).toHaveLength(1)
    let refreshed: unknown
    await act(async () => {
      refreshed = await result.current.refresh()
    })
    expect(refreshed).toBe('link-after-retry')
    expect(result.current.token).toBe('link-after-retry')
    expect(result.current.error).toBeUndefined()
  })
})
