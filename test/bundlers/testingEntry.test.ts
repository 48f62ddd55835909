/*
 * The testing entry of the packed tarball inside apps that bundle it. A Next.js 16 server route
 * imports createPlaidStandIn from it: the app must build with Turbopack and with webpack when msw
 * is not installed (bundlers fail on imports they cannot resolve unless told to leave them), and
 * the route must then run, the stand-in answering the real SDK. With msw installed the same route
 * gets working msw handlers. A Vite browser build takes the "browser" build: msw as usual, and no
 * HTTP server in the bundle.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { root, run } from '../package/consumer'

/* Next.js is not a dependency of the repository; the app pins the version it is proven with. */
const NEXT_VERSION = '16.5.0'
const devDependencies = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>
  }
).devDependencies
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }

function createApp(dependencies: Record<string, string>): { dir: string; remove: () => void } {
  const workDir = mkdtempSync(join(tmpdir(), 'plaid-react-bundler-'))
  const dir = join(workDir, 'app')
  mkdirSync(dir)
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'bundled',
      private: true,
      dependencies: { '@utdk/plaid-react': `file:${inject('tarball')}`, ...dependencies },
    }),
  )
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], dir, env)
  return { dir, remove: () => rmSync(workDir, { recursive: true, force: true }) }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/* `next start` on 127.0.0.1, one GET of the route, and the server stopped by its process id. */
async function startAndGet(dir: string, path: string): Promise<unknown> {
  const port = await freePort()
  const server: ChildProcess = spawn(
    join(dir, 'node_modules/.bin/next'),
    ['start', '-H', '127.0.0.1', '-p', String(port)],
    {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  try {
    await new Promise<void>((resolve, reject) => {
      let output = ''
      server.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (/Ready in/.test(output)) resolve()
      })
      server.on('exit', (code) => reject(new Error(`next start exited with ${code}: ${output}`)))
    })
    const response = await fetch(`http://127.0.0.1:${port}${path}`)
    return await response.json()
  } finally {
    server.kill()
  }
}

const ROUTE = `import { createPlaidStandIn, sandboxGateway } from '@utdk/plaid-react/testing'
import { Configuration, PlaidApi } from 'plaid'

export const dynamic = 'force-dynamic'

export async function GET() {
  const standIn = await createPlaidStandIn()
  const plaid = new PlaidApi(new Configuration({ basePath: standIn.basePath, baseOptions: { headers: standIn.headers } }))
  const { data } = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions'] })
  const { data: exchanged } = await plaid.itemPublicTokenExchange({ public_token: data.public_token })
  await standIn.close()
  let msw
  try {
    msw = sandboxGateway().length
  } catch (error) {
    msw = error.message
  }
  return Response.json({ itemId: exchanged.item_id === standIn.items[0].itemId, exchanges: standIn.exchangesOf(data.public_token), msw })
}
`

function writeNextApp(dir: string) {
  mkdirSync(join(dir, 'app/api/stand-in'), { recursive: true })
  writeFileSync(
    join(dir, 'app/layout.js'),
    `export default function Layout({ children }) { return <html lang="en"><body>{children}</body></html> }\n`,
  )
  writeFileSync(join(dir, 'app/page.js'), `export default function Page() { return <p>Home</p> }\n`)
  writeFileSync(join(dir, 'app/api/stand-in/route.js'), ROUTE)
}

describe.each([
  ['without msw', {}],
  ['with msw', { msw: devDependencies.msw! }],
])('a Next.js %s', (name, extra) => {
  let app: { dir: string; remove: () => void }
  beforeAll(() => {
    app = createApp({
      next: NEXT_VERSION,
      react: devDependencies.react!,
      'react-dom': devDependencies['react-dom']!,
      plaid: devDependencies.plaid!,
      ...extra,
    })
    writeNextApp(app.dir)
  })
  afterAll(() => app?.remove())

  test.each([
    ['Turbopack', []],
    ['webpack', ['--webpack']],
  ])('builds with %s, and its route runs the stand-in', async (_bundler, flags) => {
    rmSync(join(app.dir, '.next'), { recursive: true, force: true })
    run(join(app.dir, 'node_modules/.bin/next'), ['build', ...flags], app.dir, env)
    const answer = await startAndGet(app.dir, '/api/stand-in')
    expect(answer).toMatchObject({ itemId: true, exchanges: 1 })
    const { msw } = answer as { msw: unknown }
    if (name === 'with msw') expect(msw).toBe(6)
    else expect(msw).toMatch(/^sandboxGateway\(\) .*msw could not be loaded.*npm install -D msw$/)
  })
})

test('a Vite browser build takes the browser build: msw handlers and Link, no HTTP server', () => {
  const app = createApp({ msw: devDependencies.msw!, vite: devDependencies.vite! })
  try {
    writeFileSync(join(app.dir, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>\n')
    writeFileSync(
      join(app.dir, 'main.js'),
      `import { createPlaidStandIn, installPlaidLinkSandbox, sandboxGateway } from '@utdk/plaid-react/testing'
window.result = { handlers: sandboxGateway().length, link: typeof installPlaidLinkSandbox, standIn: createPlaidStandIn }
`,
    )
    run(join(app.dir, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], app.dir, env)
    const assets = join(app.dir, 'dist/assets')
    const bundle = readdirSync(assets)
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(join(assets, file), 'utf8'))
      .join('\n')
    expect(bundle).toContain('starts an HTTP server and runs in Node')
    expect(bundle).not.toMatch(/node:http|createServer/)
  } finally {
    app.remove()
  }
})
