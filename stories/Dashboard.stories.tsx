import type { Meta, StoryObj } from '@storybook/react-vite'
import { HttpResponse, delay, http } from 'msw'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { sandboxErrors, sandboxGatewayError, type SandboxItem, type SandboxItems } from '../src/testing'
import { DEFAULT_BASE_URL, DEFAULT_PATHS } from '../src/wire'
import { Dashboard } from './support/Dashboard'
import { WebhookPanel } from './support/WebhookPanel'
import { AMERICAN_EXPRESS, CAPITAL_ONE, CHASE, CITI, FIRST_PLATYPUS, USAA, WELLS_FARGO } from './support/demoItems'
import { expectErrorShown } from './support/expectError'
import { freshItems, freshItemsLoader } from './support/freshItems'
import { requestLog } from './support/requestLog'

const sent = requestLog()
const hasItemId = (body: unknown) => typeof body === 'object' && body !== null && 'item_id' in body
// The token requests for a new Item, those without an item_id, and the update-mode ones.
const newItemTokens = () => sent.bodies('linkTokenCreate').filter((body) => !hasItemId(body))
const updateModeTokens = () => sent.bodies('linkTokenCreate').filter(hasItemId)

const HEALTHY: SandboxItem[] = [
  { itemId: 'item-chase', institution: CHASE },
  { itemId: 'item-wells-fargo', institution: WELLS_FARGO },
]

const meta = {
  title: 'Demo/Dashboard',
  component: Dashboard,
  // Each story shown gets a gateway of its own, over its own Items: nothing one story repairs,
  // removes or links is seen by the next.
  loaders: [freshItemsLoader([sent.handler])],
  beforeEach: () => sent.clear(),
  parameters: freshItems(HEALTHY),
} satisfies Meta<typeof Dashboard>

export default meta
type Story = StoryObj<typeof meta>

const body = (canvasElement: HTMLElement) => within(canvasElement.ownerDocument.body)

/** The row of one bank, once the list has arrived. */
async function bankRow(canvasElement: HTMLElement, name: string) {
  return within(await within(canvasElement).findByRole('listitem', { name }, { timeout: 3000 }))
}

/** The sandbox Link's dialog, which names the bank it connects, and its Continue button pressed. */
async function continueInLink(canvasElement: HTMLElement, bank: string) {
  const dialog = await body(canvasElement).findByRole('dialog', { name: `Connect ${bank}` }, { timeout: 3000 })
  await userEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
}

const badgeOf = (row: ReturnType<typeof within>) =>
  row.getByText((_content: string, element: Element | null) => element?.className === 'badge')

/** The sandbox Items of the story being played, as its loader made them. */
const storyItems = (loaded: Record<string, unknown>) => loaded.items as SandboxItems

/** A date as the Dashboard writes it. */
const onDay = (iso: string | null | undefined) =>
  new Date(iso!).toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' })

