/*
 * Gateway processes on one real PostgreSQL database, as contract v3 asks of them (sections 10 and
 * 12): an instance killed with SIGKILL after the Item's write — while Plaid's /item/get hangs, or
 * before it could even answer — leaves the Item in the store, and a retry on another instance
 * answers with it; a webhook is taken once across instances, in the order Plaid signed them; and
 * an instance without onError logs its failures with no secret in any line.
 *
 * E and G are killed on purpose; F and H live through the file. G holds every answer after the
 * write (its onItemLinked never returns), and H has no onError.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import {
  createPlaidStandIn,
  createPlaidWebhookSigner,
  type PlaidWebhookSigner,
  type PlaidStandIn,
} from '../../src/testing'
import { quoted, startGateway, testPool, type GatewayInstance } from './instances'

const CLIENT_ID = 'pg-crash-client-id-41c7e0a9d3b2'
const SECRET = 'pg-crash-secret-9b8a7c6d5e4f3a2b'
const PREFIX = `crash_${randomUUID().slice(0, 8)}_`
const ITEMS = quoted(`${PREFIX}items`)
const ENCRYPTION_KEYS = { current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }
const EXCHANGE = '/api/plaid/item/public_token/exchange'

let standIn: PlaidStandIn
let signer: PlaidWebhookSigner
let e: GatewayInstance
let f: GatewayInstance
let g: GatewayInstance
let h: GatewayInstance
let instances: GatewayInstance[] = []
const pool = testPool()
const transcript: string[] = []

beforeAll(async () => {
  standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
  signer = await createPlaidWebhookSigner()
  standIn.addWebhookKey(signer.verificationKeyResponse().key)
  const settings = (extra: Record<string, string> = {}) => ({
    PLAID_REACT_SERVER_ENTRY: inject('serverEntry'),
    PLAID_URL: standIn.basePath,
    PLAID_CLIENT_ID: CLIENT_ID,
    PLAID_SECRET: SECRET,
    TABLE_PREFIX: PREFIX,
    ENCRYPTION_KEYS: JSON.stringify(ENCRYPTION_KEYS),
    PLAID_TIMEOUT_MS: '30000',
    ...extra,
  })
  const results = await Promise.allSettled([
    startGateway('E', settings()),
    startGateway('F', settings()),
    startGateway('G', settings({ HANG_AFTER_SAVE: '1' })),
    startGateway('H', settings({ ON_ERROR: 'console' })),
  ])
  instances = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failed = results.find((result) => result.status === 'rejected')
  if (failed) throw failed.reason
  ;[e, f, g, h] = instances as [GatewayInstance, GatewayInstance, GatewayInstance, GatewayInstance]
})

afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.stop()))
  try {
    for (const table of ['items', 'exchanges', 'webhooks'])
      await pool.query(`DROP TABLE IF EXISTS ${quoted(PREFIX + table)}`)
  } finally {
    await pool.end()
    await standIn?.close()
  }
})

async function post(gateway: GatewayInstance, path: string, body: unknown, user?: string) {
  const response = await fetch(gateway.origin + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(user ? { 'x-test-user': user } : {}), ...headersOf(body) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await response.text()
  transcript.push(text)
  return { status: response.status, text, json: JSON.parse(text || '{}') as Record<string, unknown> }
}

/* A webhook body goes with its signature; other bodies need no extra header. */
const signatures = new Map<string, string>()
const headersOf = (body: unknown): Record<string, string> =>
  typeof body === 'string' && signatures.has(body) ? { 'plaid-verification': signatures.get(body)! } : {}

async function signed(body: object, issuedAt?: number): Promise<string> {
  const text = JSON.stringify(body)
  signatures.set(text, await signer.sign(text, issuedAt === undefined ? {} : { issuedAt }))
  return text
}

async function rowOf(itemId: string) {
  const { rows } = await pool.query<{ user_id: string; status: string; institution_id: string | null }>(
    `SELECT user_id, status, institution_id FROM ${ITEMS} WHERE item_id = $1`,
    [itemId],
  )
  return rows[0]
}

const waitForEvent = async (
  instance: GatewayInstance,
  name: string,
  match: (event: Record<string, unknown>) => boolean,
) =>
  expect
    .poll(() => instance.events.some((event) => name in event && match(event[name] as Record<string, unknown>)), {
      timeout: 20_000,
      interval: 20,
    })
    .toBe(true)

it('killed while /item/get hangs after answering: the Item is in the store, and a retry elsewhere answers with it', async () => {
  standIn.hang('/item/get')
  try {
    const { publicToken, itemId } = standIn.createPublicToken()
    const first = await post(e, EXCHANGE, { public_token: publicToken }, 'kill-user-1')
    expect(first.status, first.text).toBe(200)
    expect(first.json.item_id).toBe(itemId)
    // E is now asking Plaid for the institution, which does not answer; it dies there.
    await expect.poll(() => standIn.held, { timeout: 20_000, interval: 20 }).toBeGreaterThan(0)
    await e.kill()

    expect(await rowOf(itemId)).toMatchObject({ user_id: 'kill-user-1', status: 'healthy', institution_id: null })
    const retry = await post(f, EXCHANGE, { public_token: publicToken }, 'kill-user-1')
    expect(retry.status, retry.text).toBe(200)
    expect(retry.json.item_id).toBe(itemId)
    expect(standIn.exchangesOf(publicToken)).toBe(1)
  } finally {
    standIn.stopHanging()
  }
})

