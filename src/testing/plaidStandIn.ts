/*
 * An offline Plaid: a real HTTP server on 127.0.0.1 that answers Plaid's API for every route the
 * gateway calls, plus the sandbox helpers, the way Plaid's sandbox does. Requests are checked
 * against facts copied from Plaid's OpenAPI spec (plaidSpec.mjs) and refused with Plaid's errors;
 * public tokens are single-use; Items keep their webhook URL and get webhooks signed like Plaid's.
 * It also serves the Link stand-in's script, so a page can run Link offline against it.
 *
 * Test controls (recorded requests, injected failures, hanging, latency) sit beside the Plaid
 * behaviour and are named apart from it in PlaidStandIn's documentation.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import linkScript from './linkStandInScript?script'
import { LINK_SCRIPT_PATH } from './linkStandInWire'
import {
  InstitutionsGetByIdRequest,
  ItemGetRequest,
  ItemPublicTokenCreateRequest,
  ItemPublicTokenExchangeRequest,
  ItemRemoveRequest,
  ItemWebhookUpdateRequest,
  LinkTokenCreateRequest,
  SandboxItemFireWebhookRequest,
  SandboxItemResetLoginRequest,
  SandboxPublicTokenCreateRequest,
  WebhookVerificationKeyGetRequest,
  check,
  linkTokenModeProblems,
  type SchemaFact,
} from './plaidSpec.mjs'
import {
  errors,
  itemLoginRequired,
  plaidErrorBody,
  plaidId,
  requestId,
  type ErrorAnswer,
  type PlaidErrorFields,
  type StandInPlaidError,
} from './standInErrors'
import {
  DEFAULT_PRODUCTS,
  SANDBOX_INSTITUTIONS,
  type StandInAccount,
  type StandInInstitution,
} from './standInInstitutions'
import { serveLink, type LinkTokenState, type StandInState } from './standInLink'
import {
  createWebhookSender,
  webhookBody,
  webhookTypeOf,
  type StandInSignOptions,
  type StandInWebhookDelivery,
  type WebhookHosts,
} from './standInWebhooks'
import { createPlaidWebhookSigner, type PlaidWebhookSigner, type PlaidWebhookVerificationKey } from './webhookSigner'

export type { StandInAccount, StandInInstitution, StandInPlaidError, StandInWebhookDelivery, StandInSignOptions }

/** The largest body the stand-in reads; a larger one is refused before it is read to the end. */
export const STAND_IN_MAX_BODY_BYTES = 1024 * 1024
/* Plaid's lifetimes: a new Item's link token 4 hours, update mode's 30 minutes, a public token 30 minutes. */
const NEW_ITEM_LINK_TOKEN_MS = 4 * 60 * 60_000
const UPDATE_MODE_LINK_TOKEN_MS = 30 * 60_000
const PUBLIC_TOKEN_MS = 30 * 60_000
const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000

export interface PlaidStandInOptions {
  /** The client id it accepts. @defaultValue `'plaid-stand-in-client-id'` */
  clientId?: string
  /** The secret it accepts. @defaultValue `'plaid-stand-in-secret'` */
  secret?: string
  /** A test control: milliseconds to wait before answering each API request. @defaultValue `0` */
  latencyMs?: number
  /** Its institutions. @defaultValue Plaid's sandbox institutions, one of them the OAuth bank `ins_127287` */
  institutions?: readonly StandInInstitution[]
  /** Signs its webhooks; its key is served at `/webhook_verification_key/get`. @defaultValue a new one */
  webhookSigner?: PlaidWebhookSigner
  /**
   * Which webhook URLs it sends to. `'loopback'` sends only to 127.0.0.1, `[::1]` and `localhost`,
   * and records every other delivery as failed, so that a test cannot reach the internet by a
   * stray URL. @defaultValue `'loopback'`
   */
  webhookHosts?: WebhookHosts
  /** How long a webhook delivery waits for the receiver's answer. @defaultValue `10000` */
  webhookTimeoutMs?: number
  /** The port on 127.0.0.1. @defaultValue `0`: a free one */
  port?: number
  /**
   * Items to start with: `items` of an earlier stand-in, saved as JSON, so that the access tokens
   * an app's store kept across a restart still work. Each must be at one of `institutions`.
   */
  items?: readonly StandInItem[]
}

