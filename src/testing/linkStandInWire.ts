/*
 * What the Link stand-in in the browser and the Plaid stand-in on the server say to each other,
 * the way Plaid Link talks to Plaid: the link token is the only credential, and the server keeps
 * the state (the Items, the OAuth sessions). None of this is Plaid's public API.
 */

/** Where the stand-in serves the Link script: Plaid's own path on its CDN. */
export const LINK_SCRIPT_PATH = '/link/v2/stable/link-initialize.js'

export const LINK_PATHS = {
  /** POST `{ link_token }` → {@link LinkSessionAnswer}. */
  session: '/link-stand-in/session',
  /** POST `{ link_token, institution_id?, oauth_state_id? }` → {@link LinkSuccessAnswer}: a new Item. */
  connect: '/link-stand-in/connect',
  /** POST `{ link_token, institution_id }` → `{ oauth_state_id, bank_url }`: leave for the bank. */
  oauth: '/link-stand-in/oauth',
  /** GET `?oauth_state_id=`: the bank's consent page, which sends the person back to `redirect_uri`. */
  bank: '/link-stand-in/bank',
  /** GET `?oauth_state_id=`: the bank's "Allow", then the redirect. */
  bankAuthorize: '/link-stand-in/bank/authorize',
  /** POST `{ link_token }` → {@link LinkSuccessAnswer}: update mode fixed the Item. */
  repair: '/link-stand-in/repair',
} as const

/** An institution as Link shows it. */
export interface LinkInstitutionChoice {
  institution_id: string
  name: string
  oauth: boolean
}

/** An account as Link's `onSuccess` metadata describes it. */
export interface LinkAccountMetadata {
  id: string
  name: string
  mask: string
  type: string
  subtype: string
  verification_status: null
}

export interface LinkSessionAnswer {
  /** `update` when the link token was made with an `access_token`. */
  mode: 'new' | 'update'
  client_name: string
  /** The token's `redirect_uri`; an OAuth bank sends the person back there. */
  redirect_uri: string | null
  /** The institutions to choose from, for a new Item. */
  institutions: LinkInstitutionChoice[]
  /** In update mode, the Item's institution. */
  institution: LinkInstitutionChoice | null
  /** With `oauth_state_id` from a return: the institution the person authorized there. */
  oauth_institution: LinkInstitutionChoice | null
}

export interface LinkSuccessAnswer {
  public_token: string
  institution: { name: string; institution_id: string }
  accounts: LinkAccountMetadata[]
}