/** The sandbox Link's accounts, as an Item linked through it keeps them. */
const SANDBOX_ACCOUNTS = [
  { name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' },
  { name: 'Plaid Saving', mask: '1111', type: 'depository', subtype: 'savings' },
]

export const Healthy: Story = {
  play: async ({ canvasElement }) => {
    // Linking is what the page is for: the new-Item token was fetched as it loaded, before any
    // intent, as Plaid recommends (prefetch="mount").
    await waitFor(() => expect(newItemTokens()).toEqual([{}]), { timeout: 3000 })
    for (const name of ['Chase', 'Wells Fargo']) {
      const row = await bankRow(canvasElement, name)
      await expect(badgeOf(row)).toHaveTextContent('Connected')
      await expect(row.getByText('Balances and transactions are up to date.')).toBeVisible()
      // Nothing to repair: the one thing to do with a healthy bank is to remove it.
      await expect(row.getAllByRole('button').map((button) => button.getAttribute('aria-label'))).toEqual([
        `Remove ${name}`,
      ])
    }
    // The list comes from the gateway's store, which costs no Plaid call: nothing asks for /item/get.
    await expect(sent.bodies('itemList')[0]).toEqual({})
    await expect(sent.bodies('itemGet')).toEqual([])
  },
}

const IN_7_DAYS_MS = 7 * 24 * 60 * 60 * 1000

export const EveryStatus: Story = {
  name: 'Every status',
  // Made each time the story is shown: the expiring consent ends a week from then.
  parameters: freshItems(() => [
    { itemId: 'item-chase', institution: CHASE },
    {
      itemId: 'item-wells-fargo',
      institution: WELLS_FARGO,
      status: 'login_required',
      errorCode: 'ITEM_LOGIN_REQUIRED',
    },
    {
      itemId: 'item-amex',
      institution: AMERICAN_EXPRESS,
      status: 'pending_expiration',
      consentExpirationTime: new Date(Date.now() + IN_7_DAYS_MS).toISOString(),
    },
    {
      itemId: 'item-capital-one',
      institution: CAPITAL_ONE,
      status: 'pending_disconnect',
      disconnectTime: new Date(Date.now() + IN_7_DAYS_MS).toISOString(),
      reason: 'INSTITUTION_TOKEN_EXPIRATION',
    },
    { itemId: 'item-citi', institution: CITI, status: 'new_accounts_available' },
    { itemId: 'item-platypus', institution: FIRST_PLATYPUS, status: 'revoked', errorCode: 'USER_PERMISSION_REVOKED' },
    { itemId: 'item-usaa', institution: USAA, status: 'error', errorCode: 'INSTITUTION_NOT_RESPONDING' },
  ]),
  play: async ({ canvasElement, loaded }) => {
    const expected = [
      { bank: 'Chase', badge: 'Connected', action: undefined },
      { bank: 'Wells Fargo', badge: 'Sign-in needed', action: 'Sign in again' },
      { bank: 'American Express', badge: 'Access expiring', action: 'Renew access' },
      { bank: 'Capital One', badge: 'Disconnecting soon', action: 'Reconnect' },
      { bank: 'Citi', badge: 'New accounts', action: 'Share new accounts' },
      // Update mode first for a revoked Item, as Plaid advises.
      { bank: 'First Platypus Bank', badge: 'Access revoked', action: 'Reconnect' },
      // A bank that is down waits on the bank: nothing for the person to repair.
      { bank: 'USAA', badge: 'Not updating', action: undefined },
    ]
    for (const { bank, badge, action } of expected) {
      const row = await bankRow(canvasElement, bank)
      await expect(badgeOf(row)).toHaveTextContent(badge)
      const names = row.getAllByRole('button').map((button) => button.getAttribute('aria-label') ?? button.textContent)
      await expect(names).toEqual(action ? [action, `Remove ${bank}`] : [`Remove ${bank}`])
    }
    // Each expiring Item says when, and a disconnecting one why.
    const item = (itemId: string) =>
      storyItems(loaded)
        .list()
        .find((each) => each.itemId === itemId)!
    await expect(
      (await bankRow(canvasElement, 'American Express')).getByText(
        `Your consent ends in 7 days (on ${onDay(item('item-amex').consentExpirationTime)}). Renew it to keep updates coming.`,
      ),
    ).toBeVisible()
    await expect(
      (await bankRow(canvasElement, 'Capital One')).getByText(
        `Your bank ends this connection in 7 days (on ${onDay(item('item-capital-one').disconnectTime)}) because the access your bank granted runs out. Reconnect to keep it.`,
      ),
    ).toBeVisible()
    await expect(
      (await bankRow(canvasElement, 'USAA')).getByText(
        'Your bank reported a problem (INSTITUTION_NOT_RESPONDING). We keep trying on our side.',
      ),
    ).toBeVisible()
  },
}

const ITEM_GET_URL = DEFAULT_BASE_URL + DEFAULT_PATHS.itemGet

export const LoginRequiredRepaired: Story = {
  name: 'Login required → repair → healthy (confirmed by the gateway)',
  parameters: freshItems(
    [
      { itemId: 'item-chase', institution: CHASE },
      {
        itemId: 'item-wells-fargo',
        institution: WELLS_FARGO,
        status: 'login_required',
        errorCode: 'ITEM_LOGIN_REQUIRED',
      },
    ],
    // The gateway takes its time to ask Plaid, so that the wait for its answer can be seen.
    () => [
      http.post(ITEM_GET_URL, async () => {
        await delay(600)
      }),
    ],
  ),
  play: async ({ canvasElement, step }) => {
    const wellsFargo = await bankRow(canvasElement, 'Wells Fargo')

    await step('Wells Fargo asks to sign in again', async () => {
      await expect(badgeOf(wellsFargo)).toHaveTextContent('Sign-in needed')
      await userEvent.click(wellsFargo.getByRole('button', { name: 'Sign in again' }))
      await continueInLink(canvasElement, 'Wells Fargo')
    })

    await step('the page waits for the gateway instead of assuming the repair worked', async () => {
      await expect(await wellsFargo.findByText('Checking with Wells Fargo…')).toBeVisible()
      await expect(wellsFargo.queryByRole('button', { name: 'Sign in again' })).toBeNull()
    })

    await step('the gateway confirms it with Plaid: connected', async () => {
      await waitFor(() => expect(badgeOf(wellsFargo)).toHaveTextContent('Connected'), { timeout: 3000 })
      await expect(wellsFargo.getByText('Reconnected: your bank confirmed it.')).toBeVisible()
      await expect(badgeOf(await bankRow(canvasElement, 'Chase'))).toHaveTextContent('Connected')
      // An update-mode token without account selection, the Item confirmed once, and, as a repair
      // stores nothing new, no public token sent to the gateway.
      await expect(updateModeTokens()).toEqual([{ item_id: 'item-wells-fargo' }])
      await expect(sent.bodies('itemGet')).toEqual([{ item_id: 'item-wells-fargo' }])
      await expect(sent.bodies('exchange')).toEqual([])
    })
  },
}

export const RepairNotConfirmed: Story = {
  name: 'Repair the bank does not confirm',
  parameters: freshItems(
    [
      {
        itemId: 'item-wells-fargo',
        institution: WELLS_FARGO,
        status: 'login_required',
        errorCode: 'ITEM_LOGIN_REQUIRED',
      },
    ],
    // Plaid still reports the login error when the gateway asks: the person gave up in Link, or
    // the bank refused the new password.
    () => [
      http.post(ITEM_GET_URL, async () => {
        await delay(350)
        return HttpResponse.json({
          item: {
            item_id: 'item-wells-fargo',
            status: 'login_required',
            institution_id: WELLS_FARGO.institution_id,
            institution_name: WELLS_FARGO.name,
            error_code: 'ITEM_LOGIN_REQUIRED',
            consent_expiration_time: null,
            updated_at: new Date().toISOString(),
          },
        })
      }),
    ],
  ),
  play: async ({ canvasElement }) => {
    const wellsFargo = await bankRow(canvasElement, 'Wells Fargo')
    await userEvent.click(wellsFargo.getByRole('button', { name: 'Sign in again' }))
    await continueInLink(canvasElement, 'Wells Fargo')
    await expect(await wellsFargo.findByText('Checking with Wells Fargo…')).toBeVisible()
    // Link said it was done, but the page shows what the gateway found: still broken.
    await expect(
      await wellsFargo.findByText('Your bank still reports a problem. Please try again.', {}, { timeout: 3000 }),
    ).toBeVisible()
    await expect(badgeOf(wellsFargo)).toHaveTextContent('Sign-in needed')
    await expect(wellsFargo.getByRole('button', { name: 'Sign in again' })).toBeVisible()
  },
}

export const NewAccountsAvailable: Story = {
  name: 'New accounts available repaired with account selection',
  parameters: freshItems([{ itemId: 'item-chase', institution: CHASE, status: 'new_accounts_available' }]),
  play: async ({ canvasElement }) => {
    const chase = await bankRow(canvasElement, 'Chase')
    await expect(badgeOf(chase)).toHaveTextContent('New accounts')
    await expect(chase.getByText('Your bank has accounts you have not shared with us yet.')).toBeVisible()
    await userEvent.click(chase.getByRole('button', { name: 'Share new accounts' }))
    await continueInLink(canvasElement, 'Chase')
    await waitFor(() => expect(badgeOf(chase)).toHaveTextContent('Connected'), { timeout: 3000 })
    await expect(chase.getByText('Reconnected: your bank confirmed it.')).toBeVisible()
    // Link opened in update mode with account selection, so that the person could pick the new accounts.
    await expect(updateModeTokens()).toEqual([{ item_id: 'item-chase', account_selection_enabled: true }])
    await expect(sent.bodies('exchange')).toEqual([])
  },
}

export const RevokedRepaired: Story = {
  name: 'Revoked: update mode brings it back',
  parameters: freshItems([
    { itemId: 'item-chase', institution: CHASE },
    { itemId: 'item-platypus', institution: FIRST_PLATYPUS, status: 'revoked', errorCode: 'USER_PERMISSION_REVOKED' },
  ]),
  play: async ({ canvasElement }) => {
    const platypus = await bankRow(canvasElement, 'First Platypus Bank')
    await expect(badgeOf(platypus)).toHaveTextContent('Access revoked')
    // Plaid says a revoked Item may be restored through update mode: that comes first, not a new link.
    await userEvent.click(platypus.getByRole('button', { name: 'Reconnect' }))
    await continueInLink(canvasElement, 'First Platypus Bank')
    await waitFor(() => expect(badgeOf(platypus)).toHaveTextContent('Connected'), { timeout: 3000 })
    await expect(platypus.getByText('Reconnected: your bank confirmed it.')).toBeVisible()
    await expect(updateModeTokens()).toEqual([{ item_id: 'item-platypus' }])
    await expect(sent.bodies('exchange')).toEqual([])
    await expect(sent.bodies('itemRemove')).toEqual([])
  },
}

export const RevokedLinkAgain: Story = {
  name: 'Revoked and refused: link it again',
  parameters: freshItems([
    { itemId: 'item-chase', institution: CHASE },
    {
      itemId: 'item-platypus',
      institution: FIRST_PLATYPUS,
      status: 'revoked',
      errorCode: 'USER_PERMISSION_REVOKED',
      accounts: SANDBOX_ACCOUNTS,
      // The person revoked access at the bank's own site: Plaid refuses update mode for the Item.
      refusesUpdateMode: true,
    },
  ]),
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    const platypus = await bankRow(canvasElement, 'First Platypus Bank')

    await step('update mode first; Plaid refuses it, and the error says to link the bank again', async () => {
      await userEvent.click(platypus.getByRole('button', { name: 'Reconnect' }))
      await expect(
        await platypus.findByText(
          'Access to this bank was withdrawn, so it cannot be reconnected. Please link your bank again.',
          {},
          { timeout: 3000 },
        ),
      ).toBeVisible()
      await expect(body(canvasElement).queryByRole('dialog')).toBeNull()
    })

    await step('link again: the dead Item goes first, so the new link is no duplicate of it', async () => {
      await userEvent.click(platypus.getByRole('button', { name: 'Link again' }))
      await continueInLink(canvasElement, 'First Platypus Bank')
      await expect(
        await canvas.findByText('First Platypus Bank is connected again.', {}, { timeout: 3000 }),
      ).toBeVisible()
      await waitFor(
        () => {
          const rows = canvas.getAllByRole('listitem')
          expect(rows).toHaveLength(2)
          expect(canvas.queryByText('Access revoked')).toBeNull()
          expect(badgeOf(within(rows[1]!))).toHaveTextContent('Connected')
        },
        { timeout: 4000 },
      )
      await expect(sent.bodies('itemRemove')).toEqual([{ item_id: 'item-platypus' }])
      await expect(sent.bodies('exchange')).toHaveLength(1)
      // The page's own new-Item token, fetched as it loaded, served the new link.
      await expect(newItemTokens()).toEqual([{}])
    })
  },
}

