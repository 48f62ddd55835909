import { act, render, renderHook, screen, waitFor } from '@testing-library/react'
import { useEffect } from 'react'
import {
  PlaidGatewayError,
  useExchangePublicToken,
  type PlaidLinkSuccessMetadata,
  type UseExchangePublicTokenOptions,
} from '../src'
import { deferred, fakeGateway, json, plaidError, uniqueToken } from './helpers/gateway'
import { createWrapper } from './helpers/render'

function renderExchange(options: UseExchangePublicTokenOptions) {
  return renderHook(() => useExchangePublicToken(options), { wrapper: createWrapper() })
}

test('starts idle', () => {
  const gateway = fakeGateway(() => json({ item_id: 'x' }))
  const { result } = renderExchange({ fetch: gateway.fetch })
  expect(result.current.data).toBeUndefined()
  expect(result.current.error).toBeUndefined()
  expect(result.current.isLoading).toBe(false)
  expect(typeof result.current.exchange).toBe('function')
  expect(gateway.requests).toHaveLength(0)
})

test('a successful exchange resolves with the result, sets data and calls onSuccess once', async () => {
  const answer = deferred<Response>()
  const gateway = fakeGateway(() => answer.promise)
  const onSuccess = vi.fn()
  const onError = vi.fn()
  const { result } = renderExchange({ fetch: gateway.fetch, onSuccess, onError })
  const token = uniqueToken()
  let pending!: Promise<unknown>
  act(() => {
    pending = result.current.exchange(token)
  })
  await waitFor(() => expect(result.current.isLoading).toBe(true))
  expect(result.current.data).toBeUndefined()
  await act(async () => {
    answer.resolve(json({ item_id: 'item-42', request_id: 'req-42' }))
    await pending
  })
  await expect(pending).resolves.toEqual({ itemId: 'item-42', requestId: 'req-42' })
  expect(result.current.data).toEqual({ itemId: 'item-42', requestId: 'req-42' })
  expect(result.current.isLoading).toBe(false)
  expect(result.current.error).toBeUndefined()
  expect(onSuccess).toHaveBeenCalledTimes(1)
  expect(onSuccess).toHaveBeenCalledWith({ itemId: 'item-42', requestId: 'req-42' })
  expect(onError).not.toHaveBeenCalled()
  expect(gateway.requests).toHaveLength(1)
})

test('a result without request_id has no requestId', async () => {
  const gateway = fakeGateway(() => json({ item_id: 'item-plain' }))
  const { result } = renderExchange({ fetch: gateway.fetch })
  let value: unknown
  await act(async () => {
    value = await result.current.exchange(uniqueToken())
  })
  expect(value).toStrictEqual({ itemId: 'item-plain' })
  expect(result.current.data).toStrictEqual({ itemId: 'item-plain' })
})

test.each([
  ['a Plaid error', () => plaidError(400, { error_code: 'INVALID_PUBLIC_TOKEN', error_type: 'INVALID_INPUT' })],
  [
    'a network failure',
    () => {
      throw new TypeError('Failed to fetch')
    },
  ],
  ['an HTML error page', () => new Response('<h1>oops</h1>', { status: 500 })],
])('exchange never rejects: %s resolves undefined, sets error and calls onError once', async (_label, answer) => {
  const gateway = fakeGateway(answer)
  const onSuccess = vi.fn()
  const onError = vi.fn()
  const { result } = renderExchange({ fetch: gateway.fetch, onSuccess, onError })
  const settled = vi.fn()
  await act(async () => {
    await result.current.exchange(uniqueToken()).then(settled, (reason: unknown) => settled('rejected', reason))
  })
  expect(settled).toHaveBeenCalledTimes(1)
  expect(settled).toHaveBeenCalledWith(undefined)
  expect(result.current.error).toBeInstanceOf(PlaidGatewayError)
  expect(result.current.data).toBeUndefined()
  expect(result.current.isLoading).toBe(false)
  expect(onError).toHaveBeenCalledTimes(1)
  expect(onError).toHaveBeenCalledWith(result.current.error)
  expect(onSuccess).not.toHaveBeenCalled()
})

