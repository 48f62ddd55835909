/*
 * The store contract of `@utdk/plaid-react/testing` and the PostgreSQL store's own rules, on a
 * real PostgreSQL server through `pg`'s Pool: the same cases the unit tests run on the memory
 * store and on PGlite, here with pools whose calls land on different connections; and what only
 * a server with many connections can show: migrations racing at creation, an upgrade of a
 * version-2 database by several instances at once, a migration that does not wait for the app's
 * open transactions, and remembered webhooks across instances.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createPostgresItemStore } from '../../src/server'
import { itemStoreContract } from '../../src/testing'
import {
  explainsAMissingMigration,
  refusesUnstorableWrites,
  rotatesPastUnreadableRows,
  savesAndCompletesAsOneWrite,
  upgradesVersion2InPlace,
  type ScenarioDatabase,
} from '../server/postgresStoreScenarios'

const newPool = (max = 8) => {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max })
  // An idle client that loses its server must not crash the run with an unhandled 'error'.
  pool.on('error', () => undefined)
  return pool
}

const pool = newPool()
/* Every table of this file starts with it, so afterAll finds them all. */
const base = `store_${Date.now().toString(36)}_`
const prefix = `${base}contract_`
let prefixes = 0
const nextPrefix = () => `${base}${(++prefixes).toString(36)}_`
const keys = { current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }
const database: ScenarioDatabase = { db: pool, prefix: nextPrefix }

afterAll(async () => {
  const { rows } = await pool.query<{ tablename: string }>(
    'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1)',
    [base],
  )
  for (const { tablename } of rows) await pool.query(`DROP TABLE IF EXISTS "${tablename}"`)
  await pool.end()
})

describe('the store contract on PostgreSQL', () => {
  for (const { name, run } of itemStoreContract(async () => {
    const store = createPostgresItemStore({ db: pool, encryptionKeys: keys, tablePrefix: prefix })
    await store.migrate()
    return store
  })) {
    it(name, run)
  }
})

describe('migrations on a server', () => {
  it('migrates 40 rounds of 4 instances at once, each round on fresh tables, with no failure', async () => {
    const ROUNDS = 40
    const INSTANCES = 4
    // One pool per instance, as separate processes would have.
    const pools = Array.from({ length: INSTANCES }, () => newPool(2))
    const failures: string[] = []
    let calls = 0
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const tablePrefix = nextPrefix()
        const results = await Promise.allSettled(
          pools.map((db) => createPostgresItemStore({ db, encryptionKeys: keys, tablePrefix }).migrate()),
        )
        calls += results.length
        for (const result of results) {
          if (result.status === 'rejected') {
            const error = result.reason as { code?: string; message?: string }
            failures.push(`round ${round}: ${error.code} ${error.message}`)
          }
        }
        const { rows } = await pool.query<{ tablename: string }>(
          'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1) ORDER BY 1',
          [tablePrefix],
        )
        expect(rows.map((row) => row.tablename)).toEqual([
          `${tablePrefix}exchanges`,
          `${tablePrefix}items`,
          `${tablePrefix}webhooks`,
        ])
      }
    } finally {
      await Promise.all(pools.map((db) => db.end()))
    }
    expect(calls).toBe(ROUNDS * INSTANCES)
    expect(failures).toEqual([])
  }, 120_000)

  it('upgrades a database migrated by version 2 in place, 4 instances at once', async () => {
    await upgradesVersion2InPlace(database, 4)
  })

  it("does not wait for the app's open transactions once the tables are up to date", async () => {
    const tablePrefix = nextPrefix()
    const store = createPostgresItemStore({ db: pool, encryptionKeys: keys, tablePrefix })
    await store.migrate()
    await store.save({ userId: 'user-a', itemId: 'item-1', accessToken: 'access-sandbox-held' })
    // A transaction that has written and not committed holds a lock that ALTER TABLE and CREATE
    // INDEX would queue behind; with lock_timeout set, such a wait fails instead of hanging.
    const holder = await pool.connect()
    const impatient = new pg.Pool({
      connectionString: process.env.DATABASE_URL,
      max: 1,
      options: '-c lock_timeout=2000',
    })
    impatient.on('error', () => undefined)
    try {
      await holder.query('BEGIN')
      await holder.query(`UPDATE ${tablePrefix}items SET institution_name = 'held' WHERE item_id = 'item-1'`)
      await createPostgresItemStore({ db: impatient, encryptionKeys: keys, tablePrefix }).migrate()
      await holder.query('COMMIT')
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined)
      holder.release()
      await impatient.end()
    }
    expect((await store.list('user-a'))[0]?.institutionName).toBe('held')
  })

  it('says to call migrate() when a store is used before it, naming the table', async () => {
    await explainsAMissingMigration(database)
  })
})

