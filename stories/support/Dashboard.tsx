/*
 * A small app over usePlaidItems: the user's banks with their health as the gateway reports it,
 * the one action each status calls for, and a way to connect another bank. Every status a person
 * sees comes from the gateway: after a repair the row says it is checking until the gateway's
 * answer replaces the Item. Failures reach the app through onError: a bank linked twice offers
 * the repair of the Item already linked, and a revoked bank that Plaid will not repair offers to
 * link it again.
 */
import { useId, useState } from 'react'
import {
  LinkAccountButton,
  LinkRepairButton,
  useLinkAccount,
  usePlaidItems,
  type ItemStatus,
  type PlaidGatewayError,
  type PlaidItem,
} from '../../src'
import { ErrorStatus } from './ErrorStatus'

const DAY_MS = 24 * 60 * 60 * 1000

/** "in 7 days (on March 3, 2027)": when, as a person reads a date. */
const when = (date: Date | null) => {
  if (!date) return 'soon'
  const days = Math.ceil((date.getTime() - Date.now()) / DAY_MS)
  const relative = days <= 0 ? 'today' : days === 1 ? 'tomorrow' : `in ${days} days`
  const day = date.toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' })
  return `${relative} (on ${day})`
}

/* Plaid's reasons for a PENDING_DISCONNECT, in the person's words. */
const DISCONNECT_REASONS: Record<string, string> = {
  INSTITUTION_MIGRATION: 'your bank is moving to a new kind of connection',
  INSTITUTION_TOKEN_EXPIRATION: 'the access your bank granted runs out',
}

const why = (reason: string | null) => (reason ? ` because ${DISCONNECT_REASONS[reason] ?? reason.toLowerCase()}` : '')

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
    detail: (item) => `Your consent ends ${when(item.consentExpiresAt)}. Renew it to keep updates coming.`,
    repair: 'Renew access',
  },
  pending_disconnect: {
    badge: 'Disconnecting soon',
    tone: 'warn',
    detail: (item) =>
      `Your bank ends this connection ${when(item.disconnectAt)}${why(item.reason)}. Reconnect to keep it.`,
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
    detail: () => 'Access to this bank was withdrawn. Reconnect to share it again.',
    // Update mode first, as Plaid advises; the repair's error says when the bank refuses it.
    repair: 'Reconnect',
  },
  error: {
    badge: 'Not updating',
    tone: 'bad',
    detail: (item) =>
      item.needsRepair
        ? `Your bank needs you to reconnect (${item.errorCode}).`
        : `Your bank reported a problem (${item.errorCode ?? 'no code'}). We keep trying on our side.`,
    repair: 'Fix connection',
  },
}

const bankName = (item: PlaidItem) => item.institutionName ?? 'Your bank'

interface BankRowProps {
  item: PlaidItem
  /** The bank refused update mode: remove the dead Item and link the bank again. */
  onLinkAgain: (item: PlaidItem) => void
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

function BankRow({ item, onLinkAgain, onRemove }: BankRowProps) {
  const nameId = useId()
  const [repair, setRepair] = useState<Repair>()
  // Plaid refused update mode for this Item (a revoked Item, say): only a new link brings it back.
  const [refused, setRefused] = useState(false)
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
              onError={(error) => setRefused(error.errorCode === 'USER_PERMISSION_REVOKED')}
            >
              {view.repair}
            </LinkRepairButton>
          </span>
        ) : null}
        {refused ? (
          <button type="button" className="btn" onClick={() => onLinkAgain(item)}>
            Link again
          </button>
        ) : null}
        <button type="button" className="btn secondary" aria-label={`Remove ${name}`} onClick={() => onRemove(item)}>
          Remove
        </button>
      </span>
    </li>
  )
}

/**
 * What the app offers when the person links a bank they have already linked: the gateway named
 * the Item, so the app offers to update it (new accounts, a new login) instead of a second link.
 */
function AlreadyLinked({ item, onUpdated }: { item: PlaidItem | undefined; onUpdated: (name: string) => void }) {
  const name = item ? bankName(item) : 'that bank'
  return (
    <div className="status" data-tone="warn" role="note" aria-label="Already connected">
      <span>{name} is already connected. </span>
      {item ? (
        <span className="repair-slot">
          <LinkRepairButton
            itemId={item.itemId}
            className="repair-btn"
            accountSelectionEnabled
            onSuccess={() => onUpdated(name)}
          >
            {`Update ${name} instead`}
          </LinkRepairButton>
        </span>
      ) : null}
    </div>
  )
}

export function Dashboard() {
  const { items, error, isLoading, refresh, remove } = usePlaidItems()
  const [notice, setNotice] = useState<string>()
  // The bank whose removal failed last, to say which one the error is about.
  const [notRemoved, setNotRemoved] = useState<string>()
  // The Item the gateway named when the person linked a bank again.
  const [alreadyLinked, setAlreadyLinked] = useState<string>()
  const connected = ({ metadata }: { metadata: { institution: { name: string } | null } }, again = false) =>
    setNotice(`${metadata.institution?.name ?? 'Your bank'} is connected${again ? ' again' : ''}.`)
  const linkFailed = (failure: PlaidGatewayError) =>
    setAlreadyLinked(failure.errorCode === 'DUPLICATE_ITEM' ? failure.itemId : undefined)
  // Linking a bank again after Plaid refused to repair it; the Link session belongs to the page,
  // since the bank's row goes first.
  const linkAgain = useLinkAccount({ onSuccess: (success) => connected(success, true), onError: linkFailed })

  const removeBank = async (item: PlaidItem) => {
    setNotice(undefined)
    if (await remove(item.itemId)) {
      setNotRemoved(undefined)
      setNotice(`${bankName(item)} was removed.`)
    } else {
      setNotRemoved(bankName(item))
    }
  }

  // Plaid refused update mode for the Item: it is of no use any more. It leaves the gateway first,
  // so that the new link is not refused as a duplicate of it, and then Link opens for the bank.
  const linkBankAgain = async (old: PlaidItem) => {
    setNotice(undefined)
    if (await remove(old.itemId)) linkAgain.open()
    else setNotRemoved(bankName(old))
  }

  return (
    <div className="dashboard">
      <header className="dash-header">
        <div>
          <h1>Connected banks</h1>
          <p className="lead">Balances refresh every few hours from the banks below.</p>
        </div>
        <span className="repair-slot">
          {/* Linking is what this page is for: Link is ready as the page loads, as Plaid recommends. */}
          <LinkAccountButton
            className="connect-btn"
            prefetch="mount"
            onSuccess={(success) => {
              setAlreadyLinked(undefined)
              connected(success)
            }}
            onError={linkFailed}
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
      {alreadyLinked ? (
        <AlreadyLinked
          item={items?.find((item) => item.itemId === alreadyLinked)}
          onUpdated={(name) => {
            setAlreadyLinked(undefined)
            setNotice(`${name} is up to date.`)
          }}
        />
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
                onLinkAgain={(old) => void linkBankAgain(old)}
                onRemove={(item) => void removeBank(item)}
              />
            ))}
          </ul>
        ) : null}
      </section>
    </div>
  )
}
