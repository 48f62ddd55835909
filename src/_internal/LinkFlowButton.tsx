/*
 * What LinkRepairButton and LinkAccountButton share: the split of their props into the flow's
 * options and the button's own, and the button with its message element. The option names are
 * listed once, and the compiler checks that the list holds every option, so an option can never
 * land on the `<button>`.
 */
import { useId, type ButtonHTMLAttributes, type ForwardedRef, type ReactNode, type SyntheticEvent } from 'react'
import type { PlaidGatewayError } from '../PlaidGatewayError'
import type { UseLinkAccountOptions } from '../useLinkAccount'
import type { UseLinkRepairOptions } from '../useLinkRepair'
import type { LinkFlowStatus } from './useLinkSession'

/** Every option of a Link flow that a button takes as a prop. */
export const LINK_FLOW_OPTIONS = [
  'baseUrl',
  'headers',
  'credentials',
  'fetch',
  'timeoutMs',
  'paths',
  'onExit',
  'onEvent',
  'onError',
  'prefetch',
  'scriptTimeoutMs',
  'cspNonce',
  'onSuccess',
  'accountSelectionEnabled',
] as const

type ListedOption = (typeof LINK_FLOW_OPTIONS)[number]
// A compile error here names an option missing from the list above.
const everyOptionListed: Exclude<keyof UseLinkRepairOptions | keyof UseLinkAccountOptions, ListedOption> extends never
  ? true
  : never = true
void everyOptionListed

/** `props` split into the options of `O` and what is left for the button. */
export function splitLinkProps<P extends object, O>(props: P): [O, Omit<P, ListedOption>] {
  const options: Record<string, unknown> = {}
  const rest = { ...props } as Record<string, unknown>
  for (const name of LINK_FLOW_OPTIONS) {
    if (name in rest) {
      options[name] = rest[name]
      delete rest[name]
    }
  }
  return [options as O, rest as Omit<P, ListedOption>]
}

/** The props of a Link flow button beyond the flow's options. */
export interface LinkFlowButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  /**
   * What the message element next to the button shows in the `error` state. By default the
   * error's `displayMessage`, or a plain sentence. A function gets the error; `null` renders no
   * message element, for apps that show errors themselves (with the flow's hook).
   */
  errorMessage?: ReactNode | ((error: PlaidGatewayError) => ReactNode)
}

interface Flow {
  open: () => void
  prefetch: () => void
  status: LinkFlowStatus
  error: PlaidGatewayError | undefined
}

/** A sentence a person can act on, for failures that came without Plaid's display_message. */
function fallbackErrorMessage({ errorType, errorCode }: PlaidGatewayError, doing: string): string {
  return errorType === 'LINK_ERROR'
    ? 'We could not load the secure bank connection window. Check your connection and try again.'
    : errorCode === 'NETWORK_ERROR' || errorCode === 'TIMEOUT'
      ? 'We could not reach the server. Check your connection and try again.'
      : `Something went wrong while ${doing} your account. Please try again.`
}

/** The button of a Link flow and, after it, the message element for its errors. */
export function LinkFlowButton({
  flow: { open, prefetch, status, error },
  props: { errorMessage, children, disabled, onClick, onPointerEnter, onFocus, ...buttonProps },
  buttonRef,
  label,
  doing,
}: {
  flow: Flow
  props: LinkFlowButtonProps
  buttonRef: ForwardedRef<HTMLButtonElement>
  /** The label when the app gives none. */
  label: string
  /** What the flow does, for the fallback sentence: "reconnecting", "connecting". */
  doing: string
}) {
  const messageId = useId()
  const message =
    error === undefined || errorMessage === null
      ? null
      : typeof errorMessage === 'function'
        ? errorMessage(error)
        : (errorMessage ?? error.displayMessage ?? fallbackErrorMessage(error, doing))
  const describedBy = [buttonProps['aria-describedby'], message !== null && messageId].filter(Boolean).join(' ')
  // The app's handler runs first; `preventDefault()` in it cancels the button's own action.
  const handle =
    <E extends SyntheticEvent>(theirs: ((event: E) => void) | undefined, ours: () => void) =>
    (event: E) => {
      theirs?.(event)
      if (!event.defaultPrevented && !disabled) ours()
    }
  const busy = status === 'loading' || status === 'exchanging'
  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        disabled={disabled}
        {...buttonProps}
        // The state attributes come after the app's props: they are the contract's to set.
        data-state={status}
        data-disabled={disabled ? '' : undefined}
        aria-busy={busy || undefined}
        aria-describedby={describedBy || undefined}
        onClick={handle(onClick, open)}
        onPointerEnter={handle(onPointerEnter, prefetch)}
        onFocus={handle(onFocus, prefetch)}
      >
        {children ?? label}
      </button>
      {errorMessage === null ? null : (
        // Present in every state, so that screen readers announce the message when it appears.
        <span id={messageId} role="status" aria-live="polite" data-state={status}>
          {message}
        </span>
      )}
    </>
  )
}
