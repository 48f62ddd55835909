import type { Meta, StoryObj } from '@storybook/react-vite'
import { HttpResponse, http } from 'msw'
import { useState } from 'react'
import { expect, userEvent, within } from 'storybook/test'
import { PlaidGatewayProvider, useUpdateModeToken, type UpdateModeTokenType } from '../src'
import { demoGateway } from './support/demoGateway'
import { ErrorStatus } from './support/ErrorStatus'
import { expectErrorShown } from './support/expectError'
import { sandboxErrors, sandboxGatewayError, sandboxHtmlError, sandboxSilentGateway } from '../src/testing'

interface DemoProps {
  itemId: string
  tokenType?: UpdateModeTokenType
  timeoutMs?: number
}

function UpdateModeDemo(props: DemoProps) {
  return (
    <PlaidGatewayProvider baseUrl="/api/plaid" timeoutMs={props.timeoutMs}>
      <TokenCard {...props} />
    </PlaidGatewayProvider>
  )
}

function TokenCard({ itemId, tokenType = 'link_token' }: DemoProps) {
  // The request waits until the person asks, as an app would before opening Link.
  const [enabled, setEnabled] = useState(false)
  const { token, expiration, error, isLoading, refresh } = useUpdateModeToken(itemId, { tokenType, enabled })
  return (
    <section className="card" aria-labelledby="token-title">
      <h2 id="token-title">Reconnect Chase checking</h2>
      <p className="lead">
        The bank asked this user to sign in again. Your gateway creates an update-mode{' '}
        {tokenType === 'link_token' ? 'Link token' : 'public token'} for Item <code>{itemId}</code>.
      </p>
      <div className="row">
        <button
          type="button"
          className="btn"
          aria-busy={isLoading}
          onClick={() => (enabled ? void refresh() : setEnabled(true))}
        >
          {isLoading ? 'Getting a token…' : enabled ? 'Get a fresh token' : 'Get an update-mode token'}
        </button>
      </div>
      {isLoading ? (
        <p className="status" role="status">
          Asking the gateway…
        </p>
      ) : error ? (
        <ErrorStatus error={error} />
      ) : token ? (
        <div className="status" data-tone="good" role="status">
          Ready to open Link.
          <dl className="facts">
            <dt>token</dt>
            <dd>
              <code>{token}</code>
            </dd>
            <dt>expires</dt>
            <dd>{expiration ? expiration.toLocaleString() : 'not said by the gateway'}</dd>
          </dl>
        </div>
      ) : (
        <p className="status" role="status">
          No token requested yet.
        </p>
      )}
    </section>
  )
}

const meta = {
  title: 'Hooks/useUpdateModeToken',
  component: UpdateModeDemo,
  args: { itemId: 'item-chase-checking' },
  parameters: { msw: { handlers: demoGateway() } },
} satisfies Meta<typeof UpdateModeDemo>

export default meta
type Story = StoryObj<typeof meta>

const ask = async (canvasElement: HTMLElement) => {
  const canvas = within(canvasElement)
  await userEvent.click(canvas.getByRole('button', { name: 'Get an update-mode token' }))
  return canvas
}

export const Idle: Story = {
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('No token requested yet.')).toBeVisible()
  },
}

export const Loading: Story = {
  // No timeout, so that the story holds its state for as long as someone looks at it.
  args: { timeoutMs: Infinity },
  parameters: { msw: { handlers: sandboxSilentGateway() } },
  play: async ({ canvasElement }) => {
    const canvas = await ask(canvasElement)
    await expect(await canvas.findByText('Asking the gateway…')).toBeVisible()
  },
}

export const LinkToken: Story = {
  play: async ({ canvasElement }) => {
    const canvas = await ask(canvasElement)
    await expect(await canvas.findByText(/^link-sandbox-/, {}, { timeout: 3000 })).toBeVisible()
    await userEvent.click(canvas.getByRole('button', { name: 'Get a fresh token' }))
    await expect(await canvas.findByText(/^link-sandbox-/, {}, { timeout: 3000 })).toBeVisible()
  },
}

export const LegacyPublicToken: Story = {
  args: { tokenType: 'public_token' },
  play: async ({ canvasElement }) => {
    const canvas = await ask(canvasElement)
    await expect(await canvas.findByText(/^public-sandbox-/, {}, { timeout: 3000 })).toBeVisible()
  },
}

export const ItemNotFound: Story = {
  parameters: { msw: { handlers: sandboxGatewayError(sandboxErrors.itemNotFound) } },
  play: async ({ canvasElement }) => {
    await ask(canvasElement)
    await expectErrorShown(canvasElement, { code: 'ITEM_NOT_FOUND' })
  },
}

export const RateLimited: Story = {
  parameters: { msw: { handlers: sandboxGatewayError(sandboxErrors.rateLimit) } },
  play: async ({ canvasElement }) => {
    await ask(canvasElement)
    await expectErrorShown(canvasElement, {
      code: 'RATE_LIMIT',
      sentence: 'Too many attempts. Please wait a moment and try again.',
    })
  },
}

export const GatewayDown: Story = {
  parameters: { msw: { handlers: sandboxHtmlError() } },
  play: async ({ canvasElement }) => {
    await ask(canvasElement)
    await expectErrorShown(canvasElement, { code: 'HTTP_ERROR' })
  },
}

export const Timeout: Story = {
  args: { timeoutMs: 1500 },
  parameters: { msw: { handlers: sandboxSilentGateway() } },
  play: async ({ canvasElement }) => {
    await ask(canvasElement)
    await expectErrorShown(canvasElement, { code: 'TIMEOUT' })
  },
}

export const InvalidResponse: Story = {
  name: 'Invalid response (no expiration)',
  parameters: {
    msw: { handlers: [http.post('/api/plaid/link/token/create', () => HttpResponse.json({ link_token: 'link-x' }))] },
  },
  play: async ({ canvasElement }) => {
    await ask(canvasElement)
    await expectErrorShown(canvasElement, { code: 'INVALID_RESPONSE' })
  },
}
