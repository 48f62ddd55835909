/*
 * An ItemStore on PostgreSQL, through any client with `query(text, params)`: `pg`'s Pool or
 * Client, or PGlite. Access tokens are encrypted with AES-256-GCM (WebCrypto) under the app's
 * keys, with the Item id as associated data, so a ciphertext moved to another row does not
 * decrypt. The same tables hold the exchange ledger that lets every gateway instance answer a
 * retried exchange once, and the webhooks already handled, so a replay is answered once.
 *
 * Every statement is a single parameterized query: PGlite's `query` takes one statement, and a
 * `pg` Pool may run two calls on two connections, so nothing here relies on a transaction that
 * spans calls. Where two writes must happen together (the migration; an Item saved with its
 * exchange completed), they are one statement. Times come from the database's clock (`now()`),
 * which every instance shares.
 */
import type { ExchangeClaim, ExchangeLedger, ItemAccount, ItemStatus, ItemStore, ItemToSave, StoredItem } from './types'
import { accountsToKeep, isStorableText, refuseUnstorable, refuseUnstorableItem } from './storedValues'

/** The one method the store needs from a database client. `pg` and PGlite both have it. */
export interface PostgresQueryable {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>
}

/** The keys access tokens are encrypted with: base64 of 32 random bytes each, by key id. */
export interface EncryptionKeys {
  /** The key id new and rotated rows are written with. */
  current: string
  /** Every key that rows may still be under; reads accept any of them. */
  keys: Record<string, string>
}

/** Options of {@link createPostgresItemStore}. */
export interface PostgresItemStoreOptions {
  /** A `pg` `Pool` or `Client`, a `PGlite` instance, or anything with the same `query`. */
  db: PostgresQueryable
  encryptionKeys: EncryptionKeys
  /**
   * Put before the table names, so several apps or tests can share a database. Letters, digits
   * and `_` only.
   * @defaultValue `'plaid_'`
   */
  tablePrefix?: string
}

/** A row that {@link PostgresItemStore.rotate} could not move to the current key. */
export interface RotationFailure {
  /** The Item whose access token stays under its old key. */
  itemId: string
  /** The key id the row is under. */
  keyId: string
  /** Why it could not be read: the key is not listed, or the ciphertext does not decrypt. */
  reason: string
}

/** What {@link PostgresItemStore.rotate} rejects with when some rows could not be moved. */
export type RotationError = Error & {
  /** How many rows were moved to the current key before the pass ended. */
  rotated: number
  /** Every row that was not moved, and why. */
  failed: RotationFailure[]
}

/**
 * The PostgreSQL store: an {@link ItemStore} with every optional method of version 3, its
 * exchange ledger, `migrate()` and `rotate()`.
 */
export interface PostgresItemStore extends ItemStore {
  exchangeLedger: ExchangeLedger & { saveAndComplete: NonNullable<ExchangeLedger['saveAndComplete']> }
  setInstitution: NonNullable<ItemStore['setInstitution']>
  /**
   * Webhook ids are kept as their SHA-256, so any string is an id: however long it is, and also
   * one that PostgreSQL text could not hold (a NUL character, a lone UTF-16 surrogate).
   */
  rememberWebhook: NonNullable<ItemStore['rememberWebhook']>
  forgetWebhook: NonNullable<ItemStore['forgetWebhook']>
  /**
   * Creates the tables when they are absent, and brings tables made by an older version of the
   * package up to date in place, keeping every row. Safe to run on every start, by every
   * instance at once: the whole migration is one statement that first takes an advisory lock for
   * this table prefix, so instances starting together take turns. Run it again after upgrading
   * the package; until then, a statement that needs a table or column it would add fails with
   * an error that says so.
   */
  migrate(): Promise<void>
  /**
   * Re-encrypts every row that is under a key other than `current`, and resolves with how many
   * it rewrote. Reads keep working while it runs; afterwards the old keys can be dropped.
   *
   * A row it cannot read (under a key that is not in `encryptionKeys.keys`, or a ciphertext that
   * does not decrypt) does not stop it: every other row is still moved. When there were such
   * rows, it then rejects with a {@link RotationError}: its message names every such Item and
   * why, `rotated` counts the rows moved, and `failed` lists the others. Do not drop an old key
   * while a rotation reports rows under it: their access tokens would be lost.
   */
  rotate(): Promise<number>
}

