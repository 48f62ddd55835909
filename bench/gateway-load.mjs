/*
 * Load benchmark of the built gateway (run `npm run build` first, then
 * `node bench/gateway-load.mjs [--concurrency=1000] [--rounds=3] [--plaid-latency=0]`).
 *
 * It sends N concurrent exchanges over HTTP through toNodeHandler and the gateway to the Plaid
 * stand-in, and N concurrent exchanges straight through the `plaid` SDK to the same stand-in, in
 * alternating rounds of the same run. It reports lost or duplicated Items (every exchange's
 * item_id must be saved exactly once, for its own user) and the gateway's latency over the direct
 * SDK call as median and p95 ratios. All traffic stays on 127.0.0.1; the run is bounded in request
 * count and stops itself after a time limit.
 */
import { createServer } from 'node:http'
import { performance } from 'node:perf_hooks'
import { Configuration, PlaidApi } from 'plaid'
import { createMemoryItemStore, createPlaidGateway, toNodeHandler } from '../dist/server.mjs'
import { startPlaidStandIn } from './plaidStandIn.mjs'

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [name, value] = arg.replace(/^--/, '').split('=')
    return [name, Number(value)]
  }),
)
const CONCURRENCY = Math.min(args.concurrency || 1000, 5000)
const ROUNDS = Math.min(args.rounds || 3, 10)
const PLAID_LATENCY_MS = args['plaid-latency'] || 0
const WARMUP = 100
const TIME_LIMIT_MS = 120_000

const CLIENT_ID = 'bench-client-id-0a1b2c3d4e5f'
const SECRET = 'bench-secret-6a7b8c9d0e1f'
const EXCHANGE = '/item/public_token/exchange'

const deadline = setTimeout(() => {
  console.error(`gateway-load: stopped after ${TIME_LIMIT_MS / 1000} s without finishing.`)
  process.exit(2)
}, TIME_LIMIT_MS)

const standIn = await startPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET, latencyMs: PLAID_LATENCY_MS })
const plaid = new PlaidApi(
  new Configuration({
    basePath: standIn.url,
    baseOptions: { headers: { 'PLAID-CLIENT-ID': CLIENT_ID, 'PLAID-SECRET': SECRET } },
  }),
)

/* The in-memory store, with every save recorded so that lost and duplicated Items can be counted. */
const saves = []
const memory = createMemoryItemStore()
const store = {
  async save(item) {
    saves.push({ userId: item.userId, itemId: item.itemId })
    await memory.save(item)
  },
  get: (userId, itemId) => memory.get(userId, itemId),
}

const gateway = createPlaidGateway({
  plaid,
  store,
  getUserId: (request) => request.headers.get('x-bench-user'),
  linkToken: { client_name: 'Bench', language: 'en', country_codes: ['US'] },
  basePath: '/api/plaid',
})
const server = createServer(toNodeHandler(gateway.handle))
await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve))
const gatewayUrl = `http://127.0.0.1:${server.address().port}/api/plaid${EXCHANGE}`

async function timed(run) {
  const start = performance.now()
  try {
    const value = await run()
    return { ms: performance.now() - start, value }
  } catch (error) {
    return { ms: performance.now() - start, error }
  }
}

async function viaGateway(userId, publicToken) {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-bench-user': userId },
    body: JSON.stringify({ public_token: publicToken }),
  })
  const body = await response.json()
  if (response.status !== 200) throw new Error(`HTTP ${response.status} ${body.error_code}`)
  return body.item_id
}

async function viaSdk(publicToken) {
  const { data } = await plaid.itemPublicTokenExchange({ public_token: publicToken })
  return data.item_id
}

