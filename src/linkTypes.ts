/*
 * The parts of Plaid Link's browser API that the repair flow uses, as Plaid documents them for
 * `Plaid.create`. Only what the package reads or passes through is typed here.
 */

/** An institution as Link reports it. */
export interface PlaidLinkInstitution {
  name: string
  institution_id: string
}

/** An account as Link reports it in `onSuccess`. */
export interface PlaidLinkAccount {
  id: string
  name: string
  mask: string | null
  type: string
  subtype: string
  verification_status?: string | null
}

/** Link's `onSuccess` metadata: in update mode, the repaired Item's institution and accounts. */
export interface PlaidLinkSuccessMetadata {
  institution: PlaidLinkInstitution | null
  accounts: PlaidLinkAccount[]
  link_session_id: string
  transfer_status?: string | null
  [field: string]: unknown
}

/** The error Link reports in `onExit`, or `null` when the person just closed Link. */
export interface PlaidLinkError {
  error_type: string
  error_code: string
  error_message: string
  display_message: string | null
}

/** Link's `onExit` metadata. */
export interface PlaidLinkExitMetadata {
  institution: PlaidLinkInstitution | null
  status: string | null
  link_session_id: string
  request_id: string
  [field: string]: unknown
}

/** Link's `onEvent` metadata. */
export interface PlaidLinkEventMetadata {
  view_name?: string | null
  error_code?: string | null
  error_type?: string | null
  link_session_id?: string
  timestamp?: string
  [field: string]: unknown
}

/** What `window.Plaid.create` takes. */
export interface PlaidLinkCreateOptions {
  token: string
  onSuccess: (publicToken: string, metadata: PlaidLinkSuccessMetadata) => void
  onExit?: (error: PlaidLinkError | null, metadata: PlaidLinkExitMetadata) => void
  onEvent?: (eventName: string, metadata: PlaidLinkEventMetadata) => void
  onLoad?: () => void
  receivedRedirectUri?: string | null
}

/** What `window.Plaid.create` returns. */
export interface PlaidLinkHandler {
  open: () => void
  exit: (options?: { force?: boolean }, callback?: () => void) => void
  destroy: () => void
}

/** The `window.Plaid` object that Plaid's Link script installs. */
export interface PlaidLinkFactory {
  create: (options: PlaidLinkCreateOptions) => PlaidLinkHandler
}
