/*
 * A small app over usePlaidItems: the user's banks with their health as the gateway reports it,
 * the one action each status calls for, and a way to connect another bank. Every status a person
 * sees comes from the gateway: after a repair the row says it is checking until the gateway's
 * answer replaces the Item.
 */
import { useId, useState } from 'react'
import { LinkAccountButton, LinkRepairButton, usePlaidItems, type ItemStatus, type PlaidItem } from '../../src'
import { ErrorStatus } from './ErrorStatus'

const DAY_MS = 24 * 60 * 60 * 1000

const inDays = (date: Date | null) => {
  if (!date) return 'soon'
  const days = Math.ceil((date.getTime() - Date.now()) / DAY_MS)
  return days <= 0 ? 'today' : days === 1 ? 'tomorrow' : `in ${days} days`
}

interface StatusView {
  /** The badge next to the bank's name. */
  badge: string
  tone: 'good' | 'warn' | 'bad'
  /** A sentence under the bank's name. */
  detail: (item: PlaidItem) => string
  /** The repair button's label, for the statuses that update mode fixes. */
  repair?: string
}

/** What the app shows for each status of the contract. */
export const STATUS_VIEWS: Record<ItemStatus, StatusView> = {
  healthy: { badge: 'Connected', tone: 'good', detail: () => 'Balances and transactions are up to date.' },
  login_required: {
    badge: 'Sign-in needed',
    tone: 'bad',
    detail: () => 'Your bank asked you to sign in again. Updates are paused until then.',
    repair: 'Sign in again',
  },
  pending_expiration: {
    badge: 'Access expiring',
    tone: 'warn',
    detail: (item) => `Your consent ends ${inDays(item.consentExpiresAt)}. Renew it to keep updates coming.`,
    repair: 'Renew access',
  },
  pending_disconnect: {
    badge: 'Disconnecting soon',
    tone: 'warn',
    detail: () => 'Your bank is about to end this connection. Reconnect to keep it.',
    repair: 'Reconnect',
  },
  new_accounts_available: {
    badge: 'New accounts',
    tone: 'warn',
    detail: () => 'Your bank has accounts you have not shared with us yet.',
    repair: 'Share new accounts',
  },
  revoked: {
    badge: 'Access revoked',
    tone: 'bad',
    detail: () => 'Access to this bank was withdrawn. Link it again to see it here.',
  },
  error: {
    badge: 'Not updating',
    tone: 'bad',
    detail: (item) => `Your bank reported a problem (${item.errorCode ?? 'no code'}). We keep trying on our side.`,
  },
}

const bankName = (item: PlaidItem) => item.institutionName ?? 'Your bank'

interface BankRowProps {
  item: PlaidItem
  onLinkedAgain: (item: PlaidItem, institution: string) => void
  onRemove: (item: PlaidItem) => void
}

/*
 * A repair in progress: the Item as it was when Link reported the person done, and the first Item
 * the gateway sent after it. Link's success only says the person finished Link; the gateway's
 * answer says how the Item is.
 */
interface Repair {
  from: PlaidItem
  answer?: PlaidItem
}

