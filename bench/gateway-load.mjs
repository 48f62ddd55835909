/*
 * Load benchmark of the built gateway against the endpoint an app would write by hand instead.
 * Run `npm run bench:gateway` (it builds first), or after a build:
 *
 *   node bench/gateway-load.mjs [--concurrency=200] [--rounds=4] [--pool=10] [--plaid-latency=0]
 *                               [--time-limit=150]
 *
 * Two servers answer POST /api/plaid/item/public_token/exchange side by side in one process:
 *
 * - the gateway: createPlaidGateway + toNodeHandler + createPostgresItemStore, all it does
 *   included (the exchange ledger's statements, the Item's institution, the redaction checks);
 * - the hand-written endpoint a careful app developer would write instead, on Node's `http`: it
 *   reads the JSON body (with a 16 KiB limit), takes the user from the same header, makes the same
 *   `itemPublicTokenExchange` call of the `plaid` SDK to the same Plaid stand-in, encrypts the
 *   access token with AES-256-GCM through WebCrypto as the store does, and runs the store's own
 *   INSERT statement into a table of the same shape.
 *
 * Both run on PGlite (PostgreSQL in WebAssembly, in this process: one instance for both sides,
 * different tables) and, when DATABASE_URL is set, on that PostgreSQL server through `pg` (one
 * Pool per side, of the same size). The Plaid stand-in (createPlaidStandIn of the built testing
 * entry) and the load generator run in a child process, so that this process does only the work
 * that is being compared; its CPU time per request is reported next to the latencies, as a
 * figure that other load on the machine does not inflate the way it does wall-clock times.
 *
 * Each round sends `concurrency` exchanges at once, each for a new user with a new public token.
 * After a warm-up round per side, the measured rounds alternate which side goes first. The
 * report gives the median and p95 latency and the throughput of each side, their ratios, and for
 * the gateway the integrity checks: every exchange answered with its own Item, saved once, for
 * its own user, its access token stored so that it decrypts to Plaid's; then every exchange of
 * the last round sent again at once, which must be answered from the ledger without a Plaid call
 * or a save. The report is printed and, when every check passed, kept as the section for its Plaid latency in
 * bench/results.md. The exit code is 1 when an integrity check fails and 2 when the time limit
 * stops the run. All traffic stays on 127.0.0.1. On the server of DATABASE_URL, the tables
 * bench_gateway_items, bench_gateway_exchanges, bench_gateway_webhooks and bench_baseline_items are dropped, made anew
 * and dropped again.
 */
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { Agent, createServer } from 'node:http'
import { cpus, totalmem, type as osType } from 'node:os'
import { performance } from 'node:perf_hooks'
import { Configuration, PlaidApi } from 'plaid'

const CLIENT_ID = 'bench-client-id-0a1b2c3d4e5f'
const SECRET = 'bench-secret-6a7b8c9d0e1f'
const EXCHANGE = '/item/public_token/exchange'
const ROUTE = `/api/plaid${EXCHANGE}`
const USER_HEADER = 'x-bench-user'
const BENCH_TABLES = [
  'bench_gateway_items',
  'bench_gateway_exchanges',
  'bench_gateway_webhooks',
  'bench_baseline_items',
]

/** The heading of a run's section in bench/results.md: one section per Plaid latency and concurrency. */
const sectionTitle = (latencyMs, concurrency) =>
  `## Gateway load, Plaid answering in ${latencyMs} ms, ${concurrency} ${concurrency === 1 ? 'exchange' : 'exchanges'} at once`

if (process.argv[2] === '--load-generator') await loadGenerator({ plaidLatencyMs: Number(process.argv[3]) })
else await main()

/*
 * The child process: the Plaid stand-in and the clients. Every latency is taken here, from the
 * first byte of the request to the parsed JSON answer.
 */