test('the error is cleared as soon as the next exchange starts', async () => {
  const second = deferred<Response>()
  const gateway = fakeGateway((_request, index) => (index === 0 ? plaidError(500) : second.promise))
  const { result } = renderExchange({ fetch: gateway.fetch })
  await act(async () => {
    await result.current.exchange(uniqueToken())
  })
  expect(result.current.error?.errorCode).toBe('ITEM_NOT_FOUND')

  let pending!: Promise<unknown>
  act(() => {
    pending = result.current.exchange(uniqueToken())
  })
  await waitFor(() => expect(result.current.isLoading).toBe(true))
  expect(result.current.error).toBeUndefined()
  await act(async () => {
    second.resolve(json({ item_id: 'item-after-error' }))
    await pending
  })
  expect(result.current.error).toBeUndefined()
  expect(result.current.data).toEqual({ itemId: 'item-after-error' })
})

test('a failure after a success keeps the error visible', async () => {
  const gateway = fakeGateway((_request, index) => (index === 0 ? json({ item_id: 'item-ok' }) : plaidError(400)))
  const { result } = renderExchange({ fetch: gateway.fetch })
  await act(async () => {
    await result.current.exchange(uniqueToken())
  })
  await act(async () => {
    await result.current.exchange(uniqueToken())
  })
  expect(result.current.error?.errorCode).toBe('ITEM_NOT_FOUND')
  expect(result.current.isLoading).toBe(false)
})

test('reset returns to the initial state after a success and after a failure', async () => {
  const gateway = fakeGateway((_request, index) => (index === 0 ? json({ item_id: 'item-r' }) : plaidError(400)))
  const { result } = renderExchange({ fetch: gateway.fetch })
  await act(async () => {
    await result.current.exchange(uniqueToken())
  })
  expect(result.current.data).toEqual({ itemId: 'item-r' })
  act(() => result.current.reset())
  expect(result.current.data).toBeUndefined()
  expect(result.current.error).toBeUndefined()
  expect(result.current.isLoading).toBe(false)

  await act(async () => {
    await result.current.exchange(uniqueToken())
  })
  expect(result.current.error).toBeInstanceOf(PlaidGatewayError)
  act(() => result.current.reset())
  expect(result.current.error).toBeUndefined()
  expect(result.current.data).toBeUndefined()
})

test('the same token in flight is sent once; every caller gets the result and onSuccess runs once', async () => {
  const answer = deferred<Response>()
  const gateway = fakeGateway(() => answer.promise)
  const onSuccess = vi.fn()
  const { result } = renderExchange({ fetch: gateway.fetch, onSuccess })
  const token = uniqueToken()
  let calls!: Promise<unknown>[]
  act(() => {
    calls = [result.current.exchange(token), result.current.exchange(token), result.current.exchange(token)]
  })
  await waitFor(() => expect(gateway.requests).toHaveLength(1))
  await act(async () => {
    answer.resolve(json({ item_id: 'item-shared' }))
    await Promise.all(calls)
  })
  expect(await Promise.all(calls)).toEqual([
    { itemId: 'item-shared' },
    { itemId: 'item-shared' },
    { itemId: 'item-shared' },
  ])
  expect(gateway.requests).toHaveLength(1)
  expect(onSuccess).toHaveBeenCalledTimes(1)
  expect(result.current.data).toEqual({ itemId: 'item-shared' })
})

test('the same token in flight in two hook instances is sent once, and both get the result', async () => {
  const answer = deferred<Response>()
  const gateway = fakeGateway(() => answer.promise)
  const first = renderExchange({ fetch: gateway.fetch })
  const second = renderExchange({ fetch: gateway.fetch })
  const token = uniqueToken()
  let calls!: Promise<unknown>[]
  act(() => {
    calls = [first.result.current.exchange(token), second.result.current.exchange(token)]
  })
  await act(async () => {
    answer.resolve(json({ item_id: 'item-two-hooks' }))
    await Promise.all(calls)
  })
  expect(await Promise.all(calls)).toEqual([{ itemId: 'item-two-hooks' }, { itemId: 'item-two-hooks' }])
  expect(gateway.requests).toHaveLength(1)
  expect(first.result.current.data).toEqual({ itemId: 'item-two-hooks' })
  expect(second.result.current.data).toEqual({ itemId: 'item-two-hooks' })
})

