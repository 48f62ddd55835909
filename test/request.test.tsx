/*
 * The wire contract and every error code, through the public hooks, with `fetch` as the only
 * thing replaced.
 */
import { act, renderHook, waitFor } from '@testing-library/react'
import { PlaidGatewayError, useExchangePublicToken, useUpdateModeToken } from '../src'
import {
  deafFetch,
  deferred,
  fakeGateway,
  hangingFetch,
  json,
  plaidError,
  text,
  isoIn,
  linkTokenAnswer,
  MINUTE,
  uniqueToken,
  type SentRequest,
} from './helpers/gateway'
import { advance, createWrapper, useFakeClock } from './helpers/render'
import {
  exchangeOperation,
  expectedValue,
  linkTokenOperation,
  operations,
  publicTokenOperation,
} from './helpers/operations'

function expectGatewayError(
  error: unknown,
  fields: { errorCode: string; status: number | undefined; errorType?: string },
): asserts error is PlaidGatewayError {
  expect(error).toBeInstanceOf(PlaidGatewayError)
  expect(error).toBeInstanceOf(Error)
  const e = error as PlaidGatewayError
  expect(e.name).toBe('PlaidGatewayError')
  expect(e.errorType).toBe(fields.errorType ?? 'GATEWAY_ERROR')
  expect(e.errorCode).toBe(fields.errorCode)
  expect(e.status).toBe(fields.status)
  expect(e.message).toBe(e.errorMessage)
  expect(e.message.length).toBeGreaterThan(0)
}

describe.each(operations)('wire format: $name', (operation) => {
  function successGateway() {
    return fakeGateway(() => json(operation.success()))
  }

  test('POSTs JSON to the default base URL, resolved against the page, with exactly the contract body', async () => {
    const gateway = successGateway()
    vi.stubGlobal('fetch', gateway.fetch)
    const { input, value, error } = await operation.run({})
    expect(error).toBeUndefined()
    expect(value).toEqual(expectedValue(operation, operation.success()))
    expect(gateway.requests).toHaveLength(1)
    const sent = gateway.requests[0] as SentRequest
    expect(sent.method).toBe('POST')
    expect(sent.headers.get('content-type')).toBe('application/json')
    expect(sent.url).toBe(new URL('/api/plaid' + operation.path, location.href).href)
    expect(typeof sent.rawBody).toBe('string')
    expect(sent.body).toStrictEqual(operation.expectedBody(input))
    expect(sent.credentials).toBe('same-origin')
  })

  test.each([
    ['https://gateway.example.com/plaid', 'https://gateway.example.com/plaid'],
    ['https://gateway.example.com/plaid/', 'https://gateway.example.com/plaid'],
    ['/custom/base/', 'http://localhost:3000/custom/base'],
  ])('a baseUrl of %s sends to %s + path', async (baseUrl, expectedBase) => {
    const gateway = successGateway()
    await operation.run({ baseUrl, fetch: gateway.fetch })
    expect(gateway.requests.map((r) => r.url)).toEqual([new URL(expectedBase + operation.path, location.href).href])
  })

  test('custom paths replace the default path under baseUrl', async () => {
    const gateway = successGateway()
    const paths = {
      exchange: '/v2/exchange-public-token',
      linkTokenCreate: '/v2/update-link-token',
      publicTokenCreate: '/v2/update-public-token',
    }
    await operation.run({ baseUrl: 'https://gateway.example.com/plaid', paths, fetch: gateway.fetch })
    const key =
      operation === exchangeOperation
        ? 'exchange'
        : operation === linkTokenOperation
          ? 'linkTokenCreate'
          : 'publicTokenCreate'
    expect(gateway.requests.map((r) => r.url)).toEqual(['https://gateway.example.com/plaid' + paths[key]])
  })

  test('credentials can be overridden', async () => {
    const gateway = successGateway()
    await operation.run({ credentials: 'include', fetch: gateway.fetch })
    expect(gateway.requests[0]?.credentials).toBe('include')
  })

  test('the `fetch` option is used instead of the global fetch', async () => {
    const globalFetch = vi.fn(async () => json({ unexpected: true }, 500))
    vi.stubGlobal('fetch', globalFetch)
    const gateway = successGateway()
    const { error } = await operation.run({ fetch: gateway.fetch })
    expect(error).toBeUndefined()
    expect(gateway.requests).toHaveLength(1)
    expect(globalFetch).not.toHaveBeenCalled()
  })

  test.each([
    ['an object', { 'X-CSRF-Token': 'csrf-1', Authorization: 'Bearer s' }],
    ['a Headers instance', new Headers({ 'X-CSRF-Token': 'csrf-1', Authorization: 'Bearer s' })],
    [
      'an array of pairs',
      [
        ['X-CSRF-Token', 'csrf-1'],
        ['Authorization', 'Bearer s'],
      ] as [string, string][],
    ],
    ['a function', () => ({ 'X-CSRF-Token': 'csrf-1', Authorization: 'Bearer s' })],
    ['an async function', async () => ({ 'X-CSRF-Token': 'csrf-1', Authorization: 'Bearer s' })],
  ])('headers given as %s are sent, and Content-Type stays JSON', async (_label, headers) => {
    const gateway = successGateway()
    await operation.run({ headers, fetch: gateway.fetch })
    const sent = gateway.requests[0] as SentRequest
    expect(sent.headers.get('x-csrf-token')).toBe('csrf-1')
    expect(sent.headers.get('authorization')).toBe('Bearer s')
    expect(sent.headers.get('content-type')).toBe('application/json')
  })

  test('a Content-Type header of the app does not change the JSON body', async () => {
    const gateway = successGateway()
    const { input } = await operation.run({ headers: { 'Content-Type': 'text/plain' }, fetch: gateway.fetch })
    expect(gateway.requests[0]?.headers.get('content-type')).toBe('application/json')
    expect(gateway.requests[0]?.body).toStrictEqual(operation.expectedBody(input))
  })
})

