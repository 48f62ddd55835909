/*
 * Two gateway instances in two processes, as an app runs them behind a load balancer: the built
 * server entry, one PostgreSQL database (createPostgresItemStore, a `pg` Pool each), the official
 * `plaid` SDK, Node's `http`. Only Plaid is replaced, by the stand-in on 127.0.0.1, which counts
 * exchanges per public token, knows which Items exist, serves /item/remove and can hang.
 *
 * A and B have the default-like generous Plaid deadline; C and D share the same tables with a
 * deadline of one second, for the tests where Plaid stops answering. Everything the processes
 * print (their onError and onItemLinked payloads among it) and every answer they give is scanned
 * for access tokens at the end, and so is every column of every table of the database.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, expect, inject, it, onTestFinished } from 'vitest'
import { createPlaidStandIn, type PlaidStandIn } from '../../src/testing'
import { PlaidError, validate } from '../../src/testing/plaidSpec.mjs'
import { pgCtl, quoted, sleep, startGateway, testPool, type GatewayInstance } from './instances'

/* Long and unlike anything else, so that finding one in a scan cannot be a coincidence. */
const CLIENT_ID = 'pg-test-client-id-7e3a91c0b5d24f86'
const SECRET = 'pg-test-secret-2f9c4e6a8b0d1357ace9'
/* This file's own tables, so that runs sharing a database do not collide. */
const PREFIX = `cross_${randomUUID().slice(0, 8)}_`
const ITEMS = quoted(`${PREFIX}items`)
const ENCRYPTION_KEYS = { current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }
const PLAID_TIMEOUT_MS = 10_000
const SHORT_PLAID_TIMEOUT_MS = 1_000
/* What a loaded two-core machine may add to a deadline: scheduling, the pool, the HTTP hops. */
const SLACK_MS = 500
const BASE_PATH = '/api/plaid'
const EXCHANGE = '/item/public_token/exchange'
const LINK_TOKEN_CREATE = '/link/token/create'

let standIn: PlaidStandIn
let a: GatewayInstance
let b: GatewayInstance
let c: GatewayInstance
let d: GatewayInstance
let instances: GatewayInstance[] = []
const pool = testPool()
/** Every answer body and header line the gateways sent. */
const transcript: string[] = []
/** What the run measured, printed after the file. */
const figures: [string, string | number][] = []
const figure = (name: string, value: string | number) => figures.push([name, value])

interface Answer {
  status: number
  text: string
  json: Record<string, unknown>
  ms: number
  /** When it was sent, by this process's `performance.now()`, the stand-in's clock too. */
  sentAt: number
  /** Set when no answer came at all (the connection failed). */
  error?: string
}

interface Linked {
  user: string
  itemId: string
  via: GatewayInstance
}
/** Items linked by the load test, for the tests that use them from the other instance. */
const linked: Linked[] = []

beforeAll(async () => {
  standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
  const settings = (plaidTimeoutMs: number) => ({
    PLAID_REACT_SERVER_ENTRY: inject('serverEntry'),
    PLAID_URL: standIn.basePath,
    PLAID_CLIENT_ID: CLIENT_ID,
    PLAID_SECRET: SECRET,
    TABLE_PREFIX: PREFIX,
    ENCRYPTION_KEYS: JSON.stringify(ENCRYPTION_KEYS),
    PLAID_TIMEOUT_MS: String(plaidTimeoutMs),
  })
  const started = performance.now()
  // All four migrate the same tables at once, as instances of a fresh deployment do.
  const results = await Promise.allSettled([
    startGateway('A', settings(PLAID_TIMEOUT_MS)),
    startGateway('B', settings(PLAID_TIMEOUT_MS)),
    startGateway('C', settings(SHORT_PLAID_TIMEOUT_MS)),
    startGateway('D', settings(SHORT_PLAID_TIMEOUT_MS)),
  ])
  instances = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failed = results.find((result) => result.status === 'rejected')
  if (failed) throw failed.reason
  ;[a, b, c, d] = instances as [GatewayInstance, GatewayInstance, GatewayInstance, GatewayInstance]
  figure('4 gateway processes started, migrating at once (ms)', Math.round(performance.now() - started))
})

afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.stop()))
  try {
    const { rows } = await pool.query<{ tablename: string }>(
      'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1)',
      [PREFIX],
    )
    for (const { tablename } of rows) await pool.query(`DROP TABLE IF EXISTS ${quoted(tablename)}`)
  } finally {
    await pool.end()
    await standIn?.close()
  }
  console.log(
    ['', '| cross-instance figure | value |', '| --- | ---: |', ...figures.map(([k, v]) => `| ${k} | ${v} |`)].join(
      '\n',
    ),
  )
})

async function post(gateway: GatewayInstance, route: string, body: unknown, user: string): Promise<Answer> {
  const started = performance.now()
  try {
    const response = await fetch(gateway.origin + BASE_PATH + route, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-user': user },
      body: JSON.stringify(body),
    })
    const text = await response.text()
    transcript.push(text)
    response.headers.forEach((value, name) => transcript.push(`${name}: ${value}`))
    let json: Record<string, unknown> = {}
    try {
      json = JSON.parse(text) as Record<string, unknown>
    } catch {
      // Left empty; the checks below then see no Plaid-shaped body.
    }
    return { status: response.status, text, json, ms: performance.now() - started, sentAt: started }
  } catch (error) {
    return { status: 0, text: '', json: {}, ms: performance.now() - started, sentAt: started, error: String(error) }
  }
}

/** The gateway's 500 of the contract: Plaid's error shape, API_ERROR / INTERNAL_SERVER_ERROR. */
const isInternalError = (answer: Answer) =>
  answer.status === 500 &&
  answer.json.error_type === 'API_ERROR' &&
  answer.json.error_code === 'INTERNAL_SERVER_ERROR' &&
  validate(PlaidError, answer.json).length === 0

const show = (answer: Answer) =>
  answer.error
    ? `no answer (${answer.error})`
    : `${answer.status} ${answer.text.slice(0, 200)} in ${Math.round(answer.ms)} ms`

/** Runs `work` on every item, `lanes` at a time, and returns the results in order. */
async function inLanes<T, R>(items: T[], lanes: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) {
        const index = next++
        results[index] = await work(items[index]!)
      }
    }),
  )
  return results
}

/** The owner of every Item the store has a row for. */
async function storedOwners(): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ item_id: string; user_id: string }>(`SELECT item_id, user_id FROM ${ITEMS}`)
  return new Map(rows.map((row) => [row.item_id, row.user_id]))
}

/** The Item of every public token this file made, to tell which Items Plaid handed to a gateway. */
const itemOfPublicToken = new Map<string, string>()

/** A public token of a new Item, as Link hands one to the browser. */
function newPublicToken(): { publicToken: string; itemId: string } {
  const created = standIn.createPublicToken()
  itemOfPublicToken.set(created.publicToken, created.itemId)
  return created
}

const removedItems = () => standIn.items.filter((item) => item.removed).map((item) => item.itemId)

/**
 * Items that Plaid (the stand-in) gave a gateway the access token of and still has, and the store
 * does not: linked, billed, and lost. An Item whose public token reached no exchange that Plaid
 * served (none was sent, or Plaid held it unanswered) never left Plaid, so it is not one of them.
 */
