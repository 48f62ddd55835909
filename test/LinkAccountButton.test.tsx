/*
 * Linking a new account: LinkAccountButton and useLinkAccount through their public API, with
 * `fetch` (the gateway) and `window.Plaid` (Link) as the only things replaced.
 */
import { act, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react'
import { LinkAccountButton, useLinkAccount, type LinkAccountButtonProps } from '../src'
import { fakeGateway, json, linkTokenAnswer, plaidError, uniqueToken, type Responder } from './helpers/gateway'
import { exchangeBodyAfterLink, exitMetadata, installPlaid, removePlaid, successMetadata } from './helpers/plaidLink'
import { createWrapper } from './helpers/render'

const LINK_TOKEN_CREATE = new URL('/api/plaid/link/token/create', location.href).href
const EXCHANGE = new URL('/api/plaid/item/public_token/exchange', location.href).href

/** A gateway that mints link-new-1, link-new-2, … for new Items and exchanges public tokens. */
function accountGateway(
  exchange: (publicToken: string, index: number) => Response | Promise<Response> = () =>
    json({ item_id: 'item-new', request_id: 'req-exchange' }),
) {
  let minted = 0
  let exchanges = 0
  const responder: Responder = (request) => {
    if (request.url === EXCHANGE) return exchange((request.body as { public_token: string }).public_token, exchanges++)
    minted += 1
    return linkTokenAnswer(`link-new-${minted}`)
  }
  const gateway = fakeGateway(responder)
  return {
    ...gateway,
    tokenRequests: () => gateway.requests.filter((r) => r.url === LINK_TOKEN_CREATE),
    exchangeRequests: () => gateway.requests.filter((r) => r.url === EXCHANGE),
  }
}

function setup(props: Partial<LinkAccountButtonProps> = {}, gateway = accountGateway(), strict = false) {
  const view = render(<LinkAccountButton {...props} />, {
    wrapper: createWrapper({ provider: { fetch: gateway.fetch } }),
    reactStrictMode: strict,
  })
  return { ...gateway, ...view, button: () => screen.getByRole('button') }
}

afterEach(() => {
  removePlaid()
  sessionStorage.clear()
})

test('starts idle with a default label; no token is fetched until someone asks', async () => {
  const gateway = accountGateway()
  render(
    <>
      {Array.from({ length: 50 }, (_, i) => (
        <LinkAccountButton key={i}>{`Connect ${i}`}</LinkAccountButton>
      ))}
    </>,
    { wrapper: createWrapper({ provider: { fetch: gateway.fetch } }) },
  )
  await act(() => new Promise((resolve) => setTimeout(resolve, 20)))
  expect(gateway.requests).toHaveLength(0)
  expect(screen.getByRole('button', { name: 'Connect 0' })).toHaveAttribute('data-state', 'idle')
  // Intent on many of them makes one request for the one Link session to come.
  const { create } = installPlaid()
  for (const button of screen.getAllByRole('button')) fireEvent.pointerEnter(button)
  await waitFor(() => expect(create).toHaveBeenCalled())
  await act(() => new Promise((resolve) => setTimeout(resolve, 20)))
  expect(gateway.tokenRequests()).toHaveLength(1)
  expect(create).toHaveBeenCalledTimes(1)
  render(<LinkAccountButton />, { wrapper: createWrapper() })
  expect(screen.getAllByRole('button').at(-1)).toHaveTextContent('Connect a bank')
})

test('a click asks for a new-Item token with an empty body, shows loading, then opens Link', async () => {
  const { handlers } = installPlaid()
  const { button, tokenRequests } = setup()
  fireEvent.click(button())
  expect(button()).toHaveAttribute('data-state', 'loading')
  expect(button()).toHaveAttribute('aria-busy', 'true')
  fireEvent.click(button())
  await waitFor(() => expect(button()).toHaveAttribute('data-state', 'open'))
  expect(tokenRequests()).toHaveLength(1)
  expect(tokenRequests()[0]!.body).toStrictEqual({})
  expect(handlers).toHaveLength(1)
  expect(handlers[0]!.options.token).toBe('link-new-1')
  expect(handlers[0]!.open).toHaveBeenCalledTimes(1)
})

test('Link success: exchanging until the gateway answers, then success with the new Item', async () => {
  const { handlers } = installPlaid()
  let answer!: () => void
  const gateway = accountGateway(
    () => new Promise((resolve) => (answer = () => resolve(json({ item_id: 'item-new', request_id: 'req-ex' })))),
  )
  const onSuccess = vi.fn()
  const { button, exchangeRequests } = setup({ onSuccess }, gateway)
  fireEvent.click(button())
  await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
  act(() => handlers[0]!.options.onSuccess('public-sandbox-new-1', successMetadata))
  expect(button()).toHaveAttribute('data-state', 'exchanging')
  expect(button()).toHaveAttribute('aria-busy', 'true')
  // Clicks while exchanging do nothing.
  fireEvent.click(button())
  await waitFor(() => expect(exchangeRequests()).toHaveLength(1))
  // Link's institution and accounts travel with the public token, with exactly the contract's fields.
  expect(exchangeRequests()[0]!.rawBody).toBe(JSON.stringify(exchangeBodyAfterLink('public-sandbox-new-1')))
  expect(onSuccess).not.toHaveBeenCalled()
  await act(async () => answer())
  await waitFor(() => expect(button()).toHaveAttribute('data-state', 'success'))
  expect(onSuccess).toHaveBeenCalledTimes(1)
  expect(onSuccess).toHaveBeenCalledWith({ itemId: 'item-new', requestId: 'req-ex', metadata: successMetadata })
})

test('a failed exchange is an error with the gateway’s message; the next click sends the same public token', async () => {
  const { handlers } = installPlaid()
  const gateway = accountGateway((_publicToken, index) =>
    index === 0
      ? plaidError(500, {
          error_type: 'API_ERROR',
          error_code: 'INTERNAL_SERVER_ERROR',
          display_message: 'Our server had a problem. Please try again.',
        })
      : json({ item_id: 'item-after-retry' }),
  )
  const onSuccess = vi.fn()
  const { button, exchangeRequests, tokenRequests } = setup({ onSuccess }, gateway)
  fireEvent.click(button())
  await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
  act(() => handlers[0]!.options.onSuccess('public-sandbox-retry', successMetadata))
  await waitFor(() => expect(button()).toHaveAttribute('data-state', 'error'))
  expect(screen.getByRole('status')).toHaveTextContent('Our server had a problem. Please try again.')
  // Intent before the retry prepares nothing: the retry resends the public token, not a new Link.
  fireEvent.pointerEnter(button())
  fireEvent.focus(button())
  await act(() => new Promise((resolve) => setTimeout(resolve, 20)))
  expect(tokenRequests()).toHaveLength(1)
  fireEvent.click(button())
  expect(button()).toHaveAttribute('data-state', 'exchanging')
  await waitFor(() => expect(button()).toHaveAttribute('data-state', 'success'))
  expect(exchangeRequests().map((r) => r.body)).toEqual([
    exchangeBodyAfterLink('public-sandbox-retry'),
    exchangeBodyAfterLink('public-sandbox-retry'),
  ])
  // The retry needed no new Link session.
  expect(handlers).toHaveLength(1)
  expect(tokenRequests()).toHaveLength(1)
  expect(onSuccess).toHaveBeenCalledWith({ itemId: 'item-after-retry', metadata: successMetadata })
})

test('a bank already linked: the error names it, onError gets the Item, and the next click opens Link anew', async () => {
  const { handlers } = installPlaid()
  const gateway = accountGateway((_publicToken, index) =>
    index === 0
      ? json(
          {
            error_type: 'ITEM_ERROR',
            error_code: 'DUPLICATE_ITEM',
            error_message: 'an Item with the same institution and account is already linked for this user',
            display_message: 'You have already linked First Platypus Bank. Update it instead of linking it again.',
            request_id: 'req-duplicate',
            item_id: 'item-linked-before',
          },
          409,
        )
      : json({ item_id: 'item-other-accounts' }),
  )
  const onError = vi.fn()
  const onSuccess = vi.fn()
  const { button, exchangeRequests, tokenRequests } = setup({ onError, onSuccess }, gateway)
  fireEvent.click(button())
  await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
  act(() => handlers[0]!.options.onSuccess('public-sandbox-duplicate', successMetadata))
  await waitFor(() => expect(button()).toHaveAttribute('data-state', 'error'))
  // The person reads which bank; the app gets the Item to offer its repair instead.
  expect(screen.getByRole('status')).toHaveTextContent('You have already linked First Platypus Bank.')
  expect(onError).toHaveBeenCalledTimes(1)
  expect(onError.mock.calls[0]![0]).toMatchObject({ errorCode: 'DUPLICATE_ITEM', itemId: 'item-linked-before' })
  expect(onSuccess).not.toHaveBeenCalled()

  // Intent prepares a new Link session, and the click opens it with a fresh token: the refused
  // public token is not sent again.
  fireEvent.pointerEnter(button())
  await waitFor(() => expect(handlers).toHaveLength(2))
  fireEvent.click(button())
  expect(button()).toHaveAttribute('data-state', 'open')
  expect(handlers[1]!.options.token).toBe('link-new-2')
  expect(handlers[1]!.open).toHaveBeenCalledTimes(1)
  expect(tokenRequests()).toHaveLength(2)
  expect(exchangeRequests().map((request) => request.body)).toEqual([exchangeBodyAfterLink('public-sandbox-duplicate')])

  // Another bank this time: its own public token, exchanged once.
  act(() => handlers[1]!.options.onSuccess('public-sandbox-another', successMetadata))
  await waitFor(() => expect(button()).toHaveAttribute('data-state', 'success'))
  expect(exchangeRequests().map((request) => request.body)).toEqual([
    exchangeBodyAfterLink('public-sandbox-duplicate'),
    exchangeBodyAfterLink('public-sandbox-another'),
  ])
  expect(onSuccess).toHaveBeenCalledTimes(1)
})

test('a public token is exchanged once ever, also when another flow on the page gets it from Link', async () => {
  const { handlers } = installPlaid()
  const gateway = accountGateway()
  const onSuccess = vi.fn()
  render(
    <>
      <LinkAccountButton onSuccess={onSuccess}>First</LinkAccountButton>
      <LinkAccountButton onSuccess={onSuccess}>Second</LinkAccountButton>
    </>,
    { wrapper: createWrapper({ provider: { fetch: gateway.fetch } }) },
  )
  const first = screen.getByRole('button', { name: 'First' })
  const second = screen.getByRole('button', { name: 'Second' })
  const publicToken = uniqueToken()
  fireEvent.click(first)
  await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
  act(() => handlers[0]!.options.onSuccess(publicToken, successMetadata))
  await waitFor(() => expect(first).toHaveAttribute('data-state', 'success'))
  fireEvent.click(second)
  await waitFor(() => expect(handlers[1]?.open).toHaveBeenCalled())
  act(() => handlers[1]!.options.onSuccess(publicToken, successMetadata))
  await waitFor(() => expect(second).toHaveAttribute('data-state', 'success'))
  expect(gateway.exchangeRequests()).toHaveLength(1)
  expect(onSuccess).toHaveBeenCalledTimes(2)
  expect(onSuccess.mock.calls.map(([success]) => success.itemId)).toEqual(['item-new', 'item-new'])
})

test.each([
  [
    'success',
    (h: { options: { onSuccess: (t: string, m: typeof successMetadata) => void } }) =>
      h.options.onSuccess(uniqueToken(), successMetadata),
  ],
  [
    'exit',
    (h: { options: { onExit?: (e: null, m: typeof exitMetadata) => void } }) => h.options.onExit!(null, exitMetadata),
  ],
  [
    'INVALID_LINK_TOKEN',
    (h: { options: { onExit?: (e: object, m: typeof exitMetadata) => void } }) =>
      h.options.onExit!(
        {
          error_type: 'INVALID_INPUT',
          error_code: 'INVALID_LINK_TOKEN',
          error_message: 'expired',
          display_message: null,
        },
        exitMetadata,
      ),
  ],
])('a new-Item token serves one Link session: after %s the next open gets a fresh one', async (_label, end) => {
  const { handlers } = installPlaid()
  const { button, tokenRequests } = setup()
  fireEvent.click(button())
  await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
  act(() => end(handlers[0] as never))
  await waitFor(() => expect(button().getAttribute('data-state')).not.toMatch(/open|exchanging/))
  await waitFor(() => expect(handlers[0]!.destroy).toHaveBeenCalled())
  fireEvent.click(button())
  await waitFor(() => expect(handlers[1]?.open).toHaveBeenCalled())
  expect(handlers[1]!.options.token).toBe('link-new-2')
  expect(tokenRequests()).toHaveLength(2)
})

test('Link closed with an error is an error with Link’s message; onExit and onEvent pass through', async () => {
  const { handlers } = installPlaid()
  const onExit = vi.fn()
  const onEvent = vi.fn()
  const { button } = setup({ onExit, onEvent })
  fireEvent.click(button())
  await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
  act(() => handlers[0]!.options.onEvent!('SELECT_INSTITUTION', { view_name: 'SELECT_INSTITUTION' }))
  const linkError = {
    error_type: 'INSTITUTION_ERROR',
    error_code: 'INSTITUTION_DOWN',
    error_message: 'institution is down',
    display_message: 'This bank is not responding right now.',
  }
  act(() => handlers[0]!.options.onExit!(linkError, exitMetadata))
  expect(button()).toHaveAttribute('data-state', 'error')
  expect(screen.getByRole('status')).toHaveTextContent('This bank is not responding right now.')
  expect(onExit).toHaveBeenCalledWith(linkError, exitMetadata)
  expect(onEvent).toHaveBeenCalledWith('SELECT_INSTITUTION', { view_name: 'SELECT_INSTITUTION' })
})

test('a gateway error for the token is shown with a plain sentence, and the next click tries again', async () => {
  installPlaid()
  const gateway = fakeGateway((_request, index) =>
    index === 0 ? new Response('down', { status: 502 }) : linkTokenAnswer('link-new-ok'),
  )
  const view = render(<LinkAccountButton />, { wrapper: createWrapper({ provider: { fetch: gateway.fetch } }) })
  fireEvent.click(screen.getByRole('button'))
  await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'error'))
  expect(screen.getByRole('status')).toHaveTextContent(
    'Something went wrong while connecting your account. Please try again.',
  )
  fireEvent.click(screen.getByRole('button'))
  await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'open'))
  view.unmount()
})