test('a failed shared request reaches every caller as undefined, and onError runs once', async () => {
  const answer = deferred<Response>()
  const gateway = fakeGateway(() => answer.promise)
  const onError = vi.fn()
  const { result } = renderExchange({ fetch: gateway.fetch, onError })
  const token = uniqueToken()
  let calls!: Promise<unknown>[]
  act(() => {
    calls = [result.current.exchange(token), result.current.exchange(token)]
  })
  await act(async () => {
    answer.resolve(plaidError(400, { error_code: 'INVALID_PUBLIC_TOKEN', error_type: 'INVALID_INPUT' }))
    await Promise.all(calls)
  })
  expect(await Promise.all(calls)).toEqual([undefined, undefined])
  expect(onError).toHaveBeenCalledTimes(1)
  expect(result.current.error?.errorCode).toBe('INVALID_PUBLIC_TOKEN')
  expect(gateway.requests).toHaveLength(1)
})

test('a token already exchanged is never sent again; the earlier result is returned, also to another hook', async () => {
  const gateway = fakeGateway((_request, index) => json({ item_id: `item-${index}` }))
  const onSuccess = vi.fn()
  const first = renderExchange({ fetch: gateway.fetch, onSuccess })
  const token = uniqueToken()
  await act(async () => {
    await first.result.current.exchange(token)
  })
  let again: unknown
  await act(async () => {
    again = await first.result.current.exchange(token)
  })
  expect(again).toEqual({ itemId: 'item-0' })
  expect(onSuccess).toHaveBeenCalledTimes(1)
  first.unmount()

  const otherFetch = fakeGateway(() => json({ item_id: 'item-from-elsewhere' }))
  const second = renderExchange({ fetch: otherFetch.fetch, baseUrl: '/another/gateway' })
  let fromSecond: unknown
  await act(async () => {
    fromSecond = await second.result.current.exchange(token)
  })
  expect(fromSecond).toEqual({ itemId: 'item-0' })
  expect(second.result.current.data).toEqual({ itemId: 'item-0' })
  expect(gateway.requests).toHaveLength(1)
  expect(otherFetch.requests).toHaveLength(0)
})

test('a token whose exchange failed may be retried', async () => {
  const gateway = fakeGateway((_request, index) =>
    index === 0 ? new Response('busy', { status: 503 }) : json({ item_id: 'item-retried' }),
  )
  const onSuccess = vi.fn()
  const onError = vi.fn()
  const { result } = renderExchange({ fetch: gateway.fetch, onSuccess, onError })
  const token = uniqueToken()
  let first: unknown = 'not settled'
  await act(async () => {
    first = await result.current.exchange(token)
  })
  expect(first).toBeUndefined()
  expect(result.current.error?.errorCode).toBe('HTTP_ERROR')
  let second: unknown
  await act(async () => {
    second = await result.current.exchange(token)
  })
  expect(second).toEqual({ itemId: 'item-retried' })
  expect(result.current.error).toBeUndefined()
  expect(gateway.requests.map((r) => r.body)).toEqual([{ public_token: token }, { public_token: token }])
  expect(onError).toHaveBeenCalledTimes(1)
  expect(onSuccess).toHaveBeenCalledTimes(1)
})

test('the latest onSuccess is called, without a new exchange function', async () => {
  const gateway = fakeGateway(() => json({ item_id: 'item-latest' }))
  const early = vi.fn()
  const late = vi.fn()
  const { result, rerender } = renderHook(
    ({ onSuccess }) => useExchangePublicToken({ fetch: gateway.fetch, onSuccess }),
    { wrapper: createWrapper(), initialProps: { onSuccess: early } },
  )
  const exchange = result.current.exchange
  rerender({ onSuccess: late })
  expect(result.current.exchange).toBe(exchange)
  await act(async () => {
    await result.current.exchange(uniqueToken())
  })
  expect(early).not.toHaveBeenCalled()
  expect(late).toHaveBeenCalledTimes(1)
})

