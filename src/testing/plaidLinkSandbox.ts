/*
 * A stand-in for Plaid Link, installed as `window.Plaid`: a small dialog in the spirit of Link's
 * update mode, with buttons that finish, exit, or fail the session the way Link reports it.
 * Nothing is loaded from Plaid, so it works offline and in tests.
 */
import type {
  PlaidLinkCreateOptions,
  PlaidLinkError,
  PlaidLinkExitMetadata,
  PlaidLinkFactory,
  PlaidLinkHandler,
  PlaidLinkInstitution,
  PlaidLinkSuccessMetadata,
} from '../linkTypes'
import { createStandInHandler } from './linkStandInSession'
import { institutionOfToken } from './sandboxLinkTokens'

export interface PlaidLinkSandboxOptions {
  /**
   * The institution the dialog shows and the metadata reports, unless the token is one that the
   * sandbox gateway minted for an Item with a known institution, whose institution is shown.
   */
  institution?: PlaidLinkInstitution
  /** The accounts `onSuccess` reports. */
  accounts?: PlaidLinkSuccessMetadata['accounts']
  /**
   * Milliseconds before `onLoad` runs after `create`, like Link's iframe loading.
   * @defaultValue `0`
   */
  loadDelayMs?: number
  /**
   * Show the dialog when a handler is opened. Without it, sessions are driven only through
   * `sessions[n].succeed()`, `close()` and `fail()`, which suits tests and state galleries.
   * @defaultValue `true`
   */
  dialog?: boolean
  /**
   * Makes the institution an OAuth bank, as most large US banks are: the dialog's Continue leaves
   * the page for the bank, which sends the person back to this URI (the app's redirect page, the
   * gateway's `redirect_uri`) with `oauth_state_id` added. A handler created there with
   * `receivedRedirectUri` finishes the session.
   */
  oauthRedirectUri?: string
  /**
   * How the page leaves for the bank.
   * @defaultValue `(url) => window.location.assign(url)`
   */
  navigate?: (url: string) => void
  /**
   * The origin of a running `createPlaidStandIn` (its `basePath`). Link then works as Plaid's
   * does, against the stand-in: the person picks one of its institutions, and `onSuccess` gets a
   * public token for a real Item there that the gateway can exchange once; an OAuth bank leaves
   * for the bank's page and comes back to the link token's `redirect_uri`; update mode repairs
   * the Item. `institution`, `accounts` and `oauthRedirectUri` are then the stand-in's to say.
   * The script at the stand-in's `linkScriptUrl` installs Link this way.
   */
  standIn?: string
}

/** The Link errors the sandbox can end a session with. */
export type SandboxLinkErrorCode = 'ITEM_LOGIN_REQUIRED' | 'INVALID_LINK_TOKEN' | 'INSTITUTION_DOWN'

/** One `Plaid.create` call, as the sandbox recorded it. */
export interface PlaidLinkSandboxSession {
  token: string
  opened: number
  destroyed: boolean
  /** Finishes the session as the person pressing "Continue" would. */
  succeed: () => void
  /** Closes the session without an error, as the close button does. */
  close: () => void
  /** Ends the session with one of Link's errors. */
  fail: (errorCode: SandboxLinkErrorCode) => void
  /** With `oauthRedirectUri`: leaves for the bank, which sends the person back to the redirect page. */
  redirect: () => void
  /** The `receivedRedirectUri` the handler was created with: the session is finishing an OAuth return. */
  receivedRedirectUri: string | undefined
}

export interface PlaidLinkSandbox {
  /** Every handler created since install, oldest first. */
  sessions: PlaidLinkSandboxSession[]
  /** Removes the stand-in (and any dialog), restoring what `window.Plaid` was before. */
  uninstall: () => void
}

const LINK_ERRORS: Record<
  PlaidLinkSandboxSession['fail'] extends (code: infer C) => void ? C & string : never,
  PlaidLinkError
> = {
  ITEM_LOGIN_REQUIRED: {
    error_type: 'ITEM_ERROR',
    error_code: 'ITEM_LOGIN_REQUIRED',
    error_message: 'the login details of this item have changed and a user login is required',
    display_message: 'The username or password you entered is no longer correct. Please sign in again.',
  },
  INVALID_LINK_TOKEN: {
    error_type: 'INVALID_INPUT',
    error_code: 'INVALID_LINK_TOKEN',
    error_message: 'link token has expired',
    display_message: null,
  },
  INSTITUTION_DOWN: {
    error_type: 'INSTITUTION_ERROR',
    error_code: 'INSTITUTION_DOWN',
    error_message: 'this institution is not currently responding to this request. please try again soon',
    display_message: 'This bank is not responding right now. Please try again later.',
  },
}

