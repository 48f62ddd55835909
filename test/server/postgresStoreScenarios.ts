/*
 * What createPostgresItemStore must do beyond the store contract, written once and run on PGlite
 * (test/server/postgresStore.test.ts) and on a real PostgreSQL server through a pg Pool
 * (test/postgres/storeContract.test.ts): the upgrade of a version-2 database in place, the
 * refusal of values no database can hold, rotate() past rows it cannot read, the error of a store
 * used before migrate(), and the save that completes an exchange in one write.
 */
import { randomBytes } from 'node:crypto'
import { expect } from 'vitest'
import {
  createPostgresItemStore,
  type EncryptionKeys,
  type ItemStore,
  type PostgresItemStore,
  type PostgresQueryable,
} from '../../src/server'
import type { RotationError } from '../../src/server/postgresItemStore'
import { createVersion2Tables, insertVersion2Exchange, insertVersion2Item } from './postgresStoreVersion2'

export const newKey = () => randomBytes(32).toString('base64')

const HOUR = 60 * 60 * 1000
const DAY = 24 * HOUR

export interface ScenarioDatabase {
  db: PostgresQueryable
  /** A table prefix no other test uses. */
  prefix: () => string
}

const storeOn = (db: PostgresQueryable, tablePrefix: string, encryptionKeys: EncryptionKeys) =>
  createPostgresItemStore({ db, encryptionKeys, tablePrefix })

/**
 * A database migrated by version 2, with an Item and a finished exchange in it, is upgraded by
 * `instances` stores migrating at once; the rows are still there and read with the new fields.
 */