const plaidErrorBody = (error_code: string) => ({
  error_type: 'ITEM_ERROR',
  error_code,
  error_message: 'the Item you requested cannot be found',
  display_message: null,
})

describe.each(operations)('errors: $name', (operation) => {
  test('a Plaid error body becomes a PlaidGatewayError with every field', async () => {
    const gateway = fakeGateway(() =>
      plaidError(400, {
        error_type: 'ITEM_ERROR',
        error_code: 'ITEM_LOGIN_REQUIRED',
        error_message: 'the login details of this item have changed',
        display_message: 'Please sign in to your bank again.',
        request_id: 'req-abc',
      }),
    )
    const { value, error } = await operation.run({ fetch: gateway.fetch })
    expect(value).toBeUndefined()
    expectGatewayError(error, { errorType: 'ITEM_ERROR', errorCode: 'ITEM_LOGIN_REQUIRED', status: 400 })
    expect(error.errorMessage).toBe('the login details of this item have changed')
    expect(error.message).toBe('the login details of this item have changed')
    expect(error.displayMessage).toBe('Please sign in to your bank again.')
    expect(error.requestId).toBe('req-abc')
  })

  test('a Plaid error body without display_message or request_id gives null and undefined', async () => {
    const gateway = fakeGateway(() =>
      json({ error_type: 'INVALID_REQUEST', error_code: 'UNAUTHORIZED', error_message: 'sign in first' }, 401),
    )
    const { error } = await operation.run({ fetch: gateway.fetch })
    expectGatewayError(error, { errorType: 'INVALID_REQUEST', errorCode: 'UNAUTHORIZED', status: 401 })
    expect(error.errorMessage).toBe('sign in first')
    expect(error.displayMessage).toBeNull()
    expect(error.requestId).toBeUndefined()
  })

  test('itemId comes from item_id on a DUPLICATE_ITEM only', async () => {
    const duplicate = fakeGateway(() =>
      json(
        {
          error_type: 'ITEM_ERROR',
          error_code: 'DUPLICATE_ITEM',
          error_message: 'already linked',
          display_message: 'You have already linked Chase.',
          item_id: 'item-linked-before',
        },
        409,
      ),
    )
    const { error: refused } = await operation.run({ fetch: duplicate.fetch })
    expectGatewayError(refused, { errorType: 'ITEM_ERROR', errorCode: 'DUPLICATE_ITEM', status: 409 })
    expect(refused.itemId).toBe('item-linked-before')
    // Any other error keeps no item_id, whatever the body says.
    const other = fakeGateway(() => json({ ...plaidErrorBody('ITEM_NOT_FOUND'), item_id: 'item-of-someone' }, 404))
    const { error } = await operation.run({ fetch: other.fetch })
    expectGatewayError(error, { errorType: 'ITEM_ERROR', errorCode: 'ITEM_NOT_FOUND', status: 404 })
    expect(error.itemId).toBeUndefined()
    expect(Object.keys(error)).toContain('itemId')
  })

  test('a Plaid error body with display_message null keeps null', async () => {
    const gateway = fakeGateway(() => plaidError(404, { display_message: null, request_id: 'req-404' }))
    const { error } = await operation.run({ fetch: gateway.fetch })
    expectGatewayError(error, { errorType: 'ITEM_ERROR', errorCode: 'ITEM_NOT_FOUND', status: 404 })
    expect(error.displayMessage).toBeNull()
    expect(error.requestId).toBe('req-404')
  })

  test.each([
    ['an HTML error page', () => text('<!doctype html><h1>502 Bad Gateway</h1>', 502, 'text/html'), 502],
    ['plain text', () => text('Service Unavailable', 503), 503],
    ['an empty JSON object', () => json({}, 500), 500],
    ['a JSON body that is not Plaid-shaped', () => json({ message: 'nope', code: 42 }, 403), 403],
    ['no body at all', () => new Response(null, { status: 500 }), 500],
  ])('HTTP_ERROR for a non-2xx answer with %s', async (_label, answer, status) => {
    const gateway = fakeGateway(answer)
    const { value, error } = await operation.run({ fetch: gateway.fetch })
    expect(value).toBeUndefined()
    expectGatewayError(error, { errorCode: 'HTTP_ERROR', status })
    expect(error.displayMessage).toBeNull()
    expect(error.requestId).toBeUndefined()
  })

  test.each([
    ['an HTML page', () => text('<html><body>Welcome</body></html>', 200, 'text/html'), 200],
    ['truncated JSON', () => text('{"item_id": "it', 200, 'application/json'), 200],
    ['a JSON array', () => json([{ item_id: 'x' }]), 200],
    ['JSON null', () => json(null), 200],
    ['an empty body', () => new Response('', { status: 200 }), 200],
  ])('INVALID_RESPONSE for a 2xx answer that is %s', async (_label, answer, status) => {
    const gateway = fakeGateway(answer)
    const { value, error } = await operation.run({ fetch: gateway.fetch })
    expect(value).toBeUndefined()
    expectGatewayError(error, { errorCode: 'INVALID_RESPONSE', status })
  })

  test.each([
    ['missing', undefined],
    ['empty', ''],
    ['a number', 12345],
    ['null', null],
    ['an object', { value: 'x' }],
  ])('INVALID_RESPONSE when the required field is %s', async (_label, fieldValue) => {
    const body = { ...operation.success(), [operation.resultField]: fieldValue }
    const gateway = fakeGateway(() => json(body, 201))
    const { value, error } = await operation.run({ fetch: gateway.fetch })
    expect(value).toBeUndefined()
    expectGatewayError(error, { errorCode: 'INVALID_RESPONSE', status: 201 })
    expect(error.message).toContain(operation.resultField)
  })

  test('NETWORK_ERROR when fetch rejects, with no status and the cause kept', async () => {
    const cause = new TypeError('Failed to fetch')
    const fetch = vi.fn(async () => {
      throw cause
    })
    const { value, error } = await operation.run({ fetch })
    expect(value).toBeUndefined()
    expectGatewayError(error, { errorCode: 'NETWORK_ERROR', status: undefined })
    expect(error.cause).toBe(cause)
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  test('TIMEOUT when the gateway does not answer within timeoutMs, and the request is aborted', async () => {
    const hanging = hangingFetch()
    const { value, error } = await operation.run({ fetch: hanging.fetch, timeoutMs: 40 })
    expect(value).toBeUndefined()
    expectGatewayError(error, { errorCode: 'TIMEOUT', status: undefined })
    expect(error.message).toMatch(/40 ms/)
    expect(hanging.signals).toHaveLength(1)
    expect(hanging.signals[0]?.aborted).toBe(true)
  })

  test('TIMEOUT even when the fetch ignores the abort signal', async () => {
    const fetch = deafFetch()
    const { value, error } = await operation.run({ fetch, timeoutMs: 40 })
    expect(value).toBeUndefined()
    expectGatewayError(error, { errorCode: 'TIMEOUT', status: undefined })
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  test('TIMEOUT when the answer arrives but its body never finishes', async () => {
    const fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"item_id":'))
          init?.signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')))
        },
      })
      return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } })
    })
    const { error } = await operation.run({ fetch, timeoutMs: 40 })
    expectGatewayError(error, { errorCode: 'TIMEOUT', status: undefined })
  })
})

