import type { Meta, StoryObj } from '@storybook/react-vite'
import { HttpResponse, delay, http } from 'msw'
import { useState } from 'react'
import { expect, fn, userEvent, waitFor, within } from 'storybook/test'
import { LinkAccountButton, type LinkAccountButtonProps } from '../src'
import {
  installPlaidLinkSandbox,
  sandboxErrors,
  sandboxGateway,
  sandboxGatewayError,
  sandboxSilentGateway,
  type PlaidLinkSandbox,
  type SandboxPlaidError,
} from '../src/testing'
import { DEFAULT_BASE_URL, DEFAULT_PATHS } from '../src/wire'
import { DEMO_ITEMS } from './support/demoItems'
import { requestLog } from './support/requestLog'

/** The button on a small card, with the app's own confirmation once the new Item is stored. */
function ConnectCard(props: LinkAccountButtonProps) {
  const [connected, setConnected] = useState<string>()
  return (
    <section className="card">
      <h2>Add a bank account</h2>
      <p className="lead">
        Connect a checking or savings account to see its balance here. You sign in with your bank, not with us.
      </p>
      <div className="repair-slot">
        <LinkAccountButton
          {...props}
          onSuccess={(success) => {
            props.onSuccess?.(success)
            setConnected(`${success.metadata.institution?.name ?? 'Your bank'} is connected.`)
          }}
        />
      </div>
      {connected ? (
        <p className="status" data-tone="good">
          {connected}
        </p>
      ) : null}
    </section>
  )
}

const meta = {
  title: 'Components/LinkAccountButton',
  component: LinkAccountButton,
  render: (args) => <ConnectCard {...args} />,
  args: { className: 'connect-btn', children: 'Connect a bank', onSuccess: fn(), onExit: fn() },
} satisfies Meta<typeof LinkAccountButton>

export default meta
type Story = StoryObj<typeof meta>

const page = (canvasElement: HTMLElement) => within(canvasElement.ownerDocument.body)
const connectButton = (canvasElement: HTMLElement) =>
  within(canvasElement).getByRole('button', { name: 'Connect a bank' })

/** Clicks the button and waits for the sandbox Link's dialog for a new Item. */
async function openLink(canvasElement: HTMLElement) {
  await userEvent.click(connectButton(canvasElement))
  return page(canvasElement).findByRole('dialog', { name: 'Connect First Platypus Bank' }, { timeout: 3000 })
}

const EXCHANGE_URL = DEFAULT_BASE_URL + DEFAULT_PATHS.exchange
const LINK_TOKEN_URL = DEFAULT_BASE_URL + DEFAULT_PATHS.linkTokenCreate

/** A gateway's answer with a Plaid error, after the sandbox gateway's usual latency. */
async function answerError({ status, body }: SandboxPlaidError) {
  await delay(350)
  return HttpResponse.json({ ...body, request_id: 'sandbox-failed-request' }, { status })
}

export const Idle: Story = {
  play: async ({ canvasElement }) => {
    const button = connectButton(canvasElement)
    await expect(button).toHaveAttribute('data-state', 'idle')
    await expect(button).toHaveAttribute('type', 'button')
    await expect(button).not.toHaveAttribute('aria-busy')
    // The message element waits empty, so that a message is announced when it appears; until
    // then there is nothing to see or hear.
    await expect(within(canvasElement).queryByRole('status')).toBeNull()
  },
}

export const Loading: Story = {
  // No timeout, so that the story holds its state for as long as someone looks at it.
  args: { timeoutMs: Infinity },
  parameters: { msw: { handlers: sandboxSilentGateway() } },
  play: async ({ canvasElement }) => {
    const button = connectButton(canvasElement)
    await userEvent.click(button)
    await expect(button).toHaveAttribute('data-state', 'loading')
    await expect(button).toHaveAttribute('aria-busy', 'true')
    // A second click while the token is on its way changes nothing.
    await userEvent.click(button)
    await expect(button).toHaveAttribute('data-state', 'loading')
    await expect(page(canvasElement).queryByRole('dialog')).toBeNull()
  },
}

export const Open: Story = {
  play: async ({ canvasElement }) => {
    const dialog = await openLink(canvasElement)
    await expect(dialog).toBeVisible()
    await expect(within(dialog).getByRole('button', { name: 'Continue' })).toBeVisible()
    await expect(connectButton(canvasElement)).toHaveAttribute('data-state', 'open')
  },
}

