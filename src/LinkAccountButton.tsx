import { forwardRef } from 'react'
import { LinkFlowButton, splitLinkProps, type LinkFlowButtonProps } from './_internal/LinkFlowButton'
import { useLinkAccount, type UseLinkAccountOptions } from './useLinkAccount'

export interface LinkAccountButtonProps
  extends UseLinkAccountOptions, Omit<LinkFlowButtonProps, 'onSuccess' | 'onError'> {}

/**
 * A button that links a new bank account: it gets a Link token for a new Item from the gateway
 * on intent or on click, opens Link, and exchanges Link's public token through the gateway. Its
 * state is on `data-state` (`idle`, `loading`, `open`, `exchanging`, `success`, `error`); after a
 * failed exchange the next click sends the same public token again. It ships no styles. For
 * another element than a `<button>`, use `useLinkAccount`.
 *
 * @example
 * ```tsx
 * <LinkAccountButton onSuccess={({ itemId }) => router.push(`/accounts/${itemId}`)} className="btn">
 *   Connect a bank
 * </LinkAccountButton>
 * ```
 */
export const LinkAccountButton = /* @__PURE__ */ forwardRef<HTMLButtonElement, LinkAccountButtonProps>(
  function LinkAccountButton(props, ref) {
    const [options, buttonProps] = splitLinkProps<typeof props, UseLinkAccountOptions>(props)
    return (
      <LinkFlowButton
        flow={useLinkAccount(options)}
        props={buttonProps}
        buttonRef={ref}
        label="Connect a bank"
        doing="connecting"
      />
    )
  },
)