test('timeoutMs: Infinity waits as long as the gateway takes', async () => {
  useFakeClock()
  try {
    const answer = deferred<Response>()
    const gateway = fakeGateway(() => answer.promise)
    const { result } = renderHook(() => useExchangePublicToken({ fetch: gateway.fetch, timeoutMs: Infinity }), {
      wrapper: createWrapper(),
    })
    let settled: unknown = 'pending'
    act(() => {
      void result.current.exchange(uniqueToken()).then((value) => (settled = value))
    })
    await advance(24 * 60 * 60_000)
    expect(result.current.isLoading).toBe(true)
    expect(result.current.error).toBeUndefined()
    await act(async () => {
      answer.resolve(json({ item_id: 'item-late' }))
    })
    await advance(0)
    expect(settled).toEqual({ itemId: 'item-late' })
  } finally {
    vi.useRealTimers()
  }
})

describe('errors specific to the link token', () => {
  test.each([
    ['missing', undefined],
    ['not a date', 'next tuesday'],
    ['empty', ''],
    ['a number', Date.now() + 60 * MINUTE],
  ])('INVALID_RESPONSE when expiration is %s', async (_label, expiration) => {
    const gateway = fakeGateway(() => json({ link_token: 'link-sandbox-x', expiration }))
    const { value, error } = await linkTokenOperation.run({ fetch: gateway.fetch })
    expect(value).toBeUndefined()
    expectGatewayError(error, { errorCode: 'INVALID_RESPONSE', status: 200 })
    expect(error.message).toContain('expiration')
  })

  test('the legacy public token needs no expiration', async () => {
    const gateway = fakeGateway(() => json({ public_token: 'public-sandbox-legacy' }))
    const { value, error } = await publicTokenOperation.run({ fetch: gateway.fetch })
    expect(error).toBeUndefined()
    expect(value).toBe('public-sandbox-legacy')
  })

  test('a link token that the gateway says has already expired is never handed out: asked once more, then INVALID_RESPONSE', async () => {
    const gateway = fakeGateway(() => json({ link_token: 'link-sandbox-stale', expiration: isoIn(-MINUTE) }))
    const { result } = renderHook(() => useUpdateModeToken('item-stale', { fetch: gateway.fetch }), {
      wrapper: createWrapper(),
    })
    await waitFor(() => expect(result.current.error).toBeDefined(), { timeout: 3000 })
    expect(result.current.token).toBeUndefined()
    expect(gateway.requests).toHaveLength(2)
    expectGatewayError(result.current.error, { errorCode: 'INVALID_RESPONSE', status: 200 })
  })
})