test('prefetched on intent, the click opens Link in its own task', async () => {
  const { handlers } = installPlaid()
  const { button } = setup()
  fireEvent.pointerEnter(button())
  await waitFor(() => expect(handlers).toHaveLength(1))
  expect(button()).toHaveAttribute('data-state', 'idle')
  fireEvent.click(button())
  expect(handlers[0]!.open).toHaveBeenCalledTimes(1)
  expect(button()).toHaveAttribute('data-state', 'open')
})

test('while Link is open the OAuth record holds the flow and the token, and goes when the session ends', async () => {
  const { handlers } = installPlaid()
  const { button } = setup()
  fireEvent.click(button())
  await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
  const stored = Object.values({ ...sessionStorage })
  expect(stored.map((value) => JSON.parse(value))).toEqual([{ flow: 'account', token: 'link-new-1' }])
  act(() => handlers[0]!.options.onExit!(null, exitMetadata))
  expect(sessionStorage.length).toBe(0)
})

test('StrictMode: one token request, one handler, one open, one exchange', async () => {
  const { create, handlers } = installPlaid()
  const { button, tokenRequests, exchangeRequests } = setup({}, accountGateway(), true)
  fireEvent.click(button())
  await waitFor(() => expect(button()).toHaveAttribute('data-state', 'open'))
  await act(() => new Promise((resolve) => setTimeout(resolve, 20)))
  expect(tokenRequests()).toHaveLength(1)
  expect(create).toHaveBeenCalledTimes(1)
  expect(handlers[0]!.open).toHaveBeenCalledTimes(1)
  act(() => handlers[0]!.options.onSuccess(uniqueToken(), successMetadata))
  await waitFor(() => expect(button()).toHaveAttribute('data-state', 'success'))
  expect(exchangeRequests()).toHaveLength(1)
})

