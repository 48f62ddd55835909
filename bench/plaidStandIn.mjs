/*
 * A stand-in for Plaid's API on 127.0.0.1, for the gateway's tests and its load benchmark. It
 * serves the endpoints the gateway calls, checks every request against the facts of Plaid's
 * OpenAPI spec in plaidSchemas.mjs and the credentials, and answers like Plaid does: public tokens
 * are single-use, access tokens belong to one Item, errors have Plaid's shape. It records every
 * request so that callers can count Plaid calls, and it can be told to fail.
 */
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { performance } from 'node:perf_hooks'
import {
  ItemPublicTokenCreateRequest,
  ItemPublicTokenExchangeRequest,
  InstitutionsGetByIdRequest,
  ItemGetRequest,
  ItemRemoveRequest,
  WebhookVerificationKeyGetRequest,
  LinkTokenCreateRequest,
  linkTokenModeProblems,
  validate,
} from './plaidSchemas.mjs'

const SCHEMAS = {
  '/item/public_token/exchange': ItemPublicTokenExchangeRequest,
  '/link/token/create': LinkTokenCreateRequest,
  '/item/public_token/create': ItemPublicTokenCreateRequest,
  '/item/remove': ItemRemoveRequest,
  '/item/get': ItemGetRequest,
  '/institutions/get_by_id': InstitutionsGetByIdRequest,
  '/webhook_verification_key/get': WebhookVerificationKeyGetRequest,
}
const MAX_BODY_BYTES = 1024 * 1024
const UPDATE_MODE_LINK_TOKEN_MS = 30 * 60_000
const NEW_ITEM_LINK_TOKEN_MS = 4 * 60 * 60_000
const PUBLIC_TOKEN_MS = 30 * 60_000

/**
 * A Plaid error body as Plaid sends it, with the fields its docs list.
 * @param {{ error_type: string, error_code: string, error_message: string, display_message?: string | null }} fields
 * @param {Record<string, unknown>} [extra] more fields, documented or not
 */
export function plaidErrorBody(fields, extra = {}) {
  return {
    display_message: null,
    documentation_url: `https://plaid.com/docs/errors/${fields.error_type.toLowerCase()}/`,
    suggested_action: null,
    ...fields,
    request_id: `req-${randomUUID()}`,
    ...extra,
  }
}

/**
 * Starts the stand-in on 127.0.0.1 at a free port.
 * @param {{ clientId: string, secret: string, latencyMs?: number }} options
 */
