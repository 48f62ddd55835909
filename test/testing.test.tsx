/*
 * The `@utdk/plaid-react/testing` entry used the way an app's own tests would: msw's Node server
 * with the sandbox gateway, and the Link stand-in as window.Plaid.
 */
import { act, fireEvent, render, renderHook, screen, waitFor, within } from '@testing-library/react'
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import {
  LinkAccountButton,
  LinkRepairButton,
  useExchangePublicToken,
  useLinkOAuthResume,
  usePlaidItems,
  useUpdateModeToken,
} from '../src'
import {
  createSandboxItems,
  installPlaidLinkSandbox,
  sandboxErrors,
  sandboxGateway,
  sandboxGatewayError,
  sandboxHtmlError,
  sandboxLeakyGateway,
  type PlaidLinkSandbox,
} from '../src/testing'
import { createWrapper } from './helpers/render'

const server = setupServer(...sandboxGateway({ latencyMs: 0, items: ['item-owned'] }))
const sent: Array<{ path: string; body: unknown }> = []
let link: PlaidLinkSandbox

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
beforeEach(() => {
  // A gateway over fresh Items for every test: a bank linked in one is not a duplicate in the next.
  server.resetHandlers(...sandboxGateway({ latencyMs: 0, items: ['item-owned'] }))
  sent.length = 0
  server.events.on('request:start', async ({ request }) => {
    sent.push({ path: new URL(request.url).pathname, body: await request.clone().json() })
  })
  link = installPlaidLinkSandbox()
})
afterEach(() => {
  server.resetHandlers()
  server.events.removeAllListeners()
  link.uninstall()
})
afterAll(() => server.close())

describe('sandboxGateway', () => {
  test('exchanges a public token once, and refuses it a second time as Plaid does', async () => {
    const { result } = renderHook(() => useExchangePublicToken(), { wrapper: createWrapper() })
    let first: Awaited<ReturnType<typeof result.current.exchange>>
    await act(async () => {
      first = await result.current.exchange('public-sandbox-testing-1')
    })
    expect(first!.itemId).toMatch(/^item-sandbox-/)
    const direct = await fetch('/api/plaid/item/public_token/exchange', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ public_token: 'public-sandbox-testing-1' }),
    })
    expect(direct.status).toBe(400)
    expect(await direct.json()).toMatchObject({ error_code: 'INVALID_PUBLIC_TOKEN' })
  })

  test('mints link tokens for owned Items, ITEM_NOT_FOUND for others', async () => {
    const wrapper = createWrapper()
    const owned = renderHook(() => useUpdateModeToken('item-owned'), { wrapper })
    await waitFor(() => expect(owned.result.current.token).toMatch(/^link-sandbox-/))
    // Update-mode tokens live 30 minutes, as Plaid's do.
    const life = owned.result.current.expiration!.getTime() - Date.now()
    expect(life).toBeGreaterThan(25 * 60_000)
    expect(life).toBeLessThanOrEqual(30 * 60_000)
    const other = renderHook(() => useUpdateModeToken('item-someone-else'), { wrapper })
    await waitFor(() => expect(other.result.current.error?.errorCode).toBe('ITEM_NOT_FOUND'))
    expect(other.result.current.error?.status).toBe(404)
  })

  test('mints a new Item’s Link token for an empty body, living 4 hours, whatever Items are listed', async () => {
    const answer = await fetch('/api/plaid/link/token/create', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    })
    expect(answer.status).toBe(200)
    const json = (await answer.json()) as { link_token: string; expiration: string }
    expect(json.link_token).toMatch(/^link-sandbox-/)
    expect(Date.parse(json.expiration) - Date.now()).toBeGreaterThan(3.9 * 60 * 60_000)
  })

  test('legacy public tokens', async () => {
    const { result } = renderHook(() => useUpdateModeToken('item-owned', { tokenType: 'public_token' }), {
      wrapper: createWrapper(),
    })
    await waitFor(() => expect(result.current.token).toMatch(/^public-sandbox-/))
  })

  test('error scenarios: Plaid errors, HTML pages, and a leaky gateway whose token is dropped', async () => {
    server.use(...sandboxGatewayError(sandboxErrors.rateLimit, { latencyMs: 0, route: 'linkTokenCreate' }))
    const limited = renderHook(() => useUpdateModeToken('item-owned'), { wrapper: createWrapper() })
    await waitFor(() => expect(limited.result.current.error?.errorCode).toBe('RATE_LIMIT'))
    expect(limited.result.current.error?.displayMessage).toBe(sandboxErrors.rateLimit.body.display_message)

    server.use(...sandboxHtmlError(503, { latencyMs: 0 }))
    const html = renderHook(() => useUpdateModeToken('item-owned'), { wrapper: createWrapper() })
    await waitFor(() => expect(html.result.current.error?.errorCode).toBe('HTTP_ERROR'))
    expect(html.result.current.error?.status).toBe(503)

    server.use(...sandboxLeakyGateway({ latencyMs: 0 }))
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
    const leaky = renderHook(() => useExchangePublicToken(), { wrapper: createWrapper() })
    let result: Awaited<ReturnType<typeof leaky.result.current.exchange>>
    await act(async () => {
      result = await leaky.result.current.exchange('public-sandbox-leaky-1')
    })
    expect(result!.itemId).toMatch(/^item-sandbox-/)
    expect(JSON.stringify(result!)).not.toContain('access-sandbox')
    expect(consoleError).toHaveBeenCalledTimes(1)
    expect(String(consoleError.mock.calls[0]![0])).toContain('/api/plaid/item/public_token/exchange')
  })
})

