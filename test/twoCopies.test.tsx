/*
 * An app can end up with two copies of the package on one page (its ESM build through one
 * import and its CJS build through another). What must happen once per page still does: a public
 * token is sent once, Plaid's script is added once, a provider from one copy reaches the hooks of
 * the other, and the error type narrows across them. Each copy is a fresh evaluation of the
 * package's modules, sharing React, SWR and the page.
 */
import { act, fireEvent, render, renderHook, screen } from '@testing-library/react'
import type { ReactNode } from 'react'
import { SWRConfig } from 'swr'
import { fakeGateway, json, linkTokenAnswer, uniqueToken } from './helpers/gateway'
import { linkScripts, removePlaid } from './helpers/plaidLink'

type Package = typeof import('../src')

async function twoCopies(): Promise<[Package, Package]> {
  vi.resetModules()
  const first = await import('../src')
  vi.resetModules()
  const second = await import('../src')
  return [first, second]
}

afterEach(() => {
  removePlaid()
})

test('the two copies really are separate evaluations', async () => {
  const [a, b] = await twoCopies()
  expect(a.useExchangePublicToken).not.toBe(b.useExchangePublicToken)
  expect(a.PlaidGatewayError).not.toBe(b.PlaidGatewayError)
})

test("a provider from one copy reaches the other copy's hooks", async () => {
  const [a, b] = await twoCopies()
  const gateway = fakeGateway(() => json({ item_id: 'item-across' }))
  const wrapper = ({ children }: { children: ReactNode }) => (
    <a.PlaidGatewayProvider baseUrl="https://gw.example.com/plaid" fetch={gateway.fetch}>
      {children}
    </a.PlaidGatewayProvider>
  )
  const { result } = renderHook(() => b.useExchangePublicToken(), { wrapper })
  await act(async () => {
    await result.current.exchange(uniqueToken())
  })
  expect(result.current.data?.itemId).toBe('item-across')
  expect(gateway.requests.map((r) => r.url)).toEqual(['https://gw.example.com/plaid/item/public_token/exchange'])
})

test('one public token is sent once, whichever copy exchanges it', async () => {
  const [a, b] = await twoCopies()
  const gateway = fakeGateway(() => json({ item_id: 'item-once' }))
  const first = renderHook(() => a.useExchangePublicToken({ fetch: gateway.fetch }))
  const second = renderHook(() => b.useExchangePublicToken({ fetch: gateway.fetch }))
  const token = uniqueToken()
  let results: unknown[] = []
  await act(async () => {
    results = await Promise.all([first.result.current.exchange(token), second.result.current.exchange(token)])
  })
  await act(async () => {
    results.push(await second.result.current.exchange(token))
  })
  expect(gateway.requests).toHaveLength(1)
  expect(results).toEqual([{ itemId: 'item-once' }, { itemId: 'item-once' }, { itemId: 'item-once' }])
})

test("Plaid's script is added once for buttons of both copies", async () => {
  const [a, b] = await twoCopies()
  const gateway = fakeGateway(() => linkTokenAnswer('link-across'))
  const cache = new Map()
  render(
    <SWRConfig value={{ provider: () => cache }}>
      <a.LinkRepairButton itemId="item-1" fetch={gateway.fetch}>
        First copy
      </a.LinkRepairButton>
      <b.LinkRepairButton itemId="item-2" fetch={gateway.fetch}>
        Second copy
      </b.LinkRepairButton>
    </SWRConfig>,
  )
  fireEvent.click(screen.getByRole('button', { name: 'First copy' }))
  fireEvent.click(screen.getByRole('button', { name: 'Second copy' }))
  expect(linkScripts()).toHaveLength(1)
})

test('an error from one copy narrows with the other copy’s class', async () => {
  const [a, b] = await twoCopies()
  const error = new b.PlaidGatewayError({ errorType: 'ITEM_ERROR', errorCode: 'ITEM_NOT_FOUND', errorMessage: 'gone' })
  expect(error instanceof a.PlaidGatewayError).toBe(true)
  expect(new Error('plain') instanceof a.PlaidGatewayError).toBe(false)
})
