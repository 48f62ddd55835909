import { forwardRef, useId, type ButtonHTMLAttributes, type ReactNode, type SyntheticEvent } from 'react'
import type { PlaidGatewayError } from './PlaidGatewayError'
import { useLinkRepair, type UseLinkRepairOptions } from './useLinkRepair'

export interface LinkRepairButtonProps extends UseLinkRepairOptions, ButtonHTMLAttributes<HTMLButtonElement> {
  /** The Item to repair. */
  itemId: string
  /**
   * What the message element next to the button shows in the `error` state. By default the
   * error's `displayMessage`, or a plain sentence. A function gets the error; `null` renders no
   * message element, for apps that show errors themselves (with `useLinkRepair`).
   */
  errorMessage?: ReactNode | ((error: PlaidGatewayError) => ReactNode)
}

/** A sentence a person can act on, for failures that came without Plaid's display_message. */
function fallbackErrorMessage({ errorType, errorCode }: PlaidGatewayError): string {
  return errorType === 'LINK_ERROR'
    ? 'We could not load the secure bank connection window. Check your connection and try again.'
    : errorCode === 'NETWORK_ERROR' || errorCode === 'TIMEOUT'
      ? 'We could not reach the server. Check your connection and try again.'
      : 'Something went wrong while reconnecting your account. Please try again.'
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
  function LinkRepairButton(
    {
      itemId,
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
    const describedBy = [buttonProps['aria-describedby'], message !== null && messageId].filter(Boolean).join(' ')
    // The app's handler runs first; `preventDefault()` in it cancels the button's own action.
    const handle =
      <E extends SyntheticEvent>(theirs: ((event: E) => void) | undefined, ours: () => void) =>
      (event: E) => {
        theirs?.(event)
        if (!event.defaultPrevented && !disabled) ours()
      }

    return (
      <>
        <button
          ref={ref}
          type="button"
          disabled={disabled}
          {...buttonProps}
          // The state attributes come after the app's props: they are the contract's to set.
          data-state={status}
          data-disabled={disabled ? '' : undefined}
          aria-busy={status === 'loading' || undefined}
          aria-describedby={describedBy || undefined}
          onClick={handle(onClick, open)}
          onPointerEnter={handle(onPointerEnter, prefetch)}
          onFocus={handle(onFocus, prefetch)}
        >
          {children ?? 'Reconnect account'}
        </button>
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
