/*
 * Loads Plaid Link's script once for the whole page (see page.ts), however many buttons ask and
 * however many copies of the package the page holds. A tag that another library (react-plaid-link,
 * say) added is waited for rather than doubled, so the script runs once; if it fails, it is
 * replaced. Every caller waits as long as its own timeout says, not as long as the caller that
 * started the load. A failure is forgotten, so the next click tries again with a fresh element.
 */
import { linkError } from '../PlaidGatewayError'
import type { PlaidLinkFactory } from '../linkTypes'
import { pageSlot } from './page'
import { withDeadline } from './timer'

export const SCRIPT_URL = 'https://cdn.plaid.com/link/v2/stable/link-initialize.js'
const MARK = 'data-plaid-react-link'

interface ScriptLoad {
  script: HTMLScriptElement
  done: Promise<PlaidLinkFactory>
  /** Callers still waiting; when the last one gives up, the load is abandoned. */
  waiting: number
}

/** `window.Plaid` when the page has Link already; call it from events and effects only. */
export function linkOnPage(): PlaidLinkFactory | undefined {
  const plaid = (window as unknown as { Plaid?: PlaidLinkFactory }).Plaid
  return typeof plaid?.create === 'function' ? plaid : undefined
}

const scriptState = () => pageSlot('linkScript', () => ({ current: undefined as ScriptLoad | undefined }))

/* Ends a load: its element goes, so the next attempt adds a fresh one instead of waiting on a dead one. */
function forget(load: ScriptLoad): void {
  const state = scriptState()
  if (state.current === load) state.current = undefined
  load.script.remove()
}

/**
 * Plaid's script tag that someone else added and that may still load. One whose script was
 * fetched without defining `window.Plaid` has failed, and no event will come from it: it goes.
 */
function foreignTag(): HTMLScriptElement | undefined {
  const tag = document.querySelector<HTMLScriptElement>(`script[src="${SCRIPT_URL}"]:not([${MARK}])`)
  if (tag && globalThis.performance?.getEntriesByName?.(SCRIPT_URL).length) {
    tag.remove()
    return undefined
  }
  return tag ?? undefined
}

function startLoad(nonce: string | undefined): ScriptLoad {
  const load = { waiting: 0 } as ScriptLoad
  load.done = new Promise<PlaidLinkFactory>((resolve, reject) => {
    const listen = (script: HTMLScriptElement, foreign: boolean) => {
      load.script = script
      script.addEventListener('load', () => {
        const plaid = linkOnPage()
        if (plaid) return resolve(plaid)
        reject(
          linkError(
            'LINK_SCRIPT_FAILED',
            process.env.NODE_ENV !== 'production' &&
              `Plaid Link's script loaded from ${SCRIPT_URL} but did not define window.Plaid.`,
          ),
        )
      })
      script.addEventListener('error', () => {
        // Someone else's tag failed: it is replaced by the package's own, for the same callers.
        if (foreign) {
          script.remove()
          return listen(addScript(nonce), false)
        }
        reject(
          linkError(
            'LINK_SCRIPT_FAILED',
            process.env.NODE_ENV !== 'production' &&
              `Plaid Link's script could not be loaded from ${SCRIPT_URL} (offline, blocked by an extension, ` +
                "or not allowed by the page's Content-Security-Policy script-src; pass cspNonce for a nonce-based policy).",
          ),
        )
      })
    }
    const existing = foreignTag()
    listen(existing ?? addScript(nonce), existing !== undefined)
  })
  load.done.catch(() => forget(load))
  return load
}

function addScript(nonce: string | undefined): HTMLScriptElement {
  const script = document.createElement('script')
  script.src = SCRIPT_URL
  script.async = true
  if (nonce) script.nonce = nonce
  script.setAttribute(MARK, '')
  document.head.appendChild(script)
  return script
}

/**
 * Resolves with `window.Plaid`, adding Plaid's script to the page when it is not there yet.
 * Rejects with LINK_SCRIPT_FAILED, or LINK_SCRIPT_TIMEOUT after this caller's `timeoutMs`.
 */
export function loadPlaidLink(timeoutMs: number, nonce?: string): Promise<PlaidLinkFactory> {
  const present = linkOnPage()
  if (present) return Promise.resolve(present)
  const state = scriptState()
  // A load whose element left the page (removed by the app, say) will never settle.
  if (!state.current?.script.isConnected) state.current = startLoad(nonce)
  const load = state.current
  load.waiting += 1
  const late = () =>
    linkError(
      'LINK_SCRIPT_TIMEOUT',
      process.env.NODE_ENV !== 'production' &&
        `Plaid Link's script did not arrive from ${SCRIPT_URL} within ${timeoutMs} ms (scriptTimeoutMs).`,
    )
  // This caller stops waiting once, when the load settles or its own deadline passes.
  return withDeadline(load.done, timeoutMs, late)
    .finally(() => {
      load.waiting -= 1
    })
    .catch((error: unknown) => {
      // Nobody else waits for a load that did not arrive: it counts as failed, and the next
      // attempt starts afresh.
      if (load.waiting === 0) forget(load)
      throw error
    })
}
