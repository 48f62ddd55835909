// @vitest-environment jsdom
/*
 * The browser hooks, rendered as an app renders them, through the real gateway over HTTP on
 * 127.0.0.1 and the real `plaid` SDK to the Plaid stand-in, in one process.
 */
import { act, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { SWRConfig } from 'swr'
import {
  LinkAccountButton,
  LinkRepairButton,
  useExchangePublicToken,
  usePlaidItems,
  useUpdateModeToken,
} from '../../src'
import { createPlaidStandIn, createPlaidWebhookSigner, type PlaidStandIn } from '../../src/testing'
import { installPlaid, removePlaid, successMetadata } from '../helpers/plaidLink'
import { createPlaidGateway, toNodeHandler } from '../../src/server'
import {
  CLIENT_ID,
  EXCHANGE,
  LINK_TOKEN_CREATE,
  LINK_TOKEN_FIELDS,
  PLAID_REQUEST_ID,
  PUBLIC_TOKEN_CREATE,
  SECRET,
  closeServer,
  listen,
  plaidApi,
  recordingStore,
  scanForSecrets,
  sessionUser,
  transcript,
  userHeaders,
  STAND_IN_INSTITUTION,
} from './harness'

let standIn: PlaidStandIn
let store: ReturnType<typeof recordingStore>
let baseUrl: string
let closeGateway: () => Promise<void>
scanForSecrets(() => standIn.issuedAccessTokens)
/* What the gateway does after an answer (confirming the institution), awaited as a platform would. */
const afterAnswers: Promise<unknown>[] = []
const settled = () => Promise.all(afterAnswers.splice(0))

beforeAll(async () => {
  standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
  store = recordingStore()
  const gateway = createPlaidGateway({
    // Under jsdom, axios would pick the XMLHttpRequest adapter; Node's HTTP is what a server uses.
    plaid: plaidApi(standIn, { adapter: 'http' }),
    store,
    getUserId: sessionUser,
    linkToken: LINK_TOKEN_FIELDS,
    basePath: '/api/plaid',
    waitUntil: (work) => afterAnswers.push(work),
  })
  // Every answer the browser gets is recorded for the secret scan.
  const { url, server } = await listen(
    toNodeHandler(async (request) => {
      const response = await gateway.handle(request)
      transcript.push(await response.clone().text())
      return response
    }),
  )
  baseUrl = url + '/api/plaid'
  closeGateway = () => closeServer(server)
})

afterAll(async () => {
  await closeGateway?.()
  await standIn?.close()
})

afterEach(() => {
  expect(standIn.violations).toEqual([])
})

const wrapper = ({ children }: { children: ReactNode }) => (
  <SWRConfig value={{ provider: () => new Map() }}>{children}</SWRConfig>
)

/** Hook results as the app sees them, recorded for the secret scan. */
function record<T>(value: T): T {
  transcript.push(JSON.stringify(value))
  return value
}

async function linkThroughHooks(user: string) {
  const { publicToken, itemId } = standIn.createPublicToken()
  const { result } = renderHook(() => useExchangePublicToken({ baseUrl, headers: userHeaders(user) }), { wrapper })
  let returned: Awaited<ReturnType<typeof result.current.exchange>>
  await act(async () => {
    returned = await result.current.exchange(publicToken)
  })
  return { itemId, returned: returned!, result }
}

it('exchanges a public token: the hook gets the item id and the gateway keeps the access token', async () => {
  const { itemId, returned, result } = await linkThroughHooks('user-a')
  expect(record(returned)).toEqual({ itemId, requestId: expect.stringMatching(PLAID_REQUEST_ID) })
  await waitFor(() => expect(result.current.data?.itemId).toBe(itemId))
  expect(result.current.error).toBeUndefined()
  expect(store.saved).toContainEqual(
    expect.objectContaining({ userId: 'user-a', itemId, accessToken: standIn.accessTokenOf(itemId) }),
  )
  expect(standIn.calls(EXCHANGE)).toBe(1)
  await settled()
  expect(await store.list('user-a')).toMatchObject([{ itemId, ...STAND_IN_INSTITUTION }])
})

it('gets an update-mode link token for the user’s Item, with account selection when asked', async () => {
  const { itemId } = await linkThroughHooks('user-a')
  const { result } = renderHook(
    () => useUpdateModeToken(itemId, { baseUrl, headers: userHeaders('user-a'), accountSelectionEnabled: true }),
    { wrapper },
  )
  await waitFor(() => expect(result.current.token).toMatch(/^link-sandbox-/))
  record({ token: result.current.token, error: result.current.error })
  expect(result.current.expiration).toBeInstanceOf(Date)
  expect(result.current.expiration!.getTime()).toBeGreaterThan(Date.now())
  const sent = standIn.requests.filter((request) => request.path === LINK_TOKEN_CREATE).at(-1)!
  expect(sent.body).toMatchObject({
    user: { client_user_id: 'user-a' },
    access_token: standIn.accessTokenOf(itemId),
    update: { account_selection_enabled: true },
  })
})

it('gets a legacy public token for the user’s Item', async () => {
  const { itemId } = await linkThroughHooks('user-a')
  const { result } = renderHook(
    () => useUpdateModeToken(itemId, { baseUrl, headers: userHeaders('user-a'), tokenType: 'public_token' }),
    { wrapper },
  )
  await waitFor(() => expect(result.current.token).toMatch(/^public-sandbox-/))
  record({ token: result.current.token })
  expect(standIn.calls(PUBLIC_TOKEN_CREATE)).toBeGreaterThan(0)
})

it('reports ITEM_NOT_FOUND to another user who asks for the Item, without calling Plaid', async () => {
  const { itemId } = await linkThroughHooks('user-a')
  const before = standIn.calls(LINK_TOKEN_CREATE)
  const { result } = renderHook(() => useUpdateModeToken(itemId, { baseUrl, headers: userHeaders('user-b') }), {
    wrapper,
  })
  await waitFor(() => expect(result.current.error).toBeDefined())
  const error = result.current.error!
  record({ message: error.message, code: error.errorCode })
  expect(error).toMatchObject({ status: 404, errorType: 'ITEM_ERROR', errorCode: 'ITEM_NOT_FOUND' })
  expect(result.current.token).toBeUndefined()
  expect(standIn.calls(LINK_TOKEN_CREATE)).toBe(before)
})

it('reports Plaid’s error, field by field, when Plaid refuses the public token', async () => {
  const before = standIn.calls(EXCHANGE)
  const { result } = renderHook(() => useExchangePublicToken({ baseUrl, headers: userHeaders('user-a') }), { wrapper })
  let returned: unknown = 'not called'
  await act(async () => {
    returned = await result.current.exchange('public-sandbox-never-issued')
  })
  expect(returned).toBeUndefined()
  await waitFor(() => expect(result.current.error).toBeDefined())
  const error = result.current.error!
  record({ message: error.message, code: error.errorCode, requestId: error.requestId })
  expect(error).toMatchObject({
    status: 400,
    errorType: 'INVALID_INPUT',
    errorCode: 'INVALID_PUBLIC_TOKEN',
    errorMessage:
      'the public token is unknown, expired, or was already exchanged; public tokens are single-use and live 30 minutes',
    displayMessage: null,
    requestId: expect.stringMatching(PLAID_REQUEST_ID),
  })
  expect(standIn.calls(EXCHANGE)).toBe(before + 1)
})

it('links a new account with LinkAccountButton: a new-Item token with products, Link, one exchange, the Item stored', async () => {
  const { handlers } = installPlaid()
  try {
    const onSuccess = vi.fn()
    render(<LinkAccountButton baseUrl={baseUrl} headers={userHeaders('user-new')} onSuccess={onSuccess} />, { wrapper })
    fireEvent.click(screen.getByRole('button', { name: 'Connect a bank' }))
    await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
    const tokenRequest = standIn.requests.filter((r) => r.path === LINK_TOKEN_CREATE).at(-1)!
    expect(tokenRequest.body).toEqual({ ...LINK_TOKEN_FIELDS, user: { client_user_id: 'user-new' } })
    expect(handlers[0]!.options.token).toMatch(/^link-sandbox-/)
    // Link hands over the public token of the Item the person connected.
    const { publicToken, itemId } = standIn.createPublicToken()
    const exchangesBefore = standIn.calls(EXCHANGE)
    act(() => handlers[0]!.options.onSuccess(publicToken, successMetadata))
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'success'))
    expect(standIn.calls(EXCHANGE)).toBe(exchangesBefore + 1)
    expect(record(onSuccess.mock.calls[0]![0])).toEqual({
      itemId,
      requestId: expect.stringMatching(PLAID_REQUEST_ID),
      metadata: successMetadata,
    })
    expect(store.saved).toContainEqual(
      expect.objectContaining({ userId: 'user-new', itemId, accessToken: standIn.accessTokenOf(itemId) }),
    )
    await settled()
    expect(await store.list('user-new')).toMatchObject([{ itemId, ...STAND_IN_INSTITUTION }])
  } finally {
    removePlaid()
  }
})