describe('headers are resolved per request', () => {
  test('an async headers function is called for every exchange, so a rotating CSRF token is fresh', async () => {
    let issued = 0
    const headers = vi.fn(async () => ({ 'X-CSRF-Token': `csrf-${++issued}` }))
    const gateway = fakeGateway((_request, index) => json({ item_id: `item-${index}` }))
    const { result } = renderHook(() => useExchangePublicToken({ headers, fetch: gateway.fetch }), {
      wrapper: createWrapper(),
    })
    await act(async () => {
      await result.current.exchange(uniqueToken())
    })
    await act(async () => {
      await result.current.exchange(uniqueToken())
    })
    expect(gateway.requests.map((r) => r.headers.get('x-csrf-token'))).toEqual(['csrf-1', 'csrf-2'])
    expect(headers).toHaveBeenCalledTimes(2)
  })

  test('a sync headers function is called again when an update-mode token is refreshed', async () => {
    let issued = 0
    const headers = () => ({ 'X-CSRF-Token': `csrf-${++issued}` })
    const gateway = fakeGateway((_request, index) => linkTokenAnswer(`link-sandbox-${index}`))
    const { result } = renderHook(() => useUpdateModeToken('item-csrf', { headers, fetch: gateway.fetch }), {
      wrapper: createWrapper(),
    })
    await waitFor(() => expect(result.current.token).toBe('link-sandbox-0'))
    await act(async () => {
      await result.current.refresh()
    })
    expect(result.current.token).toBe('link-sandbox-1')
    expect(gateway.requests.map((r) => r.headers.get('x-csrf-token'))).toEqual(['csrf-1', 'csrf-2'])
  })

  test('a headers function that never settles ends in TIMEOUT, with nothing sent', async () => {
    const gateway = fakeGateway(() => json({ item_id: 'never' }))
    const { error } = await exchangeOperation.run({
      headers: () => new Promise<HeadersInit>(() => {}),
      timeoutMs: 40,
      fetch: gateway.fetch,
    })
    expectGatewayError(error, { errorCode: 'TIMEOUT', status: undefined })
    expect(gateway.requests).toHaveLength(0)
  })

  // A custom fetch that ignores the abort signal would otherwise send the request late.
  test('a headers function that settles after the timeout: TIMEOUT, and nothing is sent later', async () => {
    const gateway = fakeGateway(() => json({ item_id: 'late' }))
    const { error } = await exchangeOperation.run({
      headers: () => new Promise<HeadersInit>((resolve) => setTimeout(() => resolve({ 'X-CSRF-Token': 't' }), 60)),
      timeoutMs: 20,
      fetch: gateway.fetch,
    })
    expectGatewayError(error, { errorCode: 'TIMEOUT', status: undefined })
    await act(() => new Promise((resolve) => setTimeout(resolve, 120)))
    expect(gateway.requests).toHaveLength(0)
  })

  test('a public token retried after a TIMEOUT reaches the gateway once, even when the first headers arrive late', async () => {
    let calls = 0
    // Only the first call is slow (a cold CSRF endpoint, say); the retry's headers come at once.
    const headers = () =>
      ++calls === 1 ? new Promise<HeadersInit>((resolve) => setTimeout(() => resolve({}), 80)) : {}
    const gateway = fakeGateway(() => json({ item_id: 'item-1' }))
    const { result } = renderHook(() => useExchangePublicToken({ headers, fetch: gateway.fetch, timeoutMs: 40 }), {
      wrapper: createWrapper(),
    })
    const token = uniqueToken()
    let first: unknown
    await act(async () => {
      first = await result.current.exchange(token)
    })
    expect(first).toBeUndefined()
    expect(result.current.error?.errorCode).toBe('TIMEOUT')
    let second: unknown
    await act(async () => {
      second = await result.current.exchange(token)
    })
    expect(second).toEqual({ itemId: 'item-1' })
    await act(() => new Promise((resolve) => setTimeout(resolve, 150)))
    expect(gateway.requests.map((request) => (request.body as { public_token: string }).public_token)).toEqual([token])
  })
})

