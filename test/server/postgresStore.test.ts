// @vitest-environment node
/*
 * createPostgresItemStore on PGlite (PostgreSQL in WebAssembly, no server): the store contract,
 * encryption at rest, key rotation, migrations (the upgrade of a version-2 database included),
 * values no database can hold, and two gateways sharing one database the way two serverless
 * instances share one server. The same contract also runs on the memory store. The scenarios
 * of postgresStoreScenarios.ts run here and on a real server (npm run test:postgres).
 */
import { PGlite } from '@electric-sql/pglite'
import { randomBytes } from 'node:crypto'
import {
  createMemoryItemStore,
  createPlaidGateway,
  createPostgresItemStore,
  type GatewayErrorEvent,
  type PostgresItemStoreOptions,
} from '../../src/server'
import { createPlaidStandIn, itemStoreContract, type PlaidStandIn } from '../../src/testing'
import {
  explainsAMissingMigration,
  refusesUnstorableWrites,
  rotatesPastUnreadableRows,
  savesAndCompletesAsOneWrite,
  upgradesVersion2InPlace,
  type ScenarioDatabase,
} from './postgresStoreScenarios'
import {
  CLIENT_ID,
  EXCHANGE,
  LINK_TOKEN_CREATE,
  LINK_TOKEN_FIELDS,
  SECRET,
  plaidApi,
  scanForSecrets,
  sessionUser,
  transcript,
  postTo,
} from './harness'

const key = () => randomBytes(32).toString('base64')
const K1 = key()
const K2 = key()

// One PGlite for the file: starting one takes seconds, and tables are per test by prefix.
let db: PGlite
let standIn: PlaidStandIn
let prefixes = 0
const nextPrefix = () => `t${++prefixes}_${Date.now().toString(36)}_`

scanForSecrets(() => standIn.issuedAccessTokens)

beforeAll(async () => {
  db = new PGlite()
  await db.waitReady
  standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
}, 60_000)

afterAll(async () => {
  await standIn?.close()
  await db?.close()
})

async function newStore(overrides: Partial<PostgresItemStoreOptions> = {}) {
  const store = createPostgresItemStore({
    db,
    encryptionKeys: { current: 'k1', keys: { k1: K1 } },
    tablePrefix: nextPrefix(),
    ...overrides,
  })
  await store.migrate()
  return store
}

