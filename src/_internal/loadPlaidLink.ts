/*
 * Loads Plaid Link's script once for the whole page, however many buttons ask. A failure is
 * forgotten, so the next click tries again with a fresh script element.
 */
import { PlaidGatewayError } from '../PlaidGatewayError'
import type { PlaidLinkFactory } from '../linkTypes'

const SCRIPT_URL = 'https://cdn.plaid.com/link/v2/stable/link-initialize.js'
const MARK = 'data-plaid-react-link'

let loading: Promise<PlaidLinkFactory> | undefined

/** `window.Plaid` when the page has Link already; call it from events and effects only. */
export function linkOnPage(): PlaidLinkFactory | undefined {
  const plaid = (window as { Plaid?: PlaidLinkFactory }).Plaid
  return typeof plaid?.create === 'function' ? plaid : undefined
}

/** Resolves with `window.Plaid`, adding Plaid's script to the page when it is not there yet. */
export function loadPlaidLink(timeoutMs: number): Promise<PlaidLinkFactory> {
  const present = linkOnPage()
  if (present) return Promise.resolve(present)
  return (loading ??= new Promise<PlaidLinkFactory>((resolve, reject) => {
    // Our own tag, still loading from an earlier attempt, is waited for. A tag the app added
    // itself is not: it may have failed already, and then no event would ever come.
    const existing = document.querySelector<HTMLScriptElement>(`script[${MARK}]`)
    const script = existing ?? document.createElement('script')
    // `step`: 0 the script loaded, 1 it failed, 2 it did not arrive in time.
    const settle = (step: number) => {
      clearTimeout(timer)
      script.removeEventListener('load', onLoad)
      script.removeEventListener('error', onError)
      const plaid = linkOnPage()
      if (step === 0 && plaid) return resolve(plaid)
      // Our element goes, so the next attempt adds a fresh one instead of waiting on a dead one.
      script.remove()
      const errorCode = step === 2 ? 'LINK_SCRIPT_TIMEOUT' : 'LINK_SCRIPT_FAILED'
      reject(
        new PlaidGatewayError({
          errorType: 'LINK_ERROR',
          errorCode,
          errorMessage:
            (process.env.NODE_ENV !== 'production' &&
              [
                `Plaid Link's script loaded from ${SCRIPT_URL} but did not define window.Plaid.`,
                `Plaid Link's script could not be loaded from ${SCRIPT_URL} (offline, blocked by an extension, ` +
                  "or not allowed by the page's Content-Security-Policy script-src).",
                `Plaid Link's script did not arrive from ${SCRIPT_URL} within ${timeoutMs} ms.`,
              ][step]) ||
            errorCode,
        }),
      )
    }
    const onLoad = () => settle(0)
    const onError = () => settle(1)
    const timer = setTimeout(settle, timeoutMs, 2)
    script.addEventListener('load', onLoad)
    script.addEventListener('error', onError)
    if (!existing) {
      script.src = SCRIPT_URL
      script.async = true
      script.setAttribute(MARK, '')
      document.head.appendChild(script)
    }
  }).finally(() => {
    // Once settled, window.Plaid is the record of success; a failure is forgotten so the next
    // attempt starts afresh.
    loading = undefined
  }))
}