/** An Item as the stand-in holds it. */
export interface StandInItem {
  itemId: string
  /** Its access token; every one handed out is also in {@link PlaidStandIn.issuedAccessTokens}. */
  accessToken: string
  institutionId: string
  institutionName: string
  /** Its accounts, with the ids Link's metadata reports. */
  accounts: (StandInAccount & { accountId: string })[]
  /** Where its webhooks go: the link token's `webhook`, or `/sandbox/public_token/create`'s. */
  webhook: string | null
  /** The `error` that `/item/get` reports, e.g. `ITEM_LOGIN_REQUIRED` after `/sandbox/item/reset_login`. */
  error: Record<string, unknown> | null
  consentExpirationTime: string | null
  /** The products billed for it. */
  products: string[]
  /** Whether `/item/remove` removed it. */
  removed: boolean
  /** When it was created (ISO 8601). */
  createdAt: string
}

/** A request as the stand-in received it. */
export interface StandInRequest {
  path: string
  method: string
  headers: Record<string, string | string[] | undefined>
  /** The parsed JSON body; `undefined` when it was not JSON. */
  body: Record<string, unknown> | undefined
  /** `performance.now()` when its body had arrived. */
  at: number
  /** The same moment as an ISO 8601 date. */
  receivedAt: string
  /** Whether it was held unanswered by {@link PlaidStandIn.hang}. */
  held: boolean
}

/** A test control's answer in place of Plaid's: a whole body, or a Plaid error to fill in. */
export type StandInAnswer =
  { status: number; body: unknown; contentType?: string } | { status?: number; error: PlaidErrorFields }

export interface CreatePublicTokenOptions {
  /** @defaultValue `'ins_109508'` (First Platypus Bank), or the first institution given */
  institutionId?: string
  /** Where the Item's webhooks go. @defaultValue none */
  webhook?: string | null
  /** @defaultValue `['transactions']` */
  products?: string[]
}

/** The fields of a webhook to send; the rest of Plaid's body is filled in for the code. */
export interface StandInWebhookFields {
  webhook_code: string
  /** @defaultValue the code's own type, e.g. `ITEM` for `ERROR` */
  webhook_type?: string
  [field: string]: unknown
}

/**
 * A running stand-in. `basePath`, `close`, `items`, `institutions`, `fireWebhook`, `webhooks` and
 * the routes it serves mirror Plaid; the members marked "Test control" have no counterpart at
 * Plaid and exist so that a gateway's own tests can count, fail and stall Plaid's answers.
 */
export interface PlaidStandIn {
  /** Where it listens, e.g. `http://127.0.0.1:43210`: the `basePath` for the SDK's `Configuration`. */
  readonly basePath: string
  /** The credentials it accepts. */
  readonly clientId: string
  readonly secret: string
  /** `{ 'PLAID-CLIENT-ID', 'PLAID-SECRET' }`, for the SDK's `baseOptions.headers`. */
  readonly headers: { 'PLAID-CLIENT-ID': string; 'PLAID-SECRET': string }
  /** The Link stand-in's script, at Plaid's CDN path: put it on a page before the package loads Link. */
  readonly linkScriptUrl: string
  readonly institutions: readonly StandInInstitution[]
  /** Every Item it holds, removed ones included, oldest first (copies). */
  readonly items: StandInItem[]
  /** One Item, or `undefined`. */
  item(itemId: string): StandInItem | undefined
  /**
   * Sends a webhook about an Item to the Item's webhook URL (or `options.url`), signed like
   * Plaid's, and resolves with the delivery once the receiver answered or the delivery failed.
   * Plaid's body for the code is filled in; `fields` are laid over it. It changes no Item state.
   */
  fireWebhook(
    itemId: string,
    fields: StandInWebhookFields,
    options?: StandInSignOptions & { url?: string },
  ): Promise<StandInWebhookDelivery>
  /** Every webhook sent or tried, oldest first, with the receiver's status or why it failed. */
  readonly webhooks: readonly StandInWebhookDelivery[]
  /** Resolves once every webhook started so far has been delivered or has failed. */
  webhooksSettled(): Promise<void>
  /** The signer whose key `/webhook_verification_key/get` serves. */
  readonly signer: PlaidWebhookSigner
  /** Stops the server: held requests and webhooks in flight are dropped. */
  close(): Promise<void>

