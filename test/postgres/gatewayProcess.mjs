/*
 * One gateway instance as an app would run it: the built server entry, a `pg` Pool on
 * DATABASE_URL, the official `plaid` SDK and Node's `http` through toNodeHandler. The
 * cross-instance tests start two of these against one database and one Plaid stand-in.
 *
 * Settings come from the environment:
 *   PLAID_REACT_SERVER_ENTRY  the built server entry (server.mjs) to import
 *   DATABASE_URL              the database both instances share
 *   PLAID_URL                 where the SDK sends Plaid's requests (the stand-in)
 *   PLAID_CLIENT_ID, PLAID_SECRET, TABLE_PREFIX, PLAID_TIMEOUT_MS, INSTANCE
 *   ENCRYPTION_KEYS           JSON of createPostgresItemStore's `encryptionKeys`
 *   ON_ERROR=console          (optional) no onError: the gateway logs failures itself
 *   HANG_AFTER_SAVE=1         (optional) onItemLinked, which runs after the Item's write and
 *                             before the answer, never returns: the instance can be killed there
 *
 * It migrates, listens on a free port of 127.0.0.1 and prints one JSON line per event: first
 * `{"listening": port}`, then every onError, onItemLinked and onWebhook payload, as an app's log would
 * hold them. The session is the `x-test-user` header. It stops on SIGTERM, or when its stdin ends
 * because the test that started it is gone.
 */
import { createServer } from 'node:http'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { Configuration, PlaidApi } from 'plaid'

const env = (name) => {
  const value = process.env[name]
  if (!value) {
    console.error(`gatewayProcess: ${name} is not set`)
    process.exit(2)
  }
  return value
}

const instance = env('INSTANCE')
const log = (fields) => process.stdout.write(JSON.stringify({ instance, ...fields }) + '\n')

const { createPlaidGateway, createPostgresItemStore, toNodeHandler } = await import(
  pathToFileURL(env('PLAID_REACT_SERVER_ENTRY')).href
)

const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: 10 })
// A pooled connection that the server closes (a restart, a failover) reports here; the pool drops
// it and opens a new one for the next query. Without a listener the process would crash.
pool.on('error', (error) => log({ poolError: error.message }))

const store = createPostgresItemStore({
  db: pool,
  encryptionKeys: JSON.parse(env('ENCRYPTION_KEYS')),
  tablePrefix: env('TABLE_PREFIX'),
})
await store.migrate()

const plaid = new PlaidApi(
  new Configuration({
    basePath: env('PLAID_URL'),
    baseOptions: { headers: { 'PLAID-CLIENT-ID': env('PLAID_CLIENT_ID'), 'PLAID-SECRET': env('PLAID_SECRET') } },
  }),
)

const gateway = createPlaidGateway({
  plaid,
  store,
  getUserId: (request) => request.headers.get('x-test-user'),
  linkToken: { client_name: 'Cross-instance Tests', language: 'en', country_codes: ['US'], products: ['transactions'] },
  basePath: '/api/plaid',
  plaidTimeoutMs: Number(env('PLAID_TIMEOUT_MS')),
  ...(process.env.ON_ERROR === 'console' ? {} : { onError: (event) => log({ onError: event }) }),
  onItemLinked: (event) => {
    log({ onItemLinked: event })
    if (process.env.HANG_AFTER_SAVE === '1') return new Promise(() => undefined)
  },
  onWebhook: (event) => log({ onWebhook: event }),
})

const server = createServer(toNodeHandler(gateway.handle))
await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }, resolve))
log({ listening: server.address().port })

function shutDown() {
  server.close()
  server.closeAllConnections()
  pool.end().finally(() => process.exit(0))
}
process.on('SIGTERM', shutDown)
// The test holds stdin open; if it dies without stopping this process, stdin ends and so does this.
process.stdin.on('end', shutDown)
process.stdin.resume()
