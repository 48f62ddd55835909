/*
 * prefetch: 'intent' (the default) or 'mount' (contract, section 13). On mount the flow gets its
 * token and Link's script at once, as Plaid recommends for a view whose purpose is linking; many
 * buttons for one key still make one token request, StrictMode included. On intent nothing is
 * asked for until someone shows it.
 */
import { act, fireEvent, render, screen } from '@testing-library/react'
import type { ReactNode } from 'react'
import { LinkAccountButton, LinkRepairButton, useLinkAccount, useLinkRepair } from '../src'
import { fakeGateway, linkTokenAnswer, type SentRequest } from './helpers/gateway'
import { installPlaid, linkScripts, removePlaid } from './helpers/plaidLink'
import { advance, createWrapper, useFakeClock } from './helpers/render'

/** Mints `link-<item or new>-<n>`, counting per key. */
function mintingGateway() {
  const minted = new Map<string, number>()
  return fakeGateway((request: SentRequest) => {
    const key = (request.body as { item_id?: string }).item_id ?? 'new'
    minted.set(key, (minted.get(key) ?? 0) + 1)
    return linkTokenAnswer(`link-${key}-${minted.get(key)}`)
  })
}

function renderMany(element: (i: number) => ReactNode, strict = false) {
  const gateway = mintingGateway()
  render(<>{Array.from({ length: 20 }, (_, i) => element(i))}</>, {
    wrapper: createWrapper({ provider: { fetch: gateway.fetch } }),
    reactStrictMode: strict,
  })
  return gateway
}

const bodies = (gateway: ReturnType<typeof mintingGateway>) => gateway.requests.map((request) => request.body)

beforeEach(() => {
  useFakeClock()
})

afterEach(() => {
  vi.useRealTimers()
  removePlaid()
  sessionStorage.clear()
})

describe.each([false, true])('StrictMode %s', (strict) => {
  test('prefetch="mount": twenty repair buttons for one Item make one token request and one handler at once', async () => {
    const { create } = installPlaid()
    const gateway = renderMany(
      (i) => <LinkRepairButton key={i} itemId="item-shared" prefetch="mount">{`Repair ${i}`}</LinkRepairButton>,
      strict,
    )
    await advance(0)
    expect(bodies(gateway)).toEqual([{ item_id: 'item-shared' }])
    expect(create).toHaveBeenCalledTimes(1)
    // Long after: nothing more was asked for.
    await advance(60_000)
    expect(gateway.requests).toHaveLength(1)
    // Nobody asked for Link yet, so the buttons still say idle; a click opens Link in its own task.
    const button = screen.getByRole('button', { name: 'Repair 11' })
    expect(button).toHaveAttribute('data-state', 'idle')
    fireEvent.click(button)
    expect(button).toHaveAttribute('data-state', 'open')
  })

  test('prefetch="mount": twenty account buttons make one new-Item token request', async () => {
    const { create } = installPlaid()
    const gateway = renderMany(
      (i) => <LinkAccountButton key={i} prefetch="mount">{`Connect ${i}`}</LinkAccountButton>,
      strict,
    )
    await advance(0)
    await advance(60_000)
    expect(bodies(gateway)).toEqual([{}])
    expect(create).toHaveBeenCalledTimes(1)
  })

  test('prefetch="intent" (the default): no request until intent', async () => {
    const { create } = installPlaid()
    const gateway = renderMany(
      (i) => <LinkRepairButton key={i} itemId="item-shared">{`Repair ${i}`}</LinkRepairButton>,
      strict,
    )
    await advance(60_000)
    expect(gateway.requests).toHaveLength(0)
    expect(create).not.toHaveBeenCalled()
    fireEvent.pointerEnter(screen.getByRole('button', { name: 'Repair 3' }))
    await advance(0)
    expect(gateway.requests).toHaveLength(1)
  })
})

test('prefetch="mount" loads Link’s script on mount too, once for the page', async () => {
  const gateway = renderMany((i) => <LinkAccountButton key={i} prefetch="mount">{`Connect ${i}`}</LinkAccountButton>)
  await advance(0)
  expect(linkScripts()).toHaveLength(1)
  expect(gateway.requests).toHaveLength(1)
})

test('the hooks take prefetch too, and a new Item id prefetches for that Item', async () => {
  installPlaid()
  const gateway = mintingGateway()
  function Both({ itemId }: { itemId: string }) {
    useLinkRepair(itemId, { prefetch: 'mount' })
    useLinkAccount({ prefetch: 'mount' })
    return null
  }
  const view = render(<Both itemId="item-a" />, { wrapper: createWrapper({ provider: { fetch: gateway.fetch } }) })
  await advance(0)
  expect(bodies(gateway)).toEqual(expect.arrayContaining([{ item_id: 'item-a' }, {}]))
  expect(gateway.requests).toHaveLength(2)
  act(() => view.rerender(<Both itemId="item-b" />))
  await advance(0)
  expect(bodies(gateway)).toEqual(expect.arrayContaining([{ item_id: 'item-a' }, {}, { item_id: 'item-b' }]))
  expect(gateway.requests).toHaveLength(3)
})
