import type { ExchangeClaim, ExchangeLedger, ItemStore, StoredItem } from './types'

interface MemoryItem extends StoredItem {
  accessToken: string
}

/**
 * An {@link ItemStore} that keeps Items in this process's memory, for development, tests and
 * demos. Everything is lost when the process ends, and separate processes or serverless
 * instances do not share it: use `createPostgresItemStore` (or your own database) in production.
 *
 * @example
 * ```ts
 * const gateway = createPlaidGateway({ store: createMemoryItemStore(), ...options })
 * ```
 */
export function createMemoryItemStore(): ItemStore {
  // In insertion order, which is the order `list` promises (oldest first).
  const items = new Map<string, MemoryItem>()
  const owned = (userId: string, itemId: string) => {
    const item = items.get(itemId)
    return item && item.userId === userId ? item : undefined
  }
  const summary = ({ accessToken: _accessToken, ...item }: MemoryItem): StoredItem => item

  return {
    async save({ userId, itemId, accessToken, institutionId = null, institutionName = null }) {
      const existing = items.get(itemId)
      if (existing && existing.userId !== userId) {
        throw new Error('createMemoryItemStore: this Item belongs to another user; the owner of an Item never changes.')
      }
      items.set(itemId, {
        userId,
        itemId,
        accessToken,
        status: 'healthy',
        institutionId: institutionId ?? existing?.institutionId ?? null,
        institutionName: institutionName ?? existing?.institutionName ?? null,
        errorCode: null,
        consentExpirationTime: null,
        updatedAt: new Date().toISOString(),
      })
    },
    async get(userId, itemId) {
      return owned(userId, itemId)?.accessToken
    },
    async list(userId) {
      return [...items.values()].filter((item) => item.userId === userId).map(summary)
    },
    async owner(itemId) {
      return items.get(itemId)?.userId
    },
    async setStatus(itemId, { status, errorCode = null, consentExpirationTime = null }) {
      const item = items.get(itemId)
      if (!item) return
      Object.assign(item, { status, errorCode, consentExpirationTime, updatedAt: new Date().toISOString() })
    },
    async remove(userId, itemId) {
      if (owned(userId, itemId)) items.delete(itemId)
    },
    exchangeLedger: createMemoryExchangeLedger(),
  }
}

interface LedgerEntry {
  claimId: string
  leaseEndsAt: number
  done?: { itemId: string; requestId?: string }
  keepUntil?: number
}

/**
 * The exchange ledger of one process: what the gateway uses when its store brings none, and the
 * memory store's own. Entries past their time are swept, at most once a second, when a claim comes.
 */
export function createMemoryExchangeLedger(): ExchangeLedger {
  const entries = new Map<string, LedgerEntry>()
  let lastSweep = 0
  const expired = (entry: LedgerEntry, now: number) =>
    entry.done ? (entry.keepUntil ?? 0) <= now : entry.leaseEndsAt <= now

  return {
    async claim(key, claimId, leaseMs): Promise<ExchangeClaim> {
      const now = Date.now()
      if (now - lastSweep >= 1000) {
        lastSweep = now
        for (const [other, entry] of entries) if (expired(entry, now)) entries.delete(other)
      }
      let entry = entries.get(key)
      if (entry && expired(entry, now)) entry = undefined
      if (entry?.done) return { state: 'done', ...entry.done }
      if (entry && entry.claimId !== claimId) return { state: 'pending' }
      entries.set(key, { claimId, leaseEndsAt: now + leaseMs })
      return { state: 'claimed' }
    },
    async complete(key, claimId, outcome, keepMs) {
      const entry = entries.get(key)
      if (entry?.claimId !== claimId) return
      entry.done = outcome.requestId === undefined ? { itemId: outcome.itemId } : { ...outcome }
      entry.keepUntil = Date.now() + keepMs
    },
    async release(key, claimId) {
      if (entries.get(key)?.claimId === claimId) entries.delete(key)
    },
  }
}