it('killed after the write and before it could answer: a retry on another instance answers with the Item', async () => {
  const { publicToken, itemId } = standIn.createPublicToken()
  const lost = post(g, EXCHANGE, { public_token: publicToken }, 'kill-user-2').catch((error: unknown) => error)
  // G has written the Item (onItemLinked comes after the write) and will never answer.
  await waitForEvent(g, 'onItemLinked', (event) => event.itemId === itemId)
  await g.kill()
  expect(await lost).toBeInstanceOf(Error)

  expect(await rowOf(itemId)).toMatchObject({ user_id: 'kill-user-2', status: 'healthy' })
  const retry = await post(f, EXCHANGE, { public_token: publicToken }, 'kill-user-2')
  expect(retry.status, retry.text).toBe(200)
  expect(retry.json.item_id).toBe(itemId)
  expect(standIn.exchangesOf(publicToken)).toBe(1)
  // Plaid has no Item that the store does not know.
  const { rows } = await pool.query<{ item_id: string }>(`SELECT item_id FROM ${ITEMS}`)
  const stored = new Set(rows.map((row) => row.item_id))
  const live = standIn.items.filter((item) => !item.removed).map((item) => item.itemId)
  expect(live.filter((itemId) => !stored.has(itemId))).toEqual([])
})

it('a webhook sent to both live instances is taken once; an older one after a newer one moves nothing', async () => {
  const { publicToken, itemId } = standIn.createPublicToken()
  expect((await post(f, EXCHANGE, { public_token: publicToken }, 'hook-user')).status).toBe(200)
  const takenBefore = [f, h].map((one) => one.events.filter((event) => 'onWebhook' in event).length)

  const now = Math.floor(Date.now() / 1000)
  const broken = await signed(
    {
      webhook_type: 'ITEM',
      webhook_code: 'ERROR',
      item_id: itemId,
      environment: 'sandbox',
      error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_message: 'x', display_message: null },
    },
    now - 60,
  )
  const answers = await Promise.all([post(f, '/api/plaid/webhook', broken), post(h, '/api/plaid/webhook', broken)])
  expect(answers.map((answer) => answer.status)).toEqual([200, 200])
  const taken = [f, h].map((one, i) => one.events.filter((event) => 'onWebhook' in event).length - takenBefore[i]!)
  expect(taken[0]! + taken[1]!).toBe(1)
  expect((await rowOf(itemId))!.status).toBe('login_required')

  const repaired = await signed(
    { webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: itemId, environment: 'sandbox' },
    now,
  )
  expect((await post(h, '/api/plaid/webhook', repaired)).status).toBe(200)
  expect((await rowOf(itemId))!.status).toBe('healthy')
  // The ERROR again, delivered late by another route with a fresh signature of its old time.
  const lateCopy = await signed({ ...JSON.parse(broken), delivery: 2 }, now - 30)
  expect((await post(f, '/api/plaid/webhook', lateCopy)).status).toBe(200)
  expect((await rowOf(itemId))!.status).toBe('healthy')
})

it('an instance without onError logs each failure on its own, and no line holds a secret or an access token', async () => {
  const linesBefore = h.lines.length
  expect((await post(h, EXCHANGE, { public_token: 'public-sandbox-spent' })).status).toBe(401)
  expect((await post(h, '/api/plaid/link/token/create', { item_id: 'item-nobody-has' }, 'log-user')).status).toBe(404)
  standIn.failNext('/item/public_token/exchange', {
    status: 502,
    body: '<html>bad gateway</html>',
    contentType: 'text/html',
  })
  const { publicToken } = standIn.createPublicToken()
  expect((await post(h, EXCHANGE, { public_token: publicToken }, 'log-user')).status).toBe(500)

  const logged = h.lines.slice(linesBefore).filter((line) => line.startsWith('@utdk/plaid-react/server: '))
  expect(logged).toEqual([
    expect.stringContaining('POST /api/plaid/item/public_token/exchange answered 401 UNAUTHORIZED'),
    expect.stringContaining('POST /api/plaid/link/token/create answered 404 ITEM_NOT_FOUND'),
    expect.stringContaining('POST /api/plaid/item/public_token/exchange answered 500 INTERNAL_SERVER_ERROR'),
  ])
  const secrets = [CLIENT_ID, SECRET, ...standIn.issuedAccessTokens]
  const everything = [...transcript, ...instances.flatMap((instance) => instance.lines)]
  for (const secret of secrets) expect(everything.filter((text) => text.includes(secret))).toEqual([])
  expect(standIn.violations).toEqual([])
})
