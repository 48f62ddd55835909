import type { Meta, StoryObj } from '@storybook/react-vite'
import { useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { LinkAccountButton, useLinkOAuthResume, type PlaidLinkSuccessMetadata } from '../src'
import { demoGateway } from './support/demoGateway'
import { ErrorStatus } from './support/ErrorStatus'
import { expectErrorShown } from './support/expectError'
import { holdNavigations } from './support/holdNavigation'
import { requestLog } from './support/requestLog'

/** Where a Link flow keeps its session while Link is open, for the page the bank sends the person back to. */
const OAUTH_SESSION_KEY = '@utdk/plaid-react/oauth-session'

const SESSION_GONE =
  'We could not finish connecting your bank here: it was started in another tab or window. Start again with Connect a bank.'

/*
 * An app's page for adding a bank, which is also the redirect_uri of its gateway's Link tokens:
 * an OAuth bank takes the person to its own site and sends them back here, where
 * useLinkOAuthResume finishes what the button started.
 */
function ConnectPage() {
  const [connected, setConnected] = useState<string>()
  const show = (metadata: PlaidLinkSuccessMetadata) =>
    setConnected(`${metadata.institution?.name ?? 'Your bank'} is connected.`)
  const { status, error } = useLinkOAuthResume({ onSuccess: ({ metadata }) => show(metadata) })
  const resuming = status === 'loading' || status === 'open' || status === 'exchanging'
  return (
    <section className="card">
      <h2>Add a bank account</h2>
      <p className="lead">
        Some banks ask you to sign in on their own site. They send you back to this page to finish, and nothing you did
        is lost on the way.
      </p>
      <div className="repair-slot">
        {/* One Link session at a time: the button waits while the return is being finished. */}
        <LinkAccountButton className="connect-btn" disabled={resuming} onSuccess={({ metadata }) => show(metadata)}>
          Connect a bank
        </LinkAccountButton>
      </div>
      {status === 'loading' || status === 'open' ? (
        <p className="status" role="status">
          Welcome back from your bank. Finish connecting in the window that opened.
        </p>
      ) : status === 'exchanging' ? (
        <p className="status" role="status">
          Saving your new connection…
        </p>
      ) : error ? (
        <ErrorStatus error={error} sentence={error.errorCode === 'OAUTH_STATE_MISSING' ? SESSION_GONE : undefined} />
      ) : null}
      {connected ? (
        <p className="status" data-tone="good">
          {connected}
        </p>
      ) : null}
    </section>
  )
}

const sent = requestLog()

const meta = {
  title: 'Demo/OAuth bank',
  component: ConnectPage,
  parameters: {
    // The sandbox Link's bank is an OAuth bank, and sends the person back to this story's page.
    plaidLink: 'oauth',
    msw: { handlers: [sent.handler, ...demoGateway()] },
  },
  beforeEach: () => sent.clear(),
} satisfies Meta<typeof ConnectPage>

export default meta
type Story = StoryObj<typeof meta>

const page = (canvasElement: HTMLElement) => within(canvasElement.ownerDocument.body)

/** Puts `oauth_state_id` in the page's address, as the bank's redirect does, or takes it out. */
function setOAuthStateId(id: string | undefined) {
  const url = new URL(window.location.href)
  if (id === undefined) url.searchParams.delete('oauth_state_id')
  else url.searchParams.set('oauth_state_id', id)
  window.history.replaceState(window.history.state, '', url)
}

export const LeaveForTheBank: Story = {
  name: 'Leave for the bank',
  // The session kept for the return outlives Link's dialog; it goes with the story.
  beforeEach: () => () => sessionStorage.removeItem(OAUTH_SESSION_KEY),
  play: async ({ canvasElement }) => {
    const view = canvasElement.ownerDocument.defaultView!
    const canvas = within(canvasElement)
    if (new URLSearchParams(view.location.search).has('oauth_state_id')) {
      // Someone pressed "Continue at …" in this story: the bank sent them back to this page, where
      // Link opens again to finish. The rest is theirs to click (see "Back from the bank").
      await expect(
        await page(canvasElement).findByRole(
          'dialog',
          { name: 'Finish connecting First Platypus Bank' },
          { timeout: 3000 },
        ),
      ).toBeVisible()
      return
    }
    const button = canvas.getByRole('button', { name: 'Connect a bank' })
    await userEvent.click(button)
    const dialog = await page(canvasElement).findByRole(
      'dialog',
      { name: 'Connect First Platypus Bank' },
      { timeout: 3000 },
    )
    // An OAuth bank: Link's next step is on the bank's own site.
    const leave = within(dialog).getByRole('button', { name: 'Continue at First Platypus Bank' })

    const navigations = holdNavigations(view)
    try {
      await userEvent.click(leave)
      await waitFor(() => expect(navigations.held).toHaveLength(1))
    } finally {
      navigations.release()
    }
    // The bank sends the person back to this same address, with the state of the OAuth session.
    const back = navigations.held[0]!
    await expect(back.origin + back.pathname).toBe(view.location.origin + view.location.pathname)
    for (const [name, value] of new URLSearchParams(view.location.search)) {
      await expect(back.searchParams.get(name)).toBe(value)
    }
    await expect(back.searchParams.get('oauth_state_id')).toMatch(/^[0-9a-f-]{36}$/)
    // What the return needs is kept for it: the flow and the token, and nothing exchanged yet.
    await expect(JSON.parse(sessionStorage.getItem(OAUTH_SESSION_KEY) ?? 'null')).toEqual({
      flow: 'account',
      token: expect.stringMatching(/^link-sandbox-/),
    })
    await expect(sent.bodies('exchange')).toEqual([])
    await expect(button).toHaveAttribute('data-state', 'open')
  },
}

export const BackFromTheBank: Story = {
  name: 'Back from the bank',
  beforeEach: () => {
    // What the page that opened Link left behind, and the address the bank sent the person to.
    sessionStorage.setItem(
      OAUTH_SESSION_KEY,
      JSON.stringify({ flow: 'account', token: 'link-sandbox-before-the-bank' }),
    )
    setOAuthStateId('5c0e6a34-oauth-state')
    return () => {
      sessionStorage.removeItem(OAUTH_SESSION_KEY)
      setOAuthStateId(undefined)
    }
  },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const dialog = await page(canvasElement).findByRole(
      'dialog',
      { name: 'Finish connecting First Platypus Bank' },
      { timeout: 3000 },
    )
    await expect(
      canvas.getByText('Welcome back from your bank. Finish connecting in the window that opened.'),
    ).toBeVisible()
    await expect(canvas.getByRole('button', { name: 'Connect a bank' })).toBeDisabled()

    await userEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
    await expect(await canvas.findByText('Saving your new connection…')).toBeVisible()
    await expect(await canvas.findByText('First Platypus Bank is connected.', {}, { timeout: 3000 })).toBeVisible()
    await expect(canvas.getByRole('button', { name: 'Connect a bank' })).toBeEnabled()
    // Link's public token went to the gateway once; the token from before the bank served the
    // return, so no new one was asked for.
    // Link's institution and accounts went with it, for the gateway's duplicate check.
    await expect(sent.bodies('exchange')).toEqual([
      {
        public_token: expect.stringMatching(/^public-sandbox-/),
        institution: { institution_id: 'ins_109508', name: 'First Platypus Bank' },
        accounts: [
          { id: 'acc-checking-0000', name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' },
          { id: 'acc-savings-1111', name: 'Plaid Saving', mask: '1111', type: 'depository', subtype: 'savings' },
        ],
      },
    ])
    await expect(sent.bodies('linkTokenCreate')).toEqual([])
  },
}

export const BackInAnotherTab: Story = {
  name: 'Back from the bank in another tab',
  beforeEach: () => {
    // The bank's redirect opened in a tab whose sessionStorage has no Link session.
    sessionStorage.removeItem(OAUTH_SESSION_KEY)
    setOAuthStateId('7d41b2e9-oauth-state')
    return () => setOAuthStateId(undefined)
  },
  play: async ({ canvasElement }) => {
    await expectErrorShown(canvasElement, { code: 'OAUTH_STATE_MISSING', sentence: SESSION_GONE })
    await expect(page(canvasElement).queryByRole('dialog')).toBeNull()
    // The way out is on the page: start again.
    await expect(within(canvasElement).getByRole('button', { name: 'Connect a bank' })).toBeEnabled()
    await expect(sent.bodies('exchange')).toEqual([])
  },
}