test('the hook gives another element the flow: status, error and data', async () => {
  const { handlers } = installPlaid()
  const gateway = accountGateway()
  const { result } = renderHook(() => useLinkAccount({ fetch: gateway.fetch }), { wrapper: createWrapper() })
  expect(result.current.status).toBe('idle')
  act(() => result.current.open())
  await waitFor(() => expect(result.current.status).toBe('open'))
  act(() => handlers[0]!.options.onSuccess(uniqueToken(), successMetadata))
  await waitFor(() => expect(result.current.status).toBe('success'))
  expect(result.current.data).toEqual({ itemId: 'item-new', requestId: 'req-exchange' })
  expect(result.current.error).toBeUndefined()
})

test('props that are the flow’s options never reach the button element', () => {
  installPlaid()
  setup({
    onSuccess: () => {},
    onExit: () => {},
    onEvent: () => {},
    scriptTimeoutMs: 1000,
    cspNonce: 'n',
    baseUrl: '/api/plaid',
    timeoutMs: 1000,
    credentials: 'include',
    className: 'connect',
  })
  const button = screen.getByRole('button')
  expect(button).toHaveClass('connect')
  for (const name of [
    'onsuccess',
    'onexit',
    'onevent',
    'scripttimeoutms',
    'cspnonce',
    'baseurl',
    'timeoutms',
    'credentials',
  ]) {
    expect(button.getAttributeNames()).not.toContain(name)
  }
})
