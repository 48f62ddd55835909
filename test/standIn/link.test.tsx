// @vitest-environment jsdom
/*
 * Link against the Plaid stand-in, as the example app runs offline: the package's buttons talk to
 * the real gateway over HTTP, the gateway to the stand-in through the real SDK, and Link (the
 * stand-in's, installed with `standIn`) to the stand-in, as Plaid Link talks to Plaid.
 */
import { configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { CountryCode, Products } from 'plaid'
import { LinkAccountButton, LinkRepairButton, PlaidGatewayProvider, useLinkOAuthResume, usePlaidItems } from '../../src'
import type { PlaidLinkFactory, PlaidLinkSuccessMetadata } from '../../src'
import { createMemoryItemStore, createPlaidGateway, toNodeHandler } from '../../src/server'
import {
  createPlaidStandIn,
  installPlaidLinkSandbox,
  type PlaidLinkSandbox,
  type PlaidStandIn,
} from '../../src/testing'
import { createWrapper } from '../helpers/render'
import { sdkFor, serve } from './helpers'

/*
 * Every step here is a real HTTP round trip (browser to gateway to stand-in, Link to stand-in):
 * each wait is for the element or state that shows the step happened, and only gives up after a
 * long time, so a busy machine makes the file slower, never red.
 */
configure({ asyncUtilTimeout: 15_000 })
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const USER = 'user-offline'
let standIn: PlaidStandIn
let gatewayUrl: string
let closeGateway: () => Promise<void>
let store: ReturnType<typeof createMemoryItemStore>
let link: PlaidLinkSandbox
let handle: ((request: Request) => Promise<Response>) | undefined
const navigated: string[] = []

beforeAll(async () => {
  standIn = await createPlaidStandIn()
  store = createMemoryItemStore()
  // Served first: new Items' webhooks go to the gateway's own URL, known only once it listens.
  const served = await serve(toNodeHandler((request) => handle!(request)))
  gatewayUrl = served.url
  closeGateway = served.close
  const gateway = createPlaidGateway({
    plaid: sdkFor(standIn),
    store,
    getUserId: () => USER,
    linkToken: {
      client_name: 'Offline App',
      language: 'en',
      country_codes: [CountryCode.Us],
      products: [Products.Transactions],
      redirect_uri: `${window.location.origin}/oauth-return`,
      webhook: `${gatewayUrl}/api/plaid/webhook`,
    },
  })
  handle = gateway.handle
})
afterAll(async () => {
  await closeGateway()
  await standIn.close()
})
beforeEach(() => {
  navigated.length = 0
  link = installPlaidLinkSandbox({ standIn: standIn.basePath, navigate: (url) => navigated.push(url) })
})
afterEach(() => {
  link.uninstall()
  sessionStorage.clear()
  window.history.replaceState(null, '', '/')
})

const provider = () => ({ baseUrl: `${gatewayUrl}/api/plaid` })

/** Links a new Item at `bank` through the button and Link's dialog; resolves with what onSuccess got. */
async function linkBank(bank: string) {
  const onSuccess = vi.fn<(result: { itemId: string; metadata: PlaidLinkSuccessMetadata }) => void>()
  render(<LinkAccountButton onSuccess={onSuccess} />, { wrapper: createWrapper({ provider: provider() }) })
  const button = screen.getByRole('button', { name: 'Connect a bank' })
  fireEvent.click(button)
  const picker = await screen.findByRole('dialog', { name: 'Select your bank' })
  fireEvent.click(within(picker).getByRole('button', { name: bank }))
  const confirm = await screen.findByRole('dialog', { name: `Connect ${bank}` })
  fireEvent.click(within(confirm).getByRole('button', { name: 'Continue' }))
  await waitFor(() => expect(button).toHaveAttribute('data-state', 'success'))
  return onSuccess.mock.calls[0]![0]
}

test('a new bank: pick it in Link, and the gateway exchanges the stand-in’s public token once', async () => {
  const { itemId, metadata } = await linkBank('Tartan Bank')
  const tartan = standIn.institutions.find((one) => one.name === 'Tartan Bank')!
  expect(metadata.institution).toEqual({ name: 'Tartan Bank', institution_id: tartan.institution_id })
  expect(metadata.accounts.map(({ name, mask, type, subtype }) => ({ name, mask, type, subtype }))).toEqual(
    tartan.accounts,
  )
  expect(metadata.link_session_id).toMatch(/^link-session-/)
  const item = standIn.item(itemId)!
  // The Item keeps the webhook URL of the link token it was made with.
  expect(item).toMatchObject({
    institutionName: 'Tartan Bank',
    webhook: `${gatewayUrl}/api/plaid/webhook`,
    removed: false,
  })
  // The account ids Link reported are the Item's own.
  expect(metadata.accounts.map((account) => account.id)).toEqual(item.accounts.map((account) => account.accountId))
  const publicToken = standIn.requests.find((request) => request.path === '/item/public_token/exchange')!.body!
    .public_token as string
  expect(standIn.exchangesOf(publicToken)).toBe(1)
  expect((await store.list(USER)).map((stored) => stored.itemId)).toContain(itemId)
})

test('update mode: Link repairs the Item at the stand-in, which reports LOGIN_REPAIRED to the gateway', async () => {
  const { itemId } = await linkBank('First Gingham Credit Union')
  await sdkFor(standIn).sandboxItemResetLogin({ access_token: standIn.accessTokenOf(itemId)! })
  await standIn.webhooksSettled()
  expect((await store.list(USER)).find((one) => one.itemId === itemId)?.status).toBe('login_required')

  const onSuccess = vi.fn()
  render(<LinkRepairButton itemId={itemId} onSuccess={onSuccess} />, {
    wrapper: createWrapper({ provider: provider() }),
  })
  const button = screen.getByRole('button', { name: 'Reconnect account' })
  fireEvent.click(button)
  const dialog = await screen.findByRole('dialog', { name: 'Reconnect First Gingham Credit Union' })
  fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
  await waitFor(() => expect(button).toHaveAttribute('data-state', 'success'))
  expect(onSuccess).toHaveBeenCalledWith(
    expect.objectContaining({ institution: expect.objectContaining({ name: 'First Gingham Credit Union' }) }),
  )
  expect(standIn.item(itemId)!.error).toBeNull()
  await standIn.webhooksSettled()
  expect(standIn.webhooks.at(-1)).toMatchObject({ itemId, status: 200, body: { webhook_code: 'LOGIN_REPAIRED' } })
  expect((await store.list(USER)).find((one) => one.itemId === itemId)?.status).toBe('healthy')
})

test('an OAuth bank: Link leaves for the bank, which returns to redirect_uri, and the return finishes the exchange', async () => {
  const first = render(<LinkAccountButton />, { wrapper: createWrapper({ provider: provider() }) })
  fireEvent.click(screen.getByRole('button', { name: 'Connect a bank' }))
  const picker = await screen.findByRole('dialog', { name: 'Select your bank' })
  fireEvent.click(within(picker).getByRole('button', { name: 'Platypus OAuth Bank' }))
  const confirm = await screen.findByRole('dialog', { name: 'Connect Platypus OAuth Bank' })
  fireEvent.click(within(confirm).getByRole('button', { name: 'Continue to Platypus OAuth Bank' }))
  await waitFor(() => expect(navigated).toHaveLength(1))

  // The bank's page, on the stand-in, and its "Allow", which sends the person back.
  const bankPage = await (await fetch(navigated[0]!)).text()
  expect(bankPage).toContain('Offline App asks to see your accounts at Platypus OAuth Bank')
  const allow = new URL(bankPage.match(/href="([^"]+)"/)![1]!.replace(/&amp;/g, '&'), navigated[0])
  const back = await fetch(allow, { redirect: 'manual' })
  expect(back.status).toBe(302)
  const returnUrl = new URL(back.headers.get('location')!)
  expect(returnUrl.pathname).toBe('/oauth-return')
  expect(returnUrl.searchParams.get('oauth_state_id')).toBeTruthy()

  // The redirect page of the app: a new page load, with only sessionStorage kept.
  first.unmount()
  link.uninstall()
  link = installPlaidLinkSandbox({ standIn: standIn.basePath, navigate: (url) => navigated.push(url) })
  window.history.replaceState(null, '', returnUrl.pathname + returnUrl.search)
  const resumed = vi.fn()
  function Return() {
    const { status } = useLinkOAuthResume({ onSuccess: resumed })
    return <p data-testid="resume">{status}</p>
  }
  render(
    <PlaidGatewayProvider {...provider()}>
      <Return />
    </PlaidGatewayProvider>,
    { wrapper: createWrapper() },
  )
  const finish = await screen.findByRole('dialog', { name: 'Finish connecting Platypus OAuth Bank' })
  fireEvent.click(within(finish).getByRole('button', { name: 'Continue' }))
  await waitFor(() => expect(screen.getByTestId('resume')).toHaveTextContent('success'))
  const { itemId } = resumed.mock.calls[0]![0] as { itemId: string }
  expect(standIn.item(itemId)).toMatchObject({ institutionName: 'Platypus OAuth Bank' })
  expect((await store.list(USER)).map((stored) => stored.itemId)).toContain(itemId)
})

describe('Link’s own errors', () => {
  const plaid = () => (window as unknown as { Plaid: PlaidLinkFactory }).Plaid

  test('a link token the stand-in never made ends the session with INVALID_LINK_TOKEN', async () => {
    const onExit = vi.fn()
    plaid().create({ token: 'link-sandbox-never-made', onSuccess: vi.fn(), onExit }).open()
    await waitFor(() => expect(onExit).toHaveBeenCalledTimes(1))
    expect(onExit.mock.calls[0]![0]).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_LINK_TOKEN' })
  })

  test('a return whose oauth_state_id the bank never issued ends with OAUTH_STATE_ID_NOT_FOUND', async () => {
    const { data } = await sdkFor(standIn).linkTokenCreate({
      client_name: 'Offline App',
      language: 'en',
      country_codes: [CountryCode.Us],
      user: { client_user_id: USER },
      products: [Products.Transactions],
      redirect_uri: `${window.location.origin}/oauth-return`,
    })
    const onExit = vi.fn()
    plaid()
      .create({
        token: data.link_token,
        receivedRedirectUri: `${window.location.origin}/oauth-return?oauth_state_id=forged`,
        onSuccess: vi.fn(),
        onExit,
      })
      .open()
    await waitFor(() => expect(onExit).toHaveBeenCalledTimes(1))
    expect(onExit.mock.calls[0]![0]).toMatchObject({
      error_type: 'OAUTH_ERROR',
      error_code: 'OAUTH_STATE_ID_NOT_FOUND',
    })
  })
})

test('without a dialog, sessions[n].succeed() links the first bank that needs no OAuth', async () => {
  link.uninstall()
  link = installPlaidLinkSandbox({ standIn: standIn.basePath, dialog: false })
  const { data } = await sdkFor(standIn).linkTokenCreate({
    client_name: 'Offline App',
    language: 'en',
    country_codes: [CountryCode.Us],
    user: { client_user_id: USER },
    products: [Products.Transactions],
  })
  const onSuccess = vi.fn()
  const handler = (window as unknown as { Plaid: PlaidLinkFactory }).Plaid.create({ token: data.link_token, onSuccess })
  handler.open()
  expect(screen.queryByRole('dialog')).toBeNull()
  link.sessions[0]!.succeed()
  await waitFor(() => expect(onSuccess).toHaveBeenCalledTimes(1))
  const [publicToken, metadata] = onSuccess.mock.calls[0] as [string, PlaidLinkSuccessMetadata]
  expect(metadata.institution?.name).toBe(standIn.institutions[0]!.name)
  const exchanged = await sdkFor(standIn).itemPublicTokenExchange({ public_token: publicToken })
  expect(standIn.item(exchanged.data.item_id)?.institutionId).toBe(standIn.institutions[0]!.institution_id)
})

test('usePlaidItems lists what the gateway stored from the stand-in', async () => {
  const { itemId } = await linkBank('Houndstooth Bank')
  function Items() {
    const { items } = usePlaidItems()
    return (
      <ul>
        {items?.map((item) => (
          <li key={item.itemId}>{item.institutionName}</li>
        ))}
      </ul>
    )
  }
  render(<Items />, { wrapper: createWrapper({ provider: provider() }) })
  await screen.findAllByText('Houndstooth Bank')
  expect((await store.list(USER)).find((one) => one.itemId === itemId)?.institutionName).toBe('Houndstooth Bank')
})