export const AlreadyLinked: Story = {
  name: 'Linking a bank you already linked',
  parameters: freshItems([
    { itemId: 'item-chase', institution: CHASE },
    { itemId: 'item-platypus', institution: FIRST_PLATYPUS, accounts: SANDBOX_ACCOUNTS },
  ]),
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    await bankRow(canvasElement, 'First Platypus Bank')
    const connect = canvas.getByRole('button', { name: 'Connect a bank' })

    await step('the gateway refuses the duplicate, and the message names the bank', async () => {
      await userEvent.click(connect)
      await continueInLink(canvasElement, 'First Platypus Bank')
      await waitFor(() => expect(connect).toHaveAttribute('data-state', 'error'), { timeout: 3000 })
      await expect(connect).toHaveAccessibleDescription(
        'You have already connected First Platypus Bank. Update that connection instead of adding it again.',
      )
      await expect(canvas.getAllByRole('listitem')).toHaveLength(2)
      await expect(sent.bodies('exchange')).toHaveLength(1)
    })

    await step("the app's onError offers the repair of the Item already linked", async () => {
      const note = within(canvas.getByRole('note', { name: 'Already connected' }))
      await expect(note.getByText('First Platypus Bank is already connected.')).toBeVisible()
      await userEvent.click(note.getByRole('button', { name: 'Update First Platypus Bank instead' }))
      await continueInLink(canvasElement, 'First Platypus Bank')
      await expect(await canvas.findByText('First Platypus Bank is up to date.', {}, { timeout: 3000 })).toBeVisible()
      await expect(canvas.queryByRole('note', { name: 'Already connected' })).toBeNull()
      // The gateway confirmed the Item with Plaid, as after any repair.
      await waitFor(() => expect(sent.bodies('itemGet')).toEqual([{ item_id: 'item-platypus' }]), { timeout: 3000 })
      // Update mode for that Item, with account selection, so that new accounts can be shared.
      await expect(updateModeTokens()).toEqual([{ item_id: 'item-platypus', account_selection_enabled: true }])
    })

    await step(
      'the next click opens Link anew with a fresh token; the refused public token is not sent again',
      async () => {
        const [refused] = sent.bodies('exchange') as { public_token: string }[]
        await userEvent.click(connect)
        const dialog = await body(canvasElement).findByRole(
          'dialog',
          { name: 'Connect First Platypus Bank' },
          { timeout: 3000 },
        )
        await userEvent.click(within(dialog).getByRole('button', { name: 'Close' }))
        await expect(newItemTokens()).toEqual([{}, {}])
        await expect(sent.bodies('exchange')).toEqual([refused])
      },
    )
  },
}

