/*
 * Plaid's webhooks, verified the way Plaid documents: the `Plaid-Verification` header is an ES256
 * JWT signed with a key that `/webhook_verification_key/get` hands out by `kid`, its `iat` is
 * recent, and its `request_body_sha256` claim is the SHA-256 of the raw body. The JWT work is
 * done by `jose`, loaded only when the first webhook comes, so apps that never receive webhooks
 * never load it.
 *
 * The route needs no session, so anyone can send it a JWT naming any `kid`. Fetching keys is
 * therefore limited: an unknown `kid` is asked for at most once per UNKNOWN_KID_RETRY_MS, and all
 * fetches together at most KEY_FETCHES_PER_MINUTE, so nobody can spend the app's Plaid rate limit
 * through it. A cached key is fetched again once it is KEY_REFRESH_MS old, so a key Plaid has
 * expired since stops verifying.
 */
import type { JWK } from 'jose'
import { GatewayFailure } from './errors'

/* Plaid's documentation asks for this much freshness of `iat`, in either direction. */
export const WEBHOOK_MAX_AGE_S = 5 * 60
const UNKNOWN_KID_RETRY_MS = 5 * 60_000
const KEY_FETCHES_PER_MINUTE = 10
const KEY_REFRESH_MS = 24 * 60 * 60_000

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

/** Lowercase hex of the SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
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

/** A verified webhook: its parsed body, when Plaid signed it, and the JWT itself. */
export interface VerifiedWebhook {
  event: Record<string, unknown>
  /** The JWT's `iat`, in seconds since the epoch. */
  issuedAt: number
  jwt: string
}

export interface WebhookVerifier {
  /** Resolves with a verified webhook; rejects with the 401 (or the 400 for a body that is not JSON). */
  verify(header: string | null, body: Uint8Array<ArrayBuffer>): Promise<VerifiedWebhook>
}

/**
 * @param fetchKey asks Plaid for the key of a `kid`; it rejects when Plaid does not know it.
 */
export function createWebhookVerifier(fetchKey: (kid: string) => Promise<PlaidVerificationKey>): WebhookVerifier {
  // Fetched keys by kid (a fetch in flight is shared by every webhook that names its kid), kids
  // Plaid did not give a key for with when they may be asked for again, and when the last
  // fetches began.
  const keys = new Map<string, { key: Promise<PlaidVerificationKey>; fetchedAt: number }>()
  const unknownUntil = new Map<string, number>()
  const recentFetches: number[] = []

  function keyFor(kid: string): Promise<PlaidVerificationKey> {
    const now = Date.now()
    const cached = keys.get(kid)
    if (cached && now - cached.fetchedAt < KEY_REFRESH_MS) return cached.key
    for (const [other, until] of unknownUntil) if (until <= now) unknownUntil.delete(other)
    if (unknownUntil.has(kid)) return Promise.reject(webhookRefused('Plaid did not give a key for its kid'))
    while (recentFetches.length > 0 && recentFetches[0]! <= now - 60_000) recentFetches.shift()
    if (recentFetches.length >= KEY_FETCHES_PER_MINUTE) {
      return Promise.reject(webhookRefused('too many verification keys were asked for this minute; try again later'))
    }
    recentFetches.push(now)
    const key = fetchKey(kid)
    keys.set(kid, { key, fetchedAt: now })
    key.catch(() => {
      if (keys.get(kid)?.key === key) keys.delete(kid)
      unknownUntil.set(kid, Date.now() + UNKNOWN_KID_RETRY_MS)
    })
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
      } catch (error) {
        throw error instanceof GatewayFailure ? error : webhookRefused('Plaid does not know the key it names')
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
      return { event: parsed as Record<string, unknown>, issuedAt: iat, jwt: header }
    },
  }
}
