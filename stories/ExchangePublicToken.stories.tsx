import type { Meta, StoryObj } from '@storybook/react-vite'
import { HttpResponse, http } from 'msw'
import { useState } from 'react'
import { expect, userEvent, within } from 'storybook/test'
import { PlaidGatewayProvider, useExchangePublicToken } from '../src'
import { demoGateway } from './support/demoGateway'
import { ErrorStatus } from './support/ErrorStatus'
import { expectErrorShown } from './support/expectError'
import {
  sandboxErrors,
  sandboxGatewayError,
  sandboxHtmlError,
  sandboxLeakyGateway,
  sandboxSilentGateway,
} from '../src/testing'

function ExchangeDemo({ timeoutMs, headers }: { timeoutMs?: number; headers?: Record<string, string> }) {
  return (
    <PlaidGatewayProvider baseUrl="/api/plaid" timeoutMs={timeoutMs} headers={headers}>
      <ExchangeCard />
    </PlaidGatewayProvider>
  )
}

function ExchangeCard() {
  // A new token per mount: the hook never sends a public token twice on a page, as Plaid allows one use.
  const [publicToken, setPublicToken] = useState(() => `public-sandbox-${crypto.randomUUID()}`)
  const { exchange, data, error, isLoading, reset } = useExchangePublicToken()
  return (
    <section className="card" aria-labelledby="exchange-title">
      <h2 id="exchange-title">Link a new account</h2>
      <p className="lead">
        After Plaid Link succeeds, its <code>public_token</code> is exchanged through your gateway. The browser gets the
        Item id; the access token stays on the server.
      </p>
      <div className="row">
        <input
          aria-label="Public token"
          className="field"
          value={publicToken}
          onChange={(event) => setPublicToken(event.target.value)}
        />
        <button type="button" className="btn" aria-busy={isLoading} onClick={() => void exchange(publicToken)}>
          {isLoading ? 'Exchanging…' : 'Exchange'}
        </button>
        <button type="button" className="btn secondary" onClick={reset}>
          Reset
        </button>
      </div>
      <ExchangeStatus data={data} error={error} isLoading={isLoading} />
    </section>
  )
}

function ExchangeStatus({
  data,
  error,
  isLoading,
}: Pick<ReturnType<typeof useExchangePublicToken>, 'data' | 'error' | 'isLoading'>) {
  if (isLoading)
    return (
      <p className="status" role="status">
        Exchanging the public token…
      </p>
    )
  if (error) return <ErrorStatus error={error} />
  if (data)
    return (
      <p className="status" data-tone="good" role="status">
        Linked. Item id <code>{data.itemId}</code>
      </p>
    )
  return (
    <p className="status" role="status">
      Nothing exchanged yet.
    </p>
  )
}

const meta = {
  title: 'Hooks/useExchangePublicToken',
  component: ExchangeDemo,
  parameters: { msw: { handlers: demoGateway() } },
} satisfies Meta<typeof ExchangeDemo>

export default meta
type Story = StoryObj<typeof meta>

const clickExchange = async (canvasElement: HTMLElement) => {
  const canvas = within(canvasElement)
  await userEvent.click(canvas.getByRole('button', { name: 'Exchange' }))
  return canvas
}

export const Idle: Story = {
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('Nothing exchanged yet.')).toBeVisible()
  },
}

export const Loading: Story = {
  // No timeout, so that the story holds its state for as long as someone looks at it.
  args: { timeoutMs: Infinity },
  parameters: { msw: { handlers: sandboxSilentGateway() } },
  play: async ({ canvasElement }) => {
    const canvas = await clickExchange(canvasElement)
    await expect(await canvas.findByText('Exchanging the public token…')).toBeVisible()
    await expect(canvas.getByRole('button', { name: 'Exchanging…' })).toHaveAttribute('aria-busy', 'true')
  },
}

export const Success: Story = {
  play: async ({ canvasElement }) => {
    const canvas = await clickExchange(canvasElement)
    await expect(await canvas.findByText(/Linked\. Item id/, {}, { timeout: 3000 })).toBeVisible()
  },
}

export const PlaidError: Story = {
  parameters: { msw: { handlers: sandboxGatewayError(sandboxErrors.invalidPublicToken) } },
  play: async ({ canvasElement }) => {
    await clickExchange(canvasElement)
    await expectErrorShown(canvasElement, { code: 'INVALID_PUBLIC_TOKEN' })
  },
}

export const HtmlErrorPage: Story = {
  parameters: { msw: { handlers: sandboxHtmlError() } },
  play: async ({ canvasElement }) => {
    await clickExchange(canvasElement)
    await expectErrorShown(canvasElement, { code: 'HTTP_ERROR' })
  },
}

export const Timeout: Story = {
  args: { timeoutMs: 1500 },
  parameters: { msw: { handlers: sandboxSilentGateway() } },
  play: async ({ canvasElement }) => {
    await clickExchange(canvasElement)
    await expectErrorShown(canvasElement, { code: 'TIMEOUT' })
  },
}

export const InvalidInput: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    await userEvent.clear(canvas.getByRole('textbox', { name: 'Public token' }))
    await clickExchange(canvasElement)
    await expectErrorShown(canvasElement, { code: 'INVALID_INPUT' })
  },
}

export const LeakyGateway: Story = {
  name: 'Gateway that leaks an access token',
  parameters: { msw: { handlers: sandboxLeakyGateway() } },
  play: async ({ canvasElement }) => {
    const canvas = await clickExchange(canvasElement)
    await expect(await canvas.findByText(/Linked\. Item id/, {}, { timeout: 3000 })).toBeVisible()
    await expect(canvasElement.textContent).not.toContain('access-sandbox')
  },
}

export const NetworkError: Story = {
  name: 'Network error (offline)',
  parameters: { msw: { handlers: [http.post('/api/plaid/*', () => HttpResponse.error())] } },
  play: async ({ canvasElement }) => {
    await clickExchange(canvasElement)
    await expectErrorShown(canvasElement, { code: 'NETWORK_ERROR' })
  },
}

export const SecretOnClient: Story = {
  name: 'A Plaid secret configured in the browser',
  args: { headers: { 'PLAID-SECRET': 'this-belongs-on-the-server' } },
  play: async ({ canvasElement }) => {
    await clickExchange(canvasElement)
    const alert = await expectErrorShown(canvasElement, { code: 'SECRET_ON_CLIENT' })
    // Kept in production builds too: it says where the secret belongs.
    await expect(within(alert).getByText(/belong on the gateway/)).toBeVisible()
  },
}
