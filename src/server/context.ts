/*
 * What every route of the gateway shares: the app's options as checked, the Plaid client behind
 * a deadline, the store, the secrets to keep out of answers and logs, and where work that
 * follows an answer runs. The routes (exchange.ts, linkTokens.ts, items.ts, webhooks.ts) take
 * this and nothing else.
 */
import { GatewayFailure, internalError, itemNotFound, jsonResponse } from './errors'
import { exchangeLedgerOf } from './exchangeLedger'
import { createMemoryExchangeLedger } from './memoryItemStore'
import { linkTokenFieldsOf } from './options'
import { containsSecret, credentialsOf, describeCause } from './redact'
import type { ExchangeLedger, ItemStore, LinkTokenFields, PlaidGatewayClient, PlaidGatewayOptions } from './types'

export const DEFAULT_PLAID_TIMEOUT_MS = 30_000

export type PlaidCallOptions = { timeout: number; signal: AbortSignal }

export interface GatewayContext {
  readonly options: PlaidGatewayOptions
  readonly plaid: PlaidGatewayClient
  readonly store: ItemStore
  readonly ledger: ExchangeLedger
  /** The client id, the secret and the `secrets` option: never in an answer, a hook's payload or a log. */
  readonly credentials: readonly string[]
  readonly plaidTimeoutMs: number
  /** The app's `/link/token/create` fields for a new Item, and for update mode (no product lists). */
  readonly linkTokenFields: { newItem: Partial<LinkTokenFields>; updateMode: Partial<LinkTokenFields> }
  /** Calls Plaid with the deadline: the SDK gets an abort signal, and the answer never waits past it. */
  callPlaid<T>(what: string, call: (options: PlaidCallOptions) => Promise<T>): Promise<T>
  /** A 200 whose string fields were checked to hold none of `secrets`. */
  success(body: Record<string, string | boolean | undefined>, secrets: readonly string[]): Response
  /** The user's access token for the Item; unknown and foreign Items get the same 404. */
  ownedAccessToken(userId: string, itemId: string): Promise<string>
  /** Runs a store call; what it throws becomes the bare 500. */
  storeCall<T>(run: (store: ItemStore) => Promise<T>): Promise<T>
  /** Hands work that follows an answer to `waitUntil`, or runs it in the background; it never rejects. */
  after(what: string, work: () => Promise<unknown>): void
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== ''
export { isNonEmptyString }

/* The methods of contract v2 that a store written for version 1 may lack; the routes that need them say so. */
export function storeMethod<K extends 'list' | 'owner' | 'setStatus' | 'remove'>(
  store: ItemStore,
  name: K,
): ItemStore[K] {
  const method = store[name]
  if (typeof method !== 'function') {
    throw new Error(
      `createPlaidGateway: the store has no ${name}(), which this route needs (ItemStore of contract v2).`,
    )
  }
  return method.bind(store) as ItemStore[K]
}

/* Hooks are the app's code: whatever they throw must not change the response. */
export async function callHook<T>(hook: ((event: T) => void | Promise<void>) | undefined, event: T): Promise<void> {
  if (!hook) return
  try {
    await hook(event)
  } catch {
    // Ignored on purpose; reporting it could only go through the hooks themselves.
  }
}

export function createGatewayContext(options: PlaidGatewayOptions): GatewayContext {
  const { plaid, store } = options
  const credentials = [...credentialsOf(plaid), ...(options.secrets ?? []).filter((secret) => secret !== '')]
  const plaidTimeoutMs = options.plaidTimeoutMs ?? DEFAULT_PLAID_TIMEOUT_MS

  return {
    options,
    plaid,
    store,
    ledger: exchangeLedgerOf(store, createMemoryExchangeLedger),
    credentials,
    plaidTimeoutMs,
    linkTokenFields: linkTokenFieldsOf(options.linkToken),

    async callPlaid(what, call) {
      const controller = new AbortController()
      let timer: ReturnType<typeof setTimeout> | undefined
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort()
          reject(new Error(`Plaid's ${what} did not answer within plaidTimeoutMs (${plaidTimeoutMs} ms).`))
        }, plaidTimeoutMs)
      })
      try {
        return await Promise.race([call({ timeout: plaidTimeoutMs, signal: controller.signal }), deadline])
      } finally {
        clearTimeout(timer)
      }
    },

    success(body, secrets) {
      for (const [field, value] of Object.entries(body)) {
        if (typeof value === 'string' && containsSecret(value, secrets)) {
          throw internalError(new Error(`Plaid's answer holds a secret in ${field}; it was not passed on.`), secrets)
        }
      }
      return jsonResponse(200, body)
    },

    async ownedAccessToken(userId, itemId) {
      let accessToken: unknown
      try {
        accessToken = await store.get(userId, itemId)
      } catch (error) {
        throw internalError(error, credentials)
      }
      if (!isNonEmptyString(accessToken)) throw itemNotFound()
      return accessToken
    },

    async storeCall(run) {
      try {
        return await run(store)
      } catch (error) {
        throw error instanceof GatewayFailure ? error : internalError(error, credentials)
      }
    },

    after(what, work) {
      const settled = Promise.resolve()
        .then(work)
        .catch((error: unknown) => {
          // Nothing waits for this work, so its failure can only be told; a later request
          // (an /item/get) makes up for it.
          const cause = describeCause(error, credentials)
          console.error(`@utdk/plaid-react/server: ${what} failed after the answer was sent: ${cause.message}`)
        })
      if (options.waitUntil) {
        try {
          options.waitUntil(settled)
        } catch {
          // A platform that refuses the work still lets it run in the background, as without it.
        }
      }
    },
  }
}
