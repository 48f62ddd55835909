import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { LinkRepairButton, useLinkRepair } from '../src'
import { http } from 'msw'
import {
  installPlaidLinkSandbox,
  sandboxErrors,
  sandboxGatewayError,
  sandboxSilentGateway,
  type PlaidLinkSandbox,
} from '../src/testing'
import { DEFAULT_BASE_URL, DEFAULT_PATHS } from '../src/wire'
import { finishingLinkToken, GalleryTile, installGalleryLink, StateGallery } from './support/gallery'
import { gatewayByItem } from './support/gatewayByItem'

const meta = {
  title: 'Components/LinkRepairButton',
  component: LinkRepairButton,
  args: { itemId: 'item-wells-fargo', className: 'repair-btn', children: 'Reconnect Wells Fargo' },
  decorators: [
    // Stories that lay out their own page set `parameters.bare`.
    (Story, { parameters }) =>
      parameters.bare ? (
        <Story />
      ) : (
        <section className="card">
          <h2>Wells Fargo needs attention</h2>
          <p className="lead">
            Your bank asked you to sign in again. Until then, balances and transactions are paused.
          </p>
          <div className="repair-slot">
            <Story />
          </div>
        </section>
      ),
  ],
} satisfies Meta<typeof LinkRepairButton>

export default meta
type Story = StoryObj<typeof meta>

const page = (canvasElement: HTMLElement) => within(canvasElement.ownerDocument.body)