export const Exchanging: Story = {
  // The gateway never answers the exchange, and nothing times out, so the state holds.
  args: { timeoutMs: Infinity },
  parameters: {
    msw: { handlers: [http.post(EXCHANGE_URL, () => delay('infinite')), ...sandboxGateway({ items: DEMO_ITEMS })] },
  },
  play: async ({ canvasElement, args }) => {
    const dialog = await openLink(canvasElement)
    await userEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
    const button = connectButton(canvasElement)
    await expect(button).toHaveAttribute('data-state', 'exchanging')
    await expect(button).toHaveAttribute('aria-busy', 'true')
    // Link is closed: the person waits on the page while the gateway stores the new Item.
    await expect(page(canvasElement).queryByRole('dialog')).toBeNull()
    await expect(args.onSuccess).not.toHaveBeenCalled()
  },
}

export const Success: Story = {
  play: async ({ canvasElement, args }) => {
    const dialog = await openLink(canvasElement)
    await userEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
    await expect(
      await within(canvasElement).findByText('First Platypus Bank is connected.', {}, { timeout: 3000 }),
    ).toBeVisible()
    await expect(connectButton(canvasElement)).toHaveAttribute('data-state', 'success')
    await expect(args.onSuccess).toHaveBeenCalledTimes(1)
    await expect(args.onSuccess).toHaveBeenCalledWith(
      expect.objectContaining({ itemId: expect.stringMatching(/^item-sandbox-/) }),
    )
  },
}

export const LinkClosed: Story = {
  name: 'Link closed by the person',
  play: async ({ canvasElement, args }) => {
    const dialog = await openLink(canvasElement)
    await userEvent.click(within(dialog).getByRole('button', { name: 'Close' }))
    // Closing Link is not a failure: the button is as it was, with nothing to read.
    await expect(page(canvasElement).queryByRole('dialog')).toBeNull()
    await expect(connectButton(canvasElement)).toHaveAttribute('data-state', 'idle')
    await expect(within(canvasElement).queryByRole('status')).toBeNull()
    await expect(args.onExit).toHaveBeenCalledWith(null, expect.objectContaining({ status: null }))
  },
}

// This story drives its own sandbox Link, to end the session with an error that the dialog has no
// button for: the bank is down.
let bankDown: PlaidLinkSandbox | undefined

export const LinkError: Story = {
  name: 'Link error (INSTITUTION_DOWN)',
  parameters: { plaidLink: 'none' },
  beforeEach: () => {
    bankDown = installPlaidLinkSandbox()
    return () => bankDown?.uninstall()
  },
  play: async ({ canvasElement, args }) => {
    await openLink(canvasElement)
    bankDown!.sessions
      .filter((session) => session.opened > 0)
      .at(-1)!
      .fail('INSTITUTION_DOWN')
    const button = connectButton(canvasElement)
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'))
    await expect(within(canvasElement).getByRole('status')).toHaveTextContent(
      'This bank is not responding right now. Please try again later.',
    )
    await expect(button).toHaveAccessibleDescription('This bank is not responding right now. Please try again later.')
    await expect(args.onExit).toHaveBeenCalledWith(
      expect.objectContaining({ error_code: 'INSTITUTION_DOWN' }),
      expect.anything(),
    )
  },
}

const retried = requestLog()

export const ExchangeFailedThenRetried: Story = {
  name: 'Exchange failed, then retried with the same public token',
  parameters: {
    msw: {
      handlers: [
        retried.handler,
        // The first exchange fails as a gateway's 500 would; the retry reaches the sandbox gateway.
        http.post(EXCHANGE_URL, () => answerError(sandboxErrors.internal), { once: true }),
        ...sandboxGateway({ items: DEMO_ITEMS }),
      ],
    },
  },
  beforeEach: () => retried.clear(),
  play: async ({ canvasElement, args }) => {
    const canvas = within(canvasElement)
    const button = connectButton(canvasElement)
    const dialog = await openLink(canvasElement)
    await userEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'), { timeout: 3000 })
    await expect(canvas.getByRole('status')).toHaveTextContent(
      'Something went wrong while connecting your account. Please try again.',
    )
    await expect(args.onSuccess).not.toHaveBeenCalled()

    // The next click sends Link's public token again; Link does not open a second time.
    await userEvent.click(button)
    await expect(button).toHaveAttribute('data-state', 'exchanging')
    await expect(page(canvasElement).queryByRole('dialog')).toBeNull()
    await expect(await canvas.findByText('First Platypus Bank is connected.', {}, { timeout: 3000 })).toBeVisible()
    await expect(button).toHaveAttribute('data-state', 'success')
    await expect(canvas.queryByRole('status')).toBeNull()
    const [first, again] = retried.bodies('exchange') as { public_token: string }[]
    await expect(retried.bodies('exchange')).toHaveLength(2)
    await expect(again).toEqual(first)
    await expect(first!.public_token).toMatch(/^public-sandbox-/)
    await expect(args.onSuccess).toHaveBeenCalledTimes(1)
  },
}

