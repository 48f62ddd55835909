import { useCallback, useState } from 'react'
import useSWR from 'swr'
import type { PlaidGatewayError } from './PlaidGatewayError'
import { useGatewayConfig } from './_internal/config'
import { listItems, removeItem } from './_internal/items'
import { endpointUrl } from './_internal/request'
import type { PlaidItem, UsePlaidItemsOptions, UsePlaidItemsResult } from './types'
import { ITEMS_CACHE_KEY } from './wire'

/**
 * The signed-in user's Items with their health, from the gateway's store (no Plaid call). It
 * revalidates on focus like any SWR data; after a repair the Item shows what the gateway confirmed
 * with Plaid, and after a new link the list is asked for again.
 *
 * @example
 * ```tsx
 * const { items, remove } = usePlaidItems()
 * return items?.map((item) =>
 *   item.needsRepair ? (
 *     <LinkRepairButton key={item.itemId} itemId={item.itemId}
 *       accountSelectionEnabled={item.status === 'new_accounts_available'} />
 *   ) : (
 *     <button key={item.itemId} onClick={() => void remove(item.itemId)}>Remove</button>
 *   ),
 * )
 * ```
 */
export function usePlaidItems(options: UsePlaidItemsOptions = {}): UsePlaidItemsResult {
  const { enabled = true, ...gateway } = options
  const config = useGatewayConfig(gateway)
  const { data, error, isLoading, mutate } = useSWR<PlaidItem[], PlaidGatewayError>(
    enabled ? [ITEMS_CACHE_KEY, endpointUrl(config, 'itemList')] : null,
    () => listItems(config),
  )
  const [removeError, setRemoveError] = useState<PlaidGatewayError>()

  const refresh = useCallback(async () => {
    await mutate()
  }, [mutate])

  const remove = useCallback(
    async (itemId: string) => {
      const without = (items: PlaidItem[] | undefined) => (items ?? []).filter((item) => item.itemId !== itemId)
      try {
        await mutate(
          async (items) => {
            await removeItem(config, itemId)
            return without(items)
          },
          { optimisticData: without, rollbackOnError: true, revalidate: false },
        )
        setRemoveError(undefined)
        return true
      } catch (failure) {
        setRemoveError(failure as PlaidGatewayError)
        return false
      }
    },
    [config, mutate],
  )

  return { items: data, error: removeError ?? error, isLoading, refresh, remove }
}
