/*
 * A gateway that wrongly passes on an access_token: the hooks still work, the token value
 * reaches nothing the app can see, and developers are told once per endpoint.
 */
import { act, renderHook, waitFor } from '@testing-library/react'
import { useExchangePublicToken, useUpdateModeToken, type PlaidGatewayError } from '../src'
import { fakeGateway, isoIn, HOUR, json, uniqueToken } from './helpers/gateway'
import { dump } from './helpers/dump'
import { createWrapper } from './helpers/render'

let endpoints = 0
/** A gateway base URL no other test has used, since the warning is given once per endpoint per page. */
const freshBase = () => `https://gw${++endpoints}.example.com/plaid`
const accessToken = () => `access-sandbox-${crypto.randomUUID()}`

function silenceConsoleError() {
  return vi.spyOn(console, 'error').mockImplementation(() => {})
}

function expectNoLeak(secret: string, ...places: unknown[]) {
  for (const place of places) {
    const text = dump(place)
    expect(text).not.toContain(secret)
    expect(text.toLowerCase()).not.toContain(secret.toLowerCase())
  }
}

function expectOneWarning(consoleError: ReturnType<typeof silenceConsoleError>, url: string, secret: string) {
  expect(consoleError).toHaveBeenCalledTimes(1)
  const message = consoleError.mock.calls[0]!.map(String).join(' ')
  expect(message).toContain(url)
  expect(message).toMatch(/gateway must keep the access token/i)
  expect(message).not.toContain(secret)
}

async function exchangeWith(base: string, body: unknown, status = 200) {
  const gateway = fakeGateway(() => json(body, status))
  const cache = new Map<string, unknown>()
  const onSuccess = vi.fn()
  const onError = vi.fn()
  const { result } = renderHook(
    () => useExchangePublicToken({ baseUrl: base, fetch: gateway.fetch, onSuccess, onError }),
    { wrapper: createWrapper({ cache }) },
  )
  let value: unknown
  await act(async () => {
    value = await result.current.exchange(uniqueToken())
  })
  return { value, result, cache, onSuccess, onError }
}

async function linkTokenWith(base: string, body: unknown, status = 200, tokenType?: 'public_token') {
  const gateway = fakeGateway(() => json(body, status))
  const cache = new Map<string, unknown>()
  const { result } = renderHook(
    () => useUpdateModeToken('item-leak', { baseUrl: base, fetch: gateway.fetch, tokenType }),
    {
      wrapper: createWrapper({ cache }),
    },
  )
  await waitFor(() => expect(result.current.token ?? result.current.error).toBeDefined())
  return { result, cache }
}

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('2xx answers carrying an access_token', () => {
  test('exchange succeeds with the item_id; the token reaches no result, cache or callback', async () => {
    const consoleError = silenceConsoleError()
    const secret = accessToken()
    const base = freshBase()
    const { value, result, cache, onSuccess, onError } = await exchangeWith(base, {
      item_id: 'item-leaky',
      access_token: secret,
      request_id: 'req-1',
    })
    expect(value).toStrictEqual({ itemId: 'item-leaky', requestId: 'req-1' })
    expect(result.current.data).toStrictEqual({ itemId: 'item-leaky', requestId: 'req-1' })
    expect(result.current.error).toBeUndefined()
    expect(onSuccess).toHaveBeenCalledTimes(1)
    expect(onError).not.toHaveBeenCalled()
    expectNoLeak(secret, value, result.current, cache, onSuccess.mock.calls)
    expectOneWarning(consoleError, base + '/item/public_token/exchange', secret)
  })

  test('exchange: an access_token nested deep in the answer is dropped too', async () => {
    const consoleError = silenceConsoleError()
    const secret = accessToken()
    const base = freshBase()
    const { value, result, cache, onSuccess } = await exchangeWith(base, {
      item_id: 'item-deep',
      debug: { plaid: [{ response: { access_token: secret, item_id: 'item-deep' } }] },
    })
    expect(value).toStrictEqual({ itemId: 'item-deep' })
    expectNoLeak(secret, value, result.current, cache, onSuccess.mock.calls)
    expectOneWarning(consoleError, base + '/item/public_token/exchange', secret)
  })

  test('link token: the token is returned, the access token is not, in the hook or the SWR cache', async () => {
    const consoleError = silenceConsoleError()
    const secret = accessToken()
    const base = freshBase()
    const { result, cache } = await linkTokenWith(base, {
      link_token: 'link-sandbox-fine',
      expiration: isoIn(4 * HOUR),
      item: { access_token: secret },
      access_token: secret,
    })
    expect(result.current.token).toBe('link-sandbox-fine')
    expect(cache.size).toBeGreaterThan(0)
    expect(dump(cache)).toContain('link-sandbox-fine')
    expectNoLeak(secret, result.current, cache)
    expectOneWarning(consoleError, base + '/link/token/create', secret)
  })

  test('legacy public token: the same', async () => {
    const consoleError = silenceConsoleError()
    const secret = accessToken()
    const base = freshBase()
    const { result, cache } = await linkTokenWith(
      base,
      { public_token: 'public-sandbox-fine', access_token: secret },
      200,
      'public_token',
    )
    expect(result.current.token).toBe('public-sandbox-fine')
    expectNoLeak(secret, result.current, cache)
    expectOneWarning(consoleError, base + '/item/public_token/create', secret)
  })
})

