/*
 * A Plaid secret configured in the browser is refused before anything is sent, whatever the
 * header's case, the form of `headers`, and where it was configured.
 */
import { act, renderHook, waitFor } from '@testing-library/react'
import {
  PlaidGatewayError,
  useExchangePublicToken,
  useUpdateModeToken,
  type PlaidGatewayConfig,
  type PlaidGatewayHeaders,
} from '../src'
import { fakeGateway, json, linkTokenAnswer, uniqueToken } from './helpers/gateway'
import { createWrapper } from './helpers/render'

const names = ['PLAID-CLIENT-ID', 'PLAID-SECRET', 'plaid-secret', 'plaid-client-id', 'Plaid-Secret', 'pLaId-ClIeNt-Id']

const forms: [string, (name: string) => PlaidGatewayHeaders][] = [
  ['an object', (name) => ({ 'X-CSRF-Token': 'ok', [name]: 'leaked-value' })],
  ['a Headers instance', (name) => new Headers([[name, 'leaked-value']])],
  [
    'an array of pairs',
    (name) => [
      ['Accept', 'application/json'],
      [name, 'leaked-value'],
    ],
  ],
  ['a function', (name) => () => ({ [name]: 'leaked-value' })],
  ['an async function', (name) => async () => ({ [name]: 'leaked-value' })],
]

function expectRefused(error: unknown) {
  expect(error).toBeInstanceOf(PlaidGatewayError)
  const e = error as PlaidGatewayError
  expect(e.errorCode).toBe('SECRET_ON_CLIENT')
  expect(e.errorType).toBe('GATEWAY_ERROR')
  expect(e.status).toBeUndefined()
  expect(e.message).toMatch(/gateway/i)
  expect(e.message).toMatch(/secret/i)
  expect(e.message).not.toContain('leaked-value')
}

describe.each(['provider', 'hook'] as const)('headers configured on the %s', (where) => {
  describe.each(forms)('as %s', (_form, make) => {
    test.each(names)('%s is refused by exchange, with nothing sent', async (name) => {
      const gateway = fakeGateway(() => json({ item_id: 'never' }))
      const config: PlaidGatewayConfig = { headers: make(name), fetch: gateway.fetch }
      const onError = vi.fn()
      const { result } = renderHook(
        () => useExchangePublicToken(where === 'hook' ? { ...config, onError } : { onError }),
        { wrapper: createWrapper(where === 'provider' ? { provider: config } : {}) },
      )
      let value: unknown = 'not settled'
      await act(async () => {
        value = await result.current.exchange(uniqueToken())
      })
      expect(value).toBeUndefined()
      expectRefused(result.current.error)
      expect(onError).toHaveBeenCalledTimes(1)
      expect(onError).toHaveBeenCalledWith(result.current.error)
      expect(gateway.requests).toHaveLength(0)
    })
  })

  test.each(['PLAID-SECRET', 'plaid-client-id'])(
    '%s is refused by useUpdateModeToken, with nothing sent',
    async (name) => {
      const gateway = fakeGateway(() => linkTokenAnswer('link-never'))
      const config: PlaidGatewayConfig = { headers: async () => ({ [name]: 'leaked-value' }), fetch: gateway.fetch }
      const { result } = renderHook(() => useUpdateModeToken('item-secret', where === 'hook' ? config : {}), {
        wrapper: createWrapper(where === 'provider' ? { provider: config } : {}),
      })
      await waitFor(() => expect(result.current.error).toBeDefined())
      expectRefused(result.current.error)
      expect(result.current.token).toBeUndefined()
      expect(gateway.requests).toHaveLength(0)
    },
  )
})

