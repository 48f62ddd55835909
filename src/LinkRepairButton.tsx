import { Slot } from '@radix-ui/react-slot'
import { forwardRef, useId, type ButtonHTMLAttributes, type ReactNode, type SyntheticEvent } from 'react'
import type { PlaidGatewayError } from './PlaidGatewayError'
import { useLinkRepair, type UseLinkRepairOptions } from './useLinkRepair'

export interface LinkRepairButtonProps extends UseLinkRepairOptions, ButtonHTMLAttributes<HTMLButtonElement> {
  /** The Item to repair. */
  itemId: string
  /**
   * Render the single child element instead of a `<button>`, with the button's behaviour and
   * attributes merged onto it (through Radix's Slot).
   * @defaultValue `false`
   */
  asChild?: boolean
  /**
   * What the message element next to the button shows in the `error` state. By default the
   * error's `displayMessage`, or a plain sentence. A function gets the error; `null` renders no
   * message element, for apps that show errors themselves (with `useLinkRepair`).
   */
  errorMessage?: ReactNode | ((error: PlaidGatewayError) => ReactNode)
}

/** A sentence a person can act on, for failures that came without Plaid's display_message. */
function fallbackErrorMessage(error: PlaidGatewayError): string {
  if (error.errorType === 'LINK_ERROR' && error.errorCode.startsWith('LINK_SCRIPT_')) {
    return 'We could not load the secure bank connection window. Check your connection and try again.'
  }
  if (error.errorCode === 'NETWORK_ERROR' || error.errorCode === 'TIMEOUT') {
    return 'We could not reach the server. Check your connection and try again.'
  }
  return 'Something went wrong while reconnecting your account. Please try again.'
}

function compose<E extends SyntheticEvent>(theirs: ((event: E) => void) | undefined, ours: (event: E) => void) {
  return (event: E) => {
    theirs?.(event)
    if (!event.defaultPrevented) ours(event)
  }
}

/**
 * A button that repairs an Item in Plaid Link's update mode. It fetches the update-mode token on
 * intent (pointer enter or focus) or on click, loads Link once per page, and opens it. Its state
 * is on `data-state` (`idle`, `loading`, `open`, `success`, `error`); it ships no styles.
 *
 * @example
 * ```tsx
 * <LinkRepairButton itemId={item.id} onSuccess={() => mutate('/api/items')} className="btn">
 *   Reconnect {item.institutionName}
 * </LinkRepairButton>
 * ```
 */
export const LinkRepairButton = /* @__PURE__ */ forwardRef<HTMLButtonElement, LinkRepairButtonProps>(
  function LinkRepairButton(
    {
      itemId,
      asChild = false,
      errorMessage,
      accountSelectionEnabled,
      onSuccess,
      onExit,
      onEvent,
      scriptTimeoutMs,
      baseUrl,
      headers,
      credentials,
      fetch,
      timeoutMs,
      paths,
      children,
      disabled,
      onClick,
      onPointerEnter,
      onFocus,
      ...buttonProps
    },
    ref,
  ) {
    const { open, prefetch, status, error } = useLinkRepair(itemId, {
      accountSelectionEnabled,
      onSuccess,
      onExit,
      onEvent,
      scriptTimeoutMs,
      baseUrl,
      headers,
      credentials,
      fetch,
      timeoutMs,
      paths,
    })
    const messageId = useId()
    const message =
      error === undefined || errorMessage === null
        ? null
        : typeof errorMessage === 'function'
          ? errorMessage(error)
          : (errorMessage ?? error.displayMessage ?? fallbackErrorMessage(error))
    const describedBy = [buttonProps['aria-describedby'], message !== null ? messageId : undefined]
      .filter(Boolean)
      .join(' ')
    const Component = asChild ? Slot : 'button'

    return (
      <>
        <Component
          ref={ref}
          {...(asChild ? {} : { type: 'button' as const })}
          {...(asChild && disabled ? { 'aria-disabled': true } : {})}
          disabled={disabled}
          {...buttonProps}
          // The state attributes come after the app's props: they are the contract's to set.
          data-state={status}
          data-disabled={disabled ? '' : undefined}
          aria-busy={status === 'loading' ? true : undefined}
          aria-describedby={describedBy || undefined}
          onClick={compose(onClick, (event) => {
            if (disabled) return
            // The element's own default action (following a link, submitting a form) gives way
            // to the repair.
            if (asChild) event.preventDefault()
            open()
          })}
          onPointerEnter={compose(onPointerEnter, () => {
            if (!disabled) prefetch()
          })}
          onFocus={compose(onFocus, () => {
            if (!disabled) prefetch()
          })}
        >
          {children ?? 'Reconnect account'}
        </Component>
        {errorMessage === null ? null : (
          // Present in every state, so that screen readers announce the message when it appears.
          <span id={messageId} role="status" aria-live="polite" data-state={status}>
            {message}
          </span>
        )}
      </>
    )
  },
)