describe('error answers carrying an access_token', () => {
  test('a Plaid error body: no field, message or JSON of the error holds it', async () => {
    const consoleError = silenceConsoleError()
    const secret = accessToken()
    const base = freshBase()
    const { value, result, cache, onError } = await exchangeWith(
      base,
      {
        error_type: 'INVALID_INPUT',
        error_code: 'INVALID_ACCESS_TOKEN',
        error_message: `provided access token ${secret} is in an invalid format`,
        display_message: `Token ${secret} rejected`,
        request_id: 'req-err',
        access_token: secret,
        causes: [{ item: { access_token: secret } }],
      },
      400,
    )
    expect(value).toBeUndefined()
    const error = result.current.error as PlaidGatewayError
    expect(error.errorCode).toBe('INVALID_ACCESS_TOKEN')
    expect(error.errorType).toBe('INVALID_INPUT')
    expect(error.status).toBe(400)
    expect(error.requestId).toBe('req-err')
    expect(error.errorMessage).toMatch(/^provided access token .+ is in an invalid format$/)
    expect(error.message).toBe(error.errorMessage)
    expect(onError).toHaveBeenCalledWith(error)
    expectNoLeak(
      secret,
      error,
      JSON.stringify(error),
      error.message,
      error.stack,
      result.current,
      cache,
      onError.mock.calls,
    )
    expectOneWarning(consoleError, base + '/item/public_token/exchange', secret)
  })

  test('a non-Plaid error body: HTTP_ERROR, without the token', async () => {
    const consoleError = silenceConsoleError()
    const secret = accessToken()
    const base = freshBase()
    const { result, cache } = await linkTokenWith(base, { access_token: secret, detail: { access_token: secret } }, 500)
    expect(result.current.error?.errorCode).toBe('HTTP_ERROR')
    expect(result.current.error?.status).toBe(500)
    expectNoLeak(secret, result.current, cache)
    expectOneWarning(consoleError, base + '/link/token/create', secret)
  })

  test('a 2xx body missing its field but carrying the token: INVALID_RESPONSE, without the token', async () => {
    const consoleError = silenceConsoleError()
    const secret = accessToken()
    const base = freshBase()
    const { value, result, onError } = await exchangeWith(base, { access_token: secret }, 200)
    expect(value).toBeUndefined()
    expect(result.current.error?.errorCode).toBe('INVALID_RESPONSE')
    expectNoLeak(secret, result.current, onError.mock.calls)
    expectOneWarning(consoleError, base + '/item/public_token/exchange', secret)
  })
})

describe('the warning', () => {
  test('is given once per endpoint, naming each endpoint', async () => {
    const consoleError = silenceConsoleError()
    const base = freshBase()
    await exchangeWith(base, { item_id: 'a', access_token: accessToken() })
    await exchangeWith(base, { item_id: 'b', access_token: accessToken() })
    await exchangeWith(base, { error_type: 'X', error_code: 'Y', error_message: 'z', access_token: accessToken() }, 400)
    expect(consoleError).toHaveBeenCalledTimes(1)
    await linkTokenWith(base, { link_token: 'link-1', expiration: isoIn(HOUR), access_token: accessToken() })
    expect(consoleError).toHaveBeenCalledTimes(2)
    const otherBase = freshBase()
    await exchangeWith(otherBase, { item_id: 'c', access_token: accessToken() })
    expect(consoleError).toHaveBeenCalledTimes(3)
    const messages = consoleError.mock.calls.map((call) => call.map(String).join(' '))
    expect(messages[0]).toContain(base + '/item/public_token/exchange')
    expect(messages[1]).toContain(base + '/link/token/create')
    expect(messages[2]).toContain(otherBase + '/item/public_token/exchange')
  })

  test('is given for an access_token that is an empty string: the gateway still sends the field', async () => {
    const consoleError = silenceConsoleError()
    const base = freshBase()
    const { value } = await exchangeWith(base, { item_id: 'item-empty', access_token: '' })
    expect(value).toStrictEqual({ itemId: 'item-empty' })
    expect(consoleError).toHaveBeenCalledTimes(1)
    expect(String(consoleError.mock.calls[0]![0])).toContain(base + '/item/public_token/exchange')
  })

  test('is not given for an answer without an access_token', async () => {
    const consoleError = silenceConsoleError()
    const base = freshBase()
    await exchangeWith(base, { item_id: 'clean', request_id: 'r' })
    await exchangeWith(base, { item_id: 'clean2', access_token: null })
    expect(consoleError).not.toHaveBeenCalled()
  })

  test('is not given in production, where the token is still dropped', async () => {
    vi.stubEnv('NODE_ENV', 'production')
    const consoleError = silenceConsoleError()
    const secret = accessToken()
    const base = freshBase()
    const { value, result, cache } = await exchangeWith(base, { item_id: 'item-prod', access_token: secret })
    expect(value).toStrictEqual({ itemId: 'item-prod' })
    expectNoLeak(secret, value, result.current, cache)
    const link = await linkTokenWith(base, { link_token: 'link-prod', expiration: isoIn(HOUR), access_token: secret })
    expect(link.result.current.token).toBe('link-prod')
    expectNoLeak(secret, link.result.current, link.cache)
    expect(consoleError).not.toHaveBeenCalled()
  })
})