describe('installPlaidLinkSandbox with LinkRepairButton', () => {
  function renderButton(onSuccess = vi.fn(), onExit = vi.fn()) {
    render(<LinkRepairButton itemId="item-owned" onSuccess={onSuccess} onExit={onExit} />, { wrapper: createWrapper() })
    return { button: screen.getByRole('button', { name: 'Reconnect account' }), onSuccess, onExit }
  }

  test('the dialog opens; Continue repairs the Item with realistic metadata and no exchange', async () => {
    const { button, onSuccess } = renderButton()
    fireEvent.click(button)
    const dialog = await screen.findByRole('dialog', { name: 'Connect First Platypus Bank' })
    // Link's dialog appears the moment open() runs; React commits the state set just before it
    // in its next render, so that is waited for rather than assumed to have happened already.
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'open'))
    expect(dialog).toHaveTextContent('First Platypus Bank')
    fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(button).toHaveAttribute('data-state', 'success')
    expect(onSuccess).toHaveBeenCalledWith(
      expect.objectContaining({
        institution: { name: 'First Platypus Bank', institution_id: 'ins_109508' },
        accounts: expect.arrayContaining([expect.objectContaining({ subtype: 'checking', mask: '0000' })]),
        link_session_id: expect.stringMatching(/^sandbox-session-/),
      }),
    )
    expect(sent.map((r) => r.path)).toEqual(['/api/plaid/link/token/create'])
  })

  test("in update mode Link shows the Item's own institution when the sandbox gateway knows it", async () => {
    const wellsFargo = { name: 'Wells Fargo', institution_id: 'ins_127991' }
    server.use(...sandboxGateway({ latencyMs: 0, items: [{ itemId: 'item-wells', institution: wellsFargo }] }))
    const onSuccess = vi.fn()
    render(<LinkRepairButton itemId="item-wells" onSuccess={onSuccess} />, { wrapper: createWrapper() })
    fireEvent.click(screen.getByRole('button', { name: 'Reconnect account' }))
    const dialog = await screen.findByRole('dialog', { name: 'Connect Wells Fargo' })
    expect(dialog).not.toHaveTextContent('First Platypus Bank')
    fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
    expect(onSuccess).toHaveBeenCalledWith(expect.objectContaining({ institution: wellsFargo }))
  })

  test('closing goes back to idle; ITEM_LOGIN_REQUIRED shows Link’s message', async () => {
    const { button, onExit } = renderButton()
    fireEvent.click(button)
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Close' }))
    expect(button).toHaveAttribute('data-state', 'idle')
    expect(onExit).toHaveBeenLastCalledWith(null, expect.objectContaining({ link_session_id: expect.any(String) }))
    fireEvent.click(button)
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'ITEM_LOGIN_REQUIRED' }))
    expect(button).toHaveAttribute('data-state', 'error')
    expect(screen.getByRole('status')).toHaveTextContent('Please sign in again.')
  })

  test('INVALID_LINK_TOKEN: the next open gets a fresh token from the gateway', async () => {
    const { button } = renderButton()
    fireEvent.click(button)
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'INVALID_LINK_TOKEN' }))
    expect(button).toHaveAttribute('data-state', 'error')
    fireEvent.click(button)
    await screen.findByRole('dialog')
    expect(link.sessions).toHaveLength(2)
    expect(link.sessions[1]!.token).not.toBe(link.sessions[0]!.token)
    expect(sent.filter((r) => r.path === '/api/plaid/link/token/create')).toHaveLength(2)
  })

  test('a token that is not a Link token fails in Link as INVALID_LINK_TOKEN', async () => {
    server.use(
      http.post('/api/plaid/link/token/create', () =>
        HttpResponse.json({
          link_token: 'not-a-link-token',
          expiration: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      ),
    )
    const { button, onExit } = renderButton()
    fireEvent.click(button)
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'))
    expect(onExit).toHaveBeenCalledWith(
      expect.objectContaining({ error_code: 'INVALID_LINK_TOKEN' }),
      expect.anything(),
    )
  })

  test('without the dialog, sessions are driven from code', async () => {
    link.uninstall()
    link = installPlaidLinkSandbox({ dialog: false })
    const { button, onSuccess } = renderButton()
    fireEvent.click(button)
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'open'))
    expect(screen.queryByRole('dialog')).toBeNull()
    act(() => link.sessions[0]!.succeed())
    expect(button).toHaveAttribute('data-state', 'success')
    expect(onSuccess).toHaveBeenCalledTimes(1)
  })

  test('uninstall restores the page', () => {
    link.uninstall()
    expect((window as unknown as { Plaid?: unknown }).Plaid).toBeUndefined()
    link = installPlaidLinkSandbox()
    expect(typeof (window as unknown as { Plaid?: { create?: unknown } }).Plaid?.create).toBe('function')
  })
})

