import { callSafely } from './_internal/callbacks'
import { confirmItem } from './_internal/items'
import { useLinkSession } from './_internal/useLinkSession'
import { useTokenSource } from './_internal/useTokenSource'
import type { PlaidGatewayError } from './PlaidGatewayError'
import type { PlaidLinkSuccessMetadata } from './linkTypes'
import type { LinkFlowOptions, LinkPrefetch } from './types'

/** Where the repair flow is: `loading` only after the person asked for Link. */
export type LinkRepairStatus = 'idle' | 'loading' | 'open' | 'success' | 'error'

export interface UseLinkRepairOptions extends LinkFlowOptions {
  /**
   * Let the person pick accounts again, for Items with `NEW_ACCOUNTS_AVAILABLE`.
   * @defaultValue `false`
   */
  accountSelectionEnabled?: boolean
  /** Link finished: the Item is repaired. Nothing is exchanged in update mode. */
  onSuccess?: (metadata: PlaidLinkSuccessMetadata) => void
  /**
   * When to get the update-mode token and Link's script: on intent (pointer enter or focus), or
   * as soon as the component mounts.
   * @defaultValue `'intent'`
   */
  prefetch?: LinkPrefetch
}

export interface UseLinkRepairResult {
  /** Opens Link in update mode: at once when a token and Link are ready, otherwise after loading them. */
  open: () => void
  /** Fetches the token and Link's script without changing `status`; call it on intent (hover, focus). */
  prefetch: () => void
  /** `idle`, `loading`, `open`, `success` or `error`. */
  status: LinkRepairStatus
  /**
   * The failure behind `status === 'error'`: the gateway's, Link's script's, or Link's own exit
   * error. When Plaid refuses update mode for an Item whose user revoked access
   * (`USER_PERMISSION_REVOKED`), its `displayMessage` says to link the bank again.
   */
  error: PlaidGatewayError | undefined
}

/**
 * The headless repair flow behind `<LinkRepairButton>`: gets an update-mode Link token for the
 * Item, loads Plaid Link once for the page, and opens Link in update mode. Call `prefetch` on
 * intent so that `open` usually opens Link in the same task as the click. Use it to give another
 * element (a menu item, a link) the button's behaviour.
 *
 * @example
 * ```tsx
 * const { open, prefetch, status, error } = useLinkRepair(item.id, { onSuccess: () => reloadItems() })
 * return <button onClick={open} onPointerEnter={prefetch} onFocus={prefetch} data-state={status}>Reconnect</button>
 * ```
 */
export function useLinkRepair(
  itemId: string | null | undefined,
  options: UseLinkRepairOptions = {},
): UseLinkRepairResult {
  // Not subscribed (enabled: false): the flow reads the shared cache when it acts, so a token
  // arriving or being replaced costs this component no render.
  const tokens = useTokenSource(itemId, { ...options, tokenType: 'link_token', enabled: false })
  // No Item, or an empty id: the flow cannot open, and says so when asked to.
  const key = itemId || undefined
  return useLinkSession(
    {
      flow: 'repair',
      key,
      options,
      // Update mode repairs the existing Item: there is nothing to exchange.
      // The gateway then confirms the Item's health with Plaid, for every usePlaidItems list.
      onLinkSuccess: (_publicToken, metadata, report, latest) => {
        const { config, mutate, options: newest } = latest.current
        report('success')
        if (key) confirmItem(mutate, config, key)
        callSafely(newest.onSuccess, metadata)
      },
    },
    tokens,
  ).result as UseLinkRepairResult
}
