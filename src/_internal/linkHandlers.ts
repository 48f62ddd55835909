/*
 * Plaid Link's handlers, one per token for the whole page (see page.ts), however many buttons
 * share the token: each `Plaid.create` makes an iframe. The flow that opens a handler owns that
 * Link session, and Link's callbacks reach it alone. A handler nobody holds any more is destroyed
 * a moment later, so that StrictMode's unmount and mount in one go keeps it.
 */
import type {
  PlaidLinkError,
  PlaidLinkEventMetadata,
  PlaidLinkExitMetadata,
  PlaidLinkFactory,
  PlaidLinkHandler,
  PlaidLinkSuccessMetadata,
} from '../linkTypes'
import { pageSlot } from './page'

/** What a flow does with Link's callbacks while it owns the session. */
export interface LinkSessionOwner {
  onSuccess: (publicToken: string, metadata: PlaidLinkSuccessMetadata) => void
  onExit: (error: PlaidLinkError | null, metadata: PlaidLinkExitMetadata) => void
  onEvent: (eventName: string, metadata: PlaidLinkEventMetadata) => void
}

export interface LinkEntry {
  token: string
  handler: PlaidLinkHandler
  /** The `window.Plaid` that made it; a page whose Link was replaced gets a new handler. */
  factory: PlaidLinkFactory
  /** Whether it was made with Link's `receivedRedirectUri`, to finish an OAuth session. */
  resumes: boolean
  /** The flow whose Link session is open; `undefined` while none is. */
  owner: LinkSessionOwner | undefined
  /** The flows that keep this handler ready (after a prefetch, or while open). */
  holders: Set<object>
}

const entries = () => pageSlot('linkHandlers', () => new Map<string, LinkEntry>())

/** Link's metadata for an exit that Link did not report itself. */
const QUIET_EXIT: PlaidLinkExitMetadata = { institution: null, status: null, link_session_id: '', request_id: '' }

/**
 * The page's handler for `token`, made on first use, held by `holder` until it lets go. A handler
 * made without `receivedRedirectUri` cannot finish an OAuth session, so one that must is made anew.
 */
export function acquireHandler(
  plaid: PlaidLinkFactory,
  token: string,
  holder: object,
  receivedRedirectUri?: string,
): LinkEntry {
  const known = entries().get(token)
  if (known && known.factory === plaid && (known.resumes || !receivedRedirectUri)) {
    known.holders.add(holder)
    return known
  }
  if (known) dropHandler(known)
  const entry = {
    token,
    factory: plaid,
    resumes: receivedRedirectUri !== undefined,
    owner: undefined,
    holders: new Set(),
  } as Omit<LinkEntry, 'handler'> as LinkEntry
  // Each callback ends the session for its owner first, so that a flow that opens the handler
  // again from inside its callback owns the new session.
  const end = () => {
    const owner = entry.owner
    entry.owner = undefined
    return owner
  }
  entry.handler = plaid.create({
    token,
    receivedRedirectUri,
    onSuccess: (publicToken, metadata) => end()?.onSuccess(publicToken, metadata),
    onExit: (error, metadata) => end()?.onExit(error, metadata),
    onEvent: (eventName, metadata) => entry.owner?.onEvent(eventName, metadata),
  })
  entry.holders.add(holder)
  entries().set(token, entry)
  return entry
}

/** Opens Link's session for `owner`, in the calling task. */
export function openHandler(entry: LinkEntry, owner: LinkSessionOwner): void {
  entry.owner = owner
  entry.handler.open()
}

/**
 * Closes an open session of `owner`'s. Its `onExit(null, …)` runs once: from Link, when Link
 * reports the exit at once, or from here.
 */
export function closeSession(entry: LinkEntry, owner: LinkSessionOwner): void {
  if (entry.owner !== owner) return
  entry.handler.exit({ force: true })
  if (entry.owner !== owner) return
  entry.owner = undefined
  owner.onExit(null, QUIET_EXIT)
}

/** `holder` no longer needs the handler; nobody holding it and no session open, it goes shortly. */
export function releaseHandler(entry: LinkEntry, holder: object): void {
  entry.holders.delete(holder)
  setTimeout(() => {
    if (entry.holders.size === 0 && !entry.owner) dropHandler(entry)
  })
}

/** Destroys the handler now: its token is spent, or Link refused it. */
export function dropHandler(entry: LinkEntry): void {
  const all = entries()
  if (all.get(entry.token) !== entry) return
  all.delete(entry.token)
  entry.handler.destroy()
}

/*
 * An OAuth bank sends the person back to the app's redirect page, a new page load. What the
 * redirect page needs to finish the session is kept in sessionStorage: the flow, the Link token
 * (not a secret: it only opens Link) and the Item being repaired. Nothing else is stored.
 */
export interface OAuthSessionRecord {
  flow: 'account' | 'repair'
  token: string
  itemId?: string | undefined
}

const OAUTH_KEY = '@utdk/plaid-react/oauth-session'

/*
 * Storage can be unavailable (private modes, sandboxed frames) and then throws: nothing is kept,
 * and an OAuth bank ends with OAUTH_STATE_MISSING on the redirect page.
 */
function withStorage<T>(act: (storage: Storage) => T): T | undefined {
  try {
    return act(sessionStorage)
  } catch {
    return undefined
  }
}

/** Keeps the session's record; an Item id that is `undefined` is left out. */
export const rememberOAuthSession = (record: OAuthSessionRecord): void =>
  withStorage((storage) => storage.setItem(OAUTH_KEY, JSON.stringify(record)))

export const storedOAuthSession = (): OAuthSessionRecord | undefined =>
  withStorage((storage) => {
    const record = JSON.parse(storage.getItem(OAUTH_KEY) ?? 'null') as Partial<OAuthSessionRecord> | null
    return record && typeof record.token === 'string' && (record.flow === 'account' || record.flow === 'repair')
      ? (record as OAuthSessionRecord)
      : undefined
  })

/** The session of `token` has ended: its record goes. */
export function forgetOAuthSession(token: string): void {
  if (storedOAuthSession()?.token === token) withStorage((storage) => storage.removeItem(OAUTH_KEY))
}