export const ErrorThatUpdateModeFixes: Story = {
  name: 'An error that update mode fixes',
  parameters: freshItems([
    { itemId: 'item-citi', institution: CITI, status: 'error', errorCode: 'ACCESS_NOT_GRANTED' },
    { itemId: 'item-usaa', institution: USAA, status: 'error', errorCode: 'INSTITUTION_DOWN' },
  ]),
  play: async ({ canvasElement }) => {
    const citi = await bankRow(canvasElement, 'Citi')
    const usaa = await bankRow(canvasElement, 'USAA')
    // Plaid fixes ACCESS_NOT_GRANTED through update mode; a bank that is down only needs time.
    await expect(citi.getByText('Your bank needs you to reconnect (ACCESS_NOT_GRANTED).')).toBeVisible()
    await expect(usaa.queryByRole('button', { name: 'Fix connection' })).toBeNull()
    await userEvent.click(citi.getByRole('button', { name: 'Fix connection' }))
    await continueInLink(canvasElement, 'Citi')
    await waitFor(() => expect(badgeOf(citi)).toHaveTextContent('Connected'), { timeout: 3000 })
  },
}

export const RemoveABank: Story = {
  name: 'Remove a bank',
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const chase = await bankRow(canvasElement, 'Chase')
    await userEvent.click(chase.getByRole('button', { name: 'Remove Chase' }))
    // The row goes at once, well before the gateway's answer (350 ms), and the page says so after it.
    await waitFor(() => expect(canvas.queryByRole('listitem', { name: 'Chase' })).toBeNull(), { timeout: 300 })
    await expect(await canvas.findByText('Chase was removed.', {}, { timeout: 3000 })).toBeVisible()
    await expect(canvas.getAllByRole('listitem')).toHaveLength(1)
    await expect(badgeOf(await bankRow(canvasElement, 'Wells Fargo'))).toHaveTextContent('Connected')
    await expect(sent.bodies('itemRemove')).toEqual([{ item_id: 'item-chase' }])
  },
}

