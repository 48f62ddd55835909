import type { Meta, StoryObj } from '@storybook/react-vite'
import { useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { LinkRepairButton, useExchangePublicToken, type PlaidLinkFactory } from '../src'
import { ErrorStatus } from './support/ErrorStatus'

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
  const { exchange, isLoading, error } = useExchangePublicToken()

  const connectNewBank = () => {
    // Apps open Link for new Items with a link token from their own backend (outside this
    // package); the sandbox accepts any link token.
    const plaid = (window as unknown as { Plaid?: PlaidLinkFactory }).Plaid
    const handler = plaid?.create({
      token: 'link-sandbox-new-connection',
      onSuccess: (publicToken, metadata) => {
        void exchange(publicToken).then((result) => {
          if (!result) return
          const institution = metadata.institution?.name ?? 'New bank'
          const accounts = metadata.accounts.map((account) => `${account.name} ••${account.mask ?? ''}`).join(' · ')
          setItems((current) => [...current, { id: result.itemId, institution, accounts, needsRepair: false }])
          setNotice(`${institution} is connected.`)
        })
      },
    })
    handler?.open()
  }

  return (
    <div className="dashboard">
      <header className="dash-header">
        <div>
          <h1>Connected banks</h1>
          <p className="lead">Balances refresh every few hours from the banks below.</p>
        </div>
        <button type="button" className="btn" aria-busy={isLoading} onClick={connectNewBank}>
          {isLoading ? 'Connecting…' : 'Connect a bank'}
        </button>
      </header>
      {notice ? (
        <p className="status" data-tone="good" role="status">
          {notice}
        </p>
      ) : null}
      {error ? <ErrorStatus error={error} /> : null}
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

const meta = {
  title: 'Demo/Dashboard',
  component: Dashboard,
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
      const dialog = await body.findByRole('dialog', {}, { timeout: 3000 })
      await userEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
      await expect(await canvas.findByText('Wells Fargo is connected again.')).toBeVisible()
      await expect(canvas.queryByText('Sign-in needed')).toBeNull()
    })

    await step('connect a new bank through the exchange hook', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Connect a bank' }))
      const dialog = await body.findByRole('dialog', {}, { timeout: 3000 })
      await userEvent.click(within(dialog).getByRole('button', { name: 'Continue' }))
      await waitFor(() => expect(canvas.getByText('First Platypus Bank is connected.')).toBeVisible(), {
        timeout: 3000,
      })
      await expect(canvas.getAllByRole('listitem')).toHaveLength(3)
    })
  },
}
