/*
 * Plaid's webhooks, verified the way Plaid documents: the `Plaid-Verification` header is an ES256
 * JWT signed with a key that `/webhook_verification_key/get` hands out by `kid`, its `iat` is
 * recent, and its `request_body_sha256` claim is the SHA-256 of the raw body. The JWT work is
 * done by `jose`, loaded only when the first webhook comes, so apps that never receive webhooks
 * never load it.
 */
import type { JWK } from 'jose'
import { GatewayFailure, jsonResponse } from './errors'
import type { ItemStatusUpdate } from './types'

/* Plaid's documentation asks for this much freshness of `iat`, in either direction. */
export const WEBHOOK_MAX_AGE_S = 5 * 60

export const webhookRefused = (why: string) =>
  new GatewayFailure(401, {
    error_type: 'INVALID_REQUEST',
    error_code: 'WEBHOOK_VERIFICATION_FAILED',
    error_message: `The webhook could not be verified: ${why}.`,
    display_message: null,
  })

/** A verification key as Plaid's `/webhook_verification_key/get` returns it under `key`. */
export interface PlaidVerificationKey extends JWK {
  kid: string
  created_at?: number
  expired_at?: number | null
}

/* Lowercase hex of the SHA-256 of `bytes`. */
async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes))
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/* Compares two strings in time that depends on their length only, not on where they differ. */
function constantTimeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a)
  const right = new TextEncoder().encode(b)
  let difference = left.length ^ right.length
  for (let i = 0; i < Math.max(left.length, right.length); i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0)
  return difference === 0
}

export interface WebhookVerifier {
  /** Resolves with the parsed body of a verified webhook; rejects with the 401 or 400 otherwise. */
  verify(header: string | null, body: Uint8Array<ArrayBuffer>): Promise<Record<string, unknown>>
}

/**
 * @param fetchKey asks Plaid for the key of a `kid`; it rejects when Plaid does not know it.
 */
export function createWebhookVerifier(fetchKey: (kid: string) => Promise<PlaidVerificationKey>): WebhookVerifier {
  // One fetch per kid, shared by concurrent webhooks; a failed fetch is forgotten, so a later
  // webhook asks again.
  const keys = new Map<string, Promise<PlaidVerificationKey>>()
  const keyFor = (kid: string) => {
    let key = keys.get(kid)
    if (!key) {
      key = fetchKey(kid)
      keys.set(kid, key)
      key.catch(() => keys.delete(kid))
    }
    return key
  }

  return {
    async verify(header, body) {
      if (!header) throw webhookRefused('there is no Plaid-Verification header')
      const jose = await import('jose')
      let protectedHeader: ReturnType<typeof jose.decodeProtectedHeader>
      try {
        protectedHeader = jose.decodeProtectedHeader(header)
      } catch {
        throw webhookRefused('the Plaid-Verification header is not a JWT')
      }
      // Checked before any key is fetched: another algorithm never costs a call to Plaid.
      if (protectedHeader.alg !== 'ES256') throw webhookRefused('the JWT is not signed with ES256')
      const { kid } = protectedHeader
      if (typeof kid !== 'string' || kid === '') throw webhookRefused('the JWT names no key id')

      let key: PlaidVerificationKey
      try {
        key = await keyFor(kid)
      } catch {
        throw webhookRefused('Plaid does not know the key it names')
      }
      if (key.expired_at !== null && key.expired_at !== undefined) throw webhookRefused('its key has expired')

      let payload: Record<string, unknown>
      try {
        const publicKey = await jose.importJWK({ ...key, alg: 'ES256' }, 'ES256')
        payload = (await jose.jwtVerify(header, publicKey, { algorithms: ['ES256'] })).payload
      } catch {
        throw webhookRefused('the signature does not match')
      }
      const { iat } = payload
      if (typeof iat !== 'number' || Math.abs(Date.now() / 1000 - iat) > WEBHOOK_MAX_AGE_S) {
        throw webhookRefused('it was not signed within the last 5 minutes')
      }
      const claimed = payload.request_body_sha256
      if (typeof claimed !== 'string' || !constantTimeEqual(claimed, await sha256Hex(body))) {
        throw webhookRefused('the body is not the one that was signed')
      }

      let parsed: unknown
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
      } catch {
        parsed = undefined
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new GatewayFailure(400, {
          error_type: 'INVALID_REQUEST',
          error_code: 'INVALID_REQUEST',
          error_message: 'The webhook body is not a JSON object.',
          display_message: null,
        })
      }
      return parsed as Record<string, unknown>
    },
  }
}

const errorCodeOf = (error: unknown): string | null => {
  const code = (error as { error_code?: unknown } | null | undefined)?.error_code
  return typeof code === 'string' && code !== '' ? code : null
}

/**
 * The status an `ITEM` webhook moves an Item to (the table of section 7 of the contract), or
 * `undefined` for the codes that say nothing about its health.
 */
export function statusFromItemWebhook(body: Record<string, unknown>): ItemStatusUpdate | undefined {
  const errorCode = errorCodeOf(body.error)
  switch (body.webhook_code) {
    case 'ERROR':
      return errorCode === 'ITEM_LOGIN_REQUIRED'
        ? { status: 'login_required', errorCode }
        : { status: 'error', errorCode }
    case 'LOGIN_REPAIRED':
      return { status: 'healthy', errorCode: null }
    case 'PENDING_EXPIRATION': {
      const expires = body.consent_expiration_time
      return {
        status: 'pending_expiration',
        errorCode: null,
        consentExpirationTime: typeof expires === 'string' && !Number.isNaN(Date.parse(expires)) ? expires : null,
      }
    }
    case 'PENDING_DISCONNECT':
      return { status: 'pending_disconnect', errorCode: null }
    case 'NEW_ACCOUNTS_AVAILABLE':
      return { status: 'new_accounts_available', errorCode: null }
    case 'USER_PERMISSION_REVOKED':
    case 'USER_ACCOUNT_REVOKED':
      return { status: 'revoked', errorCode }
    default:
      return undefined
  }
}

/** The status Plaid's `/item/get` answer implies: healthy without `item.error`. */
export function statusFromItemGet(item: { error?: unknown; consent_expiration_time?: unknown }): ItemStatusUpdate {
  const errorCode = errorCodeOf(item.error)
  const expires = typeof item.consent_expiration_time === 'string' ? item.consent_expiration_time : null
  if (errorCode === null) return { status: 'healthy', errorCode: null, consentExpirationTime: expires }
  return {
    status: errorCode === 'ITEM_LOGIN_REQUIRED' ? 'login_required' : 'error',
    errorCode,
    consentExpirationTime: expires,
  }
}

export const acknowledged = () => jsonResponse(200, {})
