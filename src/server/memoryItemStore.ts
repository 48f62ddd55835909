import type { ItemStore } from './types'

/**
 * An {@link ItemStore} that keeps access tokens in this process's memory, for development, tests
 * and demos. Everything is lost when the process ends, and separate processes or serverless
 * instances do not share it: use a database in production.
 *
 * Items are kept per user, so `get` finds an Item only for the user it was saved for.
 *
 * @example
 * ```ts
 * const gateway = createPlaidGateway({ store: createMemoryItemStore(), ...options })
 * ```
 */
export function createMemoryItemStore(): ItemStore {
  const itemsByUser = new Map<string, Map<string, string>>()
  return {
    async save({ userId, itemId, accessToken }) {
      let items = itemsByUser.get(userId)
      if (!items) {
        items = new Map()
        itemsByUser.set(userId, items)
      }
      items.set(itemId, accessToken)
    },
    async get(userId, itemId) {
      return itemsByUser.get(userId)?.get(itemId)
    },
  }
}
