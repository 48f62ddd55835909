/*
 * Runs once before `npm run test:postgres`: it refuses to start without a database, and builds
 * the server entry afresh with the package's own tsup configuration (JavaScript only, no
 * declarations), so the gateway processes run what users install and never a stale dist/. The
 * build goes to a folder under node_modules/.cache, where the built file resolves the project's
 * dependencies as an installed package would; it is deleted afterwards.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import pg from 'pg'
import { build, type Options } from 'tsup'
import type { TestProject } from 'vitest/node'
import tsupConfig from '../../tsup.config'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The freshly built ESM server entry, the file users import as `@utdk/plaid-react/server`. */
    serverEntry: string
  }
}

const HOW =
  'Start a throwaway cluster with `eval "$(bash scripts/postgres.sh start)"` (stop it with ' +
  '`bash scripts/postgres.sh stop`), or point DATABASE_URL at a database where the tests may create tables.'

export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL
  if (!url) throw new Error(`npm run test:postgres needs DATABASE_URL, a PostgreSQL connection string. ${HOW}`)
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
  } catch (error) {
    const where = url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
    throw new Error(`npm run test:postgres cannot reach DATABASE_URL (${where}): ${(error as Error).message}. ${HOW}`, {
      cause: error,
    })
  } finally {
    await client.end().catch(() => undefined)
  }

  const root = resolve(__dirname, '../..')
  const cache = join(root, 'node_modules', '.cache')
  mkdirSync(cache, { recursive: true })
  const outDir = mkdtempSync(join(cache, 'plaid-react-postgres-'))
  const configs = (Array.isArray(tsupConfig) ? tsupConfig : [tsupConfig]) as Options[]
  const server = configs.find((config) => !Array.isArray(config.entry) && 'server' in (config.entry as object))
  if (!server) throw new Error('tsup.config.ts has no `server` entry')
  await build({ ...server, format: ['esm'], outDir, dts: false, sourcemap: false, silent: true, config: false })
  project.provide('serverEntry', join(outDir, 'server.mjs'))
  return () => rmSync(outDir, { recursive: true, force: true })
}