export const RemoveRefused: Story = {
  name: 'Remove refused: the bank comes back',
  parameters: freshItems(HEALTHY, () => sandboxGatewayError(sandboxErrors.internal, { route: 'itemRemove' })),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const chase = await bankRow(canvasElement, 'Chase')
    await userEvent.click(chase.getByRole('button', { name: 'Remove Chase' }))
    await waitFor(() => expect(canvas.queryByRole('listitem', { name: 'Chase' })).toBeNull(), { timeout: 300 })
    await expectErrorShown(canvasElement, { code: 'INTERNAL_SERVER_ERROR', sentence: 'We could not remove Chase.' })
    await expect(badgeOf(await bankRow(canvasElement, 'Chase'))).toHaveTextContent('Connected')
    await expect(canvas.getAllByRole('listitem')).toHaveLength(2)
    await expect(canvas.queryByText('Chase was removed.')).toBeNull()
  },
}

export const LinkANewBank: Story = {
  name: 'Link a new bank appears in the list',
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    await bankRow(canvasElement, 'Wells Fargo')

    await step('connect a new bank with LinkAccountButton', async () => {
      const connect = canvas.getByRole('button', { name: 'Connect a bank' })
      await userEvent.click(connect)
      await continueInLink(canvasElement, 'First Platypus Bank')
      await expect(connect).toHaveAttribute('data-state', 'exchanging')
      await expect(await canvas.findByText('First Platypus Bank is connected.', {}, { timeout: 3000 })).toBeVisible()
      await expect(connect).toHaveAttribute('data-state', 'success')
      // The page adds nothing itself: the list, asked for again, has the gateway's new Item.
      await waitFor(() => expect(canvas.getAllByRole('listitem')).toHaveLength(3), { timeout: 3000 })
      const rows = canvas.getAllByRole('listitem')
      await expect(rows[2]).toHaveTextContent('First Platypus Bank')
      await expect(badgeOf(within(rows[2]!))).toHaveTextContent('Connected')
      // One new-Item token, asked for with an empty body, and Link's public token exchanged once.
      await expect(newItemTokens()).toEqual([{}])
      await expect(sent.bodies('exchange')).toHaveLength(1)
    })

    await step(
      'connect the same bank again: a fresh token and Link anew, and the gateway refuses the duplicate',
      async () => {
        const connect = canvas.getByRole('button', { name: 'Connect a bank' })
        await userEvent.click(connect)
        await continueInLink(canvasElement, 'First Platypus Bank')
        await waitFor(() => expect(connect).toHaveAttribute('data-state', 'error'), { timeout: 3000 })
        await expect(canvas.getByRole('note', { name: 'Already connected' })).toBeVisible()
        await expect(canvas.getAllByRole('listitem')).toHaveLength(3)
        const exchanged = sent.bodies('exchange') as { public_token: string; institution: unknown; accounts: unknown }[]
        await expect(exchanged).toHaveLength(2)
        await expect(exchanged[1]!.public_token).not.toBe(exchanged[0]!.public_token)
        // Link's institution and accounts went with each public token: what the duplicate check compares.
        await expect(exchanged[1]!.institution).toEqual(FIRST_PLATYPUS)
        await expect(exchanged[1]!.accounts).toHaveLength(2)
        await expect(newItemTokens()).toEqual([{}, {}])
      },
    )
  },
}

