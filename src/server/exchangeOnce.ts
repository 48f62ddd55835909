/*
 * Makes the exchange of a public token idempotent per user. A public token can be exchanged with
 * Plaid only once, but browsers retry (a lost response, a double click, a reload), so a retry by
 * the same user within the window answers with the first result, and concurrent retries share the
 * one request in flight. The key holds the user, so another user sending the same token never
 * gets this user's Item.
 */

/** Plaid's answer to an exchange, before it is saved. */
export interface Exchanged {
  itemId: string
  accessToken: string
  requestId: string | undefined
}

/** What the browser is told; never the access token. */
export interface ExchangeOutcome {
  itemId: string
  requestId: string | undefined
}

interface Entry {
  /* Plaid's answer once it came, kept only until it is saved: a failed save is retried with it. */
  exchanged?: Promise<Exchanged>
  outcome?: ExchangeOutcome
  running?: Promise<ExchangeOutcome>
  /* Set once Plaid answered; until then the entry is in flight and never expires. */
  expiresAt?: number
}

/* Public tokens live 30 minutes, so a retry after that could not succeed with Plaid anyway. */
export const EXCHANGE_WINDOW_MS = 30 * 60_000
const SWEEP_EVERY_MS = 60_000

export interface ExchangeOnce {
  run(
    userId: string,
    publicToken: string,
    exchange: () => Promise<Exchanged>,
    save: (exchanged: Exchanged) => Promise<void>,
  ): Promise<ExchangeOutcome>
}

export function createExchangeOnce(): ExchangeOnce {
  const entries = new Map<string, Entry>()
  let lastSweep = Date.now()

  function sweep(now: number) {
    if (now - lastSweep < SWEEP_EVERY_MS) return
    lastSweep = now
    for (const [key, entry] of entries) {
      if (!entry.running && entry.expiresAt !== undefined && entry.expiresAt <= now) entries.delete(key)
    }
  }

  return {
    run(userId, publicToken, exchange, save) {
      const now = Date.now()
      sweep(now)
      const key = JSON.stringify([userId, publicToken])
      let entry = entries.get(key)
      if (entry && !entry.running && entry.expiresAt !== undefined && entry.expiresAt <= now) {
        entries.delete(key)
        entry = undefined
      }
      if (entry?.outcome) return Promise.resolve(entry.outcome)
      if (entry?.running) return entry.running

      const current: Entry = entry ?? {}
      entries.set(key, current)
      const running = (async (): Promise<ExchangeOutcome> => {
        if (!current.exchanged) {
          current.exchanged = exchange()
          current.exchanged.then(
            () => {
              current.expiresAt = Date.now() + EXCHANGE_WINDOW_MS
            },
            // A failed exchange is forgotten, so the user can try again (Plaid decides the outcome).
            () => {
              if (entries.get(key) === current) entries.delete(key)
            },
          )
        }
        const exchanged = await current.exchanged
        // A failed save keeps `exchanged`, so the next retry saves again without spending the
        // single-use public token a second time.
        await save(exchanged)
        current.outcome = { itemId: exchanged.itemId, requestId: exchanged.requestId }
        // Saved: the access token is no longer needed here.
        current.exchanged = undefined
        return current.outcome
      })()
      current.running = running
      const done = () => {
        if (current.running === running) current.running = undefined
      }
      running.then(done, done)
      return running
    },
  }
}