async function loadGenerator({ plaidLatencyMs }) {
  const { createPlaidStandIn } = await import('../dist/testing.mjs')
  const standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET, latencyMs: plaidLatencyMs })
  let nextUser = 0

  async function exchange(url, job) {
    const start = performance.now()
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [USER_HEADER]: job.userId },
        body: JSON.stringify({ public_token: job.publicToken }),
      })
      const body = await response.json()
      const ms = performance.now() - start
      if (response.status !== 200) return { ms, error: `HTTP ${response.status} ${body.error_code}` }
      return { ms, itemId: body.item_id }
    } catch (error) {
      return { ms: performance.now() - start, error: `${error}${error?.cause ? ` (${error.cause})` : ''}` }
    }
  }

  async function send(url, jobs) {
    const started = performance.now()
    const results = await Promise.all(jobs.map((job) => exchange(url, job)))
    return { jobs, results, wallMs: performance.now() - started }
  }

  const commands = {
    /** `count` exchanges at once, each for a new user with a new public token. */
    round: ({ url, count }) =>
      send(
        url,
        Array.from({ length: count }, () => ({ userId: `user-${nextUser++}`, ...standIn.createPublicToken() })),
      ),
    send: ({ url, jobs }) => send(url, jobs),
    exchangeCalls: () => standIn.calls(EXCHANGE),
    accessTokens: ({ itemIds }) => itemIds.map((itemId) => standIn.accessTokenOf(itemId) ?? null),
    violations: () => standIn.violations.slice(0, 5).concat(standIn.violations.length > 5 ? ['…'] : []),
    close: () => standIn.close(),
  }
  process.on('message', async ({ id, command, args }) => {
    try {
      process.send({ id, result: await commands[command](args) })
    } catch (error) {
      process.send({ id, error: String(error?.stack ?? error) })
    }
    if (command === 'close') process.disconnect()
  })
  // Ends with the benchmark, however that ends.
  process.on('disconnect', () => process.exit(0))
  process.send({ id: 0, result: { basePath: standIn.basePath, headers: standIn.headers } })
}