describe('the PostgreSQL store on a server', () => {
  it('refuses values no database can hold with a TypeError, never a database error', async () => {
    const store = createPostgresItemStore({ db: pool, encryptionKeys: keys, tablePrefix: prefix })
    await store.migrate()
    await refusesUnstorableWrites(store, 'createPostgresItemStore')
  })

  it('saves an Item and completes its exchange in one write: both or neither', async () => {
    await savesAndCompletesAsOneWrite(database)
  })

  it('rotates every readable row past rows it cannot read, then rejects naming them', async () => {
    await rotatesPastUnreadableRows(database)
  })

  it('remembers a webhook once across instances: 20 calls split over two pools, one true', async () => {
    const tablePrefix = nextPrefix()
    const pools = [newPool(4), newPool(4)]
    try {
      const [a, b] = pools.map((db) => createPostgresItemStore({ db, encryptionKeys: keys, tablePrefix }))
      await a!.migrate()
      for (let round = 0; round < 5; round++) {
        const id = `webhook-${round}-${randomBytes(8).toString('hex')}`
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, n) => (n % 2 === 0 ? a! : b!).rememberWebhook(id, 60_000)),
        )
        expect(answers.filter(Boolean)).toHaveLength(1)
      }
    } finally {
      await Promise.all(pools.map((db) => db.end()))
    }
  })

  it('rotates keys while reads go on, and keeps no token in plain text', async () => {
    const rotating = nextPrefix()
    const stores = Array.from({ length: 4 }, () =>
      createPostgresItemStore({ db: pool, encryptionKeys: keys, tablePrefix: rotating }),
    )
    await Promise.all(stores.map((store) => store.migrate()))
    const tokens = Array.from({ length: 40 }, (_, n) => `access-sandbox-real-${n}-${randomBytes(6).toString('hex')}`)
    await Promise.all(
      tokens.map((accessToken, n) => stores[n % 4]!.save({ userId: 'u', itemId: `i-${n}`, accessToken })),
    )
    const k2 = randomBytes(32).toString('base64')
    const next = createPostgresItemStore({
      db: pool,
      encryptionKeys: { current: 'k2', keys: { ...keys.keys, k2 } },
      tablePrefix: rotating,
    })
    const reads = Promise.all(tokens.map((_, n) => next.get('u', `i-${n}`)))
    expect(await next.rotate()).toBe(40)
    expect(await reads).toEqual(tokens)
    const after = createPostgresItemStore({
      db: pool,
      encryptionKeys: { current: 'k2', keys: { k2 } },
      tablePrefix: rotating,
    })
    expect(await Promise.all(tokens.map((_, n) => after.get('u', `i-${n}`)))).toEqual(tokens)
    const { rows } = await pool.query(`SELECT item_id, user_id, key_id, iv, ciphertext, status FROM ${rotating}items`)
    const everything = JSON.stringify(rows) + rows.map((row) => Buffer.from(row.ciphertext).toString('latin1')).join('')
    for (const token of tokens) expect(everything).not.toContain(token)
  })
})
