'use client'
/*
 * The user's banks: connect one, see each one's health as the gateway reports it, repair, remove,
 * and a panel that has Plaid send a webhook about a bank, to watch the health change.
 */
import {
  LinkAccountButton,
  LinkRepairButton,
  usePlaidItems,
  type PlaidGatewayError,
  type PlaidItem,
} from '@utdk/plaid-react'
import { useState } from 'react'

const STATUS_TEXT: Record<PlaidItem['status'], string> = {
  healthy: 'Connected',
  login_required: 'Sign-in needed',
  pending_expiration: 'Access expires soon',
  pending_disconnect: 'Will disconnect soon',
  new_accounts_available: 'New accounts to share',
  revoked: 'Access revoked',
  error: 'Not working',
}

const day = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' })

export function Banks() {
  const { items, error, remove, refresh } = usePlaidItems()
  // A bank the user already connected: Plaid advises repairing that one instead of a second link.
  const [duplicate, setDuplicate] = useState<PlaidGatewayError | null>(null)
  return (
    <>
      <section className="connect" aria-label="Connect a bank">
        <LinkAccountButton
          prefetch="mount"
          onSuccess={() => setDuplicate(null)}
          onError={(linkError) => setDuplicate(linkError.errorCode === 'DUPLICATE_ITEM' ? linkError : null)}
        >
          Connect a bank
        </LinkAccountButton>
        {duplicate?.itemId ? (
          <p className="offer">
            <LinkRepairButton itemId={duplicate.itemId}>Repair that connection</LinkRepairButton>
          </p>
        ) : null}
      </section>
      {items === undefined ? (
        <p role={error ? 'alert' : 'status'}>{error ? 'Your banks could not be loaded.' : 'Loading your banks…'}</p>
      ) : items.length === 0 ? (
        <p>No banks yet.</p>
      ) : (
        <ul className="banks">
          {items.map((item) => (
            <Bank key={item.itemId} item={item} onRemove={() => void remove(item.itemId)} onWebhook={refresh} />
          ))}
        </ul>
      )}
    </>
  )
}

function Bank({
  item,
  onRemove,
  onWebhook,
}: {
  item: PlaidItem
  onRemove: () => void
  onWebhook: () => Promise<void>
}) {
  const name = item.institutionName ?? 'Your bank'
  return (
    <li aria-label={name} data-status={item.status}>
      <h2>{name}</h2>
      <p className="status">
        {STATUS_TEXT[item.status]}
        {item.errorCode ? ` (${item.errorCode})` : ''}
      </p>
      {item.consentExpiresAt ? <p>Access expires on {day.format(item.consentExpiresAt)}.</p> : null}
      {item.disconnectAt ? (
        <p>
          Disconnects on {day.format(item.disconnectAt)}
          {item.reason ? ` (${item.reason})` : ''}.
        </p>
      ) : null}
      <div className="actions">
        {item.needsRepair ? (
          <LinkRepairButton itemId={item.itemId} accountSelectionEnabled={item.status === 'new_accounts_available'}>
            {item.status === 'new_accounts_available' ? 'Share new accounts' : 'Repair'}
          </LinkRepairButton>
        ) : null}
        <button type="button" onClick={onRemove}>
          Remove
        </button>
      </div>
      <WebhookPanel itemId={item.itemId} onSent={onWebhook} />
    </li>
  )
}

/* The sandbox events the app's /api/sandbox route can have Plaid send. */
const EVENTS = [
  ['ITEM_LOGIN_REQUIRED', 'Login required'],
  ['PENDING_EXPIRATION', 'Pending expiration'],
  ['PENDING_DISCONNECT', 'Pending disconnect'],
  ['NEW_ACCOUNTS_AVAILABLE', 'New accounts available'],
  ['USER_PERMISSION_REVOKED', 'Permission revoked'],
  ['LOGIN_REPAIRED', 'Login repaired'],
] as const

function WebhookPanel({ itemId, onSent }: { itemId: string; onSent: () => Promise<void> }) {
  const [event, setEvent] = useState<string>(EVENTS[0][0])
  const [state, setState] = useState<'idle' | 'sending' | 'refused'>('idle')
  async function send() {
    setState('sending')
    const response = await fetch('/api/sandbox', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item_id: itemId, event }),
    }).catch(() => undefined)
    setState(response?.ok ? 'idle' : 'refused')
    await onSent()
  }
  return (
    <form
      className="webhooks"
      onSubmit={(submitted) => {
        submitted.preventDefault()
        void send()
      }}
    >
      <label>
        Plaid webhook{' '}
        <select value={event} onChange={(changed) => setEvent(changed.target.value)}>
          {EVENTS.map(([code, label]) => (
            <option key={code} value={code}>
              {label}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="submit" aria-busy={state === 'sending'} disabled={state === 'sending'}>
        Send
      </button>
      {state === 'refused' ? <span role="alert"> Plaid did not send it.</span> : null}
    </form>
  )
}
