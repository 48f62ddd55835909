import { accountsToKeep, isStorableText, refuseUnstorable, refuseUnstorableItem } from './storedValues'
import type { ExchangeClaim, ExchangeLedger, ItemStore, StoredItem } from './types'

interface MemoryItem extends StoredItem {
  accessToken: string
  /* When Plaid signed the webhook that last set the status (ms since the epoch), for ordering webhooks. */
  statusAsOf: number | null
}

/**
 * An {@link ItemStore} that keeps Items in this process's memory, for development, tests and
 * demos. Everything is lost when the process ends, and separate processes or serverless
 * instances do not share it: use `createPostgresItemStore` (or your own database) in production.
 *
 * It keeps the PostgreSQL store's rules on text, so an app tried on it behaves the same there:
 * an id with a NUL character or a lone UTF-16 surrogate is an unknown Item, and saving such a
 * value in any field throws a `TypeError` naming the field.
 *
 * @example
 * ```ts
 * const gateway = createPlaidGateway({ store: createMemoryItemStore(), ...options })
 * ```
 */
export function createMemoryItemStore(): ItemStore & { exchangeLedger: ExchangeLedger } {
  // In insertion order, which is the order `list` promises (oldest first).
  const items = new Map<string, MemoryItem>()
  const owned = (userId: string, itemId: string) => {
    const item = items.get(itemId)
    return item && item.userId === userId ? item : undefined
  }
  const summary = ({ accessToken: _accessToken, statusAsOf: _statusAsOf, ...item }: MemoryItem): StoredItem => ({
    ...item,
    accounts: item.accounts.map((account) => ({ ...account })),
  })

  const store: ItemStore & { exchangeLedger: ExchangeLedger } = {
    async save(item) {
      refuseUnstorableItem('createMemoryItemStore: save', item)
      const { userId, itemId, accessToken, institutionId = null, institutionName = null } = item
      const accounts = accountsToKeep(item.accounts)
      const existing = items.get(itemId)
      if (existing && existing.userId !== userId) {
        throw new Error('createMemoryItemStore: this Item belongs to another user; the owner of an Item never changes.')
      }
      const now = Date.now()
      items.set(itemId, {
        userId,
        itemId,
        accessToken,
        status: 'healthy',
        institutionId: institutionId ?? existing?.institutionId ?? null,
        institutionName: institutionName ?? existing?.institutionName ?? null,
        errorCode: null,
        consentExpirationTime: null,
        disconnectTime: null,
        reason: null,
        accounts: accounts ?? existing?.accounts ?? [],
        updatedAt: new Date(now).toISOString(),
        statusAsOf: existing?.statusAsOf ?? null,
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
    async setStatus(itemId, update) {
      if (!isStorableText(itemId)) return
      if (update.asOf !== undefined && !Number.isFinite(update.asOf)) {
        throw new TypeError(
          `createMemoryItemStore: setStatus got asOf ${String(update.asOf)}; it must be milliseconds since the epoch.`,
        )
      }
      const { errorCode, consentExpirationTime, disconnectTime, reason } = update
      refuseUnstorable('createMemoryItemStore: setStatus', { errorCode, consentExpirationTime, disconnectTime, reason })
      const item = items.get(itemId)
      if (!item) return
      // A webhook older than the one that set the status says something that is no longer true.
      if (update.asOf !== undefined && item.statusAsOf !== null && update.asOf < item.statusAsOf) return
      Object.assign(item, {
        status: update.status,
        errorCode: update.errorCode ?? null,
        consentExpirationTime: update.consentExpirationTime ?? null,
        disconnectTime: update.disconnectTime ?? null,
        reason: update.reason ?? null,
        updatedAt: new Date().toISOString(),
        statusAsOf: update.asOf ?? item.statusAsOf,
      })
    },
    async remove(userId, itemId) {
      if (owned(userId, itemId)) items.delete(itemId)
    },
    async setInstitution(itemId, { institutionId, institutionName }) {
      if (!isStorableText(itemId)) return
      refuseUnstorable('createMemoryItemStore: setInstitution', { institutionId, institutionName })
      const item = items.get(itemId)
      if (!item) return
      item.institutionId = institutionId ?? item.institutionId
      item.institutionName = institutionName ?? item.institutionName
    },
    ...createWebhookMemory(),
    exchangeLedger: createMemoryExchangeLedger(),
  }
  // The memory store saves and completes in one step: nothing can happen between them in one process.
  const ledger = store.exchangeLedger
  ledger.saveAndComplete = async (item, key, claimId, outcome, keepMs) => {
    await store.save(item)
    await ledger.complete(key, claimId, outcome, keepMs)
  }
  return store
}

/**
 * The webhooks one process has seen, by opaque id: what the gateway uses when its store keeps
 * none, and the memory store's own. Ids past their time are swept, at most once a second.
 */
export function createWebhookMemory(): Required<Pick<ItemStore, 'rememberWebhook' | 'forgetWebhook'>> {
  const keptUntil = new Map<string, number>()
  let lastSweep = 0
  return {
    async rememberWebhook(id, keepMs) {
      const now = Date.now()
      if (now - lastSweep >= 1000) {
        lastSweep = now
        for (const [other, until] of keptUntil) if (until <= now) keptUntil.delete(other)
      }
      const until = keptUntil.get(id)
      if (until !== undefined && until > now) return false
      keptUntil.set(id, now + keepMs)
      return true
    },
    async forgetWebhook(id) {
      keptUntil.delete(id)
    },
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