async function itemsUnknownToTheStore(): Promise<string[]> {
  const owners = await storedOwners()
  const exchanged = new Set(
    standIn.requests
      .filter((request) => request.path === EXCHANGE && !request.held)
      .map((request) => itemOfPublicToken.get(request.body?.public_token as string)),
  )
  return standIn.items
    .filter((item) => !item.removed && exchanged.has(item.itemId) && !owners.has(item.itemId))
    .map((item) => item.itemId)
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? NaN
const max = (values: number[]) => Math.max(...values)

it('a double submit sent to both instances at once answers both with one Item and one Plaid exchange, 100 times', async () => {
  // Plaid takes 50 ms, so both requests are in flight together: the second waits for the first.
  standIn.latencyMs = 50
  const pairs = Array.from({ length: 100 }, (_, i) => ({ user: `double-${i}`, ...newPublicToken() }))
  const started = performance.now()
  const answers = await inLanes(pairs, 10, (pair) =>
    Promise.all([a, b].map((gateway) => post(gateway, EXCHANGE, { public_token: pair.publicToken }, pair.user))),
  )
  figure('100 double submits, 10 at a time (ms)', Math.round(performance.now() - started))
  standIn.latencyMs = 0

  const wrong = pairs.flatMap((pair, i) =>
    answers[i]!.flatMap((answer, side) =>
      answer.status === 200 && answer.json.item_id === pair.itemId
        ? []
        : [`${pair.user} on ${'AB'[side]}: ${show(answer)}`],
    ),
  )
  expect(wrong).toEqual([])
  const exchangedTwice = pairs
    .filter((pair) => standIn.exchangesOf(pair.publicToken) !== 1)
    .map((pair) => `${pair.user}: ${standIn.exchangesOf(pair.publicToken)} Plaid exchanges`)
  expect(exchangedTwice).toEqual([])
  const owners = await storedOwners()
  expect(pairs.filter((pair) => owners.get(pair.itemId) !== pair.user).map((pair) => pair.itemId)).toEqual([])
  figure(
    'double submits answered 200 twice with the same item_id',
    pairs.length - new Set(wrong.map((w) => w.split(' ')[0])).size,
  )
  figure(
    'Plaid exchanges per double-submitted public token',
    [...new Set(pairs.map((p) => standIn.exchangesOf(p.publicToken)))].join(', '),
  )
})

it('1,000 concurrent exchanges spread over both instances: none lost, none duplicated, none given to another user', async () => {
  // 200 users with 5 public tokens each, every user's tokens sent to both instances.
  const jobs = Array.from({ length: 1000 }, (_, i) => ({
    user: `user-${Math.floor(i / 5)}`,
    gateway: i % 2 === 0 ? a : b,
    ...newPublicToken(),
  }))
  const started = performance.now()
  const answers = await Promise.all(
    jobs.map((job) => post(job.gateway, EXCHANGE, { public_token: job.publicToken }, job.user)),
  )
  const wallMs = performance.now() - started

  const notLinked = jobs.flatMap((job, i) =>
    answers[i]!.status === 200 && answers[i]!.json.item_id === job.itemId ? [] : [`${job.user}: ${show(answers[i]!)}`],
  )
  expect(notLinked).toEqual([])
  const owners = await storedOwners()
  const lost = jobs.filter((job) => !owners.has(job.itemId)).map((job) => job.itemId)
  const wrongOwner = jobs
    .filter((job) => owners.has(job.itemId) && owners.get(job.itemId) !== job.user)
    .map((job) => `${job.itemId}: stored for ${owners.get(job.itemId)}, linked by ${job.user}`)
  const answeredItems = answers.map((answer) => answer.json.item_id)
  const duplicated = [
    ...jobs
      .filter((job) => standIn.exchangesOf(job.publicToken) !== 1)
      .map((job) => `${job.itemId}: exchanged ${standIn.exchangesOf(job.publicToken)} times`),
    ...answeredItems
      .filter((itemId, i) => answeredItems.indexOf(itemId) !== i)
      .map((itemId) => `${String(itemId)}: answered twice`),
  ]
  expect({ lost, duplicated, wrongOwner }).toEqual({ lost: [], duplicated: [], wrongOwner: [] })
  expect(await itemsUnknownToTheStore()).toEqual([])

  linked.push(...jobs.map((job) => ({ user: job.user, itemId: job.itemId, via: job.gateway })))
  figure('1,000 concurrent exchanges over A and B, wall time (ms)', Math.round(wallMs))
  figure(
    '  median / max answer (ms)',
    `${Math.round(median(answers.map((x) => x.ms)))} / ${Math.round(max(answers.map((x) => x.ms)))}`,
  )
  figure('  lost / duplicated / wrong owner', `${lost.length} / ${duplicated.length} / ${wrongOwner.length}`)
})

it('an Item linked on one instance works from the other, for its owner only', async () => {
  const sample = linked.filter((_, i) => i % 10 === 0)
  expect(sample.length).toBeGreaterThan(0)
  const problems: string[] = []
  await inLanes(sample, 20, async (item) => {
    const other = item.via === a ? b : a
    // Update mode needs the access token: the other instance decrypts it and Plaid accepts it.
    const owner = await post(other, LINK_TOKEN_CREATE, { item_id: item.itemId }, item.user)
    if (owner.status !== 200 || typeof owner.json.link_token !== 'string')
      problems.push(`owner ${item.itemId}: ${show(owner)}`)
    const intruder = await post(other, LINK_TOKEN_CREATE, { item_id: item.itemId }, `not-${item.user}`)
    if (intruder.status !== 404 || intruder.json.error_code !== 'ITEM_NOT_FOUND') {
      problems.push(`another user ${item.itemId}: ${show(intruder)}`)
    }
  })
  expect(problems).toEqual([])
})

it('while Plaid hangs, every request is answered with the 500 within plaidTimeoutMs, and no call to Plaid stays open', async () => {
  const exchanges = Array.from({ length: 20 }, (_, i) => ({
    user: `hang-${i}`,
    gateway: i % 2 === 0 ? c : d,
    ...newPublicToken(),
  }))
  const owned = linked.slice(0, 10)
  // C and D have served traffic before Plaid stops answering, as running instances have: their
  // pools hold connections and their SDKs sockets, so what is measured is the hang alone.
  const warmUp = await Promise.all(
    Array.from({ length: 40 }, (_, i) => {
      const { publicToken } = newPublicToken()
      return post(i % 2 === 0 ? c : d, EXCHANGE, { public_token: publicToken }, `warm-${i}`)
    }),
  )
  expect(warmUp.filter((answer) => answer.status !== 200).map(show)).toEqual([])
  const requestsBefore = standIn.requests.length
  standIn.hang()
  onTestFinished(() => standIn.stopHanging())
  const answers = await Promise.all([
    ...exchanges.map((job) => post(job.gateway, EXCHANGE, { public_token: job.publicToken }, job.user)),
    ...owned.map((item, i) => post(i % 2 === 0 ? c : d, LINK_TOKEN_CREATE, { item_id: item.itemId }, item.user)),
    ...Array.from({ length: 10 }, (_, i) => post(i % 2 === 0 ? c : d, LINK_TOKEN_CREATE, {}, `hang-new-${i}`)),
  ])
  // Plaid answers new requests again; the ones it held stay unanswered.
  standIn.stopHanging()
  // Every one of them reached Plaid and got no answer there.
  const held = standIn.requests.slice(requestsBefore)
  expect(held.length).toBeGreaterThanOrEqual(answers.length)
  // Where the time went: before the gateway's call reached Plaid, and past the call's deadline.
  const sentBodies = [
    ...exchanges.map((job) => (body: Record<string, unknown>) => body.public_token === job.publicToken),
    ...owned.map((item) => (body: Record<string, unknown>) => body.access_token === standIn.accessTokenOf(item.itemId)),
    ...Array.from(
      { length: 10 },
      (_, i) => (body: Record<string, unknown>) =>
        (body.user as { client_user_id?: string } | undefined)?.client_user_id === `hang-new-${i}`,
    ),
  ]
  const reachedPlaid = answers.map(
    (answer, i) => held.find((request) => request.body && sentBodies[i]!(request.body))?.at,
  )
  expect(reachedPlaid.filter((at) => at === undefined).length, 'requests that never reached Plaid').toBe(0)
  const kinds = [
    ['exchange', 0, exchanges.length],
    ['update-mode link token', exchanges.length, exchanges.length + owned.length],
    ['new-Item link token', exchanges.length + owned.length, answers.length],
  ] as const
  for (const [kind, from, to] of kinds) {
    const some = answers.slice(from, to)
    figure(
      `  ${kind}: slowest answer / until its call reached Plaid (ms)`,
      `${Math.round(max(some.map((x) => x.ms)))} / ${Math.round(max(some.map((x, i) => reachedPlaid[from + i]! - x.sentAt)))}`,
    )
  }
  figure(
    '  slowest: until its call reached Plaid / from there to the answer (ms)',
    `${Math.round(max(answers.map((x, i) => reachedPlaid[i]! - x.sentAt)))} / ${Math.round(max(answers.map((x, i) => x.sentAt + x.ms - reachedPlaid[i]!)))}`,
  )

  figure(
    `${answers.length} requests while Plaid hangs (plaidTimeoutMs ${SHORT_PLAID_TIMEOUT_MS}), median / slowest answer (ms)`,
    `${Math.round(median(answers.map((x) => x.ms)))} / ${Math.round(max(answers.map((x) => x.ms)))}`,
  )
  const late = answers.filter((answer) => !isInternalError(answer) || answer.ms > SHORT_PLAID_TIMEOUT_MS + SLACK_MS)
  expect(late.map(show)).toEqual([])

  // The gateway gave up its requests to Plaid rather than leaving them open.
  for (let waited = 0; standIn.held > 0 && waited < 1_000; waited += 50) await sleep(50)
  figure('  requests to Plaid still open 1 s after the answers', standIn.held)
  expect(standIn.held).toBe(0)

  // Once Plaid answers again, the same user's retry of the same public token links the Item,
  // on either instance.
  const retries = await Promise.all(
    exchanges.map((job) => post(job.gateway === c ? d : c, EXCHANGE, { public_token: job.publicToken }, job.user)),
  )
  expect(
    exchanges.flatMap((job, i) =>
      retries[i]!.status === 200 && retries[i]!.json.item_id === job.itemId
        ? []
        : [`${job.user}: ${show(retries[i]!)}`],
    ),
  ).toEqual([])
  expect(await itemsUnknownToTheStore()).toEqual([])
})

it('while Plaid hangs, a double submit sent to both instances is answered within plaidTimeoutMs too', async () => {
  const pairs = Array.from({ length: 10 }, (_, i) => ({ user: `hang-double-${i}`, ...newPublicToken() }))
  standIn.hang()
  onTestFinished(() => standIn.stopHanging())
  const answers = (
    await Promise.all(
      pairs.map((pair) =>
        Promise.all([c, d].map((gateway) => post(gateway, EXCHANGE, { public_token: pair.publicToken }, pair.user))),
      ),
    )
  ).flat()
  standIn.stopHanging()
  const first = answers.filter((_, i) => i % 2 === 0).map((x, i) => Math.min(x.ms, answers[2 * i + 1]!.ms))
  const second = answers.filter((_, i) => i % 2 === 0).map((x, i) => Math.max(x.ms, answers[2 * i + 1]!.ms))
  figure(
    `${answers.length} double-submitted requests while Plaid hangs: median first / second answer of a pair, slowest (ms)`,
    `${Math.round(median(first))} / ${Math.round(median(second))}, ${Math.round(max(second))}`,
  )
  figure(
    '  Plaid exchange calls per public token',
    [...new Set(pairs.map((pair) => standIn.exchangesOf(pair.publicToken)))].join(', '),
  )
  const late = answers.filter((answer) => !isInternalError(answer) || answer.ms > SHORT_PLAID_TIMEOUT_MS + SLACK_MS)
  expect(late.map(show)).toEqual([])
})

it('the database stops in the middle of a load run and starts again: every request is answered, no Item is left at Plaid unknown to the store', async () => {
  interface Job {
    user: string
    gateway: GatewayInstance
    publicToken: string
    itemId: string
    /** When it was sent: before the stop, while the server was down, or after it started again. */
    phase: 'before' | 'down' | 'after'
    answer?: Answer
  }
  const jobs: Job[] = []
  const removedBefore = new Set(removedItems())
  const eventsBefore = new Map(instances.map((instance) => [instance, instance.events.length]))
  let phase: Job['phase'] = 'before'
  let running = true
  const workers = Array.from({ length: 32 }, async (_, worker) => {
    for (let i = 0; running; i++) {
      const job: Job = {
        user: `fault-${worker}`,
        gateway: (worker + i) % 2 === 0 ? a : b,
        phase,
        ...newPublicToken(),
      }
      jobs.push(job)
      job.answer = await post(job.gateway, EXCHANGE, { public_token: job.publicToken }, job.user)
    }
  })

  let downMs: number
  try {
    await sleep(800)
    const stopping = performance.now()
    phase = 'down'
    await pgCtl('stop -m immediate')
    onTestFinished(() => pgCtl('start -w').catch(() => undefined))
    await sleep(1_000)
    await pgCtl('start -w')
    downMs = performance.now() - stopping
    phase = 'after'
    await sleep(1_500)
  } finally {
    running = false
    await Promise.all(workers)
  }

  const answers = jobs.map((job) => job.answer!)
  const unanswered = jobs.filter((job) => {
    const answer = job.answer!
    return !(answer.status === 200 && answer.json.item_id === job.itemId) && !isInternalError(answer)
  })
  expect(unanswered.map((job) => `${job.user} (${job.phase}): ${show(job.answer!)}`)).toEqual([])
  const ok = jobs.filter((job) => job.answer!.status === 200)
  const failed = jobs.filter((job) => job.answer!.status === 500)
  // The outage was felt; otherwise this test would prove nothing.
  expect(failed.length).toBeGreaterThan(0)
  // Both instances came back on their own.
  for (const gateway of [a, b]) {
    expect(
      ok.filter((job) => job.phase === 'after' && job.gateway === gateway).length,
      `${gateway.name} after the restart`,
    ).toBeGreaterThan(0)
  }

  const owners = await storedOwners()
  expect(await itemsUnknownToTheStore()).toEqual([])
  const live = new Set(standIn.items.filter((item) => !item.removed).map((item) => item.itemId))
  // A 200 is a linked Item: saved for its user and alive at Plaid.
  expect(
    ok.filter((job) => owners.get(job.itemId) !== job.user || !live.has(job.itemId)).map((job) => job.itemId),
  ).toEqual([])
  // Every Item the gateway removed because it could not save it was reported to onError.
  const removed = removedItems().filter((itemId) => !removedBefore.has(itemId))
  const reported = new Set(
    instances.flatMap((instance) =>
      instance.events.slice(eventsBefore.get(instance)).flatMap((event) => {
        const itemId = (event.onError as { itemId?: unknown } | undefined)?.itemId
        return typeof itemId === 'string' ? [itemId] : []
      }),
    ),
  )
  expect(removed.filter((itemId) => !reported.has(itemId))).toEqual([])

  // After the run, each instance links a new Item at once.
  for (const gateway of [a, b]) {
    const { publicToken, itemId } = newPublicToken()
    const answer = await post(gateway, EXCHANGE, { public_token: publicToken }, 'fault-after')
    expect(answer.status === 200 && answer.json.item_id === itemId, `${gateway.name}: ${show(answer)}`).toBe(true)
  }

  const removedSet = new Set(removed)
  figure('fault run: requests sent / answered 200 / answered 500', `${jobs.length} / ${ok.length} / ${failed.length}`)
  figure(
    '  500s sent before / during / after the outage',
    ['before', 'down', 'after'].map((p) => failed.filter((job) => job.phase === p).length).join(' / '),
  )
  figure('  database down (stop -m immediate to start -w returned, ms)', Math.round(downMs))
  figure('  Items removed at Plaid because the save failed (all reported to onError)', removed.length)
  figure('  Items left at Plaid without a row', 0)
  figure(
    '  rows for an Item that was removed at Plaid (answered 500)',
    failed.filter((job) => owners.has(job.itemId) && removedSet.has(job.itemId)).length,
  )
  figure(
    '  500 answers whose Item was kept, saved and alive',
    failed.filter((job) => owners.has(job.itemId) && live.has(job.itemId)).length,
  )
  figure(
    '  median / max answer (ms)',
    `${Math.round(median(answers.map((x) => x.ms)))} / ${Math.round(max(answers.map((x) => x.ms)))}`,
  )
  figure(
    '  pool errors logged by the instances',
    instances.reduce((n, i) => n + i.events.filter((e) => 'poolError' in e).length, 0),
  )
})

/* Where an access token could hide in a value: as text, in bytes, or encoded as base64 or hex. */
function readings(value: unknown): string[] {
  if (value === null || value === undefined) return []
  if (Buffer.isBuffer(value)) return [value.toString('utf8'), value.toString('latin1')]
  if (typeof value !== 'string') return [JSON.stringify(value)]
  const forms = [value]
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) forms.push(Buffer.from(value, 'base64').toString('latin1'))
  const hex = value.replace(/^\\x/, '')
  if (/^(?:[0-9a-f]{2})+$/i.test(hex)) forms.push(Buffer.from(hex, 'hex').toString('latin1'))
  return forms
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi

/** The random parts of access tokens, to find one even without its `access-sandbox-` prefix. */
const randomParts = (accessTokens: string[]) =>
  new Set(accessTokens.map((token) => token.replace(/^access-sandbox-/, '').toLowerCase()))

const holdsAccessToken = (text: string, parts: Set<string>) =>
  text.includes('access-sandbox-') || [...text.matchAll(UUID)].some((match) => parts.has(match[0].toLowerCase()))

/**
 * Every cell of every table in the database (any schema but PostgreSQL's own) that holds an
 * access token in plain text: the stand-in's `access-sandbox-` prefix or the random part of a
 * token it issued.
 */
async function plaintextAccessTokens(
  accessTokens: string[],
): Promise<{ found: string[]; tables: number; cells: number }> {
  const parts = randomParts(accessTokens)
  const { rows: tables } = await pool.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
  )
  const found: string[] = []
  let cells = 0
  for (const { table_schema, table_name } of tables) {
    let rows: Record<string, unknown>[]
    try {
      rows = (await pool.query(`SELECT * FROM ${quoted(table_schema)}.${quoted(table_name)}`)).rows
    } catch (error) {
      // A table that another test file dropped in between.
      if ((error as { code?: string }).code === '42P01') continue
      throw error
    }
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        cells++
        for (const text of readings(value)) {
          if (holdsAccessToken(text, parts)) {
            found.push(`${table_schema}.${table_name}.${column}`)
            break
          }
        }
      }
    }
  }
  return { found, tables: tables.length, cells }
}

