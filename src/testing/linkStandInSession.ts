/*
 * Link against a running Plaid stand-in: the dialog asks the stand-in over HTTP what Link would ask
 * Plaid. A new Item's session lets the person pick one of its institutions and makes the Item
 * there; an OAuth bank is left for (the bank's page sends the person back to the token's
 * `redirect_uri` with `oauth_state_id`) and finished on return through `receivedRedirectUri`;
 * update mode tells the stand-in that the Item is fixed. What `onSuccess` gets is the stand-in's
 * real public token and Link's metadata for the real Item.
 */
import type {
  PlaidLinkCreateOptions,
  PlaidLinkError,
  PlaidLinkExitMetadata,
  PlaidLinkHandler,
  PlaidLinkInstitution,
} from '../linkTypes'
import {
  LINK_PATHS,
  type LinkInstitutionChoice,
  type LinkSessionAnswer,
  type LinkSuccessAnswer,
} from './linkStandInWire'
import type { PlaidLinkSandboxSession, SandboxLinkErrorCode } from './plaidLinkSandbox'

/** What the stand-in's Link shares with the sandbox that installed it. */
export interface StandInLinkContext {
  /** The stand-in's origin, e.g. `http://127.0.0.1:43210`. */
  origin: string
  sessions: PlaidLinkSandboxSession[]
  dialogs: Set<HTMLElement>
  showDialog: boolean
  loadDelayMs: number
  navigate: (url: string) => void
  linkErrors: Record<SandboxLinkErrorCode, PlaidLinkError>
}

class LinkFailure extends Error {
  constructor(readonly linkError: PlaidLinkError) {
    super(linkError.error_message)
  }
}