const STATUSES: readonly ItemStatus[] = [
  'healthy',
  'login_required',
  'pending_expiration',
  'pending_disconnect',
  'new_accounts_available',
  'revoked',
  'error',
]

/* Expired ledger entries and remembered webhooks are deleted at most this often per instance. */
const SWEEP_EVERY_MS = 60_000

/* rotate() reads this many rows at a time, so a large table never sits in memory at once. */
const ROTATE_BATCH_ROWS = 500

/*
 * The migration's advisory lock is the two-key form: this constant ("plai" in ASCII) keeps it
 * apart from the app's own advisory locks, and the second key is a hash of the table prefix, so
 * migrations of different prefixes never wait for each other.
 */
const MIGRATION_LOCK_CLASS = 0x706c6169

/* SQLSTATEs of a schema that `migrate()` has not made, or that an older version made. */
const UNDEFINED_TABLE = '42P01'
const UNDEFINED_COLUMN = '42703'

const fail = (message: string) => new TypeError(`createPostgresItemStore: ${message}`)

const KEY_HELP = "Make one with `openssl rand -base64 32` (or crypto.randomBytes(32).toString('base64'))."

const ANOTHER_OWNER = 'this Item belongs to another user; the owner of an Item never changes.'

function decodeKey(id: string, value: unknown): Uint8Array<ArrayBuffer> {
  let bytes: Uint8Array<ArrayBuffer> | undefined
  if (typeof value === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(value.trim())) {
    try {
      bytes = Uint8Array.from(atob(value.trim()), (char) => char.charCodeAt(0))
    } catch {
      // Not valid base64 after all (a wrong length): the message below says what is needed.
    }
  }
  if (bytes?.length !== 32) {
    throw fail(`encryptionKeys.keys.${id} must be the base64 of exactly 32 random bytes. ${KEY_HELP}`)
  }
  return bytes
}

function checkOptions(options: PostgresItemStoreOptions): {
  prefix: string
  keyBytes: Map<string, Uint8Array<ArrayBuffer>>
} {
  if (typeof options !== 'object' || options === null || typeof options.db?.query !== 'function') {
    throw fail('`db` must have query(text, params), such as a Pool of the pg package or a PGlite instance.')
  }
  const prefix = options.tablePrefix ?? 'plaid_'
  if (typeof prefix !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(prefix)) {
    throw fail(
      `tablePrefix must be letters, digits and _ (at most 41, not starting with a digit); got ${JSON.stringify(prefix)}.`,
    )
  }
  const { encryptionKeys } = options
  if (typeof encryptionKeys !== 'object' || encryptionKeys === null || typeof encryptionKeys.keys !== 'object') {
    throw fail(`encryptionKeys must look like { current: 'k1', keys: { k1: '<base64 of 32 bytes>' } }. ${KEY_HELP}`)
  }
  const keyBytes = new Map<string, Uint8Array<ArrayBuffer>>()
  for (const [id, value] of Object.entries(encryptionKeys.keys)) {
    if (!/^[\w.-]{1,64}$/.test(id))
      throw fail(`the key id ${JSON.stringify(id)} must be 1 to 64 letters, digits, _, . or -.`)
    keyBytes.set(id, decodeKey(id, value))
  }
  if (!keyBytes.has(encryptionKeys.current)) {
    throw fail(
      `encryptionKeys.current is ${JSON.stringify(encryptionKeys.current)}, which is not a key of encryptionKeys.keys.`,
    )
  }
  if (!globalThis.crypto?.subtle) throw fail('it needs WebCrypto (globalThis.crypto.subtle), which Node 18+ has.')
  return { prefix, keyBytes }
}

