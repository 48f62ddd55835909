import type { Meta, StoryObj } from '@storybook/react-vite'
import { useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { LinkAccountButton, LinkRepairButton, type LinkAccountSuccess } from '../src'
import { sandboxGateway } from '../src/testing'
import { DEMO_ITEMS } from './support/demoItems'
import { requestLog } from './support/requestLog'

interface DemoItem {
  id: string
  institution: string
  accounts: string
  needsRepair: boolean
}

const INITIAL_ITEMS: DemoItem[] = [
  { id: 'item-chase', institution: 'Chase', accounts: 'Total Checking ••4321 · Savings ••8890', needsRepair: false },
  { id: 'item-wells-fargo', institution: 'Wells Fargo', accounts: 'Everyday Checking ••1207', needsRepair: true },
]

/**
 * A small app: its connected banks, one of which needs the user to sign in again, and a way to
 * connect another. Link is the sandbox stand-in; the gateway is the sandbox msw gateway.
 */
function Dashboard() {
  const [items, setItems] = useState(INITIAL_ITEMS)
  const [notice, setNotice] = useState<string>()

  // The gateway has stored the new Item by now; the app shows it with what Link reported.
  const showNewBank = ({ itemId, metadata }: LinkAccountSuccess) => {
    const institution = metadata.institution?.name ?? 'New bank'
    const accounts = metadata.accounts.map((account) => `${account.name} ••${account.mask ?? ''}`).join(' · ')
    setItems((current) => [...current, { id: itemId, institution, accounts, needsRepair: false }])
    setNotice(`${institution} is connected.`)
  }

  return (
    <div className="dashboard">
      <header className="dash-header">
        <div>
          <h1>Connected banks</h1>
          <p className="lead">Balances refresh every few hours from the banks below.</p>
        </div>
        <span className="repair-slot">
          <LinkAccountButton className="connect-btn" onSuccess={showNewBank}>
            Connect a bank
          </LinkAccountButton>
        </span>
      </header>
      {notice ? (
        <p className="status" data-tone="good" role="status">
          {notice}
        </p>
      ) : null}
      <section className="card wide" aria-label="Banks">
        <ul className="item-list">
          {items.map((item) => (
            <li key={item.id} className="item-row">
              <span className="bank-logo" aria-hidden="true">
                {item.institution.charAt(0)}
              </span>
              <span className="item-name">
                {item.institution}
                <span className="item-meta">{item.accounts}</span>
              </span>
              {item.needsRepair ? (
                <>
                  <span className="badge" data-tone="bad">
                    Sign-in needed
                  </span>
                  <span className="repair-slot">
                    <LinkRepairButton
                      itemId={item.id}
                      className="repair-btn"
                      onSuccess={() => {
                        setItems((current) => current.map((i) => (i.id === item.id ? { ...i, needsRepair: false } : i)))
                        setNotice(`${item.institution} is connected again.`)
                      }}
                    >
                      Reconnect
                    </LinkRepairButton>
                  </span>
                </>
              ) : (
                <span className="badge">Connected</span>
              )}
            </li>
          ))}
        </ul>
      </section>
    </div>
  )
}

const sent = requestLog()
// The token requests for a new Item: those without an item_id.
const newItemTokens = () =>
  sent.bodies('linkTokenCreate').filter((body) => typeof body === 'object' && body !== null && !('item_id' in body))

const meta = {
  title: 'Demo/Dashboard',
  component: Dashboard,
  parameters: { msw: { handlers: [sent.handler, ...sandboxGateway({ items: DEMO_ITEMS })] } },
  beforeEach: () => sent.clear(),
} satisfies Meta<typeof Dashboard>

export default meta
type Story = StoryObj<typeof meta>

export const RepairAndConnect: Story = {
  name: 'Dashboard',
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    const body = within(canvasElement.ownerDocument.body)

    await step('repair the Wells Fargo connection', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Reconnect' }))
      const dialog = await body.findByRole('dialog', { name: 'Connect Wells Fargo' }, { timeout: 3000 })
      await userEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
      await expect(await canvas.findByText('Wells Fargo is connected again.')).toBeVisible()
      await expect(canvas.queryByText('Sign-in needed')).toBeNull()
      // A repair stores nothing new: no public token goes to the gateway.
      await expect(sent.bodies('exchange')).toEqual([])
    })

    await step('connect a new bank with LinkAccountButton', async () => {
      const connect = canvas.getByRole('button', { name: 'Connect a bank' })
      await userEvent.click(connect)
      const dialog = await body.findByRole('dialog', { name: 'Connect First Platypus Bank' }, { timeout: 3000 })
      await userEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
      await expect(connect).toHaveAttribute('data-state', 'exchanging')
      await expect(await canvas.findByText('First Platypus Bank is connected.', {}, { timeout: 3000 })).toBeVisible()
      await expect(connect).toHaveAttribute('data-state', 'success')
      const rows = canvas.getAllByRole('listitem')
      await expect(rows).toHaveLength(3)
      await expect(rows[2]).toHaveTextContent('First Platypus Bank')
      await expect(rows[2]).toHaveTextContent('Plaid Checking ••0000 · Plaid Saving ••1111')
      // One new-Item token, asked for with an empty body, and Link's public token exchanged once.
      await expect(newItemTokens()).toEqual([{}])
      await expect(sent.bodies('exchange')).toHaveLength(1)
    })

    await step('connect one more: a fresh token and a second new Item', async () => {
      const connect = canvas.getByRole('button', { name: 'Connect a bank' })
      await userEvent.click(connect)
      const dialog = await body.findByRole('dialog', { name: 'Connect First Platypus Bank' }, { timeout: 3000 })
      await userEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
      await waitFor(() => expect(canvas.getAllByRole('listitem')).toHaveLength(4), { timeout: 3000 })
      const exchanged = sent.bodies('exchange') as { public_token: string }[]
      await expect(exchanged).toHaveLength(2)
      await expect(exchanged[1]!.public_token).not.toBe(exchanged[0]!.public_token)
      await expect(newItemTokens()).toEqual([{}, {}])
    })
  },
}
