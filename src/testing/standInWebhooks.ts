/*
 * Webhooks as Plaid sends them: a JSON body with Plaid's fields for each code, POSTed to the Item's
 * webhook URL with a `Plaid-Verification` JWT over the body's SHA-256. A delivery that fails is
 * recorded with its reason and never thrown, as Plaid's own sender carries on.
 */
import { itemLoginRequired } from './standInErrors'
import type { PlaidWebhookSigner } from './webhookSigner'

/** A webhook the stand-in sent, or tried to send. */
export interface StandInWebhookDelivery {
  /** The Item it is about, or `null` for a webhook about no Item. */
  itemId: string | null
  /** Where it went. */
  url: string
  /** The body as sent, parsed. */
  body: Record<string, unknown>
  /** The exact bytes sent, as text; what the JWT's `request_body_sha256` covers. */
  rawBody: string
  /** The headers sent, `plaid-verification` among them, so that a test can send it again. */
  headers: Record<string, string>
  /** The receiver's HTTP status; `null` until it answers, or when it never did. */
  status: number | null
  /** Why it failed (no answer, a refused host, a timeout); `null` when the receiver answered. */
  error: string | null
  /** `performance.now()` when it was sent. */
  at: number
  /** Whether it has finished, answered or failed. */
  done: boolean
}

/** How a webhook is signed; by default as Plaid does, with the stand-in's key, now. */
export interface StandInSignOptions {
  /** The JWT's `iat`, in seconds since the epoch. @defaultValue now */
  issuedAt?: number
  /** Another key id for the JWT's header. */
  kid?: string
  /** `false` sends no `Plaid-Verification` header at all. @defaultValue `true` */
  sign?: boolean
}

const DAY_MS = 24 * 60 * 60_000

/** The `webhook_type` of each code when the caller names none. */
const TYPE_OF_CODE: Record<string, string> = {
  ERROR: 'ITEM',
  LOGIN_REPAIRED: 'ITEM',
  PENDING_EXPIRATION: 'ITEM',
  PENDING_DISCONNECT: 'ITEM',
  USER_PERMISSION_REVOKED: 'ITEM',
  USER_ACCOUNT_REVOKED: 'ITEM',
  NEW_ACCOUNTS_AVAILABLE: 'ITEM',
  WEBHOOK_UPDATE_ACKNOWLEDGED: 'ITEM',
  SYNC_UPDATES_AVAILABLE: 'TRANSACTIONS',
  DEFAULT_UPDATE: 'TRANSACTIONS',
  RECURRING_TRANSACTIONS_UPDATE: 'TRANSACTIONS',
  SMS_MICRODEPOSITS_VERIFICATION: 'AUTH',
  AUTHORIZATION_GRANTED: 'AUTH',
  PRODUCT_READY: 'ASSETS',
}

export const webhookTypeOf = (code: string): string => TYPE_OF_CODE[code] ?? 'ITEM'

/** What a webhook body needs to know about its Item. */
export interface WebhookItem {
  itemId: string
  error: Record<string, unknown> | null
  consentExpirationTime: string | null
  accountIds: readonly string[]
}

/**
 * The body Plaid sends for `webhook_type` / `webhook_code` about `item`, with each field its
 * schema requires; `fields` are laid over it, so a test can send any variation.
 */
export function webhookBody(
  item: WebhookItem,
  fields: { webhook_code: string; webhook_type?: string; [field: string]: unknown },
): Record<string, unknown> {
  const type = fields.webhook_type ?? webhookTypeOf(fields.webhook_code)
  const inAWeek = () => new Date(Date.now() + 7 * DAY_MS).toISOString()
  const withStatus = (error: Record<string, unknown>) => ({ ...error, status: 400 })
  let specific: Record<string, unknown> = {}
  if (type === 'ITEM') {
    switch (fields.webhook_code) {
      case 'ERROR':
        specific = { error: withStatus(item.error ?? itemLoginRequired()) }
        break
      case 'PENDING_EXPIRATION':
        specific = { consent_expiration_time: item.consentExpirationTime ?? inAWeek() }
        break
      case 'PENDING_DISCONNECT':
        specific = { reason: 'INSTITUTION_TOKEN_EXPIRATION', disconnect_time: inAWeek() }
        break
      case 'USER_PERMISSION_REVOKED':
        specific = {
          error: withStatus({
            error_type: 'ITEM_ERROR',
            error_code: 'USER_PERMISSION_REVOKED',
            error_code_reason: null,
            error_message: 'the holder of this account has revoked their permission for this application to access it',
            display_message: null,
          }),
        }
        break
      case 'USER_ACCOUNT_REVOKED':
        specific = { account_id: item.accountIds[0] ?? null }
        break
      case 'NEW_ACCOUNTS_AVAILABLE':
        specific = { error: null }
        break
    }
  } else if (type === 'TRANSACTIONS') {
    switch (fields.webhook_code) {
      case 'SYNC_UPDATES_AVAILABLE':
        specific = { initial_update_complete: true, historical_update_complete: true }
        break
      case 'DEFAULT_UPDATE':
        specific = { new_transactions: 0, error: null }
        break
      case 'RECURRING_TRANSACTIONS_UPDATE':
        specific = { account_ids: [...item.accountIds] }
        break
    }
  } else {
    specific = { error: null }
  }
  const { webhook_type: _type, webhook_code: code, ...rest } = fields
  return { webhook_type: type, webhook_code: code, item_id: item.itemId, ...specific, environment: 'sandbox', ...rest }
}

