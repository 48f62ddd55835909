/*
 * Plays Plaid's part in a story: sends one of Plaid's ITEM webhooks about one of the user's banks.
 * The sandbox gateway's Item changes as the real gateway's would on a verified webhook; the page
 * learns of it when its list is next asked for (on focus, in an app), here at once.
 */
import { useId, useState } from 'react'
import { usePlaidItems, type ItemStatus } from '../../src'
import type { SandboxItems } from '../../src/testing'

const DAY_MS = 24 * 60 * 60 * 1000

const inAWeek = () => new Date(Date.now() + 7 * DAY_MS).toISOString()

/** Plaid's ITEM webhooks, and the status each one gives the Item (contract, sections 7 and 11). */
export const WEBHOOKS: Record<
  string,
  {
    status: ItemStatus
    errorCode?: string
    consentExpirationTime?: () => string
    disconnectTime?: () => string
    reason?: string
  }
> = {
  'ERROR · ITEM_LOGIN_REQUIRED': { status: 'login_required', errorCode: 'ITEM_LOGIN_REQUIRED' },
  PENDING_EXPIRATION: { status: 'pending_expiration', consentExpirationTime: inAWeek },
  // Plaid sends it a week ahead, with when and why.
  PENDING_DISCONNECT: { status: 'pending_disconnect', disconnectTime: inAWeek, reason: 'INSTITUTION_MIGRATION' },
  NEW_ACCOUNTS_AVAILABLE: { status: 'new_accounts_available' },
  USER_PERMISSION_REVOKED: { status: 'revoked', errorCode: 'USER_PERMISSION_REVOKED' },
  'ERROR · INSTITUTION_NOT_RESPONDING': { status: 'error', errorCode: 'INSTITUTION_NOT_RESPONDING' },
  LOGIN_REPAIRED: { status: 'healthy' },
}

export function WebhookPanel({ items: sandbox }: { items: SandboxItems }) {
  const { items, refresh } = usePlaidItems()
  const [itemId, setItemId] = useState('')
  const [webhook, setWebhook] = useState(Object.keys(WEBHOOKS)[0]!)
  const [sent, setSent] = useState<string>()
  const bankId = useId()
  const webhookId = useId()
  // The first bank until the person picks one, and never a bank that has been removed.
  const target = items?.find((item) => item.itemId === itemId) ?? items?.[0]

  const send = async () => {
    const chosen = WEBHOOKS[webhook]
    if (!target || !chosen) return
    sandbox.setStatus(target.itemId, chosen.status, {
      errorCode: chosen.errorCode ?? null,
      consentExpirationTime: chosen.consentExpirationTime?.() ?? null,
      disconnectTime: chosen.disconnectTime?.() ?? null,
      reason: chosen.reason ?? null,
    })
    setSent(`Sent ${webhook} for ${target.institutionName ?? target.itemId}.`)
    await refresh()
  }

  return (
    <aside className="card webhook-panel" aria-label="Simulate a webhook">
      <h2>Simulate a webhook</h2>
      <p className="lead">Plays Plaid: the gateway records the new status, and the list is asked for again.</p>
      <div className="row">
        <label htmlFor={bankId}>Bank</label>
        <select
          id={bankId}
          className="field"
          value={target?.itemId ?? ''}
          onChange={(event) => setItemId(event.target.value)}
        >
          {items?.map((item) => (
            <option key={item.itemId} value={item.itemId}>
              {item.institutionName ?? item.itemId}
            </option>
          ))}
        </select>
        <label htmlFor={webhookId}>Webhook</label>
        <select id={webhookId} className="field" value={webhook} onChange={(event) => setWebhook(event.target.value)}>
          {Object.keys(WEBHOOKS).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <button type="button" className="btn" disabled={!target} onClick={() => void send()}>
          Send webhook
        </button>
      </div>
      {sent ? <p className="item-meta">{sent}</p> : null}
    </aside>
  )
}
