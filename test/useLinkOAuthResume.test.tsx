/*
 * The OAuth return: a page opens Link, the bank takes the person away, and the app's redirect
 * page finishes the session with useLinkOAuthResume. Both pages are played in one jsdom window:
 * the first leaves its record in sessionStorage, as a real page would before navigating away.
 */
import { act, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react'
import { LinkAccountButton, LinkRepairButton, useLinkOAuthResume, type UseLinkOAuthResumeOptions } from '../src'
import { fakeGateway, json, linkTokenAnswer, uniqueToken } from './helpers/gateway'
import { exchangeBodyAfterLink, installPlaid, removePlaid, successMetadata } from './helpers/plaidLink'
import { createWrapper } from './helpers/render'

const EXCHANGE = new URL('/api/plaid/item/public_token/exchange', location.href).href

function gateway() {
  let minted = 0
  return fakeGateway((request) =>
    request.url === EXCHANGE ? json({ item_id: 'item-from-oauth' }) : linkTokenAnswer(`link-oauth-${++minted}`),
  )
}

/** The first page: opens Link with a button, then "leaves" when the bank takes over. */
async function leaveForTheBank(button: 'account' | 'repair', fetch: typeof globalThis.fetch) {
  const { handlers } = installPlaid()
  const page = render(button === 'account' ? <LinkAccountButton /> : <LinkRepairButton itemId="item-oauth" />, {
    wrapper: createWrapper({ provider: { fetch } }),
  })
  fireEvent.click(screen.getByRole('button'))
  await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
  page.unmount()
  removePlaid()
  return handlers[0]!.options.token
}

function onRedirectPage(query: string) {
  window.history.replaceState({}, '', `/oauth-return${query}`)
}

function resumeHook(options: UseLinkOAuthResumeOptions, strict = false) {
  return renderHook(() => useLinkOAuthResume(options), { wrapper: createWrapper(), reactStrictMode: strict })
}

afterEach(() => {
  removePlaid()
  sessionStorage.clear()
  window.history.replaceState({}, '', '/')
})

test('without oauth_state_id there is nothing to resume: idle, no Link, no request', async () => {
  const { create } = installPlaid()
  const gw = gateway()
  sessionStorage.setItem('unrelated', 'x')
  const { result } = resumeHook({ fetch: gw.fetch })
  await act(() => new Promise((resolve) => setTimeout(resolve, 20)))
  expect(result.current).toEqual({ status: 'idle', error: undefined, flow: undefined, itemId: undefined })
  expect(create).not.toHaveBeenCalled()
  expect(gw.requests).toHaveLength(0)
})

test('a new account: Link re-opens with the same token and the redirect URI, then the exchange happens once', async () => {
  const gw = gateway()
  const token = await leaveForTheBank('account', gw.fetch)
  onRedirectPage('?oauth_state_id=47c3d0f6-oauth')
  const { handlers, create } = installPlaid()
  const onSuccess = vi.fn()
  const { result } = resumeHook({ fetch: gw.fetch, onSuccess })
  await waitFor(() => expect(result.current.status).toBe('open'))
  expect(result.current.flow).toBe('account')
  expect(create).toHaveBeenCalledTimes(1)
  expect(handlers[0]!.options.token).toBe(token)
  expect(handlers[0]!.options.receivedRedirectUri).toBe(window.location.href)
  expect(handlers[0]!.open).toHaveBeenCalledTimes(1)
  const publicToken = uniqueToken()
  act(() => handlers[0]!.options.onSuccess(publicToken, successMetadata))
  expect(result.current.status).toBe('exchanging')
  await waitFor(() => expect(result.current.status).toBe('success'))
  expect(result.current.itemId).toBe('item-from-oauth')
  expect(gw.requests.filter((r) => r.url === EXCHANGE).map((r) => r.body)).toEqual([exchangeBodyAfterLink(publicToken)])
  expect(onSuccess).toHaveBeenCalledWith({ flow: 'account', itemId: 'item-from-oauth', metadata: successMetadata })
  expect(sessionStorage.length).toBe(0)
})

test('a repair: Link re-opens for the Item and reports the repair, with nothing exchanged', async () => {
  const gw = gateway()
  const token = await leaveForTheBank('repair', gw.fetch)
  onRedirectPage('?oauth_state_id=repair-state')
  const { handlers } = installPlaid()
  const onSuccess = vi.fn()
  const { result } = resumeHook({ fetch: gw.fetch, onSuccess })
  await waitFor(() => expect(result.current.status).toBe('open'))
  expect(result.current).toMatchObject({ flow: 'repair', itemId: 'item-oauth' })
  expect(handlers[0]!.options.token).toBe(token)
  act(() => handlers[0]!.options.onSuccess('public-sandbox-update', successMetadata))
  expect(result.current.status).toBe('success')
  expect(onSuccess).toHaveBeenCalledWith({ flow: 'repair', itemId: 'item-oauth', metadata: successMetadata })
  expect(gw.requests.filter((r) => r.url === EXCHANGE)).toHaveLength(0)
})

test('oauth_state_id with no stored session is OAUTH_STATE_MISSING, and Link is not opened', async () => {
  onRedirectPage('?oauth_state_id=from-another-tab')
  const { create } = installPlaid()
  const { result } = resumeHook({})
  await waitFor(() => expect(result.current.status).toBe('error'))
  expect(result.current.error).toMatchObject({ errorType: 'LINK_ERROR', errorCode: 'OAUTH_STATE_MISSING' })
  expect(result.current.error?.status).toBeUndefined()
  expect(create).not.toHaveBeenCalled()
})

test('StrictMode on the redirect page: one handler, one open, one exchange', async () => {
  const gw = gateway()
  await leaveForTheBank('account', gw.fetch)
  onRedirectPage('?oauth_state_id=strict')
  const { handlers, create } = installPlaid()
  const { result } = resumeHook({ fetch: gw.fetch }, true)
  await waitFor(() => expect(result.current.status).toBe('open'))
  await act(() => new Promise((resolve) => setTimeout(resolve, 20)))
  expect(create).toHaveBeenCalledTimes(1)
  expect(handlers[0]!.open).toHaveBeenCalledTimes(1)
  act(() => handlers[0]!.options.onSuccess(uniqueToken(), successMetadata))
  await waitFor(() => expect(result.current.status).toBe('success'))
  expect(gw.requests.filter((r) => r.url === EXCHANGE)).toHaveLength(1)
})
