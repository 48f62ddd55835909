/*
 * An ItemStore on PostgreSQL, through any client with `query(text, params)`: `pg`'s Pool or
 * Client, or PGlite. Access tokens are encrypted with AES-256-GCM (WebCrypto) under the app's
 * keys, with the Item id as associated data, so a ciphertext moved to another row does not
 * decrypt. The same tables hold the exchange ledger that lets every gateway instance answer a
 * retried exchange once.
 *
 * Every statement is a single parameterized query: PGlite's `query` takes one statement, and a
 * `pg` Pool may run two calls on two connections, so nothing here relies on a transaction that
 * spans calls. Times come from the database's clock (`now()`), which every instance shares.
 */
import type { ExchangeClaim, ExchangeLedger, ItemStatus, ItemStore, StoredItem } from './types'

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

/** The PostgreSQL store: an {@link ItemStore} with its exchange ledger, `migrate()` and `rotate()`. */
export interface PostgresItemStore extends ItemStore {
  exchangeLedger: ExchangeLedger
  /** Creates the tables when they are absent. Safe to run on every start, by every instance. */
  migrate(): Promise<void>
  /**
   * Re-encrypts every row that is under a key other than `current`, and resolves with how many
   * it rewrote. Reads keep working while it runs; afterwards the old keys can be dropped.
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

const SWEEP_EVERY_MS = 60_000

const fail = (message: string) => new TypeError(`createPostgresItemStore: ${message}`)

const KEY_HELP = "Make one with `openssl rand -base64 32` (or crypto.randomBytes(32).toString('base64'))."

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

interface ItemRow {
  item_id: string
  user_id: string
  status: string
  institution_id: string | null
  institution_name: string | null
  error_code: string | null
  consent_expiration_time: Date | string | null
  updated_at: Date | string
}

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

/**
 * A PostgreSQL {@link ItemStore} for production: Items survive restarts, every instance of the
 * gateway shares them, access tokens are encrypted at rest, and exchange retries are answered
 * once across instances. Neither `pg` nor PGlite is imported here; pass the client the app uses.
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
  const cryptoKeys = new Map<string, Promise<CryptoKey>>()
  let lastSweep = 0

  function cryptoKey(keyId: string, itemId: string): Promise<CryptoKey> {
    const raw = keyBytes.get(keyId)
    if (!raw) {
      return Promise.reject(
        new Error(
          `createPostgresItemStore: the access token of Item ${itemId} is encrypted under the key "${keyId}", ` +
            'which is not in encryptionKeys.keys. Add that key back (rotate() moves rows off it before you drop it).',
        ),
      )
    }
    let key = cryptoKeys.get(keyId)
    if (!key) {
      key = globalThis.crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
      cryptoKeys.set(keyId, key)
    }
    return key
  }

  async function encrypt(itemId: string, accessToken: string) {
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12))
    const key = await cryptoKey(currentKeyId, itemId)
    const sealed = await globalThis.crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(itemId) },
      key,
      new TextEncoder().encode(accessToken),
    )
    return { keyId: currentKeyId, iv, ciphertext: new Uint8Array(sealed) }
  }

  async function decrypt(row: SecretRow): Promise<string> {
    const key = await cryptoKey(row.key_id, row.item_id)
    try {
      const opened = await globalThis.crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: bytes(row.iv), additionalData: new TextEncoder().encode(row.item_id) },
        key,
        bytes(row.ciphertext),
      )
      return new TextDecoder().decode(opened)
    } catch {
      throw new Error(
        `createPostgresItemStore: the access token of Item ${row.item_id} does not decrypt under the key "${row.key_id}": ` +
          'the row was changed, moved to another Item, or that key id now holds a different key.',
      )
    }
  }

  const toStoredItem = (row: ItemRow): StoredItem => ({
    userId: row.user_id,
    itemId: row.item_id,
    status: (STATUSES as readonly string[]).includes(row.status) ? (row.status as ItemStatus) : 'error',
    institutionId: row.institution_id,
    institutionName: row.institution_name,
    errorCode: row.error_code,
    consentExpirationTime: iso(row.consent_expiration_time),
    disconnectTime: null,
    reason: null,
    accounts: [],
    updatedAt: iso(row.updated_at) as string,
  })

  const SUMMARY_COLUMNS =
    'item_id, user_id, status, institution_id, institution_name, error_code, consent_expiration_time, updated_at'

  const ledger: ExchangeLedger = {
    async claim(key, claimId, leaseMs): Promise<ExchangeClaim> {
      // One statement takes a free key, a finished entry past its time, or a pending one whose
      // lease ran out; any other row is left as it is and returns nothing.
      const { rows } = await db.query(
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
      const found = await db.query(`SELECT state, item_id, request_id FROM ${exchanges} WHERE key = $1`, [key])
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
      await db.query(
        `UPDATE ${exchanges}
           SET state = 'done', item_id = $3, request_id = $4,
               keep_until = now() + $5::double precision * interval '1 millisecond'
         WHERE key = $1 AND claim_id = $2`,
        [key, claimId, itemId, requestId ?? null, keepMs],
      )
      // Finished entries past their time are of no use to anyone; once a minute per instance,
      // they are deleted, which keeps the table small without a statement on every exchange.
      if (Date.now() - lastSweep >= SWEEP_EVERY_MS) {
        lastSweep = Date.now()
        await db.query(`DELETE FROM ${exchanges} WHERE state = 'done' AND keep_until < now()`, [])
      }
    },
    async release(key, claimId) {
      await db.query(`DELETE FROM ${exchanges} WHERE key = $1 AND claim_id = $2`, [key, claimId])
    },
  }

  return {
    async migrate() {
      const statements = [
        `CREATE TABLE IF NOT EXISTS ${items} (
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
           created_at timestamptz NOT NULL DEFAULT now(),
           updated_at timestamptz NOT NULL DEFAULT now()
         )`,
        `CREATE INDEX IF NOT EXISTS ${items}_by_user ON ${items} (user_id, created_at)`,
        `CREATE TABLE IF NOT EXISTS ${exchanges} (
           key text PRIMARY KEY,
           claim_id text NOT NULL,
           state text NOT NULL,
           item_id text,
           request_id text,
           lease_ends_at timestamptz NOT NULL,
           keep_until timestamptz
         )`,
      ]
      for (const statement of statements) {
        try {
          await db.query(statement, [])
        } catch (error) {
          // Two instances starting at once can race inside CREATE ... IF NOT EXISTS (a unique
          // violation on the catalog); the other one made the table, which is all that was asked.
          const code = (error as { code?: unknown }).code
          if (code !== '23505' && code !== '42P07') throw error
        }
      }
    },

    async save({ userId, itemId, accessToken, institutionId = null, institutionName = null }) {
      const sealed = await encrypt(itemId, accessToken)
      // The WHERE keeps the owner: a row of another user is not updated, and nothing is returned.
      const { rows } = await db.query(
        `INSERT INTO ${items} (item_id, user_id, key_id, iv, ciphertext, institution_id, institution_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (item_id) DO UPDATE
           SET key_id = EXCLUDED.key_id, iv = EXCLUDED.iv, ciphertext = EXCLUDED.ciphertext,
               status = 'healthy', error_code = NULL, consent_expiration_time = NULL,
               institution_id = COALESCE(EXCLUDED.institution_id, ${items}.institution_id),
               institution_name = COALESCE(EXCLUDED.institution_name, ${items}.institution_name),
               updated_at = now()
           WHERE ${items}.user_id = EXCLUDED.user_id
         RETURNING item_id`,
        [itemId, userId, sealed.keyId, sealed.iv, sealed.ciphertext, institutionId, institutionName],
      )
      if (rows.length === 0) {
        throw new Error(
          'createPostgresItemStore: this Item belongs to another user; the owner of an Item never changes.',
        )
      }
    },

    async get(userId, itemId) {
      const { rows } = await db.query(
        `SELECT item_id, key_id, iv, ciphertext FROM ${items} WHERE item_id = $1 AND user_id = $2`,
        [itemId, userId],
      )
      const row = rows[0] as SecretRow | undefined
      return row ? decrypt(row) : undefined
    },

    async list(userId) {
      const { rows } = await db.query(
        `SELECT ${SUMMARY_COLUMNS} FROM ${items} WHERE user_id = $1 ORDER BY created_at, item_id`,
        [userId],
      )
      return (rows as ItemRow[]).map(toStoredItem)
    },

    async owner(itemId) {
      const { rows } = await db.query(`SELECT user_id FROM ${items} WHERE item_id = $1`, [itemId])
      return (rows[0] as { user_id: string } | undefined)?.user_id
    },

    async setStatus(itemId, { status, errorCode = null, consentExpirationTime = null }) {
      if (!STATUSES.includes(status)) throw fail(`setStatus got the unknown status ${JSON.stringify(status)}.`)
      await db.query(
        `UPDATE ${items}
           SET status = $2, error_code = $3, consent_expiration_time = $4::timestamptz, updated_at = now()
         WHERE item_id = $1`,
        [itemId, status, errorCode, consentExpirationTime],
      )
    },

    async remove(userId, itemId) {
      await db.query(`DELETE FROM ${items} WHERE item_id = $1 AND user_id = $2`, [itemId, userId])
    },

    async rotate() {
      const { rows } = await db.query(
        `SELECT item_id, key_id, iv, ciphertext FROM ${items} WHERE key_id <> $1 ORDER BY item_id`,
        [currentKeyId],
      )
      let rotated = 0
      for (const row of rows as SecretRow[]) {
        const sealed = await encrypt(row.item_id, await decrypt(row))
        // Only if the row is still what was read: a save in between already wrote the current key.
        const updated = await db.query(
          `UPDATE ${items} SET key_id = $3, iv = $4, ciphertext = $5
           WHERE item_id = $1 AND key_id = $2 AND iv = $6 RETURNING item_id`,
          [row.item_id, row.key_id, sealed.keyId, sealed.iv, sealed.ciphertext, bytes(row.iv)],
        )
        rotated += updated.rows.length
      }
      return rotated
    },

    exchangeLedger: ledger,
  }
}
