/*
 * The stand-in's side of Link: what Plaid's servers do while Link runs in the browser. A link
 * token opens a session; a new Item is made at the institution the person picks, bound to the
 * token (its webhook, its products); an OAuth bank is left for and returned from with an
 * `oauth_state_id` that the server keeps; update mode fixes the Item. Every answer allows any
 * origin, as Link runs on the app's page.
 */
import {
  LINK_PATHS,
  type LinkAccountMetadata,
  type LinkInstitutionChoice,
  type LinkSessionAnswer,
  type LinkSuccessAnswer,
} from './linkStandInWire'
import { errors, requestId, type ErrorAnswer } from './standInErrors'
import type { StandInAccount, StandInInstitution } from './standInInstitutions'

/** What `/link/token/create` recorded about a link token. */
export interface LinkTokenState {
  /** The Item of an update-mode token; `null` for a new Item's. */
  itemId: string | null
  clientName: string
  webhook: string | null
  redirectUri: string | null
  products: string[]
  expiresAt: number
}

interface LinkItem {
  itemId: string
  removed: boolean
  institution: StandInInstitution
  accounts: (StandInAccount & { accountId: string })[]
}

/** What the Link routes need from the stand-in. */
export interface StandInState {
  institutions: readonly StandInInstitution[]
  linkTokens: Map<string, LinkTokenState>
  itemOf(itemId: string): LinkItem | undefined
  createItem(fields: { institution: StandInInstitution; webhook: string | null; products: readonly string[] }): LinkItem
  publicTokenFor(itemId: string): string
  repair(itemId: string): void
}

interface OAuthSession {
  linkToken: string
  institutionId: string
  authorized: boolean
  used: boolean
}

interface LinkRequest {
  method: string
  path: string
  query: URLSearchParams
  body: Record<string, unknown> | undefined
  /** The stand-in's own origin, for the bank's page. */
  origin: string
}

interface LinkAnswer {
  answer: { status: number; body: unknown; contentType?: string }
  headers: Record<string, string>
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
  'access-control-max-age': '600',
}

const oauthSessions = new WeakMap<StandInState, Map<string, OAuthSession>>()

const choice = (institution: StandInInstitution): LinkInstitutionChoice => ({
  institution_id: institution.institution_id,
  name: institution.name,
  oauth: institution.oauth,
})

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)

class LinkRefusal {
  constructor(readonly answer: ErrorAnswer) {}
}

/** The Link routes' answer to a request, or `undefined` when the path is not one of them. */
export function serveLink(state: StandInState, request: LinkRequest): LinkAnswer | undefined {
  if (!request.path.startsWith('/link-stand-in/')) return undefined
  let sessions = oauthSessions.get(state)
  if (!sessions) {
    sessions = new Map()
    oauthSessions.set(state, sessions)
  }
  const json = (status: number, body: unknown): LinkAnswer => ({ answer: { status, body }, headers: CORS })
  if (request.method === 'OPTIONS')
    return { answer: { status: 204, body: '', contentType: 'text/plain' }, headers: CORS }
  try {
    return route(state, sessions, request, json)
  } catch (error) {
    if (error instanceof LinkRefusal) return json(error.answer.status, error.answer.body)
    throw error
  }
}