/** Which webhook URLs the stand-in sends to. */
export type WebhookHosts = 'loopback' | 'any'

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])
const isLoopback = (url: URL) => LOOPBACK.has(url.hostname) || url.hostname.endsWith('.localhost')

export interface WebhookSender {
  readonly deliveries: StandInWebhookDelivery[]
  send(
    itemId: string | null,
    url: string,
    body: Record<string, unknown>,
    options?: StandInSignOptions,
  ): Promise<StandInWebhookDelivery>
  /** Resolves once every delivery started so far has finished. */
  settled(): Promise<void>
  /** Stops every delivery still in flight. */
  abort(): void
}

export function createWebhookSender(options: {
  signer: PlaidWebhookSigner
  hosts: WebhookHosts
  timeoutMs: number
  fetch: typeof fetch
}): WebhookSender {
  const deliveries: StandInWebhookDelivery[] = []
  const inFlight = new Set<Promise<unknown>>()
  const controllers = new Set<AbortController>()

  async function deliver(delivery: StandInWebhookDelivery): Promise<void> {
    let target: URL
    try {
      target = new URL(delivery.url)
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('not an http(s) URL')
    } catch (error) {
      delivery.error = `the webhook URL cannot be used: ${(error as Error).message}`
      return
    }
    if (options.hosts === 'loopback' && !isLoopback(target)) {
      delivery.error =
        `not sent: ${target.host} is not on this machine, and the stand-in sends webhooks to loopback hosts ` +
        `only unless created with webhookHosts: 'any'`
      return
    }
    const controller = new AbortController()
    controllers.add(controller)
    const timer = setTimeout(
      () => controller.abort(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    )
    try {
      const response = await options.fetch(delivery.url, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.rawBody,
        signal: controller.signal,
      })
      delivery.status = response.status
      // Read to the end, so the connection is free again; the answer itself means nothing to Plaid.
      await response.arrayBuffer().catch(() => undefined)
    } catch (error) {
      const reason = controller.signal.aborted ? controller.signal.reason : error
      delivery.error = `no answer: ${reason instanceof Error ? reason.message : String(reason)}`
    } finally {
      clearTimeout(timer)
      controllers.delete(controller)
    }
  }

  return {
    deliveries,
    send(itemId, url, body, signOptions = {}) {
      // Registered before anything is awaited, so that settled() called right after counts it.
      const running = (async () => {
        // Indented, as Plaid's bodies are: a receiver must hash the bytes, never a re-serialization.
        const rawBody = JSON.stringify(body, null, 2)
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'user-agent': 'Plaid Verifier',
        }
        const delivery: StandInWebhookDelivery = {
          itemId,
          url,
          body,
          rawBody,
          headers,
          status: null,
          error: null,
          at: performance.now(),
          done: false,
        }
        if (signOptions.sign !== false) {
          try {
            headers['plaid-verification'] = await options.signer.sign(rawBody, {
              ...(signOptions.issuedAt === undefined ? {} : { issuedAt: signOptions.issuedAt }),
              ...(signOptions.kid === undefined ? {} : { kid: signOptions.kid }),
            })
          } catch (error) {
            delivery.error = `not sent: it could not be signed (${(error as Error).message})`
            delivery.done = true
            deliveries.push(delivery)
            return delivery
          }
        }
        deliveries.push(delivery)
        try {
          await deliver(delivery)
        } finally {
          delivery.done = true
        }
        return delivery
      })()
      inFlight.add(running)
      void running.finally(() => inFlight.delete(running)).catch(() => undefined)
      return running
    },
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled(inFlight)
    },
    abort() {
      for (const controller of controllers) controller.abort(new Error('the stand-in was closed'))
    },
  }
}
