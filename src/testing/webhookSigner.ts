/*
 * Signs test webhooks the way Plaid does, so a gateway's webhook route can be tested end to end:
 * Plaid's SDK has no way to make a signed webhook, and the sandbox's fired webhooks reach only a
 * public URL.
 */

/** A verification key in the shape of Plaid's `/webhook_verification_key/get` answer (`key`). */
export interface PlaidWebhookVerificationKey {
  alg: 'ES256'
  crv: 'P-256'
  kid: string
  kty: 'EC'
  use: 'sig'
  x: string
  y: string
  /** Seconds since the epoch. */
  created_at: number
  /** Seconds since the epoch once the key expired; `null` while it is valid. */
  expired_at: number | null
}

export interface SignWebhookOptions {
  /** The JWT's `iat`, in seconds since the epoch. @defaultValue now */
  issuedAt?: number
  /** Another key id to name in the header (the signature is still made with this signer's key). */
  kid?: string
}

/** What {@link createPlaidWebhookSigner} returns. */
export interface PlaidWebhookSigner {
  /** The key id the signer's JWTs name. */
  kid: string
  /** The value of the `Plaid-Verification` header for exactly this body. */
  sign(body: string | Uint8Array, options?: SignWebhookOptions): Promise<string>
  /** Plaid's whole answer to `/webhook_verification_key/get` for this key. */
  verificationKeyResponse(options?: { expiredAt?: number | null }): {
    key: PlaidWebhookVerificationKey
    request_id: string
  }
}

const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('')

/**
 * Makes an ES256 key pair and signs webhook bodies with it as Plaid does: a JWT in the
 * `Plaid-Verification` header whose `request_body_sha256` claim is the SHA-256 of the body.
 * Serve {@link PlaidWebhookSigner.verificationKeyResponse} as Plaid's
 * `/webhook_verification_key/get` (in a Plaid stand-in, or with msw) and the gateway verifies it.
 *
 * @example
 * ```ts
 * const signer = await createPlaidWebhookSigner()
 * const body = JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id, error: { error_code: 'ITEM_LOGIN_REQUIRED' } })
 * await gateway.handle(new Request('https://app.example.com/api/plaid/webhook', {
 *   method: 'POST', body, headers: { 'content-type': 'application/json', 'plaid-verification': await signer.sign(body) },
 * }))
 * ```
 */
export async function createPlaidWebhookSigner(options: { kid?: string } = {}): Promise<PlaidWebhookSigner> {
  // Loaded here rather than at the top, so that the CommonJS build of this entry also works on
  // versions of Node that cannot require an ES module such as jose.
  const { SignJWT, exportJWK, generateKeyPair } = await import('jose')
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(publicKey)
  const kid = options.kid ?? `test-key-${globalThis.crypto.randomUUID()}`
  const createdAt = Math.floor(Date.now() / 1000)
  return {
    kid,
    async sign(body, signOptions = {}) {
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body)
      const digest = hex(await globalThis.crypto.subtle.digest('SHA-256', bytes))
      return new SignJWT({ request_body_sha256: digest })
        .setProtectedHeader({ alg: 'ES256', kid: signOptions.kid ?? kid, typ: 'JWT' })
        .setIssuedAt(signOptions.issuedAt ?? Math.floor(Date.now() / 1000))
        .sign(privateKey)
    },
    verificationKeyResponse({ expiredAt = null } = {}) {
      return {
        key: {
          alg: 'ES256',
          crv: 'P-256',
          kid,
          kty: 'EC',
          use: 'sig',
          x: String(jwk.x),
          y: String(jwk.y),
          created_at: createdAt,
          expired_at: expiredAt,
        },
        request_id: `req-${globalThis.crypto.randomUUID()}`,
      }
    },
  }
}