function route(
  state: StandInState,
  sessions: Map<string, OAuthSession>,
  request: LinkRequest,
  json: (status: number, body: unknown) => LinkAnswer,
): LinkAnswer {
  const body = request.body ?? {}
  const tokenOf = (): [string, LinkTokenState] => {
    const token = body.link_token
    const found = typeof token === 'string' ? state.linkTokens.get(token) : undefined
    if (!found || found.expiresAt <= Date.now()) throw new LinkRefusal(errors.invalidLinkToken())
    return [token as string, found]
  }
  const institutionOf = (id: unknown) => {
    const institution = state.institutions.find((one) => one.institution_id === id)
    if (!institution) throw new LinkRefusal(errors.invalidInstitution())
    return institution
  }
  /* An OAuth session of this token that the bank authorized and that no Item was made from yet. */
  const oauthSessionOf = (token: string, id: unknown) => {
    const session = typeof id === 'string' ? sessions.get(id) : undefined
    if (!session || session.linkToken !== token || !session.authorized) {
      throw new LinkRefusal(errors.oauthStateNotFound())
    }
    if (session.used) throw new LinkRefusal(errors.oauthStateProcessed())
    return session
  }
  const updateItemOf = (token: LinkTokenState) => {
    const item = token.itemId === null ? undefined : state.itemOf(token.itemId)
    if (!item || item.removed) throw new LinkRefusal(errors.itemNotFound())
    return item
  }
  const success = (item: LinkItem): LinkSuccessAnswer => ({
    public_token: state.publicTokenFor(item.itemId),
    institution: { name: item.institution.name, institution_id: item.institution.institution_id },
    accounts: item.accounts.map((account): LinkAccountMetadata => ({
      id: account.accountId,
      name: account.name,
      mask: account.mask,
      type: account.type,
      subtype: account.subtype,
      verification_status: null,
    })),
  })

  switch (`${request.method} ${request.path}`) {
    case `POST ${LINK_PATHS.session}`: {
      const [token, found] = tokenOf()
      const oauthInstitution =
        body.oauth_state_id === undefined
          ? null
          : choice(institutionOf(oauthSessionOf(token, body.oauth_state_id).institutionId))
      const answer: LinkSessionAnswer = {
        mode: found.itemId === null ? 'new' : 'update',
        client_name: found.clientName,
        redirect_uri: found.redirectUri,
        institutions: found.itemId === null ? state.institutions.map(choice) : [],
        institution: found.itemId === null ? null : choice(updateItemOf(found).institution),
        oauth_institution: oauthInstitution,
      }
      return json(200, { ...answer, request_id: requestId() })
    }
    case `POST ${LINK_PATHS.connect}`: {
      const [token, found] = tokenOf()
      if (found.itemId !== null) {
        throw new LinkRefusal(errors.invalidField('this link token is for update mode, which makes no new Item'))
      }
      let institution: StandInInstitution
      if (body.oauth_state_id !== undefined) {
        const session = oauthSessionOf(token, body.oauth_state_id)
        session.used = true
        institution = institutionOf(session.institutionId)
      } else {
        institution = institutionOf(body.institution_id)
        // Without a redirect_uri the bank's consent happens in Link's own window, as Plaid's
        // pop-up flow does; with one, the person must have come back from the bank.
        if (institution.oauth && found.redirectUri !== null) throw new LinkRefusal(errors.oauthStateNotFound())
      }
      const item = state.createItem({ institution, webhook: found.webhook, products: found.products })
      return json(200, { ...success(item), request_id: requestId() })
    }
    case `POST ${LINK_PATHS.oauth}`: {
      const [token, found] = tokenOf()
      const institution = institutionOf(body.institution_id)
      if (!institution.oauth || found.redirectUri === null) {
        throw new LinkRefusal(errors.invalidField('only an OAuth institution with a redirect_uri leaves Link'))
      }
      const id = globalThis.crypto.randomUUID()
      sessions.set(id, { linkToken: token, institutionId: institution.institution_id, authorized: false, used: false })
      const bankUrl = `${request.origin}${LINK_PATHS.bank}?oauth_state_id=${id}`
      return json(200, { oauth_state_id: id, bank_url: bankUrl, request_id: requestId() })
    }
    case `GET ${LINK_PATHS.bank}`: {
      const id = request.query.get('oauth_state_id') ?? ''
      const session = sessions.get(id)
      const token = session && state.linkTokens.get(session.linkToken)
      if (!session || !token) return page(400, 'Unknown session', '<p>This bank session is unknown or has expired.</p>')
      const bank = escapeHtml(institutionOf(session.institutionId).name)
      const app = escapeHtml(token.clientName)
      const allow = `${LINK_PATHS.bankAuthorize}?oauth_state_id=${encodeURIComponent(id)}`
      return page(
        200,
        `${bank}: share your accounts`,
        `<p>${app} asks to see your accounts at ${bank}, through Plaid.</p><p><a href="${allow}" role="button">Allow</a></p>`,
      )
    }
    case `GET ${LINK_PATHS.bankAuthorize}`: {
      const id = request.query.get('oauth_state_id') ?? ''
      const session = sessions.get(id)
      const redirect = session && state.linkTokens.get(session.linkToken)?.redirectUri
      if (!session || !redirect)
        return page(400, 'Unknown session', '<p>This bank session is unknown or has expired.</p>')
      session.authorized = true
      const target = new URL(redirect)
      target.searchParams.set('oauth_state_id', id)
      return { answer: { status: 302, body: '', contentType: 'text/plain' }, headers: { location: target.href } }
    }
    case `POST ${LINK_PATHS.repair}`: {
      const [, found] = tokenOf()
      if (found.itemId === null) throw new LinkRefusal(errors.invalidField('this link token is for a new Item'))
      const item = updateItemOf(found)
      state.repair(item.itemId)
      return json(200, { ...success(item), request_id: requestId() })
    }
    default:
      return json(404, errors.notFound(request.method, request.path).body)
  }
}

/* The bank's own page, plain HTML on the stand-in's origin. */
function page(status: number, title: string, content: string): LinkAnswer {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#111827}a[role=button]{display:inline-block;padding:.75rem 1.5rem;border-radius:.5rem;background:#0a5fb4;color:#fff;text-decoration:none;font-weight:600}</style>
</head><body><h1>${title}</h1>${content}</body></html>`
  return { answer: { status, body: html, contentType: 'text/html; charset=utf-8' }, headers: {} }
}
