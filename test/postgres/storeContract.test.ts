/*
 * The store contract of `@utdk/plaid-react/testing` and the encryption rules, on a real
 * PostgreSQL server through `pg`'s Pool: the same cases the unit tests run on the memory store
 * and on PGlite, here with a pool whose calls land on different connections.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createPostgresItemStore } from '../../src/server'
import { itemStoreContract } from '../../src/testing'

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 8 })
const prefix = `contract_${Date.now().toString(36)}_`
const keys = { current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }

afterAll(async () => {
  await pool.query(`DROP TABLE IF EXISTS ${prefix}items, ${prefix}exchanges`)
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

it('migrates concurrently from several instances, and rotates keys while reads go on', async () => {
  const rotating = `${prefix}rot_`
  const stores = Array.from({ length: 4 }, () =>
    createPostgresItemStore({ db: pool, encryptionKeys: keys, tablePrefix: rotating }),
  )
  await Promise.all(stores.map((store) => store.migrate()))
  const tokens = Array.from({ length: 40 }, (_, n) => `access-sandbox-real-${n}-${randomBytes(6).toString('hex')}`)
  await Promise.all(tokens.map((accessToken, n) => stores[n % 4]!.save({ userId: 'u', itemId: `i-${n}`, accessToken })))
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
  await pool.query(`DROP TABLE IF EXISTS ${rotating}items, ${rotating}exchanges`)
})
