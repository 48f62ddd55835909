/*
 * What the sandbox gateway tells the sandbox Link about the tokens it mints, the way Plaid knows
 * which Item an update-mode token is for: Link shows that Item's own institution.
 */
import type { PlaidLinkInstitution } from '../linkTypes'

const institutions = new Map<string, PlaidLinkInstitution>()

export function rememberTokenInstitution(linkToken: string, institution: PlaidLinkInstitution): void {
  institutions.set(linkToken, institution)
}

export function institutionOfToken(linkToken: string): PlaidLinkInstitution | undefined {
  return institutions.get(linkToken)
}