test('headers with names that merely resemble the secret ones are sent', async () => {
  const gateway = fakeGateway(() => json({ item_id: 'item-ok' }))
  const { result } = renderHook(
    () =>
      useExchangePublicToken({
        headers: { 'X-Plaid-Secret-Hint': 'none', 'Plaid-Client': 'web', 'X-PLAID-CLIENT-ID': 'app' },
        fetch: gateway.fetch,
      }),
    { wrapper: createWrapper() },
  )
  let value: unknown
  await act(async () => {
    value = await result.current.exchange(uniqueToken())
  })
  expect(value).toEqual({ itemId: 'item-ok' })
  expect(gateway.requests).toHaveLength(1)
})

test('a headers function that adds the secret only later is refused at that request', async () => {
  const gateway = fakeGateway(() => json({ item_id: 'item-first' }))
  let withSecret = false
  const headers = (): HeadersInit => (withSecret ? { 'PLAID-SECRET': 'leaked-value' } : { 'X-CSRF-Token': 'ok' })
  const { result } = renderHook(() => useExchangePublicToken({ headers, fetch: gateway.fetch }), {
    wrapper: createWrapper(),
  })
  await act(async () => {
    await result.current.exchange(uniqueToken())
  })
  expect(gateway.requests).toHaveLength(1)
  withSecret = true
  await act(async () => {
    await result.current.exchange(uniqueToken())
  })
  expectRefused(result.current.error)
  expect(gateway.requests).toHaveLength(1)
})

describe("a baseUrl on Plaid's own hosts", () => {
  test.each([
    ['https://sandbox.plaid.com', { baseUrl: 'https://sandbox.plaid.com' }],
    ['https://production.plaid.com/', { baseUrl: 'https://production.plaid.com/' }],
    ['HTTPS://Development.PLAID.com/v1', { baseUrl: 'HTTPS://Development.PLAID.com/v1' }],
    ['https://plaid.com', { baseUrl: 'https://plaid.com' }],
    ['a protocol-relative //sandbox.plaid.com', { baseUrl: '//sandbox.plaid.com' }],
    [
      'an empty baseUrl and a path to //sandbox.plaid.com',
      { baseUrl: '', paths: { exchange: '//sandbox.plaid.com/x' } },
    ],
  ])('%s is refused by exchange with SECRET_ON_CLIENT, nothing sent', async (_label, config) => {
    const gateway = fakeGateway(() => json({ item_id: 'never' }))
    const { result } = renderHook(() => useExchangePublicToken({ ...config, fetch: gateway.fetch }), {
      wrapper: createWrapper(),
    })
    await act(async () => {
      await result.current.exchange(uniqueToken())
    })
    const error = result.current.error
    expect(error).toBeInstanceOf(PlaidGatewayError)
    expect(error?.errorCode).toBe('SECRET_ON_CLIENT')
    expect(error?.message).toMatch(
      /Plaid's own host .*plaid\.com refused, nothing was sent: Plaid secrets belong on the gateway/i,
    )
    expect(gateway.requests).toHaveLength(0)
  })

  test('is refused by useUpdateModeToken too', async () => {
    const gateway = fakeGateway(() => linkTokenAnswer('link-never'))
    const { result } = renderHook(
      () => useUpdateModeToken('item-1', { baseUrl: 'https://sandbox.plaid.com', fetch: gateway.fetch }),
      { wrapper: createWrapper() },
    )
    await waitFor(() => expect(result.current.error?.errorCode).toBe('SECRET_ON_CLIENT'))
    expect(gateway.requests).toHaveLength(0)
  })

  test.each(['https://plaid.com.example.net/api', 'https://notplaid.com/api', 'https://gateway.example.com/plaid.com'])(
    '%s is not a Plaid host and is used',
    async (baseUrl) => {
      const gateway = fakeGateway(() => json({ item_id: 'item-ok' }))
      const { result } = renderHook(() => useExchangePublicToken({ baseUrl, fetch: gateway.fetch }), {
        wrapper: createWrapper(),
      })
      await act(async () => {
        await result.current.exchange(uniqueToken())
      })
      expect(result.current.data?.itemId).toBe('item-ok')
      expect(gateway.requests).toHaveLength(1)
    },
  )
})