test('closes the loop: a verified webhook marks the Item, usePlaidItems offers the repair, /item/get confirms it', async () => {
  const signer = await createPlaidWebhookSigner()
  standIn.addWebhookKey(signer.verificationKeyResponse().key)
  const { itemId } = await linkThroughHooks('user-loop')

  // Plaid reports the broken login to the gateway's webhook route (no session: the signature).
  const body = JSON.stringify({
    webhook_type: 'ITEM',
    webhook_code: 'ERROR',
    item_id: itemId,
    error: {
      error_type: 'ITEM_ERROR',
      error_code: 'ITEM_LOGIN_REQUIRED',
      error_message: 'login required',
      display_message: null,
    },
    environment: 'sandbox',
  })
  const delivered = await fetch(baseUrl + '/webhook', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'plaid-verification': await signer.sign(body) },
    body,
  })
  expect(delivered.status).toBe(200)
  standIn.setItemError(itemId, { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' })

  const { handlers } = installPlaid()
  function Items() {
    const { items } = usePlaidItems({ baseUrl, headers: userHeaders('user-loop') })
    if (items) record(items)
    return (
      <ul>
        {items?.map((item) => (
          <li key={item.itemId} data-testid="item" data-status={item.status}>
            {item.institutionName}
            {item.needsRepair && (
              <LinkRepairButton itemId={item.itemId} baseUrl={baseUrl} headers={userHeaders('user-loop')}>
                Repair
              </LinkRepairButton>
            )}
          </li>
        ))}
      </ul>
    )
  }
  try {
    render(<Items />, { wrapper })
    const row = await screen.findByTestId('item')
    expect(row).toHaveAttribute('data-status', 'login_required')
    expect(row).toHaveTextContent(STAND_IN_INSTITUTION.institutionName)
    fireEvent.click(screen.getByRole('button', { name: 'Repair' }))
    await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
    // The person signs in again at the bank: Plaid's /item/get no longer reports an error.
    standIn.setItemError(itemId, null)
    const confirmations = standIn.calls('/item/get')
    act(() => handlers[0]!.options.onSuccess('public-sandbox-update', successMetadata))
    await waitFor(() => expect(screen.getByTestId('item')).toHaveAttribute('data-status', 'healthy'))
    expect(standIn.calls('/item/get')).toBe(confirmations + 1)
    expect((await store.list('user-loop'))[0]).toMatchObject({ itemId, status: 'healthy' })
  } finally {
    removePlaid()
  }
})
