/*
 * A database as version 2 of createPostgresItemStore left it, for the tests that upgrade one in
 * place: its tables, made with the DDL of version 2's migrate() as released (copied here, so the
 * test does not lean on the code it checks), and rows written the way version 2 wrote them, with
 * the access token sealed here by WebCrypto (AES-256-GCM, the Item id as associated data).
 */
import type { PostgresQueryable } from '../../src/server'

/** The statements of version 2's migrate(), one per query as it ran them. */
export const version2Schema = (prefix: string): string[] => [
  `CREATE TABLE IF NOT EXISTS ${prefix}items (
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
  `CREATE INDEX IF NOT EXISTS ${prefix}items_by_user ON ${prefix}items (user_id, created_at)`,
  `CREATE TABLE IF NOT EXISTS ${prefix}exchanges (
     key text PRIMARY KEY,
     claim_id text NOT NULL,
     state text NOT NULL,
     item_id text,
     request_id text,
     lease_ends_at timestamptz NOT NULL,
     keep_until timestamptz
   )`,
]

export async function createVersion2Tables(db: PostgresQueryable, prefix: string): Promise<void> {
  for (const statement of version2Schema(prefix)) await db.query(statement, [])
}

export interface Version2Item {
  userId: string
  itemId: string
  accessToken: string
  keyId: string
  /** Base64 of the 32-byte key. */
  key: string
  status: string
  errorCode: string | null
  institutionId: string | null
  institutionName: string | null
  consentExpirationTime: string | null
  /** When version 2 last wrote the row (ISO 8601). */
  updatedAt: string
}

/** Inserts an Item with exactly the columns version 2's save and setStatus wrote. */
export async function insertVersion2Item(db: PostgresQueryable, prefix: string, item: Version2Item): Promise<void> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const key = await crypto.subtle.importKey('raw', Buffer.from(item.key, 'base64'), 'AES-GCM', false, ['encrypt'])
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(item.itemId) },
      key,
      new TextEncoder().encode(item.accessToken),
    ),
  )
  await db.query(
    `INSERT INTO ${prefix}items (item_id, user_id, key_id, iv, ciphertext, status, institution_id, institution_name,
       error_code, consent_expiration_time, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz, $11::timestamptz, $11::timestamptz)`,
    [
      item.itemId,
      item.userId,
      item.keyId,
      iv,
      ciphertext,
      item.status,
      item.institutionId,
      item.institutionName,
      item.errorCode,
      item.consentExpirationTime,
      item.updatedAt,
    ],
  )
}

/** Inserts a finished exchange as version 2's ledger left it. */
export async function insertVersion2Exchange(
  db: PostgresQueryable,
  prefix: string,
  { key, itemId, requestId }: { key: string; itemId: string; requestId: string },
): Promise<void> {
  await db.query(
    `INSERT INTO ${prefix}exchanges (key, claim_id, state, item_id, request_id, lease_ends_at, keep_until)
     VALUES ($1, 'claim-v2', 'done', $2, $3, now(), now() + interval '1 hour')`,
    [key, itemId, requestId],
  )
}
