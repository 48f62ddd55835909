import { useTokenSource } from './_internal/useTokenSource'
import type { UseUpdateModeTokenOptions, UseUpdateModeTokenResult } from './types'

/**
 * Gets an update-mode token for an existing Item from the app's gateway: a Link token by default,
 * or a legacy public token. Hooks for the same Item share one request and one cached token; the
 * token is replaced before it expires while a hook uses it, and an expired one is never returned.
 *
 * @example
 * ```tsx
 * const { token, isLoading, error, refresh } = useUpdateModeToken(item.id)
 * ```
 */
export function useUpdateModeToken(
  itemId: string | null | undefined,
  options: UseUpdateModeTokenOptions = {},
): UseUpdateModeTokenResult {
  return useTokenSource(itemId, options).result
}