async function main() {
  const args = Object.fromEntries(
    process.argv.slice(2).map((arg) => {
      const [name, value] = arg.replace(/^--/, '').split('=')
      return [name, Number(value)]
    }),
  )
  const CONCURRENCY = Math.min(args.concurrency || 200, 5000)
  const ROUNDS = Math.min(args.rounds || 4, 100)
  const POOL_SIZE = Math.min(args.pool || 10, 90)
  const PLAID_LATENCY_MS = args['plaid-latency'] || 0
  const TIME_LIMIT_MS = (args['time-limit'] || 150) * 1000
  const GOAL = 1.1

  const deadline = setTimeout(() => {
    console.error(`gateway-load: stopped after ${TIME_LIMIT_MS / 1000} s without finishing.`)
    process.exit(2)
  }, TIME_LIMIT_MS)

  const { createPlaidGateway, createPostgresItemStore, toNodeHandler } = await import('../dist/server.mjs')
  const { PGlite } = await import('@electric-sql/pglite')

  /* The load generator, driven by messages: rpc('round', { url, count }) and so on. */
  const loadProcess = fork(new URL(import.meta.url), ['--load-generator', String(PLAID_LATENCY_MS)], {
    serialization: 'advanced',
  })
  const pending = new Map()
  let nextCall = 1
  loadProcess.on('message', ({ id, result, error }) => {
    const call = pending.get(id)
    pending.delete(id)
    if (error) call.reject(new Error(error))
    else call.resolve(result)
  })
  loadProcess.on('exit', (code) => {
    if (pending.size > 0) {
      console.error(`gateway-load: the load generator ended (exit code ${code}) before answering.`)
      process.exit(1)
    }
  })
  /* Where the stand-in listens, and the credential headers it takes. */
  const plaidStandIn = await new Promise((resolve, reject) => pending.set(0, { resolve, reject }))
  const rpc = (command, args = {}) =>
    new Promise((resolve, reject) => {
      const id = nextCall++
      pending.set(id, { resolve, reject })
      loadProcess.send({ id, command, args })
    })

  const keyBytes = randomBytes(32)
  const encryptionKeys = { current: 'k1', keys: { k1: keyBytes.toString('base64') } }

  /*
   * One SDK client per side, configured alike, each with its own keep-alive sockets. They are
   * let go after 4 s idle, before the stand-in's 5 s keep-alive ends, so that no request is
   * written onto a socket that the stand-in is closing (an ECONNRESET that is no one's cost).
   */
  const plaidClient = () =>
    new PlaidApi(
      new Configuration({
        basePath: plaidStandIn.basePath,
        baseOptions: {
          headers: plaidStandIn.headers,
          timeout: 30_000,
          httpAgent: new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 4000 }),
        },
      }),
    )

  async function listen(handler) {
    const server = createServer(handler)
    await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve))
    return { server, url: `http://127.0.0.1:${server.address().port}${ROUTE}` }
  }

  function close(server) {
    return new Promise((resolve) => {
      server.close(resolve)
      server.closeAllConnections()
    })
  }

  /*
   * The hand-written endpoint: what a careful app developer writes with Node's `http`, the
   * `plaid` SDK and the database client, for this one route.
   */
  async function startBaseline(db, table) {
    const plaid = plaidClient()
    const encoder = new TextEncoder()
    const key = await crypto.subtle.importKey('raw', keyBytes, 'AES-GCM', false, ['encrypt'])
    const BODY_LIMIT = 16 * 1024
    // The statement createPostgresItemStore runs for a save, on this endpoint's own table.
    const insert = `INSERT INTO ${table} (item_id, user_id, key_id, iv, ciphertext, institution_id, institution_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (item_id) DO UPDATE
           SET key_id = EXCLUDED.key_id, iv = EXCLUDED.iv, ciphertext = EXCLUDED.ciphertext,
               status = 'healthy', error_code = NULL, consent_expiration_time = NULL,
               institution_id = COALESCE(EXCLUDED.institution_id, ${table}.institution_id),
               institution_name = COALESCE(EXCLUDED.institution_name, ${table}.institution_name),
               updated_at = now()
           WHERE ${table}.user_id = EXCLUDED.user_id
         RETURNING item_id`

    function sendJson(res, status, body) {
      const text = JSON.stringify(body)
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(text),
      })
      res.end(text)
    }

    /* The body, or null past the limit (the rest is discarded); rejects if the client goes away. */
    function readBody(req) {
      return new Promise((resolve, reject) => {
        const chunks = []
        let size = 0
        const detach = () => {
          req.off('data', onData)
          req.off('end', onEnd)
          req.off('error', onError)
          req.off('close', onClose)
        }
        const onData = (chunk) => {
          size += chunk.length
          if (size > BODY_LIMIT) {
            detach()
            req.resume()
            resolve(null)
          } else chunks.push(chunk)
        }
        const onEnd = () => {
          detach()
          resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size))
        }
        const onError = (error) => {
          detach()
          reject(error)
        }
        const onClose = () => {
          detach()
          reject(new Error('The client went away before sending the whole body.'))
        }
        req.on('data', onData)
        req.on('end', onEnd)
        req.on('error', onError)
        req.on('close', onClose)
      })
    }

    async function handle(req, res) {
      if (req.method !== 'POST' || req.url !== ROUTE) {
        req.resume()
        return sendJson(res, 404, { error_code: 'NOT_FOUND' })
      }
      const userId = req.headers[USER_HEADER]
      if (typeof userId !== 'string' || userId === '') {
        req.resume()
        return sendJson(res, 401, { error_code: 'UNAUTHORIZED' })
      }
      if ((req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() !== 'application/json') {
        req.resume()
        return sendJson(res, 400, { error_code: 'INVALID_REQUEST' })
      }
      const raw = await readBody(req)
      if (raw === null) return sendJson(res, 413, { error_code: 'REQUEST_TOO_LARGE' })
      let body
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        return sendJson(res, 400, { error_code: 'INVALID_REQUEST' })
      }
      const publicToken = body?.public_token
      if (typeof publicToken !== 'string' || publicToken === '')
        return sendJson(res, 400, { error_code: 'INVALID_REQUEST' })

      let data
      try {
        ;({ data } = await plaid.itemPublicTokenExchange({ public_token: publicToken }))
      } catch (error) {
        const status = error?.response?.status
        return sendJson(res, status >= 400 && status < 500 ? 400 : 502, {
          error_code: error?.response?.data?.error_code ?? `PLAID_UNAVAILABLE (${error?.code ?? error})`,
        })
      }
      const { item_id: itemId, access_token: accessToken, request_id: requestId } = data
      const iv = crypto.getRandomValues(new Uint8Array(12))
      const ciphertext = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: 'AES-GCM', iv, additionalData: encoder.encode(itemId) },
          key,
          encoder.encode(accessToken),
        ),
      )
      const { rows } = await db.query(insert, [itemId, userId, 'k1', iv, ciphertext, null, null])
      if (rows.length === 0) return sendJson(res, 409, { error_code: 'ITEM_OF_ANOTHER_USER' })
      sendJson(res, 200, { item_id: itemId, request_id: requestId })
    }

    return listen((req, res) => {
      handle(req, res).catch(() => {
        if (res.headersSent) res.destroy()
        else sendJson(res, 500, { error_code: 'INTERNAL_SERVER_ERROR' })
      })
    })
  }

  /* The gateway as an app sets it up, with every successful save counted for the checks. */
  async function startGateway(db, tablePrefix) {
    const postgresStore = createPostgresItemStore({ db, encryptionKeys, tablePrefix })
    await postgresStore.migrate()
    // Every write of an Item is counted, through save or through the ledger's one write.
    const saves = new Map()
    const counted = (item) => saves.set(item.itemId, (saves.get(item.itemId) ?? 0) + 1)
    const ledger = postgresStore.exchangeLedger
    const store = {
      ...postgresStore,
      async save(item) {
        await postgresStore.save(item)
        counted(item)
      },
      exchangeLedger: {
        ...ledger,
        ...(ledger.saveAndComplete && {
          async saveAndComplete(item, ...rest) {
            await ledger.saveAndComplete(item, ...rest)
            counted(item)
          },
        }),
      },
    }
    // Why an exchange failed, redacted as the gateway reports it, counted by reason.
    const errors = new Map()
    const gateway = createPlaidGateway({
      plaid: plaidClient(),
      store,
      getUserId: (request) => request.headers.get(USER_HEADER),
      linkToken: { client_name: 'Bench', language: 'en', country_codes: ['US'], products: ['transactions'] },
      basePath: '/api/plaid',
      onError: (event) => {
        const reason = `${event.status} ${event.errorCode}: ${event.cause?.message ?? event.errorMessage}`
        errors.set(reason, (errors.get(reason) ?? 0) + 1)
      },
    })
    return { ...(await listen(toNodeHandler(gateway.handle))), store: postgresStore, saves, errors }
  }

  function percentile(sorted, p) {
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
  }

  function summary(rounds) {
    const latencies = rounds.flatMap((r) => r.results.filter((x) => !x.error).map((x) => x.ms)).sort((a, b) => a - b)
    const requests = rounds.reduce((n, r) => n + r.results.length, 0)
    const wall = rounds.reduce((n, r) => n + r.wallMs, 0)
    const cpu = rounds.reduce((n, r) => n + r.cpuMs, 0)
    const errors = new Map()
    for (const { error } of rounds.flatMap((r) => r.results)) if (error) errors.set(error, (errors.get(error) ?? 0) + 1)
    return {
      requests,
      errors: [...errors].map(([error, count]) => `${count} × ${error}`),
      failed: rounds.reduce((n, r) => n + r.results.filter((x) => x.error).length, 0),
      median: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      perSecond: (requests / wall) * 1000,
      cpuPerRequest: cpu / requests,
    }
  }

  /* One database: warm-up, alternating rounds, integrity checks, retry storm. */
  async function measure(label, { gatewayDb, baselineDb }) {
    console.error(`gateway-load: ${label} …`)
    const gateway = await startGateway(gatewayDb, 'bench_gateway_')
    await baselineDb.query('CREATE TABLE bench_baseline_items (LIKE bench_gateway_items INCLUDING ALL)', [])
    const baseline = await startBaseline(baselineDb, 'bench_baseline_items')
    const sides = { gateway, baseline }
    // The CPU time this process (the servers, their SDK clients, PGlite) spent on each round.
    const round = async (side) => {
      const before = process.cpuUsage()
      const sent = await rpc('round', { url: sides[side].url, count: CONCURRENCY })
      const { user, system } = process.cpuUsage(before)
      return { side, ...sent, cpuMs: (user + system) / 1000 }
    }

    // Warm-up: sockets, JIT, the database's caches, on both sides; not measured.
    const warmUp = [await round('baseline'), await round('gateway')]
    const measured = []
    for (let i = 0; i < ROUNDS; i++) {
      // Alternating the order, so that neither side always runs on a warmer process.
      const order = i % 2 === 0 ? ['baseline', 'gateway'] : ['gateway', 'baseline']
      for (const side of order) measured.push(await round(side))
    }

    // Integrity of every exchange the gateway answered, from what its tables hold.
    const gatewayRounds = [...warmUp, ...measured].filter((r) => r.side === 'gateway')
    const { rows } = await gatewayDb.query('SELECT item_id, user_id FROM bench_gateway_items', [])
    const ownerOf = new Map(rows.map((row) => [row.item_id, row.user_id]))
    const jobs = gatewayRounds.flatMap((r) => r.jobs.map((job, i) => ({ ...job, result: r.results[i] })))
    const plaidTokens = await rpc('accessTokens', { itemIds: jobs.map((job) => job.itemId) })
    const check = { sent: jobs.length, answered: 0, wrongItem: 0, lost: 0, wrongOwner: 0, duplicated: 0, badToken: 0 }
    for (const [i, job] of jobs.entries()) {
      if (!job.result.error) check.answered++
      if (!job.result.error && job.result.itemId !== job.itemId) check.wrongItem++
      const owner = ownerOf.get(job.itemId)
      if (owner === undefined) check.lost++
      else if (owner !== job.userId) check.wrongOwner++
      else if ((await gateway.store.get(job.userId, job.itemId)) !== plaidTokens[i]) check.badToken++
      if ((gateway.saves.get(job.itemId) ?? 0) > 1) check.duplicated++
    }
    check.extraRows = rows.length - new Set(jobs.map((job) => job.itemId)).size

    // Retry storm: the last gateway round again, all at once, answered from the ledger.
    const last = gatewayRounds.at(-1)
    const callsBefore = await rpc('exchangeCalls')
    const savesBefore = [...gateway.saves.values()].reduce((a, b) => a + b, 0)
    const retried = await rpc('send', { url: gateway.url, jobs: last.jobs })
    check.retries = retried.jobs.length
    check.retryMismatches = retried.results.filter((x, i) => x.error || x.itemId !== last.jobs[i].itemId).length
    check.retryPlaidCalls = (await rpc('exchangeCalls')) - callsBefore
    check.retrySaves = [...gateway.saves.values()].reduce((a, b) => a + b, 0) - savesBefore

    // The baseline's own rows, as a sanity check of the comparison.
    const baselineAnswered = measured
      .concat(warmUp)
      .filter((r) => r.side === 'baseline')
      .reduce((n, r) => n + r.results.filter((x) => !x.error).length, 0)
    const baselineRows = Number(
      (await baselineDb.query('SELECT count(*)::int AS n FROM bench_baseline_items', [])).rows[0].n,
    )

    await close(gateway.server)
    await close(baseline.server)
    for (const table of BENCH_TABLES) await baselineDb.query(`DROP TABLE IF EXISTS ${table}`, [])
    return {
      label,
      errors: [...gateway.errors].map(([reason, count]) => `${count} × ${reason}`),
      baseline: summary(measured.filter((r) => r.side === 'baseline')),
      gateway: summary(measured.filter((r) => r.side === 'gateway')),
      check,
      baselineAnswered,
      baselineRows,
    }
  }

  const results = []
  const pglite = new PGlite()
  await pglite.waitReady
  const pgliteVersion = (await pglite.query("SELECT current_setting('server_version') AS v", [])).rows[0].v
  results.push(await measure(`PGlite ${pgliteVersion} (in process)`, { gatewayDb: pglite, baselineDb: pglite }))
  await pglite.close()

  if (process.env.DATABASE_URL) {
    const { default: pg } = await import('pg')
    const pool = () => new pg.Pool({ connectionString: process.env.DATABASE_URL, max: POOL_SIZE })
    const gatewayDb = pool()
    const baselineDb = pool()
    for (const table of BENCH_TABLES) await baselineDb.query(`DROP TABLE IF EXISTS ${table}`, [])
    const version = (await baselineDb.query("SELECT current_setting('server_version') AS v", [])).rows[0].v.split(
      ' ',
    )[0]
    results.push(
      await measure(`PostgreSQL ${version} server (pg, ${POOL_SIZE} connections per side)`, { gatewayDb, baselineDb }),
    )
    await Promise.all([gatewayDb.end(), baselineDb.end()])
  }

  const violations = await rpc('violations')
  await rpc('close')
  clearTimeout(deadline)

  const ms = (n) => n.toFixed(1)
  const ms2 = (n) => n.toFixed(2)
  const ratio = (n) => `${n.toFixed(2)}×`
  const lines = [
    `${sectionTitle(PLAID_LATENCY_MS, CONCURRENCY)}: ${ROUNDS} rounds per side and database`,
    '',
    `Run on ${new Date().toISOString().slice(0, 10)}, ${osType()} with ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; the Plaid stand-in answers every call in ` +
      `${PLAID_LATENCY_MS} ms. Reproduce with \`npm run bench:gateway -- --plaid-latency=${PLAID_LATENCY_MS} ` +
      `--concurrency=${CONCURRENCY} --rounds=${ROUNDS}\`, with ` +
      '`DATABASE_URL` set for the PostgreSQL server.',
    '',
    'Hand-written: a Node `http` endpoint with the same body read, user header, SDK call, AES-256-GCM sealing ' +
      'and INSERT; gateway: createPlaidGateway + toNodeHandler + createPostgresItemStore. Each round sends all ' +
      'its exchanges at once; one warm-up round per side, then the sides alternate which goes first. Server CPU ' +
      'is the CPU time of the process that runs both servers (the load generator and the Plaid stand-in run in ' +
      'another), per request.',
    '',
    '| database | side | requests | failed | median ms | p95 ms | req/s | server CPU ms per request |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of results) {
    const { baseline: b, gateway: g } = r
    lines.push(
      `| ${r.label} | hand-written endpoint | ${b.requests} | ${b.failed} | ${ms(b.median)} | ${ms(b.p95)} | ${b.perSecond.toFixed(0)} | ${ms2(b.cpuPerRequest)} |`,
      `| ${r.label} | gateway | ${g.requests} | ${g.failed} | ${ms(g.median)} | ${ms(g.p95)} | ${g.perSecond.toFixed(0)} | ${ms2(g.cpuPerRequest)} |`,
      `| ${r.label} | **gateway / hand-written** | | | **${ratio(g.median / b.median)}** | **${ratio(g.p95 / b.p95)}** | ${ratio(g.perSecond / b.perSecond)} | ${ratio(g.cpuPerRequest / b.cpuPerRequest)} |`,
    )
  }
  lines.push('')
  for (const r of results) {
    const m = r.gateway.median / r.baseline.median
    const p = r.gateway.p95 / r.baseline.p95
    const met = m <= GOAL && p <= GOAL
    lines.push(
      `Goal on ${r.label}: at most ${GOAL}× the hand-written endpoint, median and p95: ` +
        `${ratio(m)} and ${ratio(p)}, ${met ? 'met' : 'NOT met'}.`,
    )
  }
  lines.push('', '| integrity check (gateway) | ' + results.map((r) => r.label).join(' | ') + ' | goal |')
  lines.push('| --- | ' + results.map(() => '---: | ').join('') + '---: |')
  const row = (what, pick, goal) => lines.push(`| ${what} | ${results.map((r) => pick(r)).join(' | ')} | ${goal} |`)
  row('exchanges sent through the gateway (warm-up included)', (r) => r.check.sent, '')
  row('answered 200', (r) => r.check.answered, 'all')
  row("answered with another token's item_id", (r) => r.check.wrongItem, 0)
  row('lost Items (no row)', (r) => r.check.lost, 0)
  row('Items stored for another user', (r) => r.check.wrongOwner, 0)
  row('duplicated Items (saved more than once)', (r) => r.check.duplicated, 0)
  row("stored access tokens that do not decrypt to Plaid's", (r) => r.check.badToken, 0)
  row('rows for Items no exchange made', (r) => r.check.extraRows, 0)
  row('retries of the last round, sent at once', (r) => r.check.retries, '')
  row('retries answered with another item_id or an error', (r) => r.check.retryMismatches, 0)
  row('Plaid exchange calls caused by the retries', (r) => r.check.retryPlaidCalls, 0)
  row('saves caused by the retries', (r) => r.check.retrySaves, 0)
  row('hand-written endpoint: rows / answered 200', (r) => `${r.baselineRows} / ${r.baselineAnswered}`, 'equal')
  for (const r of results) {
    if (r.baseline.errors.length > 0)
      lines.push('', `Failed on ${r.label}, hand-written: ${r.baseline.errors.join('; ')}.`)
    if (r.gateway.errors.length > 0) lines.push('', `Failed on ${r.label}, gateway: ${r.gateway.errors.join('; ')}.`)
    if (r.errors.length > 0) lines.push('', `The gateway's onError on ${r.label}: ${r.errors.join('; ')}.`)
  }
  lines.push(
    '',
    `Requests that broke Plaid's spec at the stand-in: ${violations.length === 0 ? 0 : violations.join('; ')}.`,
  )
  if (!process.env.DATABASE_URL) lines.push('', 'No DATABASE_URL: the PostgreSQL server was not measured.')
  const section = lines.join('\n') + '\n'
  console.log(section)

  const clean =
    violations.length === 0 &&
    results.every(
      ({ check: c, baselineRows, baselineAnswered }) =>
        c.answered === c.sent &&
        c.wrongItem + c.lost + c.wrongOwner + c.duplicated + c.badToken + c.extraRows === 0 &&
        c.retryMismatches + c.retryPlaidCalls + c.retrySaves === 0 &&
        baselineRows === baselineAnswered,
    )
  // bench/results.md keeps one section per Plaid latency and concurrency; this run's replaces its own, when nothing broke.
  if (clean) {
    const file = new URL('./results.md', import.meta.url)
    let previous = ''
    try {
      previous = readFileSync(file, 'utf8')
    } catch {
      // No results yet: the file starts with this section.
    }
    const sections = previous.split(/^(?=## )/m)
    const title = sectionTitle(PLAID_LATENCY_MS, CONCURRENCY)
    const at = sections.findIndex((one) => one.startsWith(title + ':'))
    if (at >= 0) sections[at] = section + '\n'
    else sections.push((sections.length > 0 && !sections.at(-1).endsWith('\n\n') ? '\n' : '') + section)
    writeFileSync(file, sections.join('').trimEnd() + '\n')
    console.error('gateway-load: written to bench/results.md')
  }
  process.exitCode = clean ? 0 : 1
}
