/*
 * A stand-in for Plaid Link's browser API (`window.Plaid`), at the boundary the repair flow
 * talks to: `create` records its options and returns a handler whose methods are spies.
 */
import { vi, type Mock } from 'vitest'
import type { PlaidLinkCreateOptions, PlaidLinkFactory } from '../../src'

export interface FakeHandler {
  options: PlaidLinkCreateOptions
  open: Mock<() => void>
  exit: Mock<() => void>
  destroy: Mock<() => void>
}

export function fakePlaid() {
  const handlers: FakeHandler[] = []
  const create = vi.fn((options: PlaidLinkCreateOptions) => {
    const handler: FakeHandler = { options, open: vi.fn(), exit: vi.fn(), destroy: vi.fn() }
    handlers.push(handler)
    return handler
  })
  const plaid: PlaidLinkFactory = { create }
  return { plaid, create, handlers }
}

/** Installs a fake `window.Plaid`, as a page that already loaded Link's script has. */
export function installPlaid() {
  const fake = fakePlaid()
  ;(window as unknown as { Plaid?: PlaidLinkFactory }).Plaid = fake.plaid
  return fake
}

export function removePlaid() {
  delete (window as unknown as { Plaid?: PlaidLinkFactory }).Plaid
  for (const script of document.querySelectorAll('script')) script.remove()
}

export const LINK_SCRIPT = 'https://cdn.plaid.com/link/v2/stable/link-initialize.js'

export function linkScripts(): HTMLScriptElement[] {
  return [...document.querySelectorAll<HTMLScriptElement>(`script[src="${LINK_SCRIPT}"]`)]
}

/* Link's onSuccess metadata, with fields the exchange must leave out: a verification status, the session. */
export const successMetadata = {
  institution: { name: 'First Platypus Bank', institution_id: 'ins_109508' },
  accounts: [
    {
      id: 'acc-1',
      name: 'Plaid Checking',
      mask: '0000',
      type: 'depository',
      subtype: 'checking',
      verification_status: 'automatically_verified',
    },
  ],
  link_session_id: 'session-1',
  transfer_status: null,
}

/** The exchange body for `publicToken` after Link's `successMetadata`: these fields and no others (contract, section 10). */
export const exchangeBodyAfterLink = (publicToken: string) => ({
  public_token: publicToken,
  institution: { institution_id: 'ins_109508', name: 'First Platypus Bank' },
  accounts: [{ id: 'acc-1', name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' }],
})

export const exitMetadata = {
  institution: null,
  status: 'requires_credentials',
  link_session_id: 'session-1',
  request_id: 'req-exit',
}