  /** Test control: every request received, in order. */
  readonly requests: StandInRequest[]
  /** Test control: every way a request broke Plaid's spec or credentials; a correct caller leaves it empty. */
  readonly violations: string[]
  /** Test control: how many requests reached `path`. */
  calls(path: string): number
  /** Test control: how many `/item/public_token/exchange` requests carried this public token, served or not. */
  exchangesOf(publicToken: string): number
  /** Test control: delay before every API answer, in milliseconds; may be changed at any time. */
  latencyMs: number
  /**
   * Test control: the next request to `path` that Plaid would serve is answered with `answer`
   * instead. Returns the body that will be sent.
   */
  failNext(path: string, answer: StandInAnswer): unknown
  /**
   * Test control: from now on requests to `path` (every API path without one) are recorded and
   * then left unanswered, as by a Plaid that stopped responding. A held request is never served
   * later; its connection stays open until the caller gives up or the stand-in closes.
   */
  hang(path?: string): void
  /** Test control: new requests to `path` (every path without one) are answered again. */
  stopHanging(path?: string): void
  /**
   * Test control: requests to `path` wait, unanswered, until the returned function is called, and
   * are then served as usual: for a test that looks at its caller before Plaid's answer arrives.
   */
  holdUntilReleased(path: string): () => void
  /** Test control: how many held requests still have their connection open. */
  readonly held: number
  /** Test control: sets the `error` that `/item/get` reports for an Item (`null`: healthy). */
  setItemError(itemId: string, error: Record<string, unknown> | null): void
  /** Test control: every access token ever handed out, for scans that no secret leaked. */
  readonly issuedAccessTokens: string[]
  /** Test control: the access token of an Item. */
  accessTokenOf(itemId: string): string | undefined
  /**
   * Test control: a new Item and a public token for it without an HTTP request, as
   * `/sandbox/public_token/create` makes them.
   */
  createPublicToken(options?: CreatePublicTokenOptions): { publicToken: string; itemId: string }
  /** Test control: `/webhook_verification_key/get` also hands out this key (Plaid's JWK shape). */
  addWebhookKey(key: PlaidWebhookVerificationKey | ({ kid: string } & Record<string, unknown>)): void
}

interface ItemState extends StandInItem {
  institution: StandInInstitution
}

interface Answer {
  status: number
  body: unknown
  contentType?: string
}

const ok = (body: Record<string, unknown>): Answer => ({ status: 200, body: { ...body, request_id: requestId() } })
const fail = (answer: ErrorAnswer): Answer => answer
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** Thrown by a route to answer with a Plaid error. */
class Refusal {
  constructor(readonly answer: ErrorAnswer) {}
}

/**
 * Starts an offline Plaid on 127.0.0.1 at a free port.
 *
 * @example
 * ```ts
 * import { createPlaidStandIn } from '@utdk/plaid-react/testing'
 * import { Configuration, PlaidApi, Products } from 'plaid'
 *
 * const standIn = await createPlaidStandIn()
 * const plaid = new PlaidApi(new Configuration({ basePath: standIn.basePath, baseOptions: { headers: standIn.headers } }))
 * const { data } = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: [Products.Transactions] })
 * const { data: exchanged } = await plaid.itemPublicTokenExchange({ public_token: data.public_token })
 * await standIn.close()
 * ```
 */
