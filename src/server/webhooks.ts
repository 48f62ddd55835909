/*
 * POST {basePath}/webhook, called by Plaid with no session: the signature is what proves where
 * it came from (webhookVerifier.ts). A verified webhook is then taken once (contract, section 12):
 * a replay of the same JWT, on any instance sharing the store, is acknowledged and changes
 * nothing; an Item's status moves only for a webhook not older than the one that set it; and a
 * webhook of another Plaid environment is acknowledged and ignored.
 */
import { callHook, isNonEmptyString, storeMethod, type GatewayContext } from './context'
import { jsonResponse } from './errors'
import { createWebhookMemory } from './memoryItemStore'
import { WEBHOOK_MAX_AGE_S, createWebhookVerifier, sha256Hex, type PlaidVerificationKey } from './webhookVerifier'
import type { ItemStatusUpdate } from './types'

/*
 * A JWT is accepted while its `iat` is within WEBHOOK_MAX_AGE_S of now, on either side, so it is
 * remembered for twice that: a replay can never outlive the memory of it.
 */
const REPLAY_MEMORY_MS = 2 * WEBHOOK_MAX_AGE_S * 1000

const acknowledged = () => jsonResponse(200, {})

const errorCodeOf = (error: unknown): string | null => {
  const code = (error as { error_code?: unknown } | null | undefined)?.error_code
  return typeof code === 'string' && code !== '' ? code : null
}

const dateOrNull = (value: unknown): string | null =>
  typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : null

/**
 * The status an `ITEM` webhook moves an Item to (contract, sections 7 and 11), or `undefined`
 * for the codes that say nothing about its health.
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
    case 'PENDING_EXPIRATION':
      return {
        status: 'pending_expiration',
        errorCode: null,
        consentExpirationTime: dateOrNull(body.consent_expiration_time),
      }
    case 'PENDING_DISCONNECT':
      return {
        status: 'pending_disconnect',
        errorCode: null,
        disconnectTime: dateOrNull(body.disconnect_time),
        reason: isNonEmptyString(body.reason) ? body.reason : null,
      }
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

export function createWebhookRoute(ctx: GatewayContext, environment: 'sandbox' | 'production' | undefined) {
  const { store } = ctx
  // Without a store that remembers webhooks, replays are caught within this process only.
  const memory =
    store.rememberWebhook && store.forgetWebhook
      ? { rememberWebhook: store.rememberWebhook.bind(store), forgetWebhook: store.forgetWebhook.bind(store) }
      : createWebhookMemory()

  const verifier = createWebhookVerifier(async (kid): Promise<PlaidVerificationKey> => {
    const { data } = await ctx.callPlaid('/webhook_verification_key/get', (options) =>
      ctx.plaid.webhookVerificationKeyGet({ key_id: kid }, options),
    )
    const key = data?.key as PlaidVerificationKey | undefined
    if (typeof key !== 'object' || key === null || key.kid !== kid) throw new Error('Plaid answered with another key.')
    return key
  })

  /* Moves the Item's status and tells the app; the webhook's `iat` orders it against others. */
  async function take(event: Record<string, unknown>, issuedAt: number): Promise<void> {
    const itemId = event.item_id
    let userId: string | undefined
    if (isNonEmptyString(itemId)) {
      userId = await ctx.storeCall((s) => storeMethod(s, 'owner')(itemId))
      const update = event.webhook_type === 'ITEM' ? statusFromItemWebhook(event) : undefined
      if (userId !== undefined && update) {
        await ctx.storeCall((s) => storeMethod(s, 'setStatus')(itemId, { ...update, asOf: issuedAt * 1000 }))
      }
    }
    await callHook(ctx.options.onWebhook, userId === undefined ? { ...event } : { ...event, userId })
  }

  return async function webhook(request: Request, body: Uint8Array<ArrayBuffer>): Promise<Response> {
    const { event, issuedAt, jwt } = await verifier.verify(request.headers.get('plaid-verification'), body)
    // Sandbox and production webhooks sent to one URL must not mix: only this gateway's are taken.
    if (environment !== undefined && isNonEmptyString(event.environment) && event.environment !== environment) {
      return acknowledged()
    }
    const id = await sha256Hex(new TextEncoder().encode(jwt))
    const first = await ctx.storeCall(() => memory.rememberWebhook(id, REPLAY_MEMORY_MS))
    if (!first) return acknowledged()
    try {
      await take(event, issuedAt)
    } catch (error) {
      // Not taken after all: forgotten, so that Plaid's retry of it is taken.
      await memory.forgetWebhook(id).catch(() => undefined)
      throw error
    }
    return acknowledged()
  }
}