/* Every text and bytea value of every table of the database, decoded as text where it can be. */
async function everyStoredValue(): Promise<string[]> {
  const { rows: columns } = await db.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`,
  )
  const values: string[] = []
  for (const { table_name, column_name } of columns) {
    const { rows } = await db.query<{ value: unknown }>(`SELECT "${column_name}" AS value FROM "${table_name}"`)
    for (const { value } of rows) {
      if (value instanceof Uint8Array)
        values.push(new TextDecoder().decode(value), Buffer.from(value).toString('latin1'))
      else if (value !== null) values.push(String(value))
    }
  }
  return values
}

describe('the store contract', () => {
  describe('on the memory store', () => {
    for (const { name, run } of itemStoreContract(() => createMemoryItemStore())) it(name, run)
  })
  describe('on PostgreSQL (PGlite)', () => {
    for (const { name, run } of itemStoreContract(() => newStore())) it(name, run)
  })
})

describe('encryption at rest', () => {
  it('keeps no access token in plaintext in any column of any table', async () => {
    const store = await newStore()
    const tokens = Array.from(
      { length: 20 },
      (_, n) => `access-sandbox-plaintext-probe-${n}-${randomBytes(8).toString('hex')}`,
    )
    await Promise.all(
      tokens.map((accessToken, n) => store.save({ userId: 'user-a', itemId: `item-${n}`, accessToken })),
    )
    const values = await everyStoredValue()
    expect(values.length).toBeGreaterThan(20 * 5)
    for (const token of tokens) {
      expect(values.filter((value) => value.includes(token))).toEqual([])
      // A fragment is not there either: the whole value is sealed, not a suffix of it.
      expect(values.some((value) => value.includes(token.slice(-16)))).toBe(false)
    }
    expect(await store.get('user-a', 'item-7')).toBe(tokens[7])
  })

  it('refuses a tampered ciphertext with a message naming the Item and the key', async () => {
    const store = await newStore({ tablePrefix: 'tamper_' })
    await store.save({ userId: 'user-a', itemId: 'item-1', accessToken: 'access-sandbox-tamper' })
    await db.query(`UPDATE tamper_items SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1)`)
    await expect(store.get('user-a', 'item-1')).rejects.toThrow(
      'createPostgresItemStore: the access token of Item item-1 does not decrypt under the key "k1"',
    )
  })

  it('refuses a ciphertext moved to another Item (the Item id is the associated data)', async () => {
    const store = await newStore({ tablePrefix: 'swap_' })
    await store.save({ userId: 'user-a', itemId: 'item-1', accessToken: 'access-sandbox-one' })
    await store.save({ userId: 'user-a', itemId: 'item-2', accessToken: 'access-sandbox-two' })
    await db.query(
      `UPDATE swap_items SET iv = o.iv, ciphertext = o.ciphertext FROM swap_items o
       WHERE swap_items.item_id = 'item-2' AND o.item_id = 'item-1'`,
    )
    await expect(store.get('user-a', 'item-2')).rejects.toThrow(/Item item-2 does not decrypt/)
    expect(await store.get('user-a', 'item-1')).toBe('access-sandbox-one')
  })

  it('names the missing key id when a row is under a key that is not listed', async () => {
    const prefix = nextPrefix()
    const old = await newStore({ tablePrefix: prefix, encryptionKeys: { current: 'k0', keys: { k0: key() } } })
    await old.save({ userId: 'user-a', itemId: 'item-1', accessToken: 'access-sandbox-k0' })
    const store = await newStore({ tablePrefix: prefix })
    await expect(store.get('user-a', 'item-1')).rejects.toThrow(
      'encrypted under the key "k0", which is not in encryptionKeys.keys',
    )
  })

  it('rotates from k1 to k2 while reads keep working, then works without k1', async () => {
    const prefix = nextPrefix()
    const before = await newStore({ tablePrefix: prefix })
    const tokens = Array.from({ length: 30 }, (_, n) => `access-sandbox-rotate-${n}`)
    for (const [n, accessToken] of tokens.entries())
      await before.save({ userId: 'user-a', itemId: `item-${n}`, accessToken })

    const during = await newStore({ tablePrefix: prefix, encryptionKeys: { current: 'k2', keys: { k1: K1, k2: K2 } } })
    const reads: Promise<Array<string | undefined>>[] = []
    const rotation = during.rotate()
    for (let round = 0; round < 5; round++) {
      reads.push(Promise.all(tokens.map((_, n) => during.get('user-a', `item-${n}`))))
    }
    expect(await rotation).toBe(30)
    for (const read of await Promise.all(reads)) expect(read).toEqual(tokens)
    expect(await during.rotate()).toBe(0)

    const after = await newStore({ tablePrefix: prefix, encryptionKeys: { current: 'k2', keys: { k2: K2 } } })
    expect(await Promise.all(tokens.map((_, n) => after.get('user-a', `item-${n}`)))).toEqual(tokens)
    const { rows } = await db.query<{ key_id: string }>(`SELECT DISTINCT key_id FROM ${prefix}items`)
    expect(rows).toEqual([{ key_id: 'k2' }])
  })
})

describe('options and migrations', () => {
  it.each([
    [{ db: undefined }, '`db` must have query(text, params)'],
    [{ encryptionKeys: undefined }, 'encryptionKeys must look like'],
    [
      { encryptionKeys: { current: 'k1', keys: { k1: 'short' } } },
      'encryptionKeys.keys.k1 must be the base64 of exactly 32 random bytes',
    ],
    [
      { encryptionKeys: { current: 'k1', keys: { k1: randomBytes(16).toString('base64') } } },
      'exactly 32 random bytes',
    ],
    [{ encryptionKeys: { current: 'k9', keys: { k1: K1 } } }, 'encryptionKeys.current is "k9", which is not a key'],
    [{ tablePrefix: 'plaid; DROP TABLE x; --' }, 'tablePrefix must be letters, digits and _'],
  ])('refuses bad options with a TypeError that names the fix (%#)', (override, message) => {
    const options = { db, encryptionKeys: { current: 'k1', keys: { k1: K1 } }, ...override } as PostgresItemStoreOptions
    expect(() => createPostgresItemStore(options)).toThrow(TypeError)
    expect(() => createPostgresItemStore(options)).toThrow(message)
  })

  it('migrates idempotently, also when several instances start at once', async () => {
    const prefix = nextPrefix()
    const stores = Array.from({ length: 4 }, () =>
      createPostgresItemStore({ db, encryptionKeys: { current: 'k1', keys: { k1: K1 } }, tablePrefix: prefix }),
    )
    await Promise.all(stores.map((store) => store.migrate()))
    await stores[0]!.save({ userId: 'user-a', itemId: 'item-1', accessToken: 'access-sandbox-kept' })
    await stores[1]!.migrate()
    expect(await stores[2]!.get('user-a', 'item-1')).toBe('access-sandbox-kept')
  })
})

describe('version 3 of the store', () => {
  const database: ScenarioDatabase = { db: undefined as unknown as PGlite, prefix: nextPrefix }
  beforeAll(() => {
    database.db = db
  })

  it('upgrades a database migrated by version 2 in place, keeping its rows', async () => {
    await upgradesVersion2InPlace(database, 2)
  })

  it('migrates in one statement, so it runs in one transaction on any client', async () => {
    const sent: string[] = []
    const counting = { query: (text: string, params?: unknown[]) => (sent.push(text), db.query(text, params)) }
    const store = createPostgresItemStore({
      db: counting,
      encryptionKeys: { current: 'k1', keys: { k1: K1 } },
      tablePrefix: nextPrefix(),
    })
    await store.migrate()
    await store.migrate()
    expect(sent).toHaveLength(2)
    expect(sent[0]).toMatch(/^DO \$migrate\$\s+BEGIN\s+PERFORM pg_advisory_xact_lock\(/)
  })

  it('refuses values no database can hold, on the PostgreSQL store', async () => {
    await refusesUnstorableWrites(await newStore(), 'createPostgresItemStore')
  })

  it('refuses values no database can hold, on the memory store too', async () => {
    await refusesUnstorableWrites(createMemoryItemStore(), 'createMemoryItemStore')
  })

  it('rotates every readable row past rows it cannot read, then rejects naming them', async () => {
    await rotatesPastUnreadableRows(database)
  })

  it('says to call migrate() when a store is used before it, naming the table', async () => {
    await explainsAMissingMigration(database)
  })

  it('saves an Item and completes its exchange in one write: both or neither', async () => {
    await savesAndCompletesAsOneWrite(database)
  })

  it('deletes webhook ids whose time is over at most once a minute per instance', async () => {
    const prefix = nextPrefix()
    await newStore({ tablePrefix: prefix })
    const sweeps: string[] = []
    const watched = {
      query: (text: string, params?: unknown[]) => {
        if (text.startsWith(`DELETE FROM ${prefix}webhooks WHERE keep_until`)) sweeps.push(text)
        return db.query(text, params)
      },
    }
    const store = createPostgresItemStore({
      db: watched,
      encryptionKeys: { current: 'k1', keys: { k1: K1 } },
      tablePrefix: prefix,
    })
    const remembered = async () => (await db.query<{ id: string }>(`SELECT id FROM ${prefix}webhooks`)).rows.length
    const KEEP = 10 * 60_000
    // The instance's first call sweeps; the ones within the next minute do not.
    expect(await store.rememberWebhook('first', KEEP)).toBe(true)
    expect(sweeps).toHaveLength(1)
    expect(await store.rememberWebhook('brief', 1)).toBe(true)
    // The database's clock moves past the brief one's time; within the minute nothing sweeps it.
    await db.query(`SELECT pg_sleep(0.01)`)
    for (let n = 0; n < 5; n++) expect(await store.rememberWebhook(`kept-${n}`, KEEP)).toBe(true)
    expect(sweeps).toHaveLength(1)
    expect(await remembered()).toBe(7)
    // A minute later (PGlite's clock follows Date.now as well, which the 10-minute keep allows).
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 61_000)
    expect(await store.rememberWebhook('later', KEEP)).toBe(true)
    expect(sweeps).toHaveLength(2)
    expect(await remembered()).toBe(7)
    expect(await store.rememberWebhook('brief', KEEP)).toBe(true)
    expect(await store.rememberWebhook('kept-0', KEEP)).toBe(false)
  })

  it('never fails a write because the sweep after it failed', async () => {
    const prefix = nextPrefix()
    await newStore({ tablePrefix: prefix })
    const failingSweeps = {
      query: (text: string, params?: unknown[]) =>
        text.startsWith('DELETE FROM') && text.includes('keep_until < now()')
          ? Promise.reject(new Error('the sweep failed'))
          : db.query(text, params),
    }
    const store = createPostgresItemStore({
      db: failingSweeps,
      encryptionKeys: { current: 'k1', keys: { k1: K1 } },
      tablePrefix: prefix,
    })
    expect(await store.exchangeLedger.claim('key-1', 'claim-1', 60_000)).toEqual({ state: 'claimed' })
    const item = { userId: 'user-a', itemId: 'item-1', accessToken: 'access-sandbox-swept' }
    await store.exchangeLedger.saveAndComplete(item, 'key-1', 'claim-1', { itemId: 'item-1' }, 60_000)
    expect(await store.get('user-a', 'item-1')).toBe('access-sandbox-swept')
    expect(await store.rememberWebhook('webhook-1', 60_000)).toBe(true)
    expect(await store.rememberWebhook('webhook-1', 60_000)).toBe(false)
  })

  it('refuses an asOf that is not a time', async () => {
    const store = await newStore()
    await store.save({ userId: 'user-a', itemId: 'item-1', accessToken: 'access-sandbox-asof' })
    await expect(store.setStatus('item-1', { status: 'revoked', asOf: Number.NaN })).rejects.toThrow(TypeError)
    await expect(createMemoryItemStore().setStatus('item-1', { status: 'revoked', asOf: Infinity })).rejects.toThrow(
      'it must be milliseconds since the epoch',
    )
    expect((await store.list('user-a'))[0]?.status).toBe('healthy')
  })
})

describe('two gateways sharing one database', () => {
  async function twoGateways(errors: GatewayErrorEvent[] = []) {
    const prefix = nextPrefix()
    await newStore({ tablePrefix: prefix })
    // Two stores on one database: two instances know nothing of each other but the tables.
    const make = () =>
      createPlaidGateway({
        plaid: plaidApi(standIn),
        store: createPostgresItemStore({
          db,
          encryptionKeys: { current: 'k1', keys: { k1: K1 } },
          tablePrefix: prefix,
        }),
        getUserId: sessionUser,
        linkToken: LINK_TOKEN_FIELDS,
        onError: (event) => {
          transcript.push(JSON.stringify(event))
          errors.push(event)
        },
      })
    return { prefix, gateways: [make(), make()] as const }
  }

  it('answers 100 double submits split across both with one item_id and one Plaid exchange each', async () => {
    const {
      prefix,
      gateways: [a, b],
    } = await twoGateways()
    const before = standIn.calls(EXCHANGE)
    const tokens = Array.from({ length: 100 }, () => standIn.createPublicToken())
    const answers = await Promise.all(
      tokens.map(({ publicToken }, n) =>
        Promise.all([
          postTo(a, EXCHANGE, { public_token: publicToken }, `user-${n}`),
          postTo(b, EXCHANGE, { public_token: publicToken }, `user-${n}`),
        ]),
      ),
    )
    for (const [n, [first, second]] of answers.entries()) {
      expect(first.status).toBe(200)
      expect(second.status).toBe(200)
      expect(first.json.item_id).toBe(tokens[n]!.itemId)
      expect(second.json.item_id).toBe(tokens[n]!.itemId)
    }
    expect(standIn.calls(EXCHANGE) - before).toBe(100)
    const owners = await db.query<{ item_id: string; user_id: string }>(`SELECT item_id, user_id FROM ${prefix}items`)
    expect(owners.rows).toHaveLength(100)
    for (const row of owners.rows) expect(row.user_id).toBe(`user-${tokens.findIndex((t) => t.itemId === row.item_id)}`)
  }, 60_000)

  it('gives a retry on the other instance the first answer, and repair works from either', async () => {
    const {
      gateways: [a, b],
    } = await twoGateways()
    const { publicToken, itemId } = standIn.createPublicToken()
    const first = await postTo(a, EXCHANGE, { public_token: publicToken }, 'user-a')
    const retry = await postTo(b, EXCHANGE, { public_token: publicToken }, 'user-a')
    expect([first.status, retry.status]).toEqual([200, 200])
    expect(retry.json.item_id).toBe(itemId)
    // Another user sending the same public token gets Plaid's refusal, never user-a's Item.
    const stranger = await postTo(b, EXCHANGE, { public_token: publicToken }, 'user-b')
    expect(stranger.status).toBe(400)
    expect(stranger.json.error_code).toBe('INVALID_PUBLIC_TOKEN')
    const token = await postTo(b, LINK_TOKEN_CREATE, { item_id: itemId }, 'user-a')
    expect(token.status).toBe(200)
    expect((await postTo(a, LINK_TOKEN_CREATE, { item_id: itemId }, 'user-b')).status).toBe(404)
  })

  it('keeps the answer of a failed exchange from blocking a later good one', async () => {
    const {
      gateways: [a, b],
    } = await twoGateways()
    const { publicToken, itemId } = standIn.createPublicToken()
    standIn.failNext(EXCHANGE, {
      status: 500,
      body: {
        error_type: 'API_ERROR',
        error_code: 'INTERNAL_SERVER_ERROR',
        error_message: 'try again',
        display_message: null,
        request_id: 'r',
      },
    })
    expect((await postTo(a, EXCHANGE, { public_token: publicToken }, 'user-a')).status).toBe(500)
    const second = await postTo(b, EXCHANGE, { public_token: publicToken }, 'user-a')
    expect(second.status).toBe(200)
    expect(second.json.item_id).toBe(itemId)
  })
})