// Whether the gateway answers, for the story that shows it down and then back.
let gatewayUp = false

export const GatewayDown: Story = {
  name: 'Gateway down',
  parameters: freshItems(HEALTHY, () => [
    // A proxy's error page in front of every route while the gateway is down.
    http.post(`${DEFAULT_BASE_URL}/*`, async () => {
      if (gatewayUp) return undefined
      await delay(350)
      return new HttpResponse('<!doctype html><title>502</title><h1>502 Bad Gateway</h1>', {
        status: 502,
        headers: { 'Content-Type': 'text/html' },
      })
    }),
  ]),
  beforeEach: () => {
    gatewayUp = false
  },
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    await step('the list fails: the page says so', async () => {
      await expectErrorShown(canvasElement, { code: 'HTTP_ERROR', sentence: 'We could not load your banks.' })
      await expect(canvas.queryAllByRole('listitem')).toEqual([])
    })
    await step('the gateway is back: trying again shows the banks', async () => {
      gatewayUp = true
      await userEvent.click(canvas.getByRole('button', { name: 'Try again' }))
      await bankRow(canvasElement, 'Chase')
      await expect(canvas.getAllByRole('listitem')).toHaveLength(2)
      await waitFor(() => expect(canvas.queryByRole('alert')).toBeNull())
    })
  },
}