export const Idle: Story = {
  play: async ({ canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Reconnect Wells Fargo' })
    await expect(button).toHaveAttribute('data-state', 'idle')
    await expect(button).toHaveAttribute('type', 'button')
  },
}

export const Loading: Story = {
  // No timeout, so that the story holds its state for as long as someone looks at it.
  args: { timeoutMs: Infinity },
  parameters: { msw: { handlers: sandboxSilentGateway() } },
  play: async ({ canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Reconnect Wells Fargo' })
    await userEvent.click(button)
    await expect(button).toHaveAttribute('data-state', 'loading')
    await expect(button).toHaveAttribute('aria-busy', 'true')
  },
}

export const Open: Story = {
  play: async ({ canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Reconnect Wells Fargo' })
    await userEvent.click(button)
    // Update mode for this Item: Link shows the Item's own bank.
    const dialog = await page(canvasElement).findByRole('dialog', { name: 'Connect Wells Fargo' }, { timeout: 3000 })
    await expect(dialog).toBeVisible()
    await expect(button).toHaveAttribute('data-state', 'open')
  },
}

export const Success: Story = {
  play: async ({ canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Reconnect Wells Fargo' })
    await userEvent.click(button)
    const dialog = await page(canvasElement).findByRole('dialog', {}, { timeout: 3000 })
    await userEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
    await expect(button).toHaveAttribute('data-state', 'success')
  },
}

export const GatewayError: Story = {
  parameters: { msw: { handlers: sandboxGatewayError(sandboxErrors.itemNotFound) } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const button = canvas.getByRole('button', { name: 'Reconnect Wells Fargo' })
    await userEvent.click(button)
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'), { timeout: 3000 })
    await expect(canvas.getByRole('status')).toHaveTextContent('Something went wrong while reconnecting your account.')
  },
}

export const LinkError: Story = {
  name: 'Link error (ITEM_LOGIN_REQUIRED)',
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const button = canvas.getByRole('button', { name: 'Reconnect Wells Fargo' })
    await userEvent.click(button)
    const dialog = await page(canvasElement).findByRole('dialog', {}, { timeout: 3000 })
    await userEvent.click(within(dialog).getByRole('button', { name: 'ITEM_LOGIN_REQUIRED' }))
    await expect(button).toHaveAttribute('data-state', 'error')
    await expect(canvas.getByRole('status')).toHaveTextContent('Please sign in again.')
  },
}

export const InvalidLinkTokenThenRetry: Story = {
  name: 'INVALID_LINK_TOKEN, then a fresh token',
  play: async ({ canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Reconnect Wells Fargo' })
    await userEvent.click(button)
    let dialog = await page(canvasElement).findByRole('dialog', {}, { timeout: 3000 })
    await userEvent.click(within(dialog).getByRole('button', { name: 'INVALID_LINK_TOKEN' }))
    await expect(button).toHaveAttribute('data-state', 'error')
    await userEvent.click(button)
    dialog = await page(canvasElement).findByRole('dialog', {}, { timeout: 3000 })
    await userEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
    await expect(button).toHaveAttribute('data-state', 'success')
  },
}

export const ScriptBlocked: Story = {
  name: 'Link script blocked',
  args: { scriptTimeoutMs: 4000 },
  parameters: { plaidLink: 'none' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const button = canvas.getByRole('button', { name: 'Reconnect Wells Fargo' })
    await userEvent.click(button)
    // Offline, or blocked: the script from Plaid never runs, and the person is told.
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'), { timeout: 6000 })
    await expect(canvas.getByRole('status')).toHaveTextContent('We could not load the secure bank connection window.')
  },
}

// This story drives its own sandbox Link, to see the moment the prefetch has made Link's handler.
let prefetched: PlaidLinkSandbox | undefined

export const PrefetchOnHover: Story = {
  name: 'Prefetch on hover, instant open',
  parameters: { plaidLink: 'none' },
  beforeEach: () => {
    prefetched = installPlaidLinkSandbox()
    return () => prefetched?.uninstall()
  },
  play: async ({ canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Reconnect Wells Fargo' })
    await userEvent.hover(button)
    await expect(button).toHaveAttribute('data-state', 'idle')
    // The prefetch has the token and Link's handler ready; then the click opens Link without a
    // loading step.
    await waitFor(() => expect(prefetched!.sessions).toHaveLength(1), { timeout: 3000 })
    await expect(button).toHaveAttribute('data-state', 'idle')
    button.click()
    // Checked before anything is awaited: Link's dialog opened inside the click's own task.
    const openedInSameTask = canvasElement.ownerDocument.querySelector('[role="dialog"]') !== null
    await expect(openedInSameTask).toBe(true)
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'open'))
  },
}

/** Another element with the button's flow, built on the headless hook. */
function RepairLink({ itemId }: { itemId: string }) {
  const { open, prefetch, status, error } = useLinkRepair(itemId)
  return (
    <p>
      <a
        href="#reconnect"
        className="text-link"
        data-state={status}
        aria-busy={status === 'loading' || undefined}
        onPointerEnter={prefetch}
        onFocus={prefetch}
        onClick={(event) => {
          event.preventDefault()
          open()
        }}
      >
        Sign in to Wells Fargo again →
      </a>{' '}
      {error && <span role="status">Could not reconnect ({error.errorCode}).</span>}
    </p>
  )
}

export const CustomElement: Story = {
  name: 'Another element (useLinkRepair)',
  render: (args) => <RepairLink itemId={args.itemId} />,
  play: async ({ canvasElement }) => {
    const link = within(canvasElement).getByRole('link', { name: 'Sign in to Wells Fargo again →' })
    await expect(link).toHaveAttribute('data-state', 'idle')
    await userEvent.click(link)
    await expect(await page(canvasElement).findByRole('dialog', {}, { timeout: 3000 })).toBeVisible()
    await expect(link).toHaveAttribute('data-state', 'open')
  },
}

const ITEMS = [
  { id: 'item-chase', name: 'Chase', label: 'Reconnect Chase' },
  { id: 'item-amex', name: 'American Express', label: 'Reconnect Amex' },
  { id: 'item-capital-one', name: 'Capital One', label: 'Reconnect Capital One' },
]

export const SeveralItems: Story = {
  name: 'Several Items on one page',
  parameters: { plaidLink: 'headless', bare: true },
  render: () => (
    <section className="card">
      <h2>Three connections need you</h2>
      <ul className="item-list">
        {ITEMS.map((item) => (
          <li key={item.id} className="item-row">
            <span className="bank-logo" aria-hidden="true">
              {item.name.charAt(0)}
            </span>
            <span className="item-name">{item.name}</span>
            <LinkRepairButton itemId={item.id} className="repair-btn">
              {item.label}
            </LinkRepairButton>
          </li>
        ))}
      </ul>
    </section>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const amex = canvas.getByRole('button', { name: 'Reconnect Amex' })
    await userEvent.click(amex)
    await waitFor(() => expect(amex).toHaveAttribute('data-state', 'open'), { timeout: 3000 })
    await expect(canvas.getByRole('button', { name: 'Reconnect Chase' })).toHaveAttribute('data-state', 'idle')
    await expect(canvas.getByRole('button', { name: 'Reconnect Capital One' })).toHaveAttribute('data-state', 'idle')
  },
}

const STATES = [
  { id: 'item-state-idle', label: 'Idle', state: 'idle' },
  { id: 'item-state-loading', label: 'Loading', state: 'loading' },
  { id: 'item-state-open', label: 'Open', state: 'open' },
  { id: 'item-state-success', label: 'Success', state: 'success' },
  { id: 'item-state-error', label: 'Error', state: 'error' },
]

/*
 * A gateway that answers at once, per Item: the Loading tile's token never comes, the Error tile's
 * is refused, and the Success tile's is one the gallery's Link finishes as soon as it opens.
 */
const galleryHandlers = [
  http.post(DEFAULT_BASE_URL + DEFAULT_PATHS.linkTokenCreate, async ({ request }) => {
    const { item_id } = (await request.clone().json()) as { item_id?: string }
    return item_id === 'item-state-success' ? finishingLinkToken() : undefined
  }),
  ...gatewayByItem({ 'item-state-loading': 'hang', 'item-state-error': sandboxErrors.itemLoginRequired }, 0),
]

// The gallery's own headless Link, which finishes the Success tile's session.
let gallery: PlaidLinkSandbox | undefined

export const AllStates: Story = {
  name: 'All states',
  parameters: { plaidLink: 'none', bare: true, msw: { handlers: galleryHandlers } },
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
        {STATES.map(({ id, label, state }) => (
          <GalleryTile key={id} state={state}>
            {/* The hanging gateway never times out, so the gallery holds every state. */}
            <LinkRepairButton itemId={id} className="state-btn" timeoutMs={Infinity}>
              {label}
            </LinkRepairButton>
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
    for (const { label, state } of STATES) {
      await expect(canvas.getByRole('button', { name: label })).toHaveAttribute('data-state', state)
    }
    await expect(canvas.getByRole('button', { name: 'Loading' })).toHaveAttribute('aria-busy', 'true')
    await expect(canvas.getByText('Please sign in to your bank again.', { exact: false })).toBeVisible()
  },
}