it('no column of any table of the database holds an access token in plain text', async () => {
  const tokens = standIn.issuedAccessTokens
  expect(tokens.length).toBeGreaterThan(1000)

  // The scan finds a token written in the clear, as bytes, as base64 or as hex: it can fail.
  const control = quoted(`${PREFIX}scan_control`)
  const token = tokens[0]!
  await pool.query(`CREATE TABLE ${control} (plain text, raw bytea, b64 text, hex text, doc jsonb)`)
  await pool.query(`INSERT INTO ${control} VALUES ($1, $2, $3, $4, $5)`, [
    token,
    Buffer.from(token),
    Buffer.from(token).toString('base64'),
    Buffer.from(token).toString('hex'),
    JSON.stringify({ token: token.replace(/^access-sandbox-/, '') }),
  ])
  const controlScan = await plaintextAccessTokens([token])
  await pool.query(`DROP TABLE ${control}`)
  const controlColumns = controlScan.found
    .filter((where) => where.includes(`.${PREFIX}scan_control.`))
    .map((where) => where.split('.').pop())
  expect(controlColumns.sort()).toEqual(['b64', 'doc', 'hex', 'plain', 'raw'])

  const { rows } = await pool.query<{ count: string }>(`SELECT count(*) FROM ${ITEMS}`)
  expect(Number(rows[0]!.count)).toBeGreaterThan(1000)
  const scan = await plaintextAccessTokens(tokens)
  figure(
    'database scan: tables / cells / cells with a plaintext access token',
    `${scan.tables} / ${scan.cells} / ${scan.found.length}`,
  )
  expect(scan.found).toEqual([])
})

it('no answer, log line or onError payload of any instance holds an access token or the credentials', () => {
  const tokens = standIn.issuedAccessTokens
  expect(tokens.length).toBeGreaterThan(1000)
  const logLines = instances.flatMap((instance) => instance.lines)
  const errorEvents = instances.flatMap((instance) => instance.events.filter((event) => 'onError' in event))
  // There were failures to report, so a leak had somewhere to show.
  expect(errorEvents.length).toBeGreaterThan(0)
  const everything = [...transcript, ...logLines]
  const parts = randomParts(tokens)
  const leaks = everything.filter(
    (text) => text.includes(CLIENT_ID) || text.includes(SECRET) || holdsAccessToken(text, parts),
  )
  figure(
    'scanned answers+headers / log lines / onError payloads',
    `${transcript.length} / ${logLines.length} / ${errorEvents.length}`,
  )
  figure('  of them holding an access token or a credential', leaks.length)
  expect(leaks).toEqual([])
})

it('every request the instances sent to Plaid fit Plaid’s spec and credentials', () => {
  expect(standIn.violations).toEqual([])
})
