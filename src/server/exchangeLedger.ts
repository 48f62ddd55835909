/*
 * Makes the exchange of a public token idempotent per user, across every gateway instance that
 * shares the ledger. A public token can be exchanged with Plaid only once, but browsers retry (a
 * lost response, a double click, a reload), so a retry by the same user answers with the first
 * result, and a retry that comes while the first is still running waits for it (and, if the first
 * fails, answers with a failure of its own instead of a second Plaid call). The key holds the
 * user, so another user sending the same token never gets this user's Item.
 */
import type { ExchangeLedger } from './types'

/** What the browser is told; never the access token. */
export interface ExchangeOutcome {
  itemId: string
  requestId: string | undefined
}

/* Public tokens live 30 minutes, so a retry after that could not succeed with Plaid anyway. */
export const EXCHANGE_WINDOW_MS = 30 * 60_000

/* How often a waiting retry asks the ledger again: soon at first, then every quarter second. */
const FIRST_POLL_MS = 20
const LONGEST_POLL_MS = 250

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The ledger key: a SHA-256 of the user and the public token, so the ledger (often a database
 * table) never holds the public token itself.
 */
async function ledgerKey(userId: string, publicToken: string): Promise<string> {
  const text = JSON.stringify([userId, publicToken])
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('')
}

export interface ClaimOptions {
  userId: string
  publicToken: string
  /**
   * How long the first request may hold the claim. Longer than the whole exchange can take, so
   * that a live request never loses it; an instance that died mid-exchange frees it when it ends.
   */
  leaseMs: number
  /** How long a retry waits for a claim held elsewhere before it gives up. */
  waitMs: number
  /** Raised when a retry waited `waitMs` and the first request still had not finished. */
  stillRunning: () => Error
  /** Raised when a retry waited for the first request, and that one ended without an Item. */
  firstFailed: () => Error
}

/** This request holds the exchange of the token: it must complete or release the claim. */
export interface HeldClaim {
  state: 'claimed'
  key: string
  claimId: string
}

/** Claims the exchange of a public token, or resolves with the answer another request already gave. */
export async function claimExchange(
  ledger: ExchangeLedger,
  options: ClaimOptions,
): Promise<HeldClaim | { state: 'done'; outcome: ExchangeOutcome }> {
  const key = await ledgerKey(options.userId, options.publicToken)
  const claimId = globalThis.crypto.randomUUID()
  const giveUpAt = Date.now() + options.waitMs
  let waited = false
  for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, LONGEST_POLL_MS)) {
    const claim = await ledger.claim(key, claimId, options.leaseMs)
    if (claim.state === 'done') return { state: 'done', outcome: { itemId: claim.itemId, requestId: claim.requestId } }
    if (claim.state === 'claimed') {
      // A retry that waited for another request never calls Plaid itself: that request failed
      // (or died), and a second call with the same public token would only wait out a second
      // deadline for Plaid's answer to a token it has most likely seen. The person retries.
      if (waited) {
        await ledger.release(key, claimId).catch(() => undefined)
        throw options.firstFailed()
      }
      return { state: 'claimed', key, claimId }
    }
    waited = true
    if (Date.now() + pause > giveUpAt) throw options.stillRunning()
    await sleep(pause)
  }
}

/** The ledger of the store when it has one, else `fallback()` (one process only). */
export const exchangeLedgerOf = (store: { exchangeLedger?: ExchangeLedger }, fallback: () => ExchangeLedger) =>
  store.exchangeLedger && typeof store.exchangeLedger.claim === 'function' ? store.exchangeLedger : fallback()