let nextUser = 0
/** One round: `count` new users, each with a new public token, all sent at once. */
async function round(mode, count) {
  const jobs = Array.from({ length: count }, () => ({ userId: `user-${nextUser++}`, ...standIn.createPublicToken() }))
  const started = performance.now()
  const results = await Promise.all(
    jobs.map((job) =>
      timed(() => (mode === 'gateway' ? viaGateway(job.userId, job.publicToken) : viaSdk(job.publicToken))),
    ),
  )
  return { mode, jobs, results, wallMs: performance.now() - started }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

function summary(rounds) {
  const latencies = rounds.flatMap((r) => r.results.filter((x) => !x.error).map((x) => x.ms)).sort((a, b) => a - b)
  const requests = rounds.reduce((n, r) => n + r.results.length, 0)
  const failed = rounds.reduce((n, r) => n + r.results.filter((x) => x.error).length, 0)
  const wall = rounds.reduce((n, r) => n + r.wallMs, 0)
  return {
    requests,
    failed,
    median: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    perSecond: (requests / wall) * 1000,
  }
}

// Warm-up: connections, JIT and the stand-in, in both paths; not measured.
await round('direct', WARMUP)
await round('gateway', WARMUP)

const measured = []
for (let i = 0; i < ROUNDS; i++) {
  // Alternating the order, so neither path always runs on a warmer process.
  const order = i % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct']
  for (const mode of order) measured.push(await round(mode, CONCURRENCY))
}
const gatewayRounds = measured.filter((r) => r.mode === 'gateway')

// Integrity: every gateway exchange answered with its own Item, saved once, for its own user.
const savedCount = new Map()
for (const save of saves) {
  const key = `${save.userId}\n${save.itemId}`
  savedCount.set(key, (savedCount.get(key) ?? 0) + 1)
}
const itemOwners = new Map()
for (const save of saves) itemOwners.set(save.itemId, new Set([...(itemOwners.get(save.itemId) ?? []), save.userId]))
let sent = 0
let answered = 0
let wrongItem = 0
let lost = 0
let duplicated = 0
for (const r of gatewayRounds) {
  r.jobs.forEach((job, i) => {
    sent++
    const result = r.results[i]
    if (!result.error) answered++
    if (!result.error && result.value !== job.itemId) wrongItem++
    const times = savedCount.get(`${job.userId}\n${job.itemId}`) ?? 0
    if (times === 0) lost++
    if (times > 1 || (itemOwners.get(job.itemId)?.size ?? 0) > 1) duplicated++
  })
}

// Retry storm: every exchange of the last gateway round again, all at once. The gateway must
// answer each with the same Item without calling Plaid or saving again.
const last = gatewayRounds.at(-1)
const plaidCallsBefore = standIn.calls(EXCHANGE)
const savesBefore = saves.length
const retries = await Promise.all(last.jobs.map((job) => timed(() => viaGateway(job.userId, job.publicToken))))
const retryMismatches = retries.filter((x, i) => x.error || x.value !== last.jobs[i].itemId).length
const retryPlaidCalls = standIn.calls(EXCHANGE) - plaidCallsBefore
const retrySaves = saves.length - savesBefore

const direct = summary(measured.filter((r) => r.mode === 'direct'))
const viaGw = summary(gatewayRounds)
const ms = (n) => n.toFixed(1)

console.log(`
## Gateway load: ${CONCURRENCY} concurrent exchanges × ${ROUNDS} rounds per path (Plaid stand-in latency ${PLAID_LATENCY_MS} ms)

| path | requests | failed | median ms | p95 ms | req/s |
| --- | ---: | ---: | ---: | ---: | ---: |
| SDK straight to the stand-in | ${direct.requests} | ${direct.failed} | ${ms(direct.median)} | ${ms(direct.p95)} | ${direct.perSecond.toFixed(0)} |
| client → HTTP → toNodeHandler → gateway → SDK → stand-in | ${viaGw.requests} | ${viaGw.failed} | ${ms(viaGw.median)} | ${ms(viaGw.p95)} | ${viaGw.perSecond.toFixed(0)} |
| **overhead ratio (gateway / direct)** | | | **${(viaGw.median / direct.median).toFixed(2)}×** | **${(viaGw.p95 / direct.p95).toFixed(2)}×** | |

| integrity check | count | goal |
| --- | ---: | ---: |
| exchanges sent through the gateway | ${sent} | |
| answered 200 | ${answered} | ${sent} |
| answered with another token's item_id | ${wrongItem} | 0 |
| lost Items (never saved for their user) | ${lost} | 0 |
| duplicated Items (saved twice or for two users) | ${duplicated} | 0 |
| concurrent retries of the last round answered with another item_id or an error | ${retryMismatches} | 0 |
| Plaid exchange calls caused by those ${retries.length} retries | ${retryPlaidCalls} | 0 |
| saves caused by those retries | ${retrySaves} | 0 |
`)

clearTimeout(deadline)
await new Promise((resolve) => {
  server.close(resolve)
  server.closeAllConnections()
})
await standIn.close()
const clean = answered === sent && wrongItem + lost + duplicated + retryMismatches + retryPlaidCalls + retrySaves === 0
process.exitCode = clean ? 0 : 1
