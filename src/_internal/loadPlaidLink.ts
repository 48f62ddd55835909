/*
 * Loads Plaid Link's script once for the whole page, however many buttons ask. A failure is
 * forgotten, so the next click tries again with a fresh script element.
 */
import { PlaidGatewayError } from '../PlaidGatewayError'
import type { PlaidLinkFactory } from '../linkTypes'

const PLAID_LINK_SCRIPT_URL = 'https://cdn.plaid.com/link/v2/stable/link-initialize.js'
export const DEFAULT_SCRIPT_TIMEOUT_MS = 15_000
const MARK = 'data-plaid-react-link'

let loading: Promise<PlaidLinkFactory> | undefined

/** `window.Plaid` when the page has Link already; call it from events and effects only. */
export function linkOnPage(): PlaidLinkFactory | undefined {
  const plaid = (window as { Plaid?: PlaidLinkFactory }).Plaid
  return plaid && typeof plaid.create === 'function' ? plaid : undefined
}

function scriptError(errorCode: 'LINK_SCRIPT_FAILED' | 'LINK_SCRIPT_TIMEOUT', errorMessage: string): PlaidGatewayError {
  return new PlaidGatewayError({ errorType: 'LINK_ERROR', errorCode, errorMessage })
}

/** Resolves with `window.Plaid`, adding Plaid's script to the page when it is not there yet. */
export function loadPlaidLink(timeoutMs: number = DEFAULT_SCRIPT_TIMEOUT_MS): Promise<PlaidLinkFactory> {
  const present = linkOnPage()
  if (present) return Promise.resolve(present)
  if (loading) return loading

  loading = new Promise<PlaidLinkFactory>((resolve, reject) => {
    // Our own tag, still loading from an earlier attempt, is waited for. A tag the app added
    // itself is not: it may have failed already, and then no event would ever come.
    const existing = document.querySelector<HTMLScriptElement>(`script[${MARK}]`)
    const script = existing ?? document.createElement('script')
    const settle = (outcome: () => void) => {
      clearTimeout(timer)
      script.removeEventListener('load', onLoad)
      script.removeEventListener('error', onError)
      outcome()
    }
    const drop = () => {
      // Our element goes, so the next attempt adds a fresh one instead of waiting on a dead one.
      script.remove()
    }
    const onLoad = () =>
      settle(() => {
        const plaid = linkOnPage()
        if (plaid) return resolve(plaid)
        drop()
        reject(
          scriptError(
            'LINK_SCRIPT_FAILED',
            `Plaid Link's script loaded from ${PLAID_LINK_SCRIPT_URL} but did not define window.Plaid.`,
          ),
        )
      })
    const onError = () =>
      settle(() => {
        drop()
        reject(
          scriptError(
            'LINK_SCRIPT_FAILED',
            `Plaid Link's script could not be loaded from ${PLAID_LINK_SCRIPT_URL} (offline, blocked by an ` +
              "extension, or not allowed by the page's Content-Security-Policy script-src).",
          ),
        )
      })
    const timer = setTimeout(
      () =>
        settle(() => {
          drop()
          reject(
            scriptError(
              'LINK_SCRIPT_TIMEOUT',
              `Plaid Link's script did not arrive from ${PLAID_LINK_SCRIPT_URL} within ${timeoutMs} ms.`,
            ),
          )
        }),
      timeoutMs,
    )
    script.addEventListener('load', onLoad)
    script.addEventListener('error', onError)
    if (!existing) {
      script.src = PLAID_LINK_SCRIPT_URL
      script.async = true
      script.setAttribute(MARK, '')
      document.head.appendChild(script)
    }
  })
  // Once settled, window.Plaid is the record of success; a failure is forgotten so the next
  // attempt starts afresh.
  const forget = () => {
    loading = undefined
  }
  loading.then(forget, forget)
  return loading
}