/*
 * The second key of the migration's advisory lock: FNV-1a of the prefix as PostgreSQL folds it
 * (unquoted names are lower case, so `Plaid_` and `plaid_` name the same tables), as a signed
 * 32-bit integer. It must never change between versions, or an old and a new instance starting
 * together would not wait for each other.
 */
function migrationLockKey(prefix: string): number {
  let hash = 0x811c9dc5
  for (const char of prefix.toLowerCase()) {
    hash ^= char.charCodeAt(0)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash | 0
}

/*
 * The whole schema as one statement, so it runs in one transaction on one connection through a
 * Pool and on PGlite alike. `CREATE TABLE IF NOT EXISTS` alone is not enough: two transactions
 * that both find no table both create it, and one fails on the catalog (SQLSTATE 42710). Under
 * the advisory lock they take turns, and each one after the first finds everything in place.
 * Each step looks in the catalog first, because ALTER TABLE and CREATE INDEX lock the table
 * against writes (ALTER also against reads) even when they have nothing to do.
 */
function migration(prefix: string): string {
  const items = `${prefix}items`
  const exchanges = `${prefix}exchanges`
  const webhooks = `${prefix}webhooks`
  return `DO $migrate$
BEGIN
  PERFORM pg_advisory_xact_lock(${MIGRATION_LOCK_CLASS}, ${migrationLockKey(prefix)});

  IF to_regclass('${items}') IS NULL THEN
    CREATE TABLE ${items} (
      item_id text PRIMARY KEY,
      user_id text NOT NULL,
      key_id text NOT NULL,
      iv bytea NOT NULL,
      ciphertext bytea NOT NULL,
      status text NOT NULL DEFAULT 'healthy',
      institution_id text,
      institution_name text,
      error_code text,
      consent_expiration_time timestamptz,
      disconnect_time timestamptz,
      reason text,
      accounts jsonb NOT NULL DEFAULT '[]',
      status_as_of timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  END IF;

  -- Version 2 made the table without the columns of version 3.
  IF (SELECT count(*) FROM pg_attribute
       WHERE attrelid = '${items}'::regclass AND NOT attisdropped
         AND attname IN ('disconnect_time', 'reason', 'accounts', 'status_as_of')) < 4 THEN
    ALTER TABLE ${items}
      ADD COLUMN IF NOT EXISTS disconnect_time timestamptz,
      ADD COLUMN IF NOT EXISTS reason text,
      ADD COLUMN IF NOT EXISTS accounts jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN IF NOT EXISTS status_as_of timestamptz;
  END IF;

  IF to_regclass('${items}_by_user') IS NULL THEN
    CREATE INDEX ${items}_by_user ON ${items} (user_id, created_at);
  END IF;

  IF to_regclass('${exchanges}') IS NULL THEN
    CREATE TABLE ${exchanges} (
      key text PRIMARY KEY,
      claim_id text NOT NULL,
      state text NOT NULL,
      item_id text,
      request_id text,
      lease_ends_at timestamptz NOT NULL,
      keep_until timestamptz
    );
  END IF;

  IF to_regclass('${webhooks}') IS NULL THEN
    CREATE TABLE ${webhooks} (
      id text PRIMARY KEY,
      keep_until timestamptz NOT NULL
    );
  END IF;
END
$migrate$`
}

interface ItemRow {
  item_id: string
  user_id: string
  status: string
  institution_id: string | null
  institution_name: string | null
  error_code: string | null
  consent_expiration_time: Date | string | null
  disconnect_time: Date | string | null
  reason: string | null
  accounts: unknown
  updated_at: Date | string
}

/* Why a row's access token cannot be read. */
type Unreadable = 'unlisted key' | 'does not decrypt'

interface SecretRow {
  item_id: string
  key_id: string
  iv: Uint8Array
  ciphertext: Uint8Array
}

const iso = (value: Date | string | null): string | null =>
  value === null ? null : (value instanceof Date ? value : new Date(value)).toISOString()

/* bytea comes back as a Buffer from pg and a Uint8Array from PGlite; either is a Uint8Array. */
const bytes = (value: unknown): Uint8Array<ArrayBuffer> => {
  if (value instanceof Uint8Array) return new Uint8Array(value)
  throw new Error('createPostgresItemStore: a bytea column came back as something other than bytes.')
}

/* jsonb comes back parsed from both drivers; a driver that hands back the text is read too. */
const storedAccounts = (value: unknown): ItemAccount[] => {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value
  return Array.isArray(parsed) ? (accountsToKeep(parsed as ItemAccount[]) ?? []) : []
}

/*
 * A webhook id is kept as the SHA-256 of its UTF-16 code units (little-endian, so every instance
 * computes the same), in hex: any two different strings give different keys, and every key is
 * short text that PostgreSQL can hold and index, whatever the id held.
 */
async function webhookKey(id: string): Promise<string> {
  const units = new DataView(new ArrayBuffer(id.length * 2))
  for (let n = 0; n < id.length; n++) units.setUint16(n * 2, id.charCodeAt(n), true)
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', units))
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/*
 * Runs `sweep` at most once a minute per instance: rows past their time help nobody, but
 * deleting them on every call would cost a statement each time. A sweep that fails is left for
 * the next minute and never fails the call it follows, whose own write has already been made:
 * a caller that saw `saveAndComplete` reject would take a durable Item for a lost one.
 */
function everyMinute(sweep: () => Promise<unknown>): () => Promise<void> {
  let last = 0
  return async () => {
    if (Date.now() - last < SWEEP_EVERY_MS) return
    last = Date.now()
    await sweep().catch(() => undefined)
  }
}

/*
 * A statement that failed because the schema is not there (or is an older version's) says how
 * to fix it, naming the table; the driver's error stays as the cause.
 */
function explainUnmigrated(error: unknown, tables: readonly string[]): unknown {
  const code = (error as { code?: unknown } | null)?.code
  if (code !== UNDEFINED_TABLE && code !== UNDEFINED_COLUMN) return error
  const said = String((error as { message?: unknown }).message ?? '')
  // PostgreSQL names a missing table in lower case; a localized message may not name it at all.
  const named = tables.filter((table) => said.includes(`"${table.toLowerCase()}"`))
  const table = (named.length > 0 ? named : tables).join(' or ')
  const what =
    code === UNDEFINED_TABLE
      ? `the table ${table} does not exist`
      : `the table ${table} lacks a column of this version of @utdk/plaid-react (an older version migrated it)`
  return new Error(
    `createPostgresItemStore: ${what} (${said}). Call \`await store.migrate()\` before the store is used: ` +
      'it is safe on every start, and it is needed again after upgrading the package.',
    { cause: error },
  )
}

/**
 * A PostgreSQL {@link ItemStore} for production: Items survive restarts, every instance of the
 * gateway shares them, access tokens are encrypted at rest, and exchange retries and webhook
 * replays are answered once across instances. Neither `pg` nor PGlite is imported here; pass the
 * client the app uses.
 *
 * Ids that PostgreSQL text cannot hold (a NUL character or a lone UTF-16 surrogate) are unknown
 * Items: reads find nothing and changes do nothing. Saving a value like that in any field throws
 * a `TypeError` that names the field, before anything reaches the database.
 *
 * @example
 * ```ts
 * import { Pool } from 'pg'
 * const store = createPostgresItemStore({
 *   db: new Pool({ connectionString: process.env.DATABASE_URL }),
 *   encryptionKeys: { current: 'k1', keys: { k1: process.env.PLAID_TOKEN_KEY_K1! } },
 * })
 * await store.migrate()
 * ```
 */
export function createPostgresItemStore(options: PostgresItemStoreOptions): PostgresItemStore {
  const { prefix, keyBytes } = checkOptions(options)
  const { db } = options
  const currentKeyId = options.encryptionKeys.current
  const items = `${prefix}items`
  const exchanges = `${prefix}exchanges`
  const webhooks = `${prefix}webhooks`
  const cryptoKeys = new Map<string, Promise<CryptoKey>>()

  /** Every statement after `migrate()` goes through here, so a missing schema is explained once. */
  async function query(tables: readonly string[], text: string, params: unknown[]) {
    try {
      return await db.query(text, params)
    } catch (error) {
      throw explainUnmigrated(error, tables)
    }
  }

  const sweepExchanges = everyMinute(() =>
    query([exchanges], `DELETE FROM ${exchanges} WHERE state = 'done' AND keep_until < now()`, []),
  )
  const sweepWebhooks = everyMinute(() => query([webhooks], `DELETE FROM ${webhooks} WHERE keep_until < now()`, []))

  function importKey(keyId: string): Promise<CryptoKey> | undefined {
    const raw = keyBytes.get(keyId)
    if (!raw) return undefined
    let key = cryptoKeys.get(keyId)
    if (!key) {
      key = globalThis.crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
      cryptoKeys.set(keyId, key)
    }
    return key
  }

  async function encrypt(itemId: string, accessToken: string) {
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12))
    const key = (await importKey(currentKeyId)) as CryptoKey
    const sealed = await globalThis.crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(itemId) },
      key,
      new TextEncoder().encode(accessToken),
    )
    return { keyId: currentKeyId, iv, ciphertext: new Uint8Array(sealed) }
  }

  /* The access token of a row, or why it cannot be read: what `get` throws and `rotate` reports. */
  async function open(row: SecretRow): Promise<{ token: string } | { failure: Unreadable }> {
    const key = importKey(row.key_id)
    if (!key) return { failure: 'unlisted key' }
    try {
      const opened = await globalThis.crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: bytes(row.iv), additionalData: new TextEncoder().encode(row.item_id) },
        await key,
        bytes(row.ciphertext),
      )
      return { token: new TextDecoder().decode(opened) }
    } catch {
      return { failure: 'does not decrypt' }
    }
  }

  /* Why rotate() could not move a row, as its report says it. */
  const unreadable = (row: SecretRow, failure: Unreadable) =>
    failure === 'unlisted key'
      ? `the key "${row.key_id}" is not in encryptionKeys.keys`
      : `the ciphertext does not decrypt under the key "${row.key_id}" (changed, moved from another Item, ` +
        'or that key id now holds a different key)'

  async function decrypt(row: SecretRow): Promise<string> {
    const opened = await open(row)
    if ('token' in opened) return opened.token
    const start = `createPostgresItemStore: the access token of Item ${row.item_id}`
    throw new Error(
      opened.failure === 'unlisted key'
        ? `${start} is encrypted under the key "${row.key_id}", which is not in encryptionKeys.keys. ` +
            'Add that key back (rotate() moves rows off it before you drop it).'
        : `${start} does not decrypt under the key "${row.key_id}": ` +
            'the row was changed, moved to another Item, or that key id now holds a different key.',
    )
  }

  const toStoredItem = (row: ItemRow): StoredItem => ({
    userId: row.user_id,
    itemId: row.item_id,
    status: (STATUSES as readonly string[]).includes(row.status) ? (row.status as ItemStatus) : 'error',
    institutionId: row.institution_id,
    institutionName: row.institution_name,
    errorCode: row.error_code,
    consentExpirationTime: iso(row.consent_expiration_time),
    disconnectTime: iso(row.disconnect_time),
    reason: row.reason,
    accounts: storedAccounts(row.accounts),
    updatedAt: iso(row.updated_at) as string,
  })

  const SUMMARY_COLUMNS =
    'item_id, user_id, status, institution_id, institution_name, error_code, consent_expiration_time, ' +
    'disconnect_time, reason, accounts, updated_at'

  /*
   * Saves an Item, $1 to $8: item id, user id, key id, iv, ciphertext, institution id and name,
   * accounts as JSON (NULL keeps what is stored). The WHERE keeps the owner: a row of another
   * user is not updated, and nothing is returned. The time of the last webhook stays as it is.
   */
  const UPSERT_ITEM = `INSERT INTO ${items} AS stored
      (item_id, user_id, key_id, iv, ciphertext, institution_id, institution_name, accounts)
    VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8::jsonb, '[]'))
    ON CONFLICT (item_id) DO UPDATE
      SET key_id = EXCLUDED.key_id, iv = EXCLUDED.iv, ciphertext = EXCLUDED.ciphertext,
          status = 'healthy', error_code = NULL, consent_expiration_time = NULL,
          disconnect_time = NULL, reason = NULL,
          institution_id = COALESCE(EXCLUDED.institution_id, stored.institution_id),
          institution_name = COALESCE(EXCLUDED.institution_name, stored.institution_name),
          accounts = COALESCE($8::jsonb, stored.accounts),
          updated_at = now()
      WHERE stored.user_id = EXCLUDED.user_id
    RETURNING item_id`

  async function upsertParams(where: string, item: ItemToSave): Promise<unknown[]> {
    refuseUnstorableItem(where, item)
    const { userId, itemId, accessToken, institutionId = null, institutionName = null } = item
    const sealed = await encrypt(itemId, accessToken)
    const accounts = accountsToKeep(item.accounts)
    return [
      itemId,
      userId,
      sealed.keyId,
      sealed.iv,
      sealed.ciphertext,
      institutionId,
      institutionName,
      accounts === undefined ? null : JSON.stringify(accounts),
    ]
  }

  const ledger: PostgresItemStore['exchangeLedger'] = {
    async claim(key, claimId, leaseMs): Promise<ExchangeClaim> {
      // One statement takes a free key, a finished entry past its time, or a pending one whose
      // lease ran out; any other row is left as it is and returns nothing.
      const { rows } = await query(
        [exchanges],
        `INSERT INTO ${exchanges} (key, claim_id, state, lease_ends_at, keep_until)
         VALUES ($1, $2, 'pending', now() + $3::double precision * interval '1 millisecond', NULL)
         ON CONFLICT (key) DO UPDATE
           SET claim_id = EXCLUDED.claim_id, state = 'pending', lease_ends_at = EXCLUDED.lease_ends_at,
               keep_until = NULL, item_id = NULL, request_id = NULL
           WHERE (${exchanges}.state = 'pending' AND ${exchanges}.lease_ends_at < now())
              OR (${exchanges}.state = 'done' AND ${exchanges}.keep_until < now())
         RETURNING claim_id`,
        [key, claimId, leaseMs],
      )
      if ((rows[0] as { claim_id?: string } | undefined)?.claim_id === claimId) return { state: 'claimed' }
      const found = await query([exchanges], `SELECT state, item_id, request_id FROM ${exchanges} WHERE key = $1`, [
        key,
      ])
      const row = found.rows[0] as { state: string; item_id: string | null; request_id: string | null } | undefined
      if (row?.state === 'done' && row.item_id !== null) {
        return row.request_id === null
          ? { state: 'done', itemId: row.item_id }
          : { state: 'done', itemId: row.item_id, requestId: row.request_id }
      }
      // Pending elsewhere, or released between the two statements: the caller asks again.
      return { state: 'pending' }
    },
    async complete(key, claimId, { itemId, requestId }, keepMs) {
      await query(
        [exchanges],
        `UPDATE ${exchanges}
           SET state = 'done', item_id = $3, request_id = $4,
               keep_until = now() + $5::double precision * interval '1 millisecond'
         WHERE key = $1 AND claim_id = $2`,
        [key, claimId, itemId, requestId ?? null, keepMs],
      )
      await sweepExchanges()
    },
    async release(key, claimId) {
      await query([exchanges], `DELETE FROM ${exchanges} WHERE key = $1 AND claim_id = $2`, [key, claimId])
    },
    async saveAndComplete(item, key, claimId, { itemId, requestId }, keepMs) {
      const where = 'createPostgresItemStore: exchangeLedger.saveAndComplete'
      refuseUnstorable(where, { key, claimId, 'outcome.itemId': itemId, 'outcome.requestId': requestId })
      const saveParams = await upsertParams(where, item)
      // One statement, so a crash leaves both writes or neither. The claim is completed only when
      // the Item was saved (its upsert returned a row): another user's Item completes nothing.
      const { rows } = await query(
        [items, exchanges],
        `WITH saved AS (${UPSERT_ITEM}),
         completed AS (
           UPDATE ${exchanges}
              SET state = 'done', item_id = $11, request_id = $12,
                  keep_until = now() + $13::double precision * interval '1 millisecond'
            WHERE key = $9 AND claim_id = $10 AND EXISTS (SELECT 1 FROM saved)
         )
         SELECT item_id FROM saved`,
        [...saveParams, key, claimId, itemId, requestId ?? null, keepMs],
      )
      if (rows.length === 0) throw new Error(`createPostgresItemStore: ${ANOTHER_OWNER}`)
      await sweepExchanges()
    },
  }

  return {
    async migrate() {
      // Not through `query`: a failure here is not a missing migration, and its own error says more.
      await db.query(migration(prefix), [])
    },

    async save(item) {
      const { rows } = await query([items], UPSERT_ITEM, await upsertParams('createPostgresItemStore: save', item))
      if (rows.length === 0) throw new Error(`createPostgresItemStore: ${ANOTHER_OWNER}`)
    },

    async get(userId, itemId) {
      if (!isStorableText(userId) || !isStorableText(itemId)) return undefined
      const { rows } = await query(
        [items],
        `SELECT item_id, key_id, iv, ciphertext FROM ${items} WHERE item_id = $1 AND user_id = $2`,
        [itemId, userId],
      )
      const row = rows[0] as SecretRow | undefined
      return row ? decrypt(row) : undefined
    },

    async list(userId) {
      if (!isStorableText(userId)) return []
      const { rows } = await query(
        [items],
        `SELECT ${SUMMARY_COLUMNS} FROM ${items} WHERE user_id = $1 ORDER BY created_at, item_id`,
        [userId],
      )
      return (rows as ItemRow[]).map(toStoredItem)
    },

    async owner(itemId) {
      if (!isStorableText(itemId)) return undefined
      const { rows } = await query([items], `SELECT user_id FROM ${items} WHERE item_id = $1`, [itemId])
      return (rows[0] as { user_id: string } | undefined)?.user_id
    },

    async setStatus(itemId, update) {
      if (!isStorableText(itemId)) return
      const { status, errorCode = null, consentExpirationTime = null, disconnectTime = null, reason = null } = update
      if (!STATUSES.includes(status)) throw fail(`setStatus got the unknown status ${JSON.stringify(status)}.`)
      if (update.asOf !== undefined && !Number.isFinite(update.asOf)) {
        throw fail(`setStatus got asOf ${String(update.asOf)}; it must be milliseconds since the epoch.`)
      }
      refuseUnstorable('createPostgresItemStore: setStatus', {
        errorCode,
        consentExpirationTime,
        disconnectTime,
        reason,
      })
      // One conditional UPDATE: a webhook ($7, its iat in ms) older than the webhook that set the
      // current status matches no row. Without $7 it is Plaid's answer now: it always applies and
      // leaves the last webhook's time, since only two webhooks' times come from one clock
      // (Plaid's) and compare fairly. Concurrent updates of one row are ordered by its row lock,
      // and each re-checks the WHERE.
      await query(
        [items],
        `UPDATE ${items}
           SET status = $2, error_code = $3, consent_expiration_time = $4::timestamptz,
               disconnect_time = $5::timestamptz, reason = $6, updated_at = now(),
               status_as_of = COALESCE(to_timestamp($7::double precision / 1000), status_as_of)
         WHERE item_id = $1
           AND ($7::double precision IS NULL OR status_as_of IS NULL
                OR to_timestamp($7::double precision / 1000) >= status_as_of)`,
        [itemId, status, errorCode, consentExpirationTime, disconnectTime, reason, update.asOf ?? null],
      )
    },

    async setInstitution(itemId, { institutionId, institutionName }) {
      if (!isStorableText(itemId)) return
      refuseUnstorable('createPostgresItemStore: setInstitution', { institutionId, institutionName })
      await query(
        [items],
        `UPDATE ${items}
           SET institution_id = COALESCE($2, institution_id), institution_name = COALESCE($3, institution_name)
         WHERE item_id = $1`,
        [itemId, institutionId ?? null, institutionName ?? null],
      )
    },

    async remove(userId, itemId) {
      if (!isStorableText(userId) || !isStorableText(itemId)) return
      await query([items], `DELETE FROM ${items} WHERE item_id = $1 AND user_id = $2`, [itemId, userId])
    },

    async rememberWebhook(id, keepMs) {
      if (!Number.isFinite(keepMs)) throw fail(`rememberWebhook got keepMs ${String(keepMs)}; it must be a number.`)
      const key = await webhookKey(id)
      // Inserts the id, or takes over a row whose time is over; a row still kept is left alone
      // and returns nothing. Concurrent calls with one id wait on its row, so one of them wins.
      const { rows } = await query(
        [webhooks],
        `INSERT INTO ${webhooks} AS seen (id, keep_until)
         VALUES ($1, now() + $2::double precision * interval '1 millisecond')
         ON CONFLICT (id) DO UPDATE SET keep_until = EXCLUDED.keep_until
           WHERE seen.keep_until < now()
         RETURNING id`,
        [key, keepMs],
      )
      await sweepWebhooks()
      return rows.length > 0
    },

    async forgetWebhook(id) {
      await query([webhooks], `DELETE FROM ${webhooks} WHERE id = $1`, [await webhookKey(id)])
    },

    async rotate() {
      let rotated = 0
      const failed: RotationFailure[] = []
      // Keyset pages by item id: a row that cannot be moved keeps its old key, and the next page
      // starts after it rather than reading it again.
      let after = ''
      for (;;) {
        const { rows } = (await query(
          [items],
          `SELECT item_id, key_id, iv, ciphertext FROM ${items}
            WHERE key_id <> $1 AND item_id > $2 ORDER BY item_id LIMIT $3`,
          [currentKeyId, after, ROTATE_BATCH_ROWS],
        )) as { rows: SecretRow[] }
        for (const row of rows) {
          const opened = await open(row)
          if ('failure' in opened) {
            failed.push({ itemId: row.item_id, keyId: row.key_id, reason: unreadable(row, opened.failure) })
            continue
          }
          const sealed = await encrypt(row.item_id, opened.token)
          // Only if the row is still what was read: a save in between already wrote the current key.
          const updated = await query(
            [items],
            `UPDATE ${items} SET key_id = $3, iv = $4, ciphertext = $5
             WHERE item_id = $1 AND key_id = $2 AND iv = $6 RETURNING item_id`,
            [row.item_id, row.key_id, sealed.keyId, sealed.iv, sealed.ciphertext, bytes(row.iv)],
          )
          rotated += updated.rows.length
        }
        const last = rows[rows.length - 1]
        if (rows.length < ROTATE_BATCH_ROWS || !last) break
        after = last.item_id
      }
      if (failed.length > 0) throw rotationError(rotated, failed, currentKeyId)
      return rotated
    },

    exchangeLedger: ledger,
  }
}

function rotationError(rotated: number, failed: RotationFailure[], currentKeyId: string): RotationError {
  const rows = failed.map(({ itemId, reason }) => `Item ${itemId}: ${reason}`).join('; ')
  const error = new Error(
    `createPostgresItemStore: rotate() moved ${rotated} access token(s) to the key "${currentKeyId}" but could not ` +
      `read ${failed.length}, which stay under their old key. ${rows}. Keep their keys in encryptionKeys.keys ` +
      'until these rows are repaired or removed: dropping a key now would lose their access tokens.',
  )
  return Object.assign(error, { rotated, failed })
}