test('under StrictMode an exchange started from an effect sends one request', async () => {
  const gateway = fakeGateway(() => json({ item_id: 'item-strict' }))
  const onSuccess = vi.fn()
  const token = uniqueToken()
  function AfterLink({ publicToken }: { publicToken: string }) {
    const { exchange, data } = useExchangePublicToken({ fetch: gateway.fetch, onSuccess })
    useEffect(() => {
      void exchange(publicToken)
    }, [exchange, publicToken])
    return <p>{data ? `linked ${data.itemId}` : 'linking'}</p>
  }
  render(<AfterLink publicToken={token} />, { wrapper: createWrapper(), reactStrictMode: true })
  expect(await screen.findByText('linked item-strict')).toBeInTheDocument()
  expect(gateway.requests).toHaveLength(1)
  expect(onSuccess).toHaveBeenCalledTimes(1)
})

describe("Link's metadata in the exchange (contract, section 10)", () => {
  /* Link's metadata as Link reports it, with more than the gateway may see. */
  const metadata = {
    institution: { name: 'Chase', institution_id: 'ins_3' },
    accounts: [
      {
        id: 'acc-checking',
        name: 'Plaid Checking',
        mask: '0000',
        type: 'depository',
        subtype: 'checking',
        verification_status: 'automatically_verified',
        class_type: 'personal',
      },
      { id: 'acc-card', name: 'Plaid Credit Card', mask: null, type: 'credit', subtype: null },
    ],
    link_session_id: 'session-7',
    transfer_status: null,
    status: 'connected',
  }

  async function exchangeOnce(withMetadata?: unknown) {
    const gateway = fakeGateway(() => json({ item_id: 'item-with-metadata' }))
    const { result } = renderExchange({ fetch: gateway.fetch })
    const token = uniqueToken()
    await act(async () => {
      await result.current.exchange(token, withMetadata as Parameters<typeof result.current.exchange>[1])
    })
    return { token, sent: gateway.requests.map((request) => request.rawBody) }
  }

  test('the body carries the institution and the accounts with exactly the contract’s fields', async () => {
    const { token, sent } = await exchangeOnce(metadata)
    expect(sent).toEqual([
      JSON.stringify({
        public_token: token,
        institution: { institution_id: 'ins_3', name: 'Chase' },
        accounts: [
          { id: 'acc-checking', name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' },
          { id: 'acc-card', name: 'Plaid Credit Card', mask: null, type: 'credit', subtype: null },
        ],
      }),
    ])
  })

  test.each([
    ['no metadata', undefined],
    ['metadata without an institution or accounts', { institution: null, accounts: [], link_session_id: 's' }],
  ])('%s: the public token alone', async (_label, withMetadata) => {
    const { token, sent } = await exchangeOnce(withMetadata)
    expect(sent).toEqual([JSON.stringify({ public_token: token })])
  })

  test('a duplicate is the 409 with the Item already linked, and that public token is never sent again', async () => {
    const gateway = fakeGateway(() =>
      json(
        {
          error_type: 'ITEM_ERROR',
          error_code: 'DUPLICATE_ITEM',
          error_message: 'this institution and account are already linked for this user',
          display_message: 'You have already linked Chase.',
          request_id: 'req-dup',
          item_id: 'item-already',
        },
        409,
      ),
    )
    const onError = vi.fn()
    const { result } = renderExchange({ fetch: gateway.fetch, onError })
    const token = uniqueToken()
    for (let attempt = 0; attempt < 3; attempt += 1) {
      let value: unknown = 'not settled'
      await act(async () => {
        value = await result.current.exchange(token, metadata as unknown as PlaidLinkSuccessMetadata)
      })
      expect(value).toBeUndefined()
    }
    expect(gateway.requests).toHaveLength(1)
    expect(result.current.error).toMatchObject({
      status: 409,
      errorType: 'ITEM_ERROR',
      errorCode: 'DUPLICATE_ITEM',
      displayMessage: 'You have already linked Chase.',
      itemId: 'item-already',
    })
    expect(onError).toHaveBeenCalledTimes(1)
  })
})