export async function startPlaidStandIn({ clientId, secret, latencyMs = 0 }) {
  /** @type {Map<string, { itemId: string, used: boolean }>} */
  const publicTokens = new Map()
  /** @type {Map<string, string>} access token -> item id */
  const itemsByAccessToken = new Map()
  /** @type {Map<string, Array<{ status: number, body: unknown, contentType?: string }>>} */
  const failures = new Map()
  /** @type {Map<string, object | null>} item id -> the `error` /item/get reports */
  const itemErrors = new Map()
  /** @type {Map<string, object>} kid -> verification key, as /webhook_verification_key/get answers */
  const webhookKeys = new Map()
  /** @type {Map<string, string>} item id -> access token, of removed Items */
  const revokedAccessTokens = new Map()
  /** @type {string[]} item ids removed through /item/remove */
  const removedItems = []
  const requests = []
  const violations = []
  /** @type {Map<string, number>} public token -> exchange requests that carried it */
  const exchangesByPublicToken = new Map()
  /** @type {Set<import('node:http').ServerResponse>} requests held unanswered while hanging */
  const held = new Set()
  let nextItem = 1
  /** @type {Map<string, Promise<void>>} paths whose requests wait for a release */
  const gates = new Map()

  const standIn = {
    url: '',
    latencyMs,
    /** Every request received: `{ path, method, headers, body, at }`, in order. */
    requests,
    /** Every way a request broke Plaid's spec or credentials; a correct gateway leaves it empty. */
    violations,
    /** How many requests reached `path`. */
    calls: (path) => requests.filter((request) => request.path === path).length,
    /** How many exchange requests carried this public token, served or not. */
    exchangesOf: (publicToken) => exchangesByPublicToken.get(publicToken) ?? 0,
    /**
     * While true, every request is recorded and then left unanswered, as by a Plaid that stopped
     * responding. A held request is never served, even once this is false again; its connection
     * stays open until the caller gives up or the stand-in closes.
     */
    hanging: false,
    /** Paths whose requests are held like that while the others are served, e.g. `'/item/get'`. */
    hangingPaths: new Set(),
    /**
     * Holds the requests to `path` until the returned function is called, then serves them as
     * usual: for tests that must look at the gateway before Plaid's answer arrives.
     */
    holdUntilReleased(path) {
      let release
      const released = new Promise((resolve) => (release = resolve))
      gates.set(path, released)
      return () => {
        if (gates.get(path) === released) gates.delete(path)
        release()
      }
    },
    /** How many held requests still have their connection open. */
    get held() {
      return held.size
    },
    /** The institution every Item of the stand-in is at, as /item/get and /institutions/get_by_id tell. */
    institution: { institution_id: 'ins_109508', name: 'First Platypus Bank' },
    /** Sets the `error` that /item/get reports for an Item (`null`: none, the Item is healthy). */
    setItemError(itemId, error) {
      itemErrors.set(itemId, error)
    },
    /** Makes /webhook_verification_key/get hand out `key` (Plaid's JWK shape) for its `kid`. */
    addWebhookKey(key) {
      webhookKeys.set(key.kid, key)
    },
    /** The Items Plaid still has: exchanged and not removed. */
    get liveItems() {
      return [...itemsByAccessToken.values()]
    },
    /** The Items removed through /item/remove, in order. */
    removedItems,
    /** Every access token handed out, so tests can check that none leaks. */
    get issuedAccessTokens() {
      return [...itemsByAccessToken.keys(), ...revokedAccessTokens.values()]
    },
    /** The access token of an Item, as Plaid knows it. */
    accessTokenOf(itemId) {
      for (const [token, item] of itemsByAccessToken) if (item === itemId) return token
      return revokedAccessTokens.get(itemId)
    },
    /** A fresh public token for a new Item, as Link's onSuccess would hand it to the browser. */
    createPublicToken() {
      const itemId = `item-${nextItem++}-${randomUUID().slice(0, 8)}`
      const publicToken = `public-sandbox-${randomUUID()}`
      publicTokens.set(publicToken, { itemId, used: false })
      return { publicToken, itemId }
    },
    /**
     * Makes the next request to `path` fail with this answer instead of being served.
     * @param {string} path
     * @param {{ status: number, body: unknown, contentType?: string }} answer
     */
    failNext(path, answer) {
      const queue = failures.get(path) ?? []
      queue.push(answer)
      failures.set(path, queue)
    },
    close: () => close(),
  }

  function send(res, status, body, contentType = 'application/json') {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }

  function sendError(res, status, fields) {
    send(res, status, plaidErrorBody(fields))
  }

  function serve(path, body, res) {
    const requestId = `req-${randomUUID()}`
    if (path === '/item/public_token/exchange') {
      const entry = publicTokens.get(body.public_token)
      if (!entry || entry.used) {
        return sendError(res, 400, {
          error_type: 'INVALID_INPUT',
          error_code: 'INVALID_PUBLIC_TOKEN',
          error_message: 'provided public token is expired or has already been used',
        })
      }
      entry.used = true
      const accessToken = `access-sandbox-${randomUUID()}`
      itemsByAccessToken.set(accessToken, entry.itemId)
      return send(res, 200, { access_token: accessToken, item_id: entry.itemId, request_id: requestId })
    }
    if (path === '/link/token/create' && !body.access_token) {
      return send(res, 200, {
        link_token: `link-sandbox-${randomUUID()}`,
        expiration: new Date(Date.now() + NEW_ITEM_LINK_TOKEN_MS).toISOString().replace(/\.\d+Z$/, 'Z'),
        request_id: requestId,
      })
    }
    if (path === '/institutions/get_by_id') {
      if (body.institution_id !== standIn.institution.institution_id) {
        return sendError(res, 400, {
          error_type: 'INVALID_INPUT',
          error_code: 'INVALID_INSTITUTION',
          error_message: 'invalid institution_id provided',
        })
      }
      return send(res, 200, {
        institution: {
          ...standIn.institution,
          products: ['transactions'],
          country_codes: body.country_codes,
          routing_numbers: [],
          oauth: false,
          dtc_numbers: [],
        },
        request_id: requestId,
      })
    }
    if (path === '/webhook_verification_key/get') {
      const key = webhookKeys.get(body.key_id)
      if (!key) {
        return sendError(res, 400, {
          error_type: 'INVALID_INPUT',
          error_code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID',
          error_message: 'invalid key_id provided',
        })
      }
      return send(res, 200, { key, request_id: requestId })
    }
    const itemId = itemsByAccessToken.get(body.access_token)
    if (!itemId) {
      return sendError(res, 400, {
        error_type: 'INVALID_INPUT',
        error_code: 'INVALID_ACCESS_TOKEN',
        error_message: 'provided access token is invalid',
      })
    }
    if (path === '/item/get') {
      return send(res, 200, {
        item: {
          item_id: itemId,
          institution_id: standIn.institution.institution_id,
          webhook: null,
          error: itemErrors.get(itemId) ?? null,
          available_products: ['balance'],
          billed_products: ['transactions'],
          consent_expiration_time: null,
          update_type: 'background',
        },
        status: null,
        request_id: requestId,
      })
    }
    if (path === '/item/remove') {
      // The access token stops working; it stays in the list of issued tokens for leak scans.
      itemsByAccessToken.delete(body.access_token)
      revokedAccessTokens.set(itemId, body.access_token)
      removedItems.push(itemId)
      return send(res, 200, { request_id: requestId })
    }
    if (path === '/link/token/create') {
      return send(res, 200, {
        link_token: `link-sandbox-${randomUUID()}`,
        expiration: new Date(Date.now() + UPDATE_MODE_LINK_TOKEN_MS).toISOString().replace(/\.\d+Z$/, 'Z'),
        request_id: requestId,
      })
    }
    const publicToken = `public-sandbox-${randomUUID()}`
    publicTokens.set(publicToken, { itemId, used: false })
    return send(res, 200, {
      public_token: publicToken,
      expiration: new Date(Date.now() + PUBLIC_TOKEN_MS).toISOString().replace(/\.\d+Z$/, 'Z'),
      request_id: requestId,
    })
  }

  async function handle(req, res) {
    const path = (req.url ?? '/').split('?')[0]
    const chunks = []
    let size = 0
    for await (const chunk of req) {
      size += chunk.length
      if (size > MAX_BODY_BYTES) return send(res, 413, 'too large', 'text/plain')
      chunks.push(chunk)
    }
    let body
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      body = undefined
    }
    requests.push({ path, method: req.method, headers: { ...req.headers }, body, at: performance.now() })
    if (path === '/item/public_token/exchange' && typeof body?.public_token === 'string') {
      exchangesByPublicToken.set(body.public_token, (exchangesByPublicToken.get(body.public_token) ?? 0) + 1)
    }
    if (standIn.hanging || standIn.hangingPaths.has(path)) {
      held.add(res)
      res.on('close', () => held.delete(res))
      return
    }
    if (standIn.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, standIn.latencyMs))
    await gates.get(path)

    const schema = SCHEMAS[path]
    if (req.method !== 'POST' || !schema) {
      violations.push(`${req.method} ${path}: not an endpoint of the stand-in`)
      return sendError(res, 404, {
        error_type: 'INVALID_REQUEST',
        error_code: 'NOT_FOUND',
        error_message: 'not found',
      })
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      violations.push(`${path}: body is not a JSON object`)
      return sendError(res, 400, {
        error_type: 'INVALID_REQUEST',
        error_code: 'INVALID_BODY',
        error_message: 'body could not be parsed as JSON',
      })
    }
    // The SDK sends the credentials as headers; Plaid also accepts them in the body.
    const sentClientId = req.headers['plaid-client-id'] ?? body.client_id
    const sentSecret = req.headers['plaid-secret'] ?? body.secret
    if (!sentClientId || !sentSecret) {
      violations.push(`${path}: client_id or secret missing`)
      return sendError(res, 400, {
        error_type: 'INVALID_REQUEST',
        error_code: 'MISSING_FIELDS',
        error_message: 'the following required fields are missing: client_id, secret',
      })
    }
    if (sentClientId !== clientId || sentSecret !== secret) {
      violations.push(`${path}: wrong client_id or secret`)
      return sendError(res, 400, {
        error_type: 'INVALID_INPUT',
        error_code: 'INVALID_API_KEYS',
        error_message: 'invalid client_id or secret provided',
      })
    }
    const problems = [...validate(schema, body), ...(path === '/link/token/create' ? linkTokenModeProblems(body) : [])]
    if (problems.length > 0) {
      violations.push(...problems.map((problem) => `${path}: ${problem}`))
      return sendError(res, 400, {
        error_type: 'INVALID_REQUEST',
        error_code: 'INVALID_FIELD',
        error_message: problems.join('; '),
      })
    }
    const failure = failures.get(path)?.shift()
    if (failure) return send(res, failure.status, failure.body, failure.contentType)
    return serve(path, body, res)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'stand-in failure', 'text/plain')
    })
  })
  function close() {
    return new Promise((resolve) => {
      server.close(() => resolve(undefined))
      server.closeAllConnections()
    })
  }
  await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }, resolve))
  standIn.url = `http://127.0.0.1:${server.address().port}`
  return standIn
}

/** A URL on 127.0.0.1 where nothing listens: a port that was free a moment ago, now closed. */
export async function unreachableUrl() {
  const server = createServer()
  await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}