export const GatewayError: Story = {
  name: 'Gateway error for the Link token, then a retry',
  parameters: {
    msw: {
      handlers: [
        http.post(LINK_TOKEN_URL, () => answerError(sandboxErrors.rateLimit), { once: true }),
        ...sandboxGateway({ items: DEMO_ITEMS }),
      ],
    },
  },
  play: async ({ canvasElement }) => {
    const button = connectButton(canvasElement)
    await userEvent.click(button)
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'), { timeout: 3000 })
    // Plaid's own words for the person reach the page, and Link never opened.
    await expect(within(canvasElement).getByRole('status')).toHaveTextContent(
      'Too many attempts. Please wait a moment and try again.',
    )
    await expect(page(canvasElement).queryByRole('dialog')).toBeNull()
    // The next click asks again, and this time Link opens.
    await expect(await openLink(canvasElement)).toBeVisible()
    await expect(button).toHaveAttribute('data-state', 'open')
    await expect(within(canvasElement).queryByRole('status')).toBeNull()
  },
}

/*
 * Every button of the gallery has a gateway of its own, under its own base URL, so that each
 * can hold a different state: one that never answers, one that never finishes the exchange, one
 * that refuses the token.
 */
const galleryUrl = (state: string) => `/api/gallery/${state}`
const GALLERY = ['Idle', 'Loading', 'Open', 'Exchanging', 'Success', 'Error'] as const
const galleryHandlers = GALLERY.flatMap((label) => {
  const baseUrl = galleryUrl(label.toLowerCase())
  if (label === 'Loading') return sandboxSilentGateway({ baseUrl })
  if (label === 'Error') return sandboxGatewayError(sandboxErrors.rateLimit, { baseUrl, latencyMs: 150 })
  const gateway = sandboxGateway({ baseUrl, latencyMs: 150 })
  return label === 'Exchanging'
    ? [http.post(baseUrl + DEFAULT_PATHS.exchange, () => delay('infinite')), ...gateway]
    : gateway
})

// The gallery drives its own headless Link, so that its play function can finish sessions.
let gallery: PlaidLinkSandbox | undefined

export const AllStates: Story = {
  name: 'All states',
  parameters: { plaidLink: 'none', msw: { handlers: galleryHandlers } },
  beforeEach: () => {
    gallery = installPlaidLinkSandbox({ dialog: false })
    return () => gallery?.uninstall()
  },
  render: () => (
    <section className="card wide">
      <h2>Every state, styled only by data-state</h2>
      <p className="lead">
        The button ships no styles. These are styled with <code>[data-state]</code> selectors alone.
      </p>
      <div className="state-grid">
        {GALLERY.map((label) => (
          <div key={label} className="state-cell">
            {/* Nothing times out, so the gallery holds every state. */}
            <LinkAccountButton baseUrl={galleryUrl(label.toLowerCase())} className="state-btn" timeoutMs={Infinity}>
              {label}
            </LinkAccountButton>
          </div>
        ))}
      </div>
    </section>
  ),
  play: async ({ canvasElement }) => {
    const byName = (name: (typeof GALLERY)[number]) => within(canvasElement).getByRole('button', { name })
    const lastOpened = () => gallery!.sessions.filter((session) => session.opened > 0).at(-1)!
    const state = (name: (typeof GALLERY)[number], value: string) =>
      waitFor(() => expect(byName(name)).toHaveAttribute('data-state', value), { timeout: 3000 })

    await userEvent.click(byName('Success'))
    await state('Success', 'open')
    lastOpened().succeed()
    await state('Success', 'success')

    await userEvent.click(byName('Exchanging'))
    await state('Exchanging', 'open')
    lastOpened().succeed()
    await state('Exchanging', 'exchanging')

    await userEvent.click(byName('Open'))
    await userEvent.click(byName('Error'))
    await userEvent.click(byName('Loading'))
    await state('Open', 'open')
    await state('Error', 'error')
    await expect(byName('Idle')).toHaveAttribute('data-state', 'idle')
    await expect(byName('Loading')).toHaveAttribute('data-state', 'loading')
    await expect(byName('Exchanging')).toHaveAttribute('data-state', 'exchanging')
    await expect(byName('Success')).toHaveAttribute('data-state', 'success')
    await expect(
      within(canvasElement).getByText('Too many attempts. Please wait a moment and try again.'),
    ).toBeVisible()
  },
}
