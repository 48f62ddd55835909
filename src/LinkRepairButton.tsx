import { forwardRef } from 'react'
import { LinkFlowButton, splitLinkProps, type LinkFlowButtonProps } from './_internal/LinkFlowButton'
import { useLinkRepair, type UseLinkRepairOptions } from './useLinkRepair'

export interface LinkRepairButtonProps
  extends UseLinkRepairOptions, Omit<LinkFlowButtonProps, 'onSuccess' | 'onError'> {
  /** The Item to repair. */
  itemId: string
}

/**
 * A button that repairs an Item in Plaid Link's update mode. It fetches the update-mode token on
 * intent (pointer enter or focus) or on click, loads Link once per page, and opens it. Its state
 * is on `data-state` (`idle`, `loading`, `open`, `success`, `error`); it ships no styles. For
 * another element than a `<button>`, use `useLinkRepair`.
 *
 * @example
 * ```tsx
 * <LinkRepairButton itemId={item.id} onSuccess={() => mutate('/api/items')} className="btn">
 *   Reconnect {item.institutionName}
 * </LinkRepairButton>
 * ```
 */
export const LinkRepairButton = /* @__PURE__ */ forwardRef<HTMLButtonElement, LinkRepairButtonProps>(
  function LinkRepairButton({ itemId, ...props }, ref) {
    const [options, buttonProps] = splitLinkProps<typeof props, UseLinkRepairOptions>(props)
    return (
      <LinkFlowButton
        flow={useLinkRepair(itemId, options)}
        props={buttonProps}
        buttonRef={ref}
        label="Reconnect account"
        doing="reconnecting"
      />
    )
  },
)
