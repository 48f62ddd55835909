/*
 * usePlaidItems through its public API, with `fetch` (the gateway) and `window.Plaid` (Link) as
 * the only things replaced: the list and its fields, remove (at once, and back on failure),
 * refresh, focus revalidation, and the lists updating after a repair and after a new link.
 */
import { act, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react'
import { LinkAccountButton, LinkRepairButton, PlaidGatewayError, usePlaidItems } from '../src'
import { fakeGateway, json, linkTokenAnswer, plaidError, type Responder } from './helpers/gateway'
import { installPlaid, removePlaid, successMetadata } from './helpers/plaidLink'
import { advance, createWrapper, useFakeClock } from './helpers/render'

const url = (path: string) => new URL(`/api/plaid${path}`, location.href).href
const ITEM_LIST = url('/item/list')
const ITEM_GET = url('/item/get')
const ITEM_REMOVE = url('/item/remove')
const LINK_TOKEN_CREATE = url('/link/token/create')
const EXCHANGE = url('/item/public_token/exchange')

const summary = (itemId: string, status: string, extra: Record<string, unknown> = {}) => ({
  item_id: itemId,
  status,
  institution_id: 'ins_127991',
  institution_name: 'Wells Fargo',
  error_code: status === 'login_required' ? 'ITEM_LOGIN_REQUIRED' : null,
  consent_expiration_time: null,
  updated_at: '2026-11-30T10:00:00.000Z',
  ...extra,
})

/* A gateway whose Items are a mutable array, like the server's store. */
function itemsGateway(initial: Array<ReturnType<typeof summary>>, overrides: Partial<Record<string, Responder>> = {}) {
  const items = [...initial]
  const responder: Responder = (request, index) => {
    const override = overrides[request.url]
    if (override) return override(request, index)
    const body = request.body as { item_id?: string }
    if (request.url === ITEM_LIST) return json({ items })
    if (request.url === ITEM_REMOVE) {
      items.splice(
        items.findIndex((item) => item.item_id === body.item_id),
        1,
      )
      return json({ removed: true, request_id: 'req-remove' })
    }
    if (request.url === ITEM_GET) return json({ item: items.find((item) => item.item_id === body.item_id) })
    if (request.url === LINK_TOKEN_CREATE) return linkTokenAnswer(`link-${index}`)
    if (request.url === EXCHANGE) {
      items.push(summary('item-new', 'healthy'))
      return json({ item_id: 'item-new', request_id: 'req-exchange' })
    }
    return json({}, 404)
  }
  const gateway = fakeGateway(responder)
  return { ...gateway, items, to: (target: string) => gateway.requests.filter((request) => request.url === target) }
}

afterEach(() => removePlaid())

test('lists the user’s Items as PlaidItems, with needsRepair per status and dates as Dates', async () => {
  const gateway = itemsGateway([
    summary('item-1', 'healthy'),
    summary('item-2', 'login_required'),
    summary('item-3', 'pending_expiration', { consent_expiration_time: '2027-01-05T00:00:00Z' }),
    summary('item-4', 'pending_disconnect'),
    summary('item-5', 'new_accounts_available'),
    summary('item-6', 'revoked'),
    summary('item-7', 'error', { error_code: 'INSTITUTION_DOWN' }),
    summary('item-8', 'a_status_from_the_future'),
  ])
  const { result } = renderHook(() => usePlaidItems(), {
    wrapper: createWrapper({ provider: { fetch: gateway.fetch } }),
  })
  expect(result.current.isLoading).toBe(true)
  expect(result.current.items).toBeUndefined()
  await waitFor(() => expect(result.current.items).toHaveLength(8))
  const items = result.current.items!
  expect(items.map((item) => [item.itemId, item.status, item.needsRepair])).toEqual([
    ['item-1', 'healthy', false],
    ['item-2', 'login_required', true],
    ['item-3', 'pending_expiration', true],
    ['item-4', 'pending_disconnect', true],
    ['item-5', 'new_accounts_available', true],
    // Update mode first, as Plaid says for a revoked Item; the repair says to link again if Plaid refuses.
    ['item-6', 'revoked', true],
    ['item-7', 'error', false],
    ['item-8', 'error', false],
  ])
  expect(items[1]).toEqual({
    itemId: 'item-2',
    status: 'login_required',
    needsRepair: true,
    institutionId: 'ins_127991',
    institutionName: 'Wells Fargo',
    errorCode: 'ITEM_LOGIN_REQUIRED',
    consentExpiresAt: null,
    disconnectAt: null,
    reason: null,
    updatedAt: new Date('2026-11-30T10:00:00.000Z'),
  })
  expect(items[2]!.consentExpiresAt).toEqual(new Date('2027-01-05T00:00:00Z'))
  expect(gateway.to(ITEM_LIST)).toHaveLength(1)
  expect(gateway.to(ITEM_LIST)[0]!.body).toEqual({})
})

test('asks nothing while enabled is false, and shares one request between many lists', async () => {
  const gateway = itemsGateway([summary('item-1', 'healthy')])
  const wrapper = createWrapper({ provider: { fetch: gateway.fetch } })
  const { result, rerender } = renderHook(({ enabled }) => [usePlaidItems({ enabled }), usePlaidItems({ enabled })], {
    wrapper,
    initialProps: { enabled: false },
  })
  await act(() => new Promise((resolve) => setTimeout(resolve, 20)))
  expect(gateway.requests).toHaveLength(0)
  expect(result.current[0]!.isLoading).toBe(false)
  rerender({ enabled: true })
  await waitFor(() => expect(result.current[1]!.items).toHaveLength(1))
  expect(gateway.to(ITEM_LIST)).toHaveLength(1)
})

test('remove takes the Item out at once and resolves true once the gateway removed it', async () => {
  let release!: () => void
  const gateway = itemsGateway([summary('item-1', 'healthy'), summary('item-2', 'revoked')], {
    [ITEM_REMOVE]: () =>
      new Promise((resolve) => {
        release = () => resolve(json({ removed: true }))
      }),
  })
  const { result } = renderHook(() => usePlaidItems(), {
    wrapper: createWrapper({ provider: { fetch: gateway.fetch } }),
  })
  await waitFor(() => expect(result.current.items).toHaveLength(2))
  let removed: Promise<boolean>
  act(() => {
    removed = result.current.remove('item-2')
  })
  await waitFor(() => expect(result.current.items?.map((item) => item.itemId)).toEqual(['item-1']))
  expect(gateway.to(ITEM_REMOVE)[0]!.body).toEqual({ item_id: 'item-2' })
  release()
  await expect(removed!).resolves.toBe(true)
  expect(result.current.items?.map((item) => item.itemId)).toEqual(['item-1'])
  expect(result.current.error).toBeUndefined()
})

test('a refused remove puts the Item back, resolves false and sets error; it never rejects', async () => {
  const gateway = itemsGateway([summary('item-1', 'healthy')], {
    [ITEM_REMOVE]: () => plaidError(400, { error_code: 'ITEM_NOT_FOUND' }),
  })
  const { result } = renderHook(() => usePlaidItems(), {
    wrapper: createWrapper({ provider: { fetch: gateway.fetch } }),
  })
  await waitFor(() => expect(result.current.items).toHaveLength(1))
  let outcome: boolean | undefined
  await act(async () => {
    outcome = await result.current.remove('item-1')
  })
  expect(outcome).toBe(false)
  expect(result.current.items?.map((item) => item.itemId)).toEqual(['item-1'])
  expect(result.current.error).toBeInstanceOf(PlaidGatewayError)
  expect(result.current.error?.errorCode).toBe('ITEM_NOT_FOUND')
  // Bad input is refused before anything is sent, the same way.
  await act(async () => {
    outcome = await result.current.remove('')
  })
  expect(outcome).toBe(false)
  expect(result.current.error?.errorCode).toBe('INVALID_INPUT')
  expect(gateway.to(ITEM_REMOVE)).toHaveLength(1)
})

test('refresh asks again, and focus revalidates like any SWR data', async () => {
  const gateway = itemsGateway([summary('item-1', 'healthy')])
  const { result } = renderHook(() => usePlaidItems(), {
    wrapper: createWrapper({
      provider: { fetch: gateway.fetch },
      swr: { focusThrottleInterval: 0, dedupingInterval: 0 },
    }),
  })
  await waitFor(() => expect(result.current.items).toHaveLength(1))
  gateway.items[0] = summary('item-1', 'login_required')
  await act(() => result.current.refresh())
  expect(result.current.items![0]!.status).toBe('login_required')
  gateway.items[0] = summary('item-1', 'healthy')
  await act(async () => {
    window.dispatchEvent(new Event('focus'))
    await new Promise((resolve) => setTimeout(resolve, 20))
  })
  await waitFor(() => expect(result.current.items![0]!.status).toBe('healthy'))
  expect(gateway.to(ITEM_LIST).length).toBeGreaterThanOrEqual(3)
})

test('a list answer without items, or an Item without item_id, is INVALID_RESPONSE; no access token gets through', async () => {
  for (const [answer, leaked] of [
    [{ item: [] }, undefined],
    [{ items: [{ status: 'healthy' }] }, undefined],
    [
      {
        items: [
          { ...summary('item-1', 'healthy'), institution_name: 'access-sandbox-123e4567-e89b-42d3-a456-426614174000' },
        ],
      },
      'access-sandbox-',
    ],
  ] as const) {
    const gateway = itemsGateway([], { [ITEM_LIST]: () => json(answer) })
    const { result, unmount } = renderHook(() => usePlaidItems(), {
      wrapper: createWrapper({ provider: { fetch: gateway.fetch } }),
    })
    if (leaked) {
      await waitFor(() => expect(result.current.items).toHaveLength(1))
      expect(result.current.items![0]!.institutionName).toBeNull()
      expect(JSON.stringify(result.current.items)).not.toContain(leaked)
    } else {
      await waitFor(() => expect(result.current.error?.errorCode).toBe('INVALID_RESPONSE'))
      expect(result.current.items).toBeUndefined()
    }
    unmount()
  }
})

function ItemsPage() {
  const { items } = usePlaidItems()
  return (
    <ul>
      {items?.map((item) => (
        <li key={item.itemId} data-testid={item.itemId} data-status={item.status}>
          {item.institutionName}: {item.status}
          {item.needsRepair && <LinkRepairButton itemId={item.itemId}>Repair {item.itemId}</LinkRepairButton>}
        </li>
      ))}
      <LinkAccountButton>Connect a bank</LinkAccountButton>
    </ul>
  )
}

test('after a repair the list shows the status the gateway confirmed with /item/get', async () => {
  const { handlers } = installPlaid()
  const gateway = itemsGateway([summary('item-1', 'login_required')])
  render(<ItemsPage />, { wrapper: createWrapper({ provider: { fetch: gateway.fetch } }) })
  const button = await screen.findByRole('button', { name: 'Repair item-1' })
  fireEvent.click(button)
  await waitFor(() => expect(handlers).toHaveLength(1))
  await waitFor(() => expect(handlers[0]!.open).toHaveBeenCalled())
  // The server has seen the repair: Plaid's /item/get now reports no error.
  gateway.items[0] = summary('item-1', 'healthy')
  const listsBefore = gateway.to(ITEM_LIST).length
  act(() => handlers[0]!.options.onSuccess('public-sandbox-update', successMetadata))
  await waitFor(() => expect(screen.getByTestId('item-1')).toHaveAttribute('data-status', 'healthy'))
  expect(gateway.to(ITEM_GET).map((request) => request.body)).toEqual([{ item_id: 'item-1' }])
  // The confirmed Item was written into the list; the list itself was not asked for again.
  expect(gateway.to(ITEM_LIST).length).toBe(listsBefore)
  expect(screen.queryByRole('button', { name: 'Repair item-1' })).toBeNull()
})

test('a repair does not mark the Item healthy on the browser’s word: a failed /item/get reloads the list', async () => {
  const { handlers } = installPlaid()
  const gateway = itemsGateway([summary('item-1', 'login_required')], {
    [ITEM_GET]: () => plaidError(500, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' }),
  })
  render(<ItemsPage />, { wrapper: createWrapper({ provider: { fetch: gateway.fetch } }) })
  fireEvent.click(await screen.findByRole('button', { name: 'Repair item-1' }))
  await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
  const listsBefore = gateway.to(ITEM_LIST).length
  act(() => handlers[0]!.options.onSuccess('public-sandbox-update', successMetadata))
  await waitFor(() => expect(gateway.to(ITEM_LIST).length).toBe(listsBefore + 1))
  expect(screen.getByTestId('item-1')).toHaveAttribute('data-status', 'login_required')
})

test('after a new account is linked, the list is asked for again and shows it', async () => {
  const { handlers } = installPlaid()
  const gateway = itemsGateway([summary('item-1', 'healthy')])
  render(<ItemsPage />, { wrapper: createWrapper({ provider: { fetch: gateway.fetch } }) })
  await screen.findByTestId('item-1')
  fireEvent.click(screen.getByRole('button', { name: 'Connect a bank' }))
  await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
  act(() => handlers[0]!.options.onSuccess('public-sandbox-new', successMetadata))
  await screen.findByTestId('item-new')
  expect(gateway.to(EXCHANGE)).toHaveLength(1)
  expect(gateway.to(ITEM_LIST)).toHaveLength(2)
})

describe('Item health as Plaid documents it (contract, section 11)', () => {
  test.each([
    ['healthy', null, false],
    ['login_required', 'ITEM_LOGIN_REQUIRED', true],
    ['pending_expiration', null, true],
    ['pending_disconnect', null, true],
    ['new_accounts_available', null, true],
    // Update mode first; when Plaid refuses it, the repair's error says to link the bank again.
    ['revoked', 'USER_PERMISSION_REVOKED', true],
    ['revoked', null, true],
    // An error Item needs repair exactly when Plaid fixes its code through update mode.
    ['error', 'ITEM_LOGIN_REQUIRED', true],
    ['error', 'ACCESS_NOT_GRANTED', true],
    ['error', 'NO_ACCOUNTS', true],
    ['error', 'NO_AUTH_ACCOUNTS', true],
    ['error', 'INSTITUTION_DOWN', false],
    ['error', 'INSTITUTION_NOT_RESPONDING', false],
    ['error', 'PRODUCTS_NOT_SUPPORTED', false],
    ['error', null, false],
  ])('%s with error_code %s: needsRepair %s', async (status, errorCode, needsRepair) => {
    const gateway = itemsGateway([summary('item-1', status, { error_code: errorCode })])
    const { result } = renderHook(() => usePlaidItems(), {
      wrapper: createWrapper({ provider: { fetch: gateway.fetch } }),
    })
    await waitFor(() => expect(result.current.items).toHaveLength(1))
    expect(result.current.items![0]).toMatchObject({ status, errorCode, needsRepair })
  })

  test('a pending disconnect keeps when and why; other Items have neither', async () => {
    const gateway = itemsGateway([
      summary('item-leaving', 'pending_disconnect', {
        disconnect_time: '2027-01-12T00:00:00Z',
        reason: 'INSTITUTION_TOKEN_EXPIRATION',
      }),
      summary('item-fine', 'healthy'),
      summary('item-odd', 'pending_disconnect', { disconnect_time: 'not a date', reason: 42 }),
    ])
    const { result } = renderHook(() => usePlaidItems(), {
      wrapper: createWrapper({ provider: { fetch: gateway.fetch } }),
    })
    await waitFor(() => expect(result.current.items).toHaveLength(3))
    const [leaving, fine, odd] = result.current.items!
    expect(leaving!.disconnectAt).toEqual(new Date('2027-01-12T00:00:00Z'))
    expect(leaving!.reason).toBe('INSTITUTION_TOKEN_EXPIRATION')
    expect(fine!.disconnectAt).toBeNull()
    expect(fine!.reason).toBeNull()
    // A value of the wrong kind is treated as absent rather than guessed at.
    expect(odd!.disconnectAt).toBeNull()
    expect(odd!.reason).toBeNull()
  })
})

describe('retries of the list', () => {
  beforeEach(() => {
    useFakeClock()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  // SWR retries a failed fetch after about 5 s, then 10 s, 20 s, … (with jitter); two minutes
  // covers several of its retries.
  const SWR_RETRY_WINDOW_MS = 2 * 60_000

  test.each([
    ['401', () => plaidError(401, { error_type: 'INVALID_REQUEST', error_code: 'UNAUTHORIZED' })],
    ['404', () => plaidError(404, { error_type: 'INVALID_REQUEST', error_code: 'NOT_FOUND' })],
    [
      'an HTML 403',
      () => new Response('<h1>Forbidden</h1>', { status: 403, headers: { 'Content-Type': 'text/html' } }),
    ],
  ])('a %s is never retried on its own', async (_label, answer) => {
    const gateway = fakeGateway(answer)
    const { result } = renderHook(() => usePlaidItems(), {
      wrapper: createWrapper({ provider: { fetch: gateway.fetch } }),
    })
    await advance(0)
    expect(result.current.error).toBeInstanceOf(PlaidGatewayError)
    await advance(SWR_RETRY_WINDOW_MS)
    expect(gateway.requests).toHaveLength(1)
  })

  test.each([
    ['a 503', () => plaidError(503, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' })],
    [
      'a network failure',
      () => {
        throw new TypeError('Failed to fetch')
      },
    ],
  ])('%s is retried, and the list arrives once the gateway answers', async (_label, failure) => {
    const gateway = fakeGateway((_request, index) =>
      index < 2 ? failure() : json({ items: [summary('item-1', 'healthy')] }),
    )
    const { result } = renderHook(() => usePlaidItems(), {
      wrapper: createWrapper({ provider: { fetch: gateway.fetch } }),
    })
    await advance(0)
    expect(result.current.error).toBeInstanceOf(PlaidGatewayError)
    await advance(SWR_RETRY_WINDOW_MS)
    expect(gateway.requests.length).toBeGreaterThanOrEqual(3)
    expect(result.current.items).toHaveLength(1)
    expect(result.current.error).toBeUndefined()
  })
})
