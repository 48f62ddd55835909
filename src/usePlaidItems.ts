import { useCallback, useState } from 'react'
import useSWR, { type SWRConfiguration } from 'swr'
import type { PlaidGatewayError } from './PlaidGatewayError'
import { useGatewayConfig } from './_internal/config'
import { listItems, removeItem } from './_internal/items'
import { endpointUrl } from './_internal/request'
import { canHeal } from './_internal/tokenSchedule'
import type { PlaidItem, UsePlaidItemsOptions, UsePlaidItemsResult } from './types'
import { ITEMS_CACHE_KEY } from './wire'

/*
 * SWR retries a failed list only when the failure can heal (the network, a timeout, a 429, a
 * 5xx), as the token hooks do: a 4xx such as 401 or 404 answers the same however often it is asked.
 */
const ITEMS_SWR_OPTIONS: SWRConfiguration<PlaidItem[], PlaidGatewayError> = { shouldRetryOnError: canHeal }

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
    ITEMS_SWR_OPTIONS,
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