describe('the sandbox Link with LinkAccountButton, and an OAuth bank', () => {
  test('Continue links a new account: the sandbox gateway exchanges Link’s public token once', async () => {
    const onSuccess = vi.fn()
    render(<LinkAccountButton onSuccess={onSuccess} />, { wrapper: createWrapper() })
    fireEvent.click(screen.getByRole('button', { name: 'Connect a bank' }))
    const dialog = await screen.findByRole('dialog', { name: 'Connect First Platypus Bank' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'success'))
    expect(onSuccess).toHaveBeenCalledWith(expect.objectContaining({ itemId: expect.stringMatching(/^item-sandbox-/) }))
    expect(sent.map((r) => r.path)).toEqual(['/api/plaid/link/token/create', '/api/plaid/item/public_token/exchange'])
    expect(sent[0]!.body).toEqual({})
  })

  test('an OAuth bank leaves for the redirect page, where the resumed session finishes the link', async () => {
    link.uninstall()
    const visited: string[] = []
    link = installPlaidLinkSandbox({ oauthRedirectUri: '/oauth-return', navigate: (url) => visited.push(url) })
    const first = render(<LinkAccountButton />, { wrapper: createWrapper() })
    fireEvent.click(screen.getByRole('button', { name: 'Connect a bank' }))
    const dialog = await screen.findByRole('dialog')
    fireEvent.click(within(dialog).getByRole('button', { name: 'Continue at First Platypus Bank' }))
    expect(visited).toHaveLength(1)
    const redirect = new URL(visited[0]!)
    expect(redirect.pathname).toBe('/oauth-return')
    expect(redirect.searchParams.get('oauth_state_id')).toMatch(/.+/)
    // The bank's page replaced the app's; the app's redirect page loads.
    first.unmount()
    window.history.replaceState({}, '', redirect.pathname + redirect.search)
    try {
      const onSuccess = vi.fn()
      const { result } = renderHook(() => useLinkOAuthResume({ onSuccess }), { wrapper: createWrapper() })
      const back = await screen.findByRole('dialog', { name: 'Finish connecting First Platypus Bank' })
      expect(link.sessions.at(-1)!.receivedRedirectUri).toBe(window.location.href)
      expect(link.sessions.at(-1)!.token).toBe(link.sessions[0]!.token)
      fireEvent.click(within(back).getByRole('button', { name: 'Continue' }))
      await waitFor(() => expect(result.current.status).toBe('success'))
      expect(onSuccess).toHaveBeenCalledWith(expect.objectContaining({ flow: 'account' }))
      expect(sent.filter((r) => r.path === '/api/plaid/item/public_token/exchange')).toHaveLength(1)
    } finally {
      window.history.replaceState({}, '', '/')
      sessionStorage.clear()
    }
  })
})

