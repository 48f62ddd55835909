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
import { demoGateway } from './support/demoGateway'
import { finishingLinkToken, GalleryTile, installGalleryLink, StateGallery } from './support/gallery'
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
  args: { className: 'connect-btn', children: 'Connect a bank', onSuccess: fn(), onExit: fn(), onError: fn() },
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
    msw: { handlers: [http.post(EXCHANGE_URL, () => delay('infinite')), ...demoGateway()] },
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
    // The app hears of the failure once, as the one error type.
    await expect(args.onError).toHaveBeenCalledTimes(1)
    await expect(args.onError).toHaveBeenCalledWith(expect.objectContaining({ errorCode: 'INSTITUTION_DOWN' }))
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
        ...demoGateway(),
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
    await expect(args.onError).toHaveBeenCalledTimes(1)

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
    // One failure, one onError: the retry that worked reported nothing.
    await expect(args.onError).toHaveBeenCalledTimes(1)
  },
}

// This story drives its own sandbox Link, to see the handler that the prefetch on mount made.
let ready: PlaidLinkSandbox | undefined

export const PrefetchOnMount: Story = {
  name: 'Prefetch on mount, instant open',
  args: { prefetch: 'mount' },
  parameters: { plaidLink: 'none' },
  beforeEach: () => {
    ready = installPlaidLinkSandbox()
    return () => ready?.uninstall()
  },
  play: async ({ canvasElement }) => {
    const button = connectButton(canvasElement)
    // A view whose purpose is linking: the token and Link are ready without any intent, as Plaid
    // recommends (touch screens have no hover).
    await waitFor(() => expect(ready!.sessions).toHaveLength(1), { timeout: 3000 })
    await expect(button).toHaveAttribute('data-state', 'idle')
    button.click()
    // Checked before anything is awaited: Link's dialog opened inside the click's own task.
    const openedInSameTask = canvasElement.ownerDocument.querySelector('[role="dialog"]') !== null
    await expect(openedInSameTask).toBe(true)
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'open'))
  },
}

export const GatewayError: Story = {
  name: 'Gateway error for the Link token, then a retry',
  parameters: {
    msw: {
      handlers: [
        http.post(LINK_TOKEN_URL, () => answerError(sandboxErrors.rateLimit), { once: true }),
        ...demoGateway(),
      ],
    },
  },
  play: async ({ canvasElement, args }) => {
    const button = connectButton(canvasElement)
    await userEvent.click(button)
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'), { timeout: 3000 })
    // Plaid's own words for the person reach the page, and Link never opened.
    await expect(within(canvasElement).getByRole('status')).toHaveTextContent(
      'Too many attempts. Please wait a moment and try again.',
    )
    await expect(args.onError).toHaveBeenCalledWith(expect.objectContaining({ errorCode: 'RATE_LIMIT', status: 429 }))
    await expect(page(canvasElement).queryByRole('dialog')).toBeNull()
    // The next click asks again, and this time Link opens.
    await expect(await openLink(canvasElement)).toBeVisible()
    await expect(button).toHaveAttribute('data-state', 'open')
    await expect(within(canvasElement).queryByRole('status')).toBeNull()
  },
}

/*
 * Every button of the gallery has a gateway of its own, under its own base URL, that answers at
 * once, so that each can hold a different state: one that never answers, one that never finishes
 * the exchange, one that refuses the token. The Success and Exchanging tiles get Link tokens that
 * the gallery's Link finishes as soon as it opens.
 */
const galleryUrl = (state: string) => `/api/gallery/${state}`
const GALLERY = ['Idle', 'Loading', 'Open', 'Exchanging', 'Success', 'Error'] as const
const galleryHandlers = GALLERY.flatMap((label) => {
  const baseUrl = galleryUrl(label.toLowerCase())
  if (label === 'Loading') return sandboxSilentGateway({ baseUrl })
  if (label === 'Error') return sandboxGatewayError(sandboxErrors.rateLimit, { baseUrl, latencyMs: 0 })
  // The gallery links the sandbox bank each time it is shown.
  const gateway = sandboxGateway({ baseUrl, latencyMs: 0, duplicates: 'allow' })
  const finishing = http.post(baseUrl + DEFAULT_PATHS.linkTokenCreate, finishingLinkToken)
  if (label === 'Exchanging')
    return [finishing, http.post(baseUrl + DEFAULT_PATHS.exchange, () => delay('infinite')), ...gateway]
  return label === 'Success' ? [finishing, ...gateway] : gateway
})

// The gallery's own headless Link, which finishes the Success and Exchanging tiles' sessions.
let gallery: PlaidLinkSandbox | undefined

export const AllStates: Story = {
  name: 'All states',
  parameters: { plaidLink: 'none', msw: { handlers: galleryHandlers } },
  beforeEach: () => {
    gallery = installGalleryLink()
    return () => gallery?.uninstall()
  },
  render: () => (
    <section className="card wide">
      <h2>Every state, styled only by data-state</h2>
      <p className="lead">
        The button ships no styles. These are styled with <code>[data-state]</code> selectors alone.
      </p>
      <StateGallery>
        {GALLERY.map((label) => (
          <GalleryTile key={label} state={label.toLowerCase()}>
            {/* Nothing times out, so the gallery holds every state. */}
            <LinkAccountButton baseUrl={galleryUrl(label.toLowerCase())} className="state-btn" timeoutMs={Infinity}>
              {label}
            </LinkAccountButton>
          </GalleryTile>
        ))}
      </StateGallery>
    </section>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    // The grid shows once every tile is in its state: no tile is driven by the play itself.
    await waitFor(() => expect(canvasElement.querySelector('.state-grid')).toHaveAttribute('data-ready'), {
      timeout: 3000,
    })
    for (const label of GALLERY) {
      await expect(canvas.getByRole('button', { name: label })).toHaveAttribute('data-state', label.toLowerCase())
    }
    await expect(canvas.getByText('Too many attempts. Please wait a moment and try again.')).toBeVisible()
  },
}