/* Link's errors keep Plaid's four fields; a stand-in that cannot be reached is Link's internal error. */
async function post<T>(origin: string, path: string, body: Record<string, unknown>): Promise<T> {
  let response: Response
  try {
    response = await fetch(origin + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  } catch (error) {
    throw new LinkFailure({
      error_type: 'API_ERROR',
      error_code: 'INTERNAL_SERVER_ERROR',
      error_message: `the Plaid stand-in at ${origin} could not be reached: ${String(error)}`,
      display_message: null,
    })
  }
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>
  if (!response.ok) {
    throw new LinkFailure({
      error_type: String(json.error_type ?? 'API_ERROR'),
      error_code: String(json.error_code ?? 'INTERNAL_SERVER_ERROR'),
      error_message: String(json.error_message ?? `HTTP ${response.status}`),
      display_message: typeof json.display_message === 'string' ? json.display_message : null,
    })
  }
  return json as T
}

const uuid = () => globalThis.crypto.randomUUID()

type View =
  | { name: 'select'; institutions: LinkInstitutionChoice[] }
  | { name: 'confirm'; institution: LinkInstitutionChoice; action: 'connect' | 'leave' | 'finish' | 'repair' }

export function createStandInHandler(config: PlaidLinkCreateOptions, context: StandInLinkContext): PlaidLinkHandler {
  const sessionId = `link-session-${uuid()}`
  const oauthStateId = config.receivedRedirectUri
    ? new URL(config.receivedRedirectUri, window.location.href).searchParams.get('oauth_state_id')
    : null
  let institution: PlaidLinkInstitution | null = null
  let dialog: HTMLElement | null = null
  let live = false
  let busy = false

  const info = post<LinkSessionAnswer>(context.origin, LINK_PATHS.session, {
    link_token: config.token,
    ...(oauthStateId ? { oauth_state_id: oauthStateId } : {}),
  })
  info.catch(() => undefined)
  // Link's iframe reports that it loaded whether or not the token turns out to be good.
  void info.catch(() => undefined).then(() => setTimeout(() => config.onLoad?.(), context.loadDelayMs))

  const event = (name: string, extra: Record<string, unknown> = {}) =>
    config.onEvent?.(name, { link_session_id: sessionId, timestamp: new Date().toISOString(), ...extra })
  const exitMetadata = (status: string | null): PlaidLinkExitMetadata => ({
    institution,
    status,
    link_session_id: sessionId,
    request_id: uuid(),
  })
  const closeDialog = () => {
    live = false
    if (!dialog) return
    context.dialogs.delete(dialog)
    dialog.remove()
    dialog = null
  }
  const exitWith = (error: PlaidLinkError) => {
    closeDialog()
    event('ERROR', { error_code: error.error_code, error_type: error.error_type, view_name: 'ERROR' })
    event('EXIT', { view_name: 'ERROR' })
    config.onExit?.(error, exitMetadata('requires_credentials'))
  }
  const finish = (answer: LinkSuccessAnswer) => {
    institution = answer.institution
    closeDialog()
    event('HANDOFF', { view_name: 'CONNECTED' })
    config.onSuccess(answer.public_token, {
      institution: answer.institution,
      accounts: answer.accounts,
      link_session_id: sessionId,
      transfer_status: null,
    })
  }
  /* Runs one step against the stand-in; a refusal ends the session as Link's error. */
  const step = async (run: () => Promise<void>) => {
    if (busy) return
    busy = true
    dialog?.querySelectorAll('button').forEach((button) => (button.disabled = true))
    try {
      await run()
    } catch (error) {
      if (error instanceof LinkFailure) exitWith(error.linkError)
      else throw error
    } finally {
      busy = false
      dialog?.querySelectorAll('button').forEach((button) => (button.disabled = false))
    }
  }

  const connect = (chosen: LinkInstitutionChoice) =>
    step(async () => {
      finish(
        await post<LinkSuccessAnswer>(context.origin, LINK_PATHS.connect, {
          link_token: config.token,
          institution_id: chosen.institution_id,
        }),
      )
    })
  const leaveFor = (chosen: LinkInstitutionChoice) =>
    step(async () => {
      const { bank_url } = await post<{ bank_url: string }>(context.origin, LINK_PATHS.oauth, {
        link_token: config.token,
        institution_id: chosen.institution_id,
      })
      event('OPEN_OAUTH', { view_name: 'OAUTH' })
      context.navigate(bank_url)
    })
  const finishReturn = () =>
    step(async () => {
      finish(
        await post<LinkSuccessAnswer>(context.origin, LINK_PATHS.connect, {
          link_token: config.token,
          oauth_state_id: oauthStateId,
        }),
      )
    })
  const repair = () =>
    step(async () => {
      finish(await post<LinkSuccessAnswer>(context.origin, LINK_PATHS.repair, { link_token: config.token }))
    })

  /* The view a session starts in, from what the stand-in said about the token. */
  const firstView = (answer: LinkSessionAnswer): View => {
    if (answer.oauth_institution) return { name: 'confirm', institution: answer.oauth_institution, action: 'finish' }
    if (answer.mode === 'update' && answer.institution) {
      return { name: 'confirm', institution: answer.institution, action: 'repair' }
    }
    return { name: 'select', institutions: answer.institutions }
  }
  const confirmFor = (chosen: LinkInstitutionChoice, answer: LinkSessionAnswer): View => ({
    name: 'confirm',
    institution: chosen,
    action: chosen.oauth && answer.redirect_uri ? 'leave' : 'connect',
  })

  const render = (view: View, answer: LinkSessionAnswer) => {
    if (dialog) {
      context.dialogs.delete(dialog)
      dialog.remove()
    }
    const titleId = `${sessionId}-title`
    const root = document.createElement('div')
    root.className = 'plaid-sandbox-backdrop'
    root.innerHTML = `
      <div class="plaid-sandbox" role="dialog" aria-modal="true" aria-labelledby="${titleId}">
        <button type="button" class="ps-close" aria-label="Close">×</button>
        <span class="ps-badge">Plaid Link · offline</span>
        <h2 id="${titleId}"></h2>
        <p class="ps-lead"></p>
        <div class="ps-body"></div>
      </div>`
    const title = root.querySelector('h2')!
    const lead = root.querySelector('.ps-lead')!
    const body = root.querySelector('.ps-body')!
    root.querySelector('.ps-close')!.addEventListener('click', session.close)
    if (view.name === 'select') {
      title.textContent = 'Select your bank'
      lead.textContent = `${answer.client_name} uses Plaid to connect your account.`
      const list = document.createElement('ul')
      list.className = 'ps-institutions'
      for (const choice of view.institutions) {
        const item = document.createElement('li')
        const button = document.createElement('button')
        button.type = 'button'
        button.className = 'ps-institution'
        button.textContent = choice.name
        button.addEventListener('click', () => {
          institution = { name: choice.name, institution_id: choice.institution_id }
          event('SELECT_INSTITUTION', { institution_id: choice.institution_id, institution_name: choice.name })
          dialog = render(confirmFor(choice, answer), answer)
        })
        item.appendChild(button)
        list.appendChild(item)
      }
      body.appendChild(list)
    } else {
      const name = view.institution.name
      institution = { name, institution_id: view.institution.institution_id }
      const verbs = { connect: 'Connect', leave: 'Connect', finish: 'Finish connecting', repair: 'Reconnect' }
      title.textContent = `${verbs[view.action]} ${name}`
      lead.textContent =
        view.action === 'leave'
          ? `You will sign in on ${name}'s own site, which sends you back here.`
          : view.action === 'finish'
            ? `You are back from ${name}. Continue to share your accounts.`
            : `Sign in to ${name} to share your accounts with ${answer.client_name}.`
      const bank = document.createElement('div')
      bank.className = 'ps-bank'
      const logo = document.createElement('span')
      logo.className = 'ps-logo'
      logo.setAttribute('aria-hidden', 'true')
      logo.textContent = name.charAt(0)
      const label = document.createElement('span')
      label.textContent = name
      bank.append(logo, label)
      const primary = document.createElement('button')
      primary.type = 'button'
      primary.className = 'ps-primary'
      primary.textContent = view.action === 'leave' ? `Continue to ${name}` : 'Continue'
      const act = {
        connect: () => connect(view.institution),
        leave: () => leaveFor(view.institution),
        finish: finishReturn,
        repair,
      }
      primary.addEventListener('click', () => void act[view.action]())
      body.append(bank, primary)
    }
    document.body.appendChild(root)
    context.dialogs.add(root)
    root.querySelector<HTMLButtonElement>('.ps-primary, .ps-institution')?.focus()
    return root
  }

  const session: PlaidLinkSandboxSession = {
    token: config.token,
    opened: 0,
    destroyed: false,
    receivedRedirectUri: config.receivedRedirectUri ?? undefined,
    succeed: () => {
      void info.then(
        (answer) => {
          const view = firstView(answer)
          if (view.name === 'confirm') {
            const run = {
              connect: () => connect(view.institution),
              leave: () => leaveFor(view.institution),
              finish: finishReturn,
              repair,
            }
            return run[view.action]()
          }
          // Without a dialog there is no one to pick: the first bank that needs no OAuth is taken.
          const chosen = view.institutions.find((one) => !one.oauth) ?? view.institutions[0]
          if (chosen) return connect(chosen)
        },
        (error: unknown) => {
          if (error instanceof LinkFailure) exitWith(error.linkError)
        },
      )
    },
    close: () => {
      closeDialog()
      event('EXIT', { view_name: 'CONSENT' })
      config.onExit?.(null, exitMetadata(null))
    },
    fail: (errorCode) => exitWith(context.linkErrors[errorCode]),
    redirect: () => {
      void info.then((answer) => {
        const oauth = answer.institutions.find((one) => one.oauth)
        if (oauth && answer.redirect_uri) return leaveFor(oauth)
      })
    },
  }
  context.sessions.push(session)

  return {
    open: () => {
      if (session.destroyed || dialog || live) return
      session.opened += 1
      live = true
      event('OPEN', { view_name: 'CONSENT' })
      info.then(
        (answer) => {
          if (!live || session.destroyed || !context.showDialog) return
          dialog = render(firstView(answer), answer)
        },
        (error: unknown) => {
          if (!live) return
          exitWith(
            error instanceof LinkFailure
              ? error.linkError
              : {
                  error_type: 'API_ERROR',
                  error_code: 'INTERNAL_SERVER_ERROR',
                  error_message: String(error),
                  display_message: null,
                },
          )
        },
      )
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
