// @vitest-environment node
/*
 * The built files, as a user installs them. The package's own tsup configuration builds the
 * JavaScript afresh into a temporary folder (so the check never reads a stale dist, and never
 * changes it): the server entry has no "use client", pulls in no React and no client code, and
 * works in both module formats; the client entry holds none of the server's code. Declarations
 * take several seconds to build, so they are checked in the packed tarball (test/package).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build, type Options } from 'tsup'
import tsupConfig from '../../tsup.config'
import type * as ServerEntry from '../../src/server'
import { createPlaidStandIn, type PlaidStandIn } from '../../src/testing'
import {
  CLIENT_ID,
  EXCHANGE,
  LINK_TOKEN_FIELDS,
  SECRET,
  plaidApi,
  readAnswer,
  scanForSecrets,
  sessionUser,
  userHeaders,
} from './harness'
import { CLIENT_ONLY, importsOf } from '../helpers/builtFiles'

let outDir: string
let standIn: PlaidStandIn
scanForSecrets(() => standIn.issuedAccessTokens)
/** A built file of an entry ('index' or 'server'). */
const read = (file: string) =>
  readFileSync(file.includes('/') ? join(outDir, file) : join(outDir, file.split('.')[0]!, file), 'utf8')

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'plaid-react-build-'))
  const configs = (Array.isArray(tsupConfig) ? tsupConfig : [tsupConfig]) as Options[]
  // Each entry into its own folder, so that their metafiles do not overwrite each other.
  await Promise.all(
    configs.map((config) =>
      build({
        ...config,
        // The client entry is a list of every client module; the others name their one entry.
        outDir: join(outDir, Array.isArray(config.entry) ? 'index' : Object.keys(config.entry as object)[0]!),
        dts: false,
        sourcemap: false,
        metafile: true,
        silent: true,
        config: false,
      }),
    ),
  )
  standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
}, 30_000)

afterAll(async () => {
  await standIn?.close()
  if (outDir) rmSync(outDir, { recursive: true, force: true })
})

/** The source files that esbuild bundled into an output file, from the build's metafile. */
function inputsOf(format: 'esm' | 'cjs', output: string): string[] {
  const meta = JSON.parse(readFileSync(join(outDir, 'server', `metafile-${format}.json`), 'utf8')) as {
    outputs: Record<string, { inputs: object }>
  }
  const entry = Object.entries(meta.outputs).find(([path]) => path.endsWith('/' + output))
  if (!entry) throw new Error(`the metafile has no ${output}`)
  return Object.keys(entry[1].inputs)
}

it.each([
  ['esm', 'server.mjs'],
  ['cjs', 'server.js'],
] as const)('the %s server bundle is made of src/server files only', (format, output) => {
  const inputs = inputsOf(format, output)
  expect(inputs).toContain('src/server/createPlaidGateway.ts')
  expect(inputs.filter((input) => !input.startsWith('src/server/'))).toEqual([])
})

describe.each(['server.mjs', 'server.js'])('%s', (file) => {
  it('has no "use client" and imports only jose, when the first webhook comes', () => {
    const code = read(file)
    expect(code.split('\n')[0]).not.toMatch(/use client/)
    expect(code).not.toMatch(CLIENT_ONLY)
    // The gateway uses only web standards, so it runs in any server runtime; plaid is type-only.
    // jose (a dependency) is the one module, loaded lazily so that it costs nothing until used.
    expect(importsOf(code)).toEqual(['jose'])
    expect(code).toMatch(/\bimport\(\s*["']jose["']\s*\)/)
    expect(code).not.toMatch(/^import\b.*["']jose["']|require\(\s*["']jose["']\s*\)/m)
  })
})

/** Every JavaScript file of the client entry, one per module, relative to its folder. */
const clientFiles = () =>
  readdirSync(join(outDir, 'index'), { recursive: true, encoding: 'utf8' }).filter((file) => /\.m?js$/.test(file))

it('the client entry is one file per module, in both formats', () => {
  const files = clientFiles()
  for (const module of ['index', 'useExchangePublicToken', '_internal/request', '_internal/page']) {
    expect(files).toContain(`${module}.mjs`)
    expect(files).toContain(`${module}.js`)
  }
})

it('every client file starts with "use client", holds none of the server code, and imports with extensions', () => {
  for (const file of clientFiles()) {
    const code = read(join('index', file))
    expect(code.split('\n')[0], file).toMatch(/^["']use client["'];?$/)
    expect(code, file).not.toMatch(
      /createPlaidGateway|toNodeHandler|createMemoryItemStore|REQUEST_TOO_LARGE|itemPublicTokenExchange/,
    )
    const relative = importsOf(code).filter((name) => name.startsWith('.'))
    expect(
      relative.filter((name) => !name.endsWith(file.endsWith('.mjs') ? '.mjs' : '.js')),
      file,
    ).toEqual([])
  }
})

it.each(['index.mjs', 'index.js'])('%s starts with "use client" and holds none of the server code', (file) => {
  const code = read(file)
  expect(code.split('\n')[0]).toMatch(/^["']use client["'];?$/)
  expect(code).not.toMatch(
    /createPlaidGateway|toNodeHandler|createMemoryItemStore|REQUEST_TOO_LARGE|itemPublicTokenExchange/,
  )
  expect(importsOf(code)).not.toContain('plaid')
})

describe.each([
  ['ESM', async () => (await import(pathToFileURL(join(outDir, 'server', 'server.mjs')).href)) as typeof ServerEntry],
  ['CommonJS', async () => createRequire(import.meta.url)(join(outDir, 'server', 'server.js')) as typeof ServerEntry],
])('the built %s server entry', (_format, load) => {
  it('exchanges a public token through the real SDK', async () => {
    const server = await load()
    const store = server.createMemoryItemStore()
    const gateway = server.createPlaidGateway({
      plaid: plaidApi(standIn),
      store,
      getUserId: sessionUser,
      linkToken: LINK_TOKEN_FIELDS,
    })
    const { publicToken, itemId } = standIn.createPublicToken()
    const response = await gateway.handle(
      new Request('http://gateway.test/api/plaid' + EXCHANGE, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...userHeaders('user-a') },
        body: JSON.stringify({ public_token: publicToken }),
      }),
    )
    const answer = await readAnswer(response)
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({ item_id: itemId, request_id: expect.any(String) })
    expect(await store.get('user-a', itemId)).toBe(standIn.accessTokenOf(itemId))
    expect(typeof server.toNodeHandler(gateway.handle)).toBe('function')
  })
})