function BankRow({ item, onLinkedAgain, onRemove }: BankRowProps) {
  const nameId = useId()
  const [repair, setRepair] = useState<Repair>()
  // The list replaced the Item: that is the gateway's answer to the repair.
  if (repair && !repair.answer && repair.from !== item) setRepair({ ...repair, answer: item })
  const view = STATUS_VIEWS[item.status]
  const name = bankName(item)
  const checking = repair?.from === item
  // Only the answer itself is described as one; a later change (a webhook) reads as usual.
  const answered = repair?.answer === item
  const detail =
    answered && item.status === 'healthy'
      ? 'Reconnected: your bank confirmed it.'
      : answered && item.needsRepair
        ? 'Your bank still reports a problem. Please try again.'
        : view.detail(item)
  return (
    <li className="item-row" aria-labelledby={nameId}>
      <span className="bank-logo" aria-hidden="true">
        {name.charAt(0)}
      </span>
      <span className="item-name">
        <span id={nameId}>{name}</span>
        <span className="item-meta">{detail}</span>
      </span>
      <span className="badge" data-tone={checking ? 'warn' : view.tone}>
        {checking ? `Checking with ${name}…` : view.badge}
      </span>
      <span className="item-actions">
        {item.needsRepair && !checking ? (
          <span className="repair-slot">
            <LinkRepairButton
              itemId={item.itemId}
              className="repair-btn"
              accountSelectionEnabled={item.status === 'new_accounts_available'}
              onSuccess={() => setRepair({ from: item })}
            >
              {view.repair}
            </LinkRepairButton>
          </span>
        ) : null}
        {item.status === 'revoked' ? (
          <span className="repair-slot">
            <LinkAccountButton
              className="repair-btn"
              onSuccess={({ metadata }) => onLinkedAgain(item, metadata.institution?.name ?? name)}
            >
              Link again
            </LinkAccountButton>
          </span>
        ) : null}
        <button type="button" className="btn secondary" aria-label={`Remove ${name}`} onClick={() => onRemove(item)}>
          Remove
        </button>
      </span>
    </li>
  )
}

export function Dashboard() {
  const { items, error, isLoading, refresh, remove } = usePlaidItems()
  const [notice, setNotice] = useState<string>()
  // The bank whose removal failed last, to say which one the error is about.
  const [notRemoved, setNotRemoved] = useState<string>()

  const removeBank = async (item: PlaidItem) => {
    setNotice(undefined)
    if (await remove(item.itemId)) {
      setNotRemoved(undefined)
      setNotice(`${bankName(item)} was removed.`)
    } else {
      setNotRemoved(bankName(item))
    }
  }

  // A revoked Item cannot be repaired: the person links the bank again, which makes a new Item,
  // and the dead one leaves the gateway. The list is asked for once the removal is done, so that
  // it holds the new Item and not the old one.
  const linkedAgain = async (old: PlaidItem, institution: string) => {
    setNotice(`${institution} is connected again.`)
    await remove(old.itemId)
    await refresh()
  }

  return (
    <div className="dashboard">
      <header className="dash-header">
        <div>
          <h1>Connected banks</h1>
          <p className="lead">Balances refresh every few hours from the banks below.</p>
        </div>
        <span className="repair-slot">
          <LinkAccountButton
            className="connect-btn"
            onSuccess={({ metadata }) => setNotice(`${metadata.institution?.name ?? 'Your bank'} is connected.`)}
          >
            Connect a bank
          </LinkAccountButton>
        </span>
      </header>
      {notice ? (
        <p className="status" data-tone="good">
          {notice}
        </p>
      ) : null}
      {error ? (
        <ErrorStatus
          error={error}
          sentence={
            notRemoved
              ? `We could not remove ${notRemoved}.`
              : items
                ? 'We could not refresh your banks.'
                : 'We could not load your banks.'
          }
        />
      ) : null}
      <section className="card wide" aria-label="Banks" aria-busy={isLoading || undefined}>
        {isLoading ? <p className="lead">Loading your banks…</p> : null}
        {items === undefined && error && !isLoading ? (
          <button type="button" className="btn" onClick={() => void refresh()}>
            Try again
          </button>
        ) : null}
        {items?.length === 0 ? (
          <p className="lead">No banks yet. Connect one to see its balances here.</p>
        ) : items ? (
          <ul className="item-list">
            {items.map((item) => (
              <BankRow
                key={item.itemId}
                item={item}
                onLinkedAgain={(old, institution) => void linkedAgain(old, institution)}
                onRemove={(item) => void removeBank(item)}
              />
            ))}
          </ul>
        ) : null}
      </section>
    </div>
  )
}