export async function createPlaidStandIn(options: PlaidStandInOptions = {}): Promise<PlaidStandIn> {
  // Loaded here, so that importing the testing entry in a browser bundle never needs node:http.
  const { createServer } = await import('node:http')
  const clientId = options.clientId ?? 'plaid-stand-in-client-id'
  const secret = options.secret ?? 'plaid-stand-in-secret'
  const institutions = options.institutions ?? SANDBOX_INSTITUTIONS
  if (institutions.length === 0)
    throw new TypeError('createPlaidStandIn: `institutions` needs at least one institution.')
  const signer = options.webhookSigner ?? (await createPlaidWebhookSigner())
  const sender = createWebhookSender({
    signer,
    hosts: options.webhookHosts ?? 'loopback',
    timeoutMs: options.webhookTimeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
    fetch: (...args) => globalThis.fetch(...args),
  })

  const items = new Map<string, ItemState>()
  const itemsByAccessToken = new Map<string, ItemState>()
  const publicTokens = new Map<string, { itemId: string; used: boolean; expiresAt: number }>()
  const linkTokens = new Map<string, LinkTokenState>()
  const webhookKeys = new Map<string, Record<string, unknown>>()
  const failures = new Map<string, Answer[]>()
  const exchangesByPublicToken = new Map<string, number>()
  const requests: StandInRequest[] = []
  const violations: string[] = []
  const held = new Set<ServerResponse>()
  const hangingPaths = new Set<string>()
  let hangingAll = false
  /* Paths whose requests wait for a release, with the promise they wait on. */
  const gates = new Map<string, Promise<void>>()

  const institutionById = (id: unknown) => institutions.find((one) => one.institution_id === id)
  for (const saved of options.items ?? []) {
    const institution = institutionById(saved.institutionId)
    if (!institution) {
      throw new TypeError(
        `createPlaidStandIn: Item ${saved.itemId} is at ${saved.institutionId}, which is not one of its institutions.`,
      )
    }
    const item: ItemState = {
      ...saved,
      institution,
      accounts: saved.accounts.map((account) => ({ ...account })),
      products: [...saved.products],
    }
    items.set(item.itemId, item)
    itemsByAccessToken.set(item.accessToken, item)
  }
  const snapshot = ({ institution: _institution, ...item }: ItemState): StandInItem => ({
    ...item,
    accounts: item.accounts.map((account) => ({ ...account })),
    products: [...item.products],
  })

  function createItem(fields: {
    institution: StandInInstitution
    webhook: string | null
    products: readonly string[]
  }): ItemState {
    const item: ItemState = {
      itemId: plaidId(37),
      accessToken: `access-sandbox-${globalThis.crypto.randomUUID()}`,
      institution: fields.institution,
      institutionId: fields.institution.institution_id,
      institutionName: fields.institution.name,
      accounts: fields.institution.accounts.map((account) => ({ ...account, accountId: plaidId(37) })),
      webhook: fields.webhook,
      error: null,
      consentExpirationTime: null,
      products: [...new Set(fields.products)],
      removed: false,
      createdAt: iso(Date.now()),
    }
    items.set(item.itemId, item)
    itemsByAccessToken.set(item.accessToken, item)
    return item
  }

  function publicTokenFor(item: ItemState): string {
    const publicToken = `public-sandbox-${globalThis.crypto.randomUUID()}`
    publicTokens.set(publicToken, { itemId: item.itemId, used: false, expiresAt: Date.now() + PUBLIC_TOKEN_MS })
    return publicToken
  }

  /* The Item an access token names: unknown tokens and removed Items are refused as Plaid does. */
  function itemOf(body: Record<string, unknown>): ItemState {
    const item = itemsByAccessToken.get(body.access_token as string)
    if (!item) throw new Refusal(errors.invalidAccessToken())
    if (item.removed) throw new Refusal(errors.itemNotFound())
    return item
  }

  function sendWebhook(item: ItemState, fields: StandInWebhookFields, signOptions?: StandInSignOptions) {
    const body = webhookBody(
      {
        itemId: item.itemId,
        error: item.error,
        consentExpirationTime: item.consentExpirationTime,
        accountIds: item.accounts.map((account) => account.accountId),
      },
      fields,
    )
    return sender.send(item.itemId, item.webhook!, body, signOptions)
  }

  const state: StandInState = {
    institutions,
    linkTokens,
    itemOf: (itemId) => items.get(itemId),
    createItem: (fields) => createItem(fields),
    publicTokenFor: (itemId) => publicTokenFor(items.get(itemId)!),
    /* Update mode fixed the Item: its error goes, and a login that was required is reported repaired. */
    repair(itemId) {
      const item = items.get(itemId)!
      const wasLoginRequired = item.error?.error_code === 'ITEM_LOGIN_REQUIRED'
      item.error = null
      if (wasLoginRequired && item.webhook) void sendWebhook(item, { webhook_code: 'LOGIN_REPAIRED' })
    },
  }

  /** The routes of Plaid's API, each with the request schema Plaid documents. */
  const routes: Record<string, { schema: SchemaFact; serve: (body: Record<string, unknown>) => Answer }> = {
    '/item/public_token/exchange': {
      schema: ItemPublicTokenExchangeRequest,
      serve(body) {
        const entry = publicTokens.get(body.public_token as string)
        if (!entry || entry.used || entry.expiresAt <= Date.now()) return fail(errors.invalidPublicToken())
        entry.used = true
        const item = items.get(entry.itemId)!
        if (item.removed) return fail(errors.itemNotFound())
        return ok({ access_token: item.accessToken, item_id: item.itemId })
      },
    },
    '/link/token/create': {
      schema: LinkTokenCreateRequest,
      serve(body) {
        const updating = typeof body.access_token === 'string' && body.access_token !== ''
        const item = updating ? itemOf(body) : undefined
        const lifetime = updating ? UPDATE_MODE_LINK_TOKEN_MS : NEW_ITEM_LINK_TOKEN_MS
        const linkToken = `link-sandbox-${globalThis.crypto.randomUUID()}`
        const products = [
          ...((body.products as string[] | undefined) ?? []),
          ...((body.required_if_supported_products as string[] | undefined) ?? []),
        ]
        linkTokens.set(linkToken, {
          itemId: item?.itemId ?? null,
          clientName: body.client_name as string,
          webhook: typeof body.webhook === 'string' ? body.webhook : null,
          redirectUri: typeof body.redirect_uri === 'string' ? body.redirect_uri : null,
          products,
          expiresAt: Date.now() + lifetime,
        })
        return ok({ link_token: linkToken, expiration: iso(Date.now() + lifetime) })
      },
    },
    '/item/public_token/create': {
      schema: ItemPublicTokenCreateRequest,
      serve(body) {
        const item = itemOf(body)
        return ok({ public_token: publicTokenFor(item), expiration: iso(Date.now() + PUBLIC_TOKEN_MS) })
      },
    },
    '/item/get': {
      schema: ItemGetRequest,
      serve(body) {
        const item = itemOf(body)
        return ok({
          item: {
            item_id: item.itemId,
            institution_id: item.institutionId,
            institution_name: item.institutionName,
            webhook: item.webhook,
            auth_method: null,
            error: item.error,
            available_products: ['balance'].filter((product) => !item.products.includes(product)),
            billed_products: [...item.products],
            products: [...item.products],
            consent_expiration_time: item.consentExpirationTime,
            update_type: 'background',
            created_at: item.createdAt,
          },
          status: null,
        })
      },
    },
    '/item/remove': {
      schema: ItemRemoveRequest,
      serve(body) {
        // The access token stops working; it stays among the issued tokens for leak scans.
        itemOf(body).removed = true
        return ok({})
      },
    },
    '/item/webhook/update': {
      schema: ItemWebhookUpdateRequest,
      serve(body) {
        const item = itemOf(body)
        item.webhook = (body.webhook as string | null | undefined) ?? null
        // Plaid confirms the change at the new URL.
        if (item.webhook) {
          void sendWebhook(item, {
            webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED',
            new_webhook_url: item.webhook,
            error: null,
          })
        }
        return routes['/item/get']!.serve(body)
      },
    },
    '/institutions/get_by_id': {
      schema: InstitutionsGetByIdRequest,
      serve(body) {
        const institution = institutionById(body.institution_id)
        if (!institution) return fail(errors.invalidInstitution())
        const withMetadata = (body.options as { include_optional_metadata?: boolean } | undefined)
          ?.include_optional_metadata
        return ok({
          institution: {
            institution_id: institution.institution_id,
            name: institution.name,
            products: institution.products ?? DEFAULT_PRODUCTS,
            country_codes: institution.country_codes ?? ['US'],
            routing_numbers: institution.routing_numbers ?? [],
            dtc_numbers: [],
            oauth: institution.oauth,
            ...(withMetadata
              ? { url: institution.url ?? null, primary_color: institution.primary_color ?? null, logo: null }
              : {}),
          },
        })
      },
    },
    '/webhook_verification_key/get': {
      schema: WebhookVerificationKeyGetRequest,
      serve(body) {
        const key =
          body.key_id === signer.kid ? signer.verificationKeyResponse().key : webhookKeys.get(body.key_id as string)
        if (!key) return fail(errors.invalidWebhookKeyId())
        return ok({ key })
      },
    },
    '/sandbox/public_token/create': {
      schema: SandboxPublicTokenCreateRequest,
      serve(body) {
        const institution = institutionById(body.institution_id)
        if (!institution) return fail(errors.invalidInstitution())
        const webhook = (body.options as { webhook?: string } | undefined)?.webhook ?? null
        const item = createItem({ institution, webhook, products: body.initial_products as string[] })
        return ok({ public_token: publicTokenFor(item) })
      },
    },
    '/sandbox/item/fire_webhook': {
      schema: SandboxItemFireWebhookRequest,
      serve(body) {
        const item = itemOf(body)
        const code = body.webhook_code as string
        const type = (body.webhook_type as string | undefined) ?? webhookTypeOf(code)
        const product = productFor(type, code)
        if (product === 'mismatch') {
          return fail(errors.invalidField(`webhook_code ${code} is not a webhook of type ${type}`))
        }
        if (product && !item.products.includes(product)) return fail(errors.sandboxProductNotEnabled(product))
        if (!item.webhook) return fail(errors.sandboxWebhookInvalid())
        void sendWebhook(item, { webhook_code: code, webhook_type: type })
        return ok({ webhook_fired: true })
      },
    },
    '/sandbox/item/reset_login': {
      schema: SandboxItemResetLoginRequest,
      serve(body) {
        const item = itemOf(body)
        item.error = itemLoginRequired()
        if (item.webhook) void sendWebhook(item, { webhook_code: 'ERROR' })
        return ok({ reset_login: true })
      },
    },
  }

  function record(req: IncomingMessage, path: string, body: Record<string, unknown> | undefined): StandInRequest {
    const entry: StandInRequest = {
      path,
      method: req.method ?? '',
      headers: { ...req.headers },
      body,
      at: performance.now(),
      receivedAt: new Date().toISOString(),
      held: false,
    }
    requests.push(entry)
    if (path === '/item/public_token/exchange' && typeof body?.public_token === 'string') {
      exchangesByPublicToken.set(body.public_token, (exchangesByPublicToken.get(body.public_token) ?? 0) + 1)
    }
    return entry
  }

  /* A refusal of the request itself (not of what it asks for): recorded as a violation too. */
  function refuse(path: string, why: string, answer: ErrorAnswer): Answer {
    violations.push(`${path}: ${why}`)
    return answer
  }

  /* Plaid's checks, in Plaid's order: the endpoint, the headers, the body, the credentials, the schema. */
  function answer(req: IncomingMessage, path: string, raw: Buffer, parsed: unknown): Answer {
    const route = routes[path]
    if (req.method !== 'POST' || !route) {
      violations.push(`${req.method} ${path}: not an endpoint of Plaid's API`)
      return errors.notFound(req.method ?? '', path)
    }
    const contentType = String(req.headers['content-type'] ?? '')
    if (!/^application\/json\s*(;|$)/i.test(contentType)) {
      return refuse(path, `Content-Type is ${contentType || 'missing'}`, errors.invalidHeaders())
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return refuse(path, `body is not a JSON object (${raw.length} bytes)`, errors.invalidBody())
    }
    const body = parsed as Record<string, unknown>
    // The SDK sends the credentials as headers; Plaid also takes them in the body.
    const sentClientId = req.headers['plaid-client-id'] ?? body.client_id
    const sentSecret = req.headers['plaid-secret'] ?? body.secret
    const missing = [...(sentClientId ? [] : ['client_id']), ...(sentSecret ? [] : ['secret'])]
    if (missing.length > 0) return refuse(path, `${missing.join(' and ')} missing`, errors.missingFields(missing))
    if (sentClientId !== clientId || sentSecret !== secret) {
      return refuse(path, 'wrong client_id or secret', errors.invalidApiKeys())
    }
    const problems = check(route.schema, body)
    const missingFields = problems.filter((problem) => problem.kind === 'missing')
    const unknownFields = problems.filter((problem) => problem.kind === 'unknown')
    const invalid = [
      ...problems.filter((problem) => problem.kind === 'invalid').map((problem) => problem.message),
      ...(path === '/link/token/create' ? linkTokenModeProblems(body) : []),
    ]
    const field = (problem: { path: string }) => problem.path.replace(/^\$\./, '')
    if (missingFields.length > 0) {
      const names = missingFields.map(field)
      return refuse(path, `${names.join(', ')} missing`, errors.missingFields(names))
    }
    if (unknownFields.length > 0) {
      const names = unknownFields.map(field)
      return refuse(path, `${names.join(', ')} not documented`, errors.unknownFields(names))
    }
    if (invalid.length > 0) {
      violations.push(...invalid.map((problem) => `${path}: ${problem}`))
      return errors.invalidField(invalid.join('; '))
    }
    const failure = failures.get(path)?.shift()
    if (failure) return failure
    try {
      return route.serve(body)
    } catch (error) {
      if (error instanceof Refusal) return error.answer
      throw error
    }
  }

  function send(res: ServerResponse, { status, body, contentType = 'application/json' }: Answer, extra = {}) {
    if (res.headersSent || res.destroyed) return
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(text),
      ...extra,
    })
    res.end(text)
  }

  /* Reads the body up to the limit; a larger one is refused without reading the rest. */
  async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > STAND_IN_MAX_BODY_BYTES) return undefined
      chunks.push(chunk)
    }
    return Buffer.concat(chunks)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in.invalid')
    const path = url.pathname
    if (path === LINK_SCRIPT_PATH) {
      return send(
        res,
        { status: 200, body: linkScript, contentType: 'text/javascript; charset=utf-8' },
        { 'access-control-allow-origin': '*', 'cache-control': 'no-store' },
      )
    }
    const raw = await readBody(req)
    if (raw === undefined) {
      violations.push(`${path}: body over ${STAND_IN_MAX_BODY_BYTES} bytes`)
      send(res, errors.tooLarge(STAND_IN_MAX_BODY_BYTES), { connection: 'close' })
      res.on('finish', () => req.destroy())
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(raw.toString('utf8'))
    } catch {
      parsed = undefined
    }
    const body =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined
    const entry = record(req, path, body)
    const link = serveLink(state, { method: req.method ?? '', path, query: url.searchParams, body, origin: basePath })
    if (link) return send(res, link.answer, link.headers)

    if (hangingAll || hangingPaths.has(path)) {
      entry.held = true
      held.add(res)
      res.on('close', () => held.delete(res))
      return
    }
    if (standIn.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, standIn.latencyMs))
    await gates.get(path)
    send(res, answer(req, path, raw, parsed))
  }

  const server: Server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    req.on('error', () => undefined)
    res.on('error', () => undefined)
    handle(req, res).catch(() => send(res, errors.internal()))
  })
  // Malformed HTTP never reaches a handler; it gets a plain 400 and the connection closes.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
    else socket.destroy()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port: options.port ?? 0, host: '127.0.0.1', backlog: 2048 }, () => resolve())
  })
  const address = server.address()
  const basePath = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`

  let closing: Promise<void> | undefined
  const standIn: PlaidStandIn = {
    basePath,
    clientId,
    secret,
    headers: { 'PLAID-CLIENT-ID': clientId, 'PLAID-SECRET': secret },
    linkScriptUrl: basePath + LINK_SCRIPT_PATH,
    institutions,
    get items() {
      return [...items.values()].map(snapshot)
    },
    item(itemId) {
      const item = items.get(itemId)
      return item && snapshot(item)
    },
    fireWebhook(itemId, fields, { url, ...signOptions } = {}) {
      const item = items.get(itemId)
      if (!item) return Promise.reject(new TypeError(`fireWebhook: the stand-in has no Item ${itemId}.`))
      const target = url ?? item.webhook
      if (!target) {
        return Promise.reject(
          new TypeError(
            `fireWebhook: Item ${itemId} has no webhook URL. Create it with a link token's webhook or ` +
              `/sandbox/public_token/create's options.webhook, or pass { url }.`,
          ),
        )
      }
      return sendWebhook({ ...item, webhook: target }, fields, signOptions)
    },
    webhooks: sender.deliveries,
    webhooksSettled: () => sender.settled(),
    signer,
    close() {
      closing ??= new Promise<void>((resolve) => {
        sender.abort()
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    },

    requests,
    violations,
    calls: (path) => requests.filter((request) => request.path === path).length,
    exchangesOf: (publicToken) => exchangesByPublicToken.get(publicToken) ?? 0,
    latencyMs: options.latencyMs ?? 0,
    failNext(path, given) {
      const failure: Answer =
        'error' in given
          ? { status: given.status ?? 400, body: plaidErrorBody(given.error) }
          : { status: given.status, body: given.body, ...(given.contentType ? { contentType: given.contentType } : {}) }
      failures.set(path, [...(failures.get(path) ?? []), failure])
      return failure.body
    },
    hang(path) {
      if (path === undefined) hangingAll = true
      else hangingPaths.add(path)
    },
    stopHanging(path) {
      if (path === undefined) {
        hangingAll = false
        hangingPaths.clear()
      } else hangingPaths.delete(path)
    },
    holdUntilReleased(path) {
      let release = () => {}
      const released = new Promise<void>((resolve) => (release = resolve))
      gates.set(path, released)
      return () => {
        if (gates.get(path) === released) gates.delete(path)
        release()
      }
    },
    get held() {
      return held.size
    },
    setItemError(itemId, error) {
      const item = items.get(itemId)
      if (!item) throw new TypeError(`setItemError: the stand-in has no Item ${itemId}.`)
      item.error = error
    },
    get issuedAccessTokens() {
      return [...items.values()].map((item) => item.accessToken)
    },
    accessTokenOf: (itemId) => items.get(itemId)?.accessToken,
    createPublicToken({ institutionId, webhook = null, products = ['transactions'] } = {}) {
      const institution = institutionId === undefined ? institutions[0]! : institutionById(institutionId)
      if (!institution) throw new TypeError(`createPublicToken: the stand-in has no institution ${institutionId}.`)
      const item = createItem({ institution, webhook, products })
      return { publicToken: publicTokenFor(item), itemId: item.itemId }
    },
    addWebhookKey(key) {
      webhookKeys.set(key.kid, { ...key })
    },
  }
  return standIn
}

/**
 * The product a sandbox webhook needs on the Item (Plaid answers `SANDBOX_PRODUCT_NOT_ENABLED`
 * without it), `undefined` when it needs none, or `'mismatch'` for a code of another type.
 */
function productFor(type: string, code: string): string | undefined | 'mismatch' {
  const itemCodes = [
    'NEW_ACCOUNTS_AVAILABLE',
    'USER_PERMISSION_REVOKED',
    'USER_ACCOUNT_REVOKED',
    'PENDING_DISCONNECT',
    'LOGIN_REPAIRED',
  ]
  if (itemCodes.includes(code)) return type === 'ITEM' ? undefined : 'mismatch'
  if (type === 'ITEM') return 'mismatch'
  const byType: Record<string, string> = {
    TRANSACTIONS: 'transactions',
    AUTH: 'auth',
    HOLDINGS: 'investments',
    INVESTMENTS_TRANSACTIONS: 'investments',
    LIABILITIES: 'liabilities',
    ASSETS: 'assets',
  }
  return byType[type]
}