export const SimulateWebhook: Story = {
  name: 'Simulate a webhook',
  render: (_args, { loaded }) => (
    <div className="dashboard">
      <Dashboard />
      <WebhookPanel items={loaded.items as SandboxItems} />
    </div>
  ),
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    const panel = within(canvas.getByRole('complementary', { name: 'Simulate a webhook' }))
    const chase = await bankRow(canvasElement, 'Chase')
    const wellsFargo = await bankRow(canvasElement, 'Wells Fargo')
    const send = async (bank: string, webhook: string) => {
      await userEvent.selectOptions(panel.getByLabelText('Bank'), bank)
      await userEvent.selectOptions(panel.getByLabelText('Webhook'), webhook)
      await userEvent.click(panel.getByRole('button', { name: 'Send webhook' }))
    }

    await step('Plaid says Chase needs a new login: the page offers the repair', async () => {
      await expect(badgeOf(chase)).toHaveTextContent('Connected')
      await send('Chase', 'ERROR · ITEM_LOGIN_REQUIRED')
      await waitFor(() => expect(badgeOf(chase)).toHaveTextContent('Sign-in needed'), { timeout: 3000 })
      await expect(chase.getByRole('button', { name: 'Sign in again' })).toBeVisible()
    })

    await step('Plaid says Wells Fargo has new accounts: the page offers to share them', async () => {
      await send('Wells Fargo', 'NEW_ACCOUNTS_AVAILABLE')
      await waitFor(() => expect(badgeOf(wellsFargo)).toHaveTextContent('New accounts'), { timeout: 3000 })
      await expect(wellsFargo.getByRole('button', { name: 'Share new accounts' })).toBeVisible()
    })

    await step('the person repairs Chase, and the gateway confirms it', async () => {
      await userEvent.click(chase.getByRole('button', { name: 'Sign in again' }))
      await continueInLink(canvasElement, 'Chase')
      await waitFor(() => expect(badgeOf(chase)).toHaveTextContent('Connected'), { timeout: 3000 })
      await expect(badgeOf(wellsFargo)).toHaveTextContent('New accounts')
    })

    await step('Plaid says Wells Fargo will be disconnected: the page says when and why', async () => {
      await send('Wells Fargo', 'PENDING_DISCONNECT')
      await waitFor(() => expect(badgeOf(wellsFargo)).toHaveTextContent('Disconnecting soon'), { timeout: 3000 })
      await expect(
        wellsFargo.getByText(
          /^Your bank ends this connection in 7 days \(on .+\) because your bank is moving to a new kind of connection\./,
        ),
      ).toBeVisible()
      await expect(wellsFargo.getByRole('button', { name: 'Reconnect' })).toBeVisible()
    })
  },
}