describe('sandbox Items', () => {
  test('changeable statuses reach usePlaidItems; a repair in the sandbox Link is confirmed healthy', async () => {
    const items = createSandboxItems([
      { itemId: 'item-wf', institution: { name: 'Wells Fargo', institution_id: 'ins_127991' } },
      'item-other',
    ])
    server.use(...sandboxGateway({ latencyMs: 0, items }))
    function Page() {
      const { items: list, refresh } = usePlaidItems()
      return (
        <>
          <button onClick={() => void refresh()}>Reload</button>
          {list?.map((item) => (
            <div key={item.itemId} data-testid={item.itemId} data-status={item.status}>
              {item.institutionName ?? 'unknown bank'}
              {item.needsRepair && <LinkRepairButton itemId={item.itemId}>Repair {item.itemId}</LinkRepairButton>}
            </div>
          ))}
        </>
      )
    }
    render(<Page />, { wrapper: createWrapper() })
    expect(await screen.findByTestId('item-wf')).toHaveAttribute('data-status', 'healthy')
    items.setStatus('item-wf', 'login_required', { errorCode: 'ITEM_LOGIN_REQUIRED' })
    fireEvent.click(screen.getByRole('button', { name: 'Reload' }))
    fireEvent.click(await screen.findByRole('button', { name: 'Repair item-wf' }))
    const dialog = await screen.findByRole('dialog')
    expect(dialog).toHaveTextContent('Wells Fargo')
    fireEvent.click(within(dialog).getByRole('button', { name: /continue|reconnect|finish|connect/i }))
    await waitFor(() => expect(screen.getByTestId('item-wf')).toHaveAttribute('data-status', 'healthy'))
    expect(items.list().find((item) => item.itemId === 'item-wf')?.status).toBe('healthy')
    expect(screen.getByTestId('item-other')).toHaveTextContent('unknown bank')
  })

  test('lists a newly linked Item and removes one', async () => {
    const items = createSandboxItems(['item-1'])
    server.use(...sandboxGateway({ latencyMs: 0, items }))
    const { result } = renderHook(() => usePlaidItems(), { wrapper: createWrapper() })
    await waitFor(() => expect(result.current.items?.map((item) => item.itemId)).toEqual(['item-1']))
    await act(async () => {
      expect(await result.current.remove('item-1')).toBe(true)
    })
    expect(items.list()).toEqual([])
    await act(async () => {
      expect(await result.current.remove('item-1')).toBe(false)
    })
    expect(result.current.error?.errorCode).toBe('ITEM_NOT_FOUND')
    expect(() => items.setStatus('item-nope', 'revoked')).toThrow(/createSandboxItems: there is no Item item-nope/)
  })
})