const DEFAULT_INSTITUTION: PlaidLinkInstitution = { name: 'First Platypus Bank', institution_id: 'ins_109508' }
const DEFAULT_ACCOUNTS: PlaidLinkSuccessMetadata['accounts'] = [
  { id: 'acc-checking-0000', name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' },
  { id: 'acc-savings-1111', name: 'Plaid Saving', mask: '1111', type: 'depository', subtype: 'savings' },
]

const STYLE_ID = 'plaid-link-sandbox-style'
const CSS = `
.plaid-sandbox-backdrop{position:fixed;inset:0;z-index:2147483000;display:grid;place-items:center;background:rgb(17 24 39/55%);font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
.plaid-sandbox{width:min(360px,calc(100vw - 32px));padding:28px 24px 20px;border-radius:16px;background:#fff;color:#111827;box-shadow:0 20px 50px rgb(0 0 0/25%);position:relative}
.plaid-sandbox h2{margin:12px 0 6px;font-size:20px}
.plaid-sandbox p{margin:0 0 18px;color:#4b5563;font-size:14px;line-height:1.5}
.plaid-sandbox .ps-badge{display:inline-block;padding:2px 8px;border-radius:999px;background:#eef6ff;color:#0a5fb4;font-size:12px;font-weight:600}
.plaid-sandbox .ps-bank{display:flex;gap:12px;align-items:center;padding:12px;border:1px solid #e5e7eb;border-radius:12px;margin-bottom:18px}
.plaid-sandbox .ps-logo{width:36px;height:36px;border-radius:50%;display:grid;place-items:center;background:#111827;color:#fff;font-weight:700}
.plaid-sandbox button{font:inherit;font-size:14px;border-radius:10px;cursor:pointer}
.plaid-sandbox .ps-primary{width:100%;padding:12px;border:0;background:#111827;color:#fff;font-weight:600}
.plaid-sandbox .ps-close{position:absolute;top:12px;right:12px;width:32px;height:32px;border:0;background:transparent;font-size:20px;color:#6b7280}
.plaid-sandbox .ps-fails{display:flex;flex-wrap:wrap;gap:6px;margin-top:14px;padding-top:12px;border-top:1px dashed #e5e7eb}
.plaid-sandbox .ps-fails span{width:100%;font-size:12px;color:#6b7280}
.plaid-sandbox .ps-fail{padding:6px 10px;border:1px solid #e5e7eb;background:#fff;color:#b42318;font-size:12px}
.plaid-sandbox .ps-institutions{display:grid;gap:8px;margin:0;padding:0;list-style:none}
.plaid-sandbox .ps-institution{width:100%;padding:12px;border:1px solid #e5e7eb;background:#fff;color:inherit;text-align:left;font-weight:600}
.plaid-sandbox button:disabled{opacity:.6;cursor:progress}
`

let idCounter = 0
const uuid = () => globalThis.crypto.randomUUID()

/**
 * Installs the stand-in as `window.Plaid`.
 *
 * @example
 * ```ts
 * const link = installPlaidLinkSandbox()
 * // …render a LinkRepairButton, click it…
 * link.sessions[0].succeed()
 * link.uninstall()
 * ```
 */
export function installPlaidLinkSandbox(options: PlaidLinkSandboxOptions = {}): PlaidLinkSandbox {
  const holder = window as unknown as { Plaid?: PlaidLinkFactory }
  const previous = holder.Plaid
  const accounts = options.accounts ?? DEFAULT_ACCOUNTS
  const sessions: PlaidLinkSandboxSession[] = []
  const dialogs = new Set<HTMLElement>()

  if (!document.getElementById(STYLE_ID)) {
    const style = document.createElement('style')
    style.id = STYLE_ID
    style.textContent = CSS
    document.head.appendChild(style)
  }

  const standIn = options.standIn?.replace(/\/+$/, '')
  const create = (config: PlaidLinkCreateOptions): PlaidLinkHandler => {
    if (standIn) {
      return createStandInHandler(config, {
        origin: standIn,
        sessions,
        dialogs,
        showDialog: options.dialog !== false,
        loadDelayMs: options.loadDelayMs ?? 0,
        navigate: options.navigate ?? ((target: string) => window.location.assign(target)),
        linkErrors: LINK_ERRORS,
      })
    }
    const institution = institutionOfToken(config.token) ?? options.institution ?? DEFAULT_INSTITUTION
    const sessionId = `sandbox-session-${++idCounter}`
    let dialog: HTMLElement | null = null
    const exitMetadata = (status: string | null): PlaidLinkExitMetadata => ({
      institution,
      status,
      link_session_id: sessionId,
      request_id: `sandbox-request-${idCounter}`,
    })
    // Whether the session is open (with or without a dialog), so that exit() closes it like Link.
    let live = false
    const closeDialog = () => {
      live = false
      if (!dialog) return
      dialogs.delete(dialog)
      dialog.remove()
      dialog = null
    }
    const event = (name: string, extra: Record<string, unknown> = {}) =>
      config.onEvent?.(name, { link_session_id: sessionId, timestamp: new Date().toISOString(), ...extra })

    const session: PlaidLinkSandboxSession = {
      token: config.token,
      opened: 0,
      destroyed: false,
      receivedRedirectUri: config.receivedRedirectUri ?? undefined,
      redirect: () => {
        if (!options.oauthRedirectUri) return
        const url = new URL(options.oauthRedirectUri, window.location.href)
        url.searchParams.set('oauth_state_id', uuid())
        event('OPEN_OAUTH', { view_name: 'OAUTH' })
        ;(options.navigate ?? ((target: string) => window.location.assign(target)))(url.href)
      },
      succeed: () => {
        closeDialog()
        event('HANDOFF', { view_name: 'CONNECTED' })
        // Random, so that public tokens of separate page loads (an OAuth return) never repeat.
        config.onSuccess(`public-sandbox-${uuid()}`, {
          institution,
          accounts,
          link_session_id: sessionId,
          transfer_status: null,
        })
      },
      close: () => {
        closeDialog()
        event('EXIT', { view_name: 'CONSENT' })
        config.onExit?.(null, exitMetadata(null))
      },
      fail: (errorCode) => {
        closeDialog()
        const error = LINK_ERRORS[errorCode]
        event('ERROR', { error_code: error.error_code, error_type: error.error_type, view_name: 'ERROR' })
        event('EXIT', { view_name: 'ERROR' })
        config.onExit?.(error, exitMetadata('requires_credentials'))
      },
    }
    sessions.push(session)
    setTimeout(() => config.onLoad?.(), options.loadDelayMs ?? 0)

    const render = () => {
      const titleId = `${sessionId}-title`
      const root = document.createElement('div')
      root.className = 'plaid-sandbox-backdrop'
      root.innerHTML = `
        <div class="plaid-sandbox" role="dialog" aria-modal="true" aria-labelledby="${titleId}">
          <button type="button" class="ps-close" aria-label="Close">×</button>
          <span class="ps-badge">Plaid Link · sandbox</span>
          <h2 id="${titleId}"><span class="ps-title-verb">Connect</span> <span class="ps-title-bank"></span></h2>
          <p class="ps-lead">Sign in to <strong></strong> to share your accounts with this app. Nothing here leaves your browser: this is a sandbox.</p>
          <div class="ps-bank"><span class="ps-logo" aria-hidden="true"></span><span class="ps-name"></span></div>
          <button type="button" class="ps-primary">Continue</button>
          <div class="ps-fails"><span>Simulate a failure</span>
            <button type="button" class="ps-fail" data-code="ITEM_LOGIN_REQUIRED">ITEM_LOGIN_REQUIRED</button>
            <button type="button" class="ps-fail" data-code="INVALID_LINK_TOKEN">INVALID_LINK_TOKEN</button>
          </div>
        </div>`
      // Text from the options goes in as text, never as markup.
      root.querySelector('strong')!.textContent = institution.name
      root.querySelector('.ps-title-bank')!.textContent = institution.name
      root.querySelector('.ps-name')!.textContent = institution.name
      root.querySelector('.ps-logo')!.textContent = institution.name.charAt(0)
      const primary = root.querySelector<HTMLButtonElement>('.ps-primary')!
      const resumed = session.receivedRedirectUri !== undefined
      const leaves = options.oauthRedirectUri !== undefined && !resumed
      if (resumed) {
        root.querySelector('.ps-title-verb')!.textContent = 'Finish connecting'
        root.querySelector('.ps-lead')!.textContent =
          `You are back from ${institution.name}. Continue to share your accounts.`
      } else if (leaves) {
        primary.textContent = `Continue at ${institution.name}`
      }
      root.querySelector('.ps-close')!.addEventListener('click', session.close)
      primary.addEventListener('click', leaves ? session.redirect : session.succeed)
      for (const button of root.querySelectorAll<HTMLButtonElement>('.ps-fail')) {
        button.addEventListener('click', () => session.fail(button.dataset.code as SandboxLinkErrorCode))
      }
      document.body.appendChild(root)
      dialogs.add(root)
      root.querySelector<HTMLButtonElement>('.ps-primary')!.focus()
      return root
    }

    return {
      open: () => {
        if (session.destroyed || dialog) return
        session.opened += 1
        // Like Link, a token that is not a Link token fails at once.
        if (!config.token.startsWith('link-')) {
          session.fail('INVALID_LINK_TOKEN')
          return
        }
        live = true
        if (options.dialog !== false) dialog = render()
        event('OPEN', { view_name: 'CONSENT' })
      },
      exit: (_options, done) => {
        if (live) session.close()
        done?.()
      },
      destroy: () => {
        session.destroyed = true
        closeDialog()
      },
    }
  }

  holder.Plaid = { create }
  return {
    sessions,
    uninstall: () => {
      for (const dialog of dialogs) dialog.remove()
      dialogs.clear()
      if (previous) holder.Plaid = previous
      else delete holder.Plaid
      document.getElementById(STYLE_ID)?.remove()
    },
  }
}
