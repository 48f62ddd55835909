/*
 * The app's Plaid wiring: the gateway, its store on PGlite, and Plaid itself. It is made on the
 * first request that needs it, never when a module is imported: `next build` imports every route
 * module, and nothing here may need a secret, a database or a port at build time.
 *
 * With PLAID_CLIENT_ID and PLAID_SECRET set, the gateway talks to Plaid's sandbox and pages load
 * Plaid's real Link. Without them the app runs offline (lib/offline.ts).
 */
import { PGlite } from '@electric-sql/pglite'
import {
  createPlaidGateway,
  createPostgresItemStore,
  type EncryptionKeys,
  type PlaidGateway,
  type PostgresItemStore,
} from '@utdk/plaid-react/server'
import { after } from 'next/server'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Configuration, CountryCode, PlaidApi, PlaidEnvironments, Products } from 'plaid'
import { startOfflinePlaid, type OfflinePlaid } from './offline'
import { currentUserId } from './session'

/** Where the app is reached: Plaid sends webhooks and OAuth returns here. Next.js listens on PORT. */
export const APP_URL = process.env.APP_URL ?? `http://localhost:${process.env.PORT ?? 3000}`

export interface PlaidSetup {
  gateway: PlaidGateway
  plaid: PlaidApi
  store: PostgresItemStore
  /** Set when the app runs offline, on the stand-in. */
  offline: OfflinePlaid | undefined
}

/*
 * One setup per server process. It lives on globalThis because Next.js may evaluate this module
 * more than once in one process (for pages and for route handlers, and again after a change in
 * development), and one data folder must have one PGlite.
 */
const slot = globalThis as typeof globalThis & { plaidSetup?: Promise<PlaidSetup> }

export function getPlaid(): Promise<PlaidSetup> {
  // A setup that failed (a locked data folder, say) is tried again by the next request.
  slot.plaidSetup ??= setUp().catch((error: unknown) => {
    slot.plaidSetup = undefined
    throw error
  })
  return slot.plaidSetup
}

async function setUp(): Promise<PlaidSetup> {
  const dataDir = process.env.DATA_DIR ?? join(process.cwd(), '.data')
  await mkdir(dataDir, { recursive: true })
  const store = createPostgresItemStore({
    db: new PGlite(join(dataDir, 'pglite')),
    encryptionKeys: await encryptionKeys(dataDir),
  })
  await store.migrate()

  const offline = process.env.PLAID_CLIENT_ID && process.env.PLAID_SECRET ? undefined : await startOfflinePlaid(dataDir)
  const plaid = new PlaidApi(
    new Configuration({
      basePath: offline?.standIn.basePath ?? PlaidEnvironments.sandbox,
      baseOptions: {
        headers: offline?.standIn.headers ?? {
          'PLAID-CLIENT-ID': process.env.PLAID_CLIENT_ID,
          'PLAID-SECRET': process.env.PLAID_SECRET,
        },
      },
    }),
  )

  const gateway = createPlaidGateway({
    plaid,
    store,
    getUserId: currentUserId,
    linkToken: {
      client_name: 'Plaid React example',
      language: 'en',
      country_codes: [CountryCode.Us],
      products: [Products.Transactions],
      // Plaid's sandbox calls only public URLs registered in its dashboard; the stand-in calls this machine.
      webhook: offline ? `${APP_URL}/api/plaid/webhook` : process.env.PLAID_WEBHOOK_URL,
      redirect_uri: offline ? `${APP_URL}/oauth-return` : process.env.PLAID_REDIRECT_URI,
    },
    basePath: '/api/plaid',
    // Confirming a new bank with Plaid finishes after the answer, as Next.js runs `after` work.
    waitUntil: (work) => after(work),
  })
  return { gateway, plaid, store, offline }
}

/*
 * The key access tokens are sealed with: PLAID_TOKEN_KEY (base64 of 32 bytes, from your secret
 * manager) in production. For development the app makes one and keeps it in the data folder.
 */
async function encryptionKeys(dataDir: string): Promise<EncryptionKeys> {
  if (process.env.PLAID_TOKEN_KEY) return { current: 'k1', keys: { k1: process.env.PLAID_TOKEN_KEY } }
  const file = join(dataDir, 'token-key')
  let key = await readFile(file, 'utf8').catch(() => '')
  if (!key) {
    key = randomBytes(32).toString('base64')
    await writeFile(file, key, { mode: 0o600 })
  }
  return { current: 'development', keys: { development: key.trim() } }
}