export async function upgradesVersion2InPlace({ db, prefix: nextPrefix }: ScenarioDatabase, instances: number) {
  const prefix = nextPrefix()
  const keys = { current: 'k1', keys: { k1: newKey() } }
  const lastWrittenByVersion2 = new Date(Date.now() - DAY).toISOString()
  await createVersion2Tables(db, prefix)
  await insertVersion2Item(db, prefix, {
    userId: 'user-v2',
    itemId: 'item-v2',
    accessToken: 'access-sandbox-written-by-v2',
    keyId: 'k1',
    key: keys.keys.k1,
    status: 'pending_expiration',
    errorCode: null,
    institutionId: 'ins_3',
    institutionName: 'Chase',
    consentExpirationTime: '2031-04-05T06:07:08.000Z',
    updatedAt: lastWrittenByVersion2,
  })
  await insertVersion2Exchange(db, prefix, { key: 'exchange-v2', itemId: 'item-v2', requestId: 'req-v2' })

  const stores = Array.from({ length: instances }, () => storeOn(db, prefix, keys))
  const [store] = stores as [PostgresItemStore]
  // Before its migrate(), version 3 on version 2's tables names the fix rather than a column.
  await expect(store.list('user-v2')).rejects.toThrow(
    new RegExp(`the table ${prefix}items lacks a column of this version.*Call \`await store\\.migrate\\(\\)\``),
  )

  await Promise.all(stores.map((instance) => instance.migrate()))

  expect(await store.list('user-v2')).toEqual([
    {
      userId: 'user-v2',
      itemId: 'item-v2',
      status: 'pending_expiration',
      institutionId: 'ins_3',
      institutionName: 'Chase',
      errorCode: null,
      consentExpirationTime: '2031-04-05T06:07:08.000Z',
      disconnectTime: null,
      reason: null,
      accounts: [],
      updatedAt: lastWrittenByVersion2,
    },
  ])
  expect(await store.get('user-v2', 'item-v2')).toBe('access-sandbox-written-by-v2')
  expect(await store.exchangeLedger.claim('exchange-v2', 'claim-v3', 60_000)).toEqual({
    state: 'done',
    itemId: 'item-v2',
    requestId: 'req-v2',
  })

  // Version 2 kept no webhook times: the first webhook after the upgrade applies, and orders the rest.
  await store.setStatus('item-v2', {
    status: 'login_required',
    errorCode: 'ITEM_LOGIN_REQUIRED',
    asOf: Date.now() - HOUR,
  })
  expect((await store.list('user-v2'))[0]?.status).toBe('login_required')
  await store.setStatus('item-v2', { status: 'revoked', asOf: Date.now() - 2 * DAY })
  expect((await store.list('user-v2'))[0]?.status).toBe('login_required')

  // Everything of version 3 works on the upgraded tables, and a second migration changes nothing.
  const accounts = [{ name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' }]
  await store.save({ userId: 'user-v2', itemId: 'item-v2', accessToken: 'access-sandbox-resaved', accounts })
  expect(await store.rememberWebhook('webhook-after-upgrade', 60_000)).toBe(true)
  await Promise.all(stores.map((instance) => instance.migrate()))
  expect((await store.list('user-v2'))[0]?.accounts).toEqual(accounts)
  expect(await store.get('user-v2', 'item-v2')).toBe('access-sandbox-resaved')
  expect(await store.rememberWebhook('webhook-after-upgrade', 60_000)).toBe(false)

  const { rows } = await db.query(
    `SELECT column_name, is_nullable FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1 AND column_name IN
        ('disconnect_time', 'reason', 'accounts', 'status_as_of') ORDER BY column_name`,
    [`${prefix}items`],
  )
  expect(rows).toEqual([
    { column_name: 'accounts', is_nullable: 'NO' },
    { column_name: 'disconnect_time', is_nullable: 'YES' },
    { column_name: 'reason', is_nullable: 'YES' },
    { column_name: 'status_as_of', is_nullable: 'YES' },
  ])
  return prefix
}

/** Each text field of a save, and how to put a value into it. */
const SAVE_FIELDS = [
  ['userId', (value: string) => ({ userId: value })],
  ['itemId', (value: string) => ({ itemId: value })],
  ['accessToken', (value: string) => ({ accessToken: value })],
  ['institutionId', (value: string) => ({ institutionId: value })],
  ['institutionName', (value: string) => ({ institutionName: value })],
  [
    'accounts[1].mask',
    (value: string) => ({
      accounts: [
        { name: 'Checking', mask: '0000', type: 'depository', subtype: 'checking' },
        { name: 'Savings', mask: value, type: 'depository', subtype: 'savings' },
      ],
    }),
  ],
] as const

const UNSTORABLE = [
  ['a NUL character', 'value\u0000tail'],
  ['a lone high surrogate', 'value\uD83D'],
  ['a lone low surrogate', '\uDCB3value'],
] as const

/**
 * A save or saveAndComplete holding a value no database can keep, in any text field, throws a
 * TypeError that names the field and not the value (it may be the access token), and writes
 * nothing; so does a status or institution holding one. The memory store refuses the same.
 */
export async function refusesUnstorableWrites(store: ItemStore, name: string) {
  const tag = randomBytes(4).toString('hex')
  for (const [field, put] of SAVE_FIELDS) {
    for (const [what, value] of UNSTORABLE) {
      const item = { userId: `user-${tag}`, itemId: `item-${tag}`, accessToken: `access-sandbox-${tag}`, ...put(value) }
      const saving = store.save(item)
      await expect(saving, `${field} holding ${what}`).rejects.toThrow(TypeError)
      await expect(saving).rejects.toThrow(`${name}: save: ${field} holds a NUL character or a lone UTF-16 surrogate`)
      await expect(saving).rejects.not.toThrow(value)

      const ledger = store.exchangeLedger
      if (ledger?.saveAndComplete) {
        const key = `key-${field}-${what}-${tag}`
        expect(await ledger.claim(key, 'claim', 60_000)).toEqual({ state: 'claimed' })
        const completing = ledger.saveAndComplete(item, key, 'claim', { itemId: item.itemId }, 60_000)
        await expect(completing).rejects.toThrow(TypeError)
        await expect(completing).rejects.toThrow(`${field} holds a NUL character`)
        expect(await ledger.claim(key, 'other', 60_000)).toEqual({ state: 'pending' })
      }
    }
  }
  expect(await store.owner(`item-${tag}`)).toBeUndefined()
  expect(await store.list(`user-${tag}`)).toEqual([])

  await store.save({ userId: `user-${tag}`, itemId: `item-${tag}`, accessToken: `access-sandbox-${tag}` })
  await expect(store.setStatus(`item-${tag}`, { status: 'error', errorCode: 'CODE\u0000' })).rejects.toThrow(
    `${name}: setStatus: errorCode holds a NUL character`,
  )
  await expect(
    store.setStatus(`item-${tag}`, { status: 'pending_disconnect', reason: 'REASON\uD800' }),
  ).rejects.toThrow(`${name}: setStatus: reason holds a NUL character or a lone UTF-16 surrogate`)
  await expect(
    store.setInstitution?.(`item-${tag}`, { institutionId: null, institutionName: 'Bank\u0000' }),
  ).rejects.toThrow(`${name}: setInstitution: institutionName holds a NUL character`)
  const [item] = await store.list(`user-${tag}`)
  expect([item?.status, item?.errorCode, item?.institutionName]).toEqual(['healthy', null, null])
}

/**
 * rotate() with unreadable rows among the readable ones (one under a key that is not listed,
 * one tampered with): it moves every readable row, then rejects naming the others; afterwards
 * the new key alone reads every row it moved.
 */
export async function rotatesPastUnreadableRows({ db, prefix: nextPrefix }: ScenarioDatabase) {
  const prefix = nextPrefix()
  const k0 = newKey()
  const k1 = newKey()
  const k2 = newKey()
  const tokens = Array.from({ length: 12 }, (_, n) => `access-sandbox-rotate-${n}-${randomBytes(4).toString('hex')}`)
  const itemId = (n: number) => `item-${String(n).padStart(2, '0')}`
  const old = storeOn(db, prefix, { current: 'k1', keys: { k1 } })
  await old.migrate()
  for (const [n, accessToken] of tokens.entries()) await old.save({ userId: 'user-a', itemId: itemId(n), accessToken })
  // Item 04 under a key the rotating store is not given, Item 07 with a flipped ciphertext bit.
  await storeOn(db, prefix, { current: 'k0', keys: { k0 } }).save({
    userId: 'user-a',
    itemId: itemId(4),
    accessToken: tokens[4]!,
  })
  await db.query(
    `UPDATE ${prefix}items SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1) WHERE item_id = $1`,
    [itemId(7)],
  )

  const rotating = storeOn(db, prefix, { current: 'k2', keys: { k1, k2 } })
  const error = (await rotating.rotate().then(
    (count) => new Error(`rotate() resolved with ${count} instead of rejecting`),
    (rejected: unknown) => rejected,
  )) as RotationError
  expect(error).toBeInstanceOf(Error)
  expect(error.message).toMatch(/rotate\(\) moved 10 access token\(s\) to the key "k2" but could not read 2/)
  expect(error.message).toContain(`Item ${itemId(4)}: the key "k0" is not in encryptionKeys.keys`)
  expect(error.message).toContain(`Item ${itemId(7)}: the ciphertext does not decrypt under the key "k1"`)
  expect(error.message).toContain('dropping a key now would lose their access tokens')
  expect(error.rotated).toBe(10)
  expect(error.failed).toEqual([
    { itemId: itemId(4), keyId: 'k0', reason: expect.stringContaining('"k0" is not in encryptionKeys.keys') },
    { itemId: itemId(7), keyId: 'k1', reason: expect.stringContaining('does not decrypt under the key "k1"') },
  ])
  for (const token of tokens) expect(error.message).not.toContain(token)

  // The new key alone reads every row that was moved, those after the bad rows included.
  const after = storeOn(db, prefix, { current: 'k2', keys: { k2 } })
  const readable = tokens.flatMap((token, n) => (n === 4 || n === 7 ? [] : [[itemId(n), token] as const]))
  for (const [id, token] of readable) expect(await after.get('user-a', id)).toBe(token)
  const { rows } = await db.query(`SELECT item_id, key_id FROM ${prefix}items ORDER BY item_id`, [])
  expect(rows).toEqual(tokens.map((_, n) => ({ item_id: itemId(n), key_id: n === 4 ? 'k0' : n === 7 ? 'k1' : 'k2' })))

  // A second pass has nothing left to move, and still reports the two rows.
  await expect(rotating.rotate()).rejects.toMatchObject({
    rotated: 0,
    failed: [{ itemId: itemId(4) }, { itemId: itemId(7) }],
  })
  // Once the unreadable rows are gone, rotate() resolves again.
  for (const n of [4, 7]) await after.remove('user-a', itemId(n))
  expect(await rotating.rotate()).toBe(0)
}

/** Every kind of statement of a store whose migrate() never ran says to run it, naming the table. */
export async function explainsAMissingMigration({ db, prefix: nextPrefix }: ScenarioDatabase) {
  const prefix = nextPrefix()
  const store = storeOn(db, prefix, { current: 'k1', keys: { k1: newKey() } })
  const calls: Array<[string, string, () => Promise<unknown>]> = [
    ['save', `${prefix}items`, () => store.save({ userId: 'u', itemId: 'i', accessToken: 'access-sandbox-x' })],
    ['get', `${prefix}items`, () => store.get('u', 'i')],
    ['list', `${prefix}items`, () => store.list('u')],
    ['setStatus', `${prefix}items`, () => store.setStatus('i', { status: 'revoked', asOf: Date.now() })],
    ['rotate', `${prefix}items`, () => store.rotate()],
    ['claim', `${prefix}exchanges`, () => store.exchangeLedger.claim('k', 'c', 1000)],
    ['rememberWebhook', `${prefix}webhooks`, () => store.rememberWebhook('w', 1000)],
    [
      'saveAndComplete',
      `${prefix}items`,
      () =>
        store.exchangeLedger.saveAndComplete(
          { userId: 'u', itemId: 'i', accessToken: 'a' },
          'k',
          'c',
          { itemId: 'i' },
          1,
        ),
    ],
  ]
  for (const [method, table, call] of calls) {
    const error = (await call().then(
      () => new Error(`${method} resolved on a database that was never migrated`),
      (rejected: unknown) => rejected,
    )) as Error & { cause?: { code?: string } }
    expect(error.message, method).toContain(`createPostgresItemStore: the table ${table} does not exist`)
    expect(error.message, method).toContain('Call `await store.migrate()` before the store is used')
    expect(error.message, method).toContain('needed again after upgrading the package')
    expect(error.cause?.code, method).toBe('42P01')
  }
  await store.migrate()
  expect(await store.list('u')).toEqual([])
}

/**
 * saveAndComplete is one write: when completing the claim fails inside the database, the Item
 * is not saved either. A trigger that refuses the ledger's update stands in for a crash between
 * the two writes, which one statement does not have.
 */
export async function savesAndCompletesAsOneWrite({ db, prefix: nextPrefix }: ScenarioDatabase) {
  const prefix = nextPrefix()
  const store = storeOn(db, prefix, { current: 'k1', keys: { k1: newKey() } })
  await store.migrate()
  const ledger = store.exchangeLedger
  expect(await ledger.claim('key-1', 'claim-1', 60_000)).toEqual({ state: 'claimed' })
  await db.query(
    `CREATE FUNCTION ${prefix}refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'the ledger refuses this write'; END $$`,
    [],
  )
  await db.query(
    `CREATE TRIGGER ${prefix}refuse BEFORE UPDATE ON ${prefix}exchanges FOR EACH ROW EXECUTE FUNCTION ${prefix}refuse()`,
    [],
  )
  const item = { userId: 'user-a', itemId: 'item-1', accessToken: 'access-sandbox-one-write' }
  await expect(ledger.saveAndComplete(item, 'key-1', 'claim-1', { itemId: 'item-1' }, 60_000)).rejects.toThrow(
    'the ledger refuses this write',
  )
  expect(await store.owner('item-1')).toBeUndefined()
  expect(await store.list('user-a')).toEqual([])

  await db.query(`DROP TRIGGER ${prefix}refuse ON ${prefix}exchanges`, [])
  await db.query(`DROP FUNCTION ${prefix}refuse()`, [])
  await ledger.saveAndComplete(item, 'key-1', 'claim-1', { itemId: 'item-1', requestId: 'req-1' }, 60_000)
  expect(await store.get('user-a', 'item-1')).toBe('access-sandbox-one-write')
  expect(await ledger.claim('key-1', 'claim-2', 60_000)).toEqual({
    state: 'done',
    itemId: 'item-1',
    requestId: 'req-1',
  })
  // The error for another user's Item is the one save throws.
  const stolen = { userId: 'user-b', itemId: 'item-1', accessToken: 'access-sandbox-stolen' }
  await expect(ledger.saveAndComplete(stolen, 'key-2', 'claim-3', { itemId: 'item-1' }, 60_000)).rejects.toThrow(
    'createPostgresItemStore: this Item belongs to another user; the owner of an Item never changes.',
  )
  await expect(store.save(stolen)).rejects.toThrow('this Item belongs to another user')
}