describe('sandbox duplicates and health (contract, sections 10 and 11)', () => {
  const FIRST_PLATYPUS = { name: 'First Platypus Bank', institution_id: 'ins_109508' }
  const post = (path: string, body: unknown) =>
    fetch(`/api/plaid${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })

  test('a bank already linked is refused as the gateway refuses it: 409, its name, the Item, nothing exchanged', async () => {
    const items = createSandboxItems([
      {
        itemId: 'item-platypus',
        institution: FIRST_PLATYPUS,
        accounts: [{ name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' }],
      },
    ])
    server.use(...sandboxGateway({ latencyMs: 0, items }))
    const onError = vi.fn()
    render(<LinkAccountButton onError={onError} />, { wrapper: createWrapper() })
    fireEvent.click(screen.getByRole('button', { name: 'Connect a bank' }))
    const dialog = await screen.findByRole('dialog', { name: 'Connect First Platypus Bank' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'error'))
    expect(screen.getByRole('status')).toHaveTextContent('You have already connected First Platypus Bank.')
    expect(onError.mock.calls[0]![0]).toMatchObject({
      status: 409,
      errorCode: 'DUPLICATE_ITEM',
      itemId: 'item-platypus',
    })
    expect(items.list().map((item) => item.itemId)).toEqual(['item-platypus'])
    expect(sent.filter((request) => request.path === '/api/plaid/item/public_token/exchange')).toHaveLength(1)
  })

  test('another bank, or the same bank with other accounts, links; duplicates: "allow" links anyway', async () => {
    const items = createSandboxItems([
      {
        itemId: 'item-chase',
        institution: { name: 'Chase', institution_id: 'ins_3' },
        accounts: [{ name: 'Plaid Checking', mask: '0000' }],
      },
      { itemId: 'item-platypus', institution: FIRST_PLATYPUS, accounts: [{ name: 'Plaid CD', mask: '2222' }] },
    ])
    server.use(...sandboxGateway({ latencyMs: 0, items }))
    const accounts = [{ id: 'acc-1', name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' }]
    const linked = await post('/item/public_token/exchange', {
      public_token: 'public-sandbox-other-accounts',
      institution: FIRST_PLATYPUS,
      accounts,
    })
    expect(linked.status).toBe(200)
    const added = items.list().at(-1)!
    // The new Item keeps the browser's institution and the accounts' names and masks, no ids.
    expect(added.institution).toEqual(FIRST_PLATYPUS)
    expect(added.accounts).toEqual([{ name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' }])
    const refused = await post('/item/public_token/exchange', {
      public_token: 'public-sandbox-again',
      institution: FIRST_PLATYPUS,
      accounts,
    })
    expect(await refused.json()).toMatchObject({ error_code: 'DUPLICATE_ITEM', item_id: added.itemId })
    server.use(...sandboxGateway({ latencyMs: 0, items, duplicates: 'allow' }))
    const allowed = await post('/item/public_token/exchange', {
      public_token: 'public-sandbox-allowed',
      institution: FIRST_PLATYPUS,
      accounts,
    })
    expect(allowed.status).toBe(200)
  })

  test.each([
    ['an institution that is a string', { institution: 'Chase' }],
    ['an institution without an id', { institution: { name: 'Chase' } }],
    ['accounts that are not an array', { accounts: { id: 'acc-1' } }],
    [
      'an account whose mask is a number',
      { accounts: [{ id: 'acc-1', name: 'Checking', mask: 1234, type: 'depository', subtype: 'checking' }] },
    ],
  ])('%s is the gateway’s 400', async (_label, hints) => {
    const answer = await post('/item/public_token/exchange', { public_token: 'public-sandbox-wrong-type', ...hints })
    expect(answer.status).toBe(400)
    expect(await answer.json()).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_REQUEST' })
  })

  test('a pending disconnect lists its date and reason', async () => {
    const items = createSandboxItems([{ itemId: 'item-leaving', institution: FIRST_PLATYPUS }])
    server.use(...sandboxGateway({ latencyMs: 0, items }))
    items.setStatus('item-leaving', 'pending_disconnect', {
      disconnectTime: '2027-02-01T00:00:00.000Z',
      reason: 'INSTITUTION_TOKEN_EXPIRATION',
    })
    const { result } = renderHook(() => usePlaidItems(), { wrapper: createWrapper() })
    await waitFor(() => expect(result.current.items).toHaveLength(1))
    expect(result.current.items![0]).toMatchObject({
      status: 'pending_disconnect',
      needsRepair: true,
      disconnectAt: new Date('2027-02-01T00:00:00.000Z'),
      reason: 'INSTITUTION_TOKEN_EXPIRATION',
    })
  })

  test('an Item that refuses update mode makes the repair say to link the bank again', async () => {
    const items = createSandboxItems([
      { itemId: 'item-gone', institution: FIRST_PLATYPUS, status: 'revoked', refusesUpdateMode: true },
    ])
    server.use(...sandboxGateway({ latencyMs: 0, items }))
    render(<LinkRepairButton itemId="item-gone" />, { wrapper: createWrapper() })
    fireEvent.click(screen.getByRole('button'))
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'error'))
    expect(screen.getByRole('status')).toHaveTextContent('Please link your bank again.')
  })
})