describe('INVALID_INPUT: nothing is sent', () => {
  test.each([
    ['an empty string', ''],
    ['a blank string', '   '],
    ['a number', 42],
    ['undefined', undefined],
    ['null', null],
    ['an object', { public_token: 'public-sandbox-x' }],
  ])('exchange(%s) resolves undefined with INVALID_INPUT and calls onError', async (_label, input) => {
    const gateway = fakeGateway(() => json({ item_id: 'never' }))
    const onError = vi.fn()
    const onSuccess = vi.fn()
    const { result } = renderHook(() => useExchangePublicToken({ fetch: gateway.fetch, onError, onSuccess }), {
      wrapper: createWrapper(),
    })
    let value: unknown = 'not settled'
    await act(async () => {
      value = await result.current.exchange(input as string)
    })
    expect(value).toBeUndefined()
    expectGatewayError(result.current.error, { errorCode: 'INVALID_INPUT', status: undefined })
    expect(result.current.data).toBeUndefined()
    expect(onError).toHaveBeenCalledTimes(1)
    expect(onError).toHaveBeenCalledWith(result.current.error)
    expect(onSuccess).not.toHaveBeenCalled()
    expect(gateway.requests).toHaveLength(0)
  })

  test.each([
    ['a number', 42],
    ['an object', { id: 'item-1' }],
    ['a blank string', '  '],
  ])('useUpdateModeToken(%s) reports INVALID_INPUT and sends nothing', async (_label, itemId) => {
    const gateway = fakeGateway(() => linkTokenAnswer('link-sandbox-never'))
    const { result } = renderHook(() => useUpdateModeToken(itemId as string, { fetch: gateway.fetch }), {
      wrapper: createWrapper(),
    })
    expectGatewayError(result.current.error, { errorCode: 'INVALID_INPUT', status: undefined })
    expect(result.current.token).toBeUndefined()
    expect(result.current.isLoading).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(gateway.requests).toHaveLength(0)
    let refreshed: unknown = 'not settled'
    await act(async () => {
      refreshed = await result.current.refresh()
    })
    expect(refreshed).toBeUndefined()
    expect(gateway.requests).toHaveLength(0)
  })
})

