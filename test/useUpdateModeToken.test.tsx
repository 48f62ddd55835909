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
    // The replacement failed at 5:00 and was tried again 5 s later; the next retry waited for the
    // minute to allow it (two automatic requests a minute), at 6:00.
    expect(gateway.requests).toHaveLength(4)
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
    // 5:00 failed, 5:05 failed, and the retry after that waits for 6:00.
    expect(gateway.requests).toHaveLength(3)
    expect(result.current.token).toBe('link-first')
    await advance(40_000)
    expect(gateway.requests).toHaveLength(4)
    expect(result.current.token).toBe('link-second')
  })

  test.each([
    ['401', () => plaidError(401, { error_type: 'INVALID_REQUEST', error_code: 'UNAUTHORIZED' })],
    ['ITEM_NOT_FOUND', () => plaidError(404, { error_code: 'ITEM_NOT_FOUND' })],
    [
      'an HTML 403',
      () => new Response('<h1>Forbidden</h1>', { status: 403, headers: { 'Content-Type': 'text/html' } }),
    ],
  ])('a background refresh that fails with %s is not retried; refresh() still is', async (_label, failure) => {
    const gateway = fakeGateway((_request, index) =>
      index === 0
        ? linkTokenAnswer('link-before', 10 * MINUTE)
        : index === 1
          ? failure()
          : linkTokenAnswer('link-fixed'),
    )
    const { result } = renderToken('item-signed-out', { fetch: gateway.fetch })
    await advance(0)
    await advance(5 * MINUTE)
    expect(gateway.requests).toHaveLength(2)
    expect(result.current.error).toBeDefined()
    await advance(4 * MINUTE)
    expect(gateway.requests).toHaveLength(2)
    await act(async () => {
      await result.current.refresh()
    })
    expect(gateway.requests).toHaveLength(3)
    expect(result.current.token).toBe('link-fixed')
  })

  test.each([
    ['a network failure', () => Promise.reject(new TypeError('Failed to fetch'))],
    ['a 429', () => plaidError(429, { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'RATE_LIMIT' })],
    ['a 502 page', () => new Response('bad gateway', { status: 502 })],
  ])('a background refresh that fails with %s is retried', async (_label, failure) => {
    const gateway = fakeGateway((_request, index) =>
      index === 0
        ? linkTokenAnswer('link-before', 10 * MINUTE)
        : index === 1
          ? failure()
          : linkTokenAnswer('link-healed'),
    )
    const { result } = renderToken('item-healing', { fetch: gateway.fetch })
    await advance(0)
    await advance(5 * MINUTE + 5_000)
    expect(gateway.requests).toHaveLength(3)
    expect(result.current.token).toBe('link-healed')
    expect(result.current.error).toBeUndefined()
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

/*
 * A gateway whose clock is right while the browser's is `skewMs` off: it dates its answers with
 * its own clock (the `Date` header, whole seconds, as servers send it) and mints tokens that
 * live `lifetimeMs` by that clock. It records when each token truly expires.
 */
function gatewayOnTrueTime(lifetimeMs: number, skewMs: number, { sendDate = true } = {}) {
  const trueNow = () => Date.now() - skewMs
  const expiresAt = new Map<string, number>()
  const sentAt: number[] = []
  const gateway = fakeGateway((_request, index) => {
    sentAt.push(trueNow())
    const token = `link-true-${index + 1}`
    const expiration = trueNow() + lifetimeMs
    expiresAt.set(token, expiration)
    return new Response(JSON.stringify({ link_token: token, expiration: new Date(expiration).toISOString() }), {
      headers: sendDate
        ? { 'Content-Type': 'application/json', Date: new Date(trueNow()).toUTCString() }
        : { 'Content-Type': 'application/json' },
    })
  })
  return { ...gateway, trueNow, expiresAt, sentAt }
}

/** The most requests in any 60 s window. */
function busiestMinute(times: number[]): number {
  return Math.max(0, ...times.map((start) => times.filter((t) => t >= start && t < start + MINUTE).length))
}

describe('token lifetimes on real clocks', () => {
  beforeEach(() => {
    useFakeClock()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  test('an answer whose token has already expired is asked again once, a second later, without an error', async () => {
    const sentAt: number[] = []
    const gateway = fakeGateway((_request, index) => {
      sentAt.push(Date.now())
      return index === 0 ? linkTokenAnswer('link-stale', -MINUTE) : linkTokenAnswer('link-fresh', HOUR)
    })
    const { result } = renderToken('item-stale-answer', { fetch: gateway.fetch })
    await advance(0)
    expect(gateway.requests).toHaveLength(1)
    expect(result.current.token).toBeUndefined()
    expect(result.current.error).toBeUndefined()
    expect(result.current.isLoading).toBe(true)
    await advance(999)
    expect(gateway.requests).toHaveLength(1)
    await advance(1)
    expect(gateway.requests).toHaveLength(2)
    expect(sentAt[1]! - sentAt[0]!).toBeGreaterThanOrEqual(1000)
    expect(result.current.token).toBe('link-fresh')
    expect(result.current.error).toBeUndefined()
  })

  test('an expired token twice is INVALID_RESPONSE, and nothing more is asked on its own', async () => {
    const gateway = fakeGateway((_request, index) => linkTokenAnswer(`link-stale-${index}`, -MINUTE))
    const { result } = renderToken('item-always-stale', { fetch: gateway.fetch })
    await advance(1000)
    expect(result.current.token).toBeUndefined()
    expect(result.current.error?.errorCode).toBe('INVALID_RESPONSE')
    expect(result.current.error?.status).toBe(200)
    await advance(30 * MINUTE)
    expect(gateway.requests).toHaveLength(2)
  })

  test.each([-60, -10, 10, 29, 31, 60])(
    'a browser clock %i min off: 30-minute tokens are never handed out expired, never refused, one request each',
    async (skewMinutes) => {
      const skew = skewMinutes * MINUTE
      vi.setSystemTime(Date.UTC(2026, 0, 5, 9, 0, 0) + skew)
      const gateway = gatewayOnTrueTime(30 * MINUTE, skew)
      const { result } = renderToken('item-skewed', { fetch: gateway.fetch })
      await advance(0)
      let expiredHandedOut = 0
      let withoutToken = 0
      for (let second = 0; second < 90 * 60; second += 10) {
        const { token } = result.current
        if (token === undefined) withoutToken++
        else if (gateway.expiresAt.get(token)! <= gateway.trueNow()) expiredHandedOut++
        await advance(10_000)
      }
      expect(expiredHandedOut).toBe(0)
      expect(withoutToken).toBe(0)
      expect(result.current.error).toBeUndefined()
      // Replaced five minutes before each expiry: at 0, 25, 50 and 75 minutes.
      expect(gateway.requests).toHaveLength(4)
    },
  )

  test.each([
    ['100 ms', 100],
    ['2 s', 2000],
  ])(
    '%s tokens from a gateway without a readable Date: at most two requests a minute, never an expired token',
    async (_label, lifetime) => {
      const gateway = gatewayOnTrueTime(lifetime, 0, { sendDate: false })
      const { result } = renderToken('item-short-lived', { fetch: gateway.fetch })
      let expiredHandedOut = 0
      for (let step = 0; step < 5 * 60 * 20; step++) {
        const { token } = result.current
        if (token !== undefined && gateway.expiresAt.get(token)! <= gateway.trueNow()) expiredHandedOut++
        await advance(50)
      }
      expect(expiredHandedOut).toBe(0)
      // The key still gets its tokens, two a minute: about 10 in 5 minutes, not thousands.
      expect(gateway.requests.length).toBeGreaterThanOrEqual(9)
      expect(gateway.requests.length).toBeLessThanOrEqual(11)
      expect(busiestMinute(gateway.sentAt)).toBe(2)
    },
  )

  test('100 ms tokens dated by the gateway are expired by the time they arrive: INVALID_RESPONSE after two requests', async () => {
    // The Date header counts whole seconds, so a token that lives less than a second cannot be
    // told apart from an expired one. The clock starts on a whole second: later in a second, the
    // floored Date would leave such a token a few real milliseconds, which the hook rightly uses.
    vi.setSystemTime(Math.ceil(Date.now() / 1000) * 1000)
    const gateway = gatewayOnTrueTime(100, 0)
    const { result } = renderToken('item-instant', { fetch: gateway.fetch })
    await advance(5 * MINUTE)
    expect(result.current.token).toBeUndefined()
    expect(result.current.error?.errorCode).toBe('INVALID_RESPONSE')
    expect(gateway.requests).toHaveLength(2)
  })

  test('2 s tokens dated by the gateway: at most two requests a minute, never an expired token', async () => {
    const gateway = gatewayOnTrueTime(2000, 0)
    const { result } = renderToken('item-two-seconds', { fetch: gateway.fetch })
    let expiredHandedOut = 0
    let handedOut = 0
    for (let step = 0; step < 5 * 60 * 20; step++) {
      const { token } = result.current
      if (token !== undefined) handedOut++
      if (token !== undefined && gateway.expiresAt.get(token)! <= gateway.trueNow()) expiredHandedOut++
      await advance(50)
    }
    expect(expiredHandedOut).toBe(0)
    expect(handedOut).toBeGreaterThan(0)
    expect(busiestMinute(gateway.sentAt)).toBeLessThanOrEqual(2)
    expect(gateway.requests.length).toBeGreaterThanOrEqual(5)
  })

  test('refresh() is not held back by the limit', async () => {
    const gateway = gatewayOnTrueTime(HOUR, 0)
    const { result } = renderToken('item-manual', { fetch: gateway.fetch })
    await advance(0)
    for (let i = 0; i < 4; i++) {
      await act(async () => {
        await result.current.refresh()
      })
    }
    expect(gateway.requests).toHaveLength(5)
    expect(result.current.token).toBe('link-true-5')
  })
})