describe('PlaidGatewayError', () => {
  test('is an Error, narrows with instanceof, and is named', async () => {
    const gateway = fakeGateway(() => plaidError(400))
    const { error } = await exchangeOperation.run({ fetch: gateway.fetch })
    expect(error instanceof PlaidGatewayError).toBe(true)
    expect(error instanceof Error).toBe(true)
    expect(error?.name).toBe('PlaidGatewayError')
    expect(String(error)).toMatch(/^PlaidGatewayError: /)
    expect(new Error('x') instanceof PlaidGatewayError).toBe(false)
    expect({ errorCode: 'HTTP_ERROR' } instanceof PlaidGatewayError).toBe(false)
  })

  const init = {
    status: 400,
    errorType: 'ITEM_ERROR',
    errorCode: 'ITEM_LOGIN_REQUIRED',
    errorMessage: 'login required',
  }

  test('a subclass narrows by its own prototype: a plain PlaidGatewayError is not one', () => {
    class ReportedError extends PlaidGatewayError {}
    const plain = new PlaidGatewayError(init)
    const reported = new ReportedError(init)
    expect(plain instanceof ReportedError).toBe(false)
    expect(reported instanceof ReportedError).toBe(true)
    expect(reported instanceof PlaidGatewayError).toBe(true)
    expect(reported instanceof Error).toBe(true)
  })

  test('the init cannot overwrite stack, message or name', () => {
    const error = new PlaidGatewayError({
      ...init,
      stack: 'forged stack',
      message: 'forged message',
      name: 'Forged',
    } as typeof init)
    expect(error.stack).not.toBe('forged stack')
    expect(error.stack).toContain('login required')
    expect(error.message).toBe('login required')
    expect(error.name).toBe('PlaidGatewayError')
    expect(Object.keys(error).sort()).toEqual(
      ['displayMessage', 'errorCode', 'errorMessage', 'errorType', 'itemId', 'name', 'requestId', 'status'].sort(),
    )
  })
})
