/*
 * Runs the built gateway in other runtimes against the Plaid stand-in on 127.0.0.1: workerd (the
 * Cloudflare Workers runtime, through miniflare), Deno and Bun. `npm run test:runtimes` builds
 * first. The runtimes are installed from npm at pinned versions into node_modules/.cache on the
 * first run. Each runtime serves one bundle (worker.mjs: the built server entry and the `plaid`
 * SDK), and each is driven through the same lifecycle over HTTP: exchange, a retried exchange,
 * an update-mode link token, /item/get, and a signed webhook from the stand-in that the gateway
 * verifies (its key fetched from the stand-in) and turns into the Item's status.
 *
 *   node test/runtimes/run.mjs [workerd] [deno] [bun]
 *
 * Prints one line per step and runtime; exits with 1 when any step fails.
 */
import { spawn, execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { Configuration, PlaidApi } from 'plaid'
import { createPlaidStandIn } from '../../dist/testing.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '../..')
/* Pinned: miniflare's newer releases need Node 22. */
const RUNTIMES = { miniflare: '4.20260426.0', deno: '2.9.6', bun: '1.4.5' }
const cache = join(root, 'node_modules/.cache/plaid-react-runtimes')
const STEP_TIMEOUT_MS = 30_000

function installRuntimes() {
  const manifest = JSON.stringify({ name: 'runtimes', private: true, dependencies: RUNTIMES })
  const file = join(cache, 'package.json')
  if (existsSync(file) && readFileSync(file, 'utf8') === manifest && existsSync(join(cache, 'node_modules'))) return
  mkdirSync(cache, { recursive: true })
  writeFileSync(file, manifest)
  console.log(
    `installing ${Object.entries(RUNTIMES)
      .map(([name, version]) => `${name}@${version}`)
      .join(', ')}`,
  )
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: cache, stdio: 'inherit' })
}

async function bundleWorker() {
  await build({
    entryPoints: [join(here, 'worker.mjs')],
    outfile: join(here, 'worker.bundle.mjs'),
    bundle: true,
    format: 'esm',
    // As wrangler bundles a Worker: browser builds of the dependencies, no Node built-ins.
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    logLevel: 'warning',
  })
}

/* Serves the bundle in workerd through miniflare, on a real port so the stand-in can post to it. */
async function startWorkerd(standIn) {
  const { Miniflare } = createRequire(join(cache, 'package.json'))('miniflare')
  const miniflare = new Miniflare({
    modules: true,
    script: readFileSync(join(here, 'worker.bundle.mjs'), 'utf8'),
    compatibilityDate: '2025-01-01',
    bindings: { PLAID_BASE_PATH: standIn.basePath, PLAID_CLIENT_ID: standIn.clientId, PLAID_SECRET: standIn.secret },
    host: '127.0.0.1',
    port: 0,
  })
  const url = await miniflare.ready
  return { url, stop: () => miniflare.dispose() }
}

/* Serves the bundle with Deno's or Bun's own server, in a child process stopped by its id. */
async function startChild(standIn, command, args) {
  const child = spawn(join(cache, 'node_modules/.bin', command), args, {
    cwd: here,
    env: {
      ...process.env,
      PLAID_BASE_PATH: standIn.basePath,
      PLAID_CLIENT_ID: standIn.clientId,
      PLAID_SECRET: standIn.secret,
      DENO_NO_UPDATE_CHECK: '1',
      DO_NOT_TRACK: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not listen: ${output}`)), STEP_TIMEOUT_MS)
    const read = (chunk) => {
      output += chunk
      const match = output.match(/listening (\S+)/)
      if (match) {
        clearTimeout(timer)
        resolvePromise(new URL(match[1]))
      }
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.on('exit', (code) => reject(new Error(`${command} exited with ${code}: ${output}`)))
  })
  return {
    url,
    stop: () =>
      new Promise((resolvePromise) => {
        child.once('exit', resolvePromise)
        child.kill()
      }),
  }
}

const versionOf = (command, args) =>
  execFileSync(join(cache, 'node_modules/.bin', command), args, { encoding: 'utf8' })
    .split('\n')[0]
    .trim()

const RUNNERS = {
  workerd: {
    label: () =>
      `workerd ${createRequire(join(cache, 'package.json'))('workerd/package.json').version} (miniflare ${RUNTIMES.miniflare})`,
    start: startWorkerd,
  },
  deno: {
    label: () => versionOf('deno', ['--version']),
    start: (standIn) => startChild(standIn, 'deno', ['run', '--allow-net', '--allow-env', 'serve.mjs']),
  },
  bun: {
    label: () => `bun ${versionOf('bun', ['--version'])}`,
    start: (standIn) => startChild(standIn, 'bun', ['serve.mjs']),
  },
}

/* The lifecycle, step by step; each step throws with what it saw when it fails. */
async function drive(url, standIn, report) {
  const post = async (path, body) => {
    const response = await fetch(new URL(`/api/plaid${path}`, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user': 'user-1' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    })
    return { status: response.status, json: await response.json() }
  }
  const expect = (ok, what, seen) => {
    if (!ok) throw new Error(`${what}; got ${JSON.stringify(seen)}`)
  }
  const plaid = new PlaidApi(
    new Configuration({ basePath: standIn.basePath, baseOptions: { headers: standIn.headers } }),
  )
  const { publicToken, itemId } = standIn.createPublicToken({ webhook: new URL('/api/plaid/webhook', url).href })

  await report('exchange', async () => {
    const answer = await post('/item/public_token/exchange', { public_token: publicToken })
    expect(answer.status === 200 && answer.json.item_id === itemId, 'the exchange answers with the Item', answer)
    const retry = await post('/item/public_token/exchange', { public_token: publicToken })
    expect(retry.status === 200 && retry.json.item_id === itemId, 'a retry answers with the same Item', retry)
    expect(standIn.exchangesOf(publicToken) === 1, 'Plaid saw one exchange', standIn.exchangesOf(publicToken))
  })
  await report('link token', async () => {
    const update = await post('/link/token/create', { item_id: itemId })
    expect(update.status === 200 && /^link-sandbox-/.test(update.json.link_token), 'an update-mode token', update)
    const fresh = await post('/link/token/create', {})
    expect(fresh.status === 200 && /^link-sandbox-/.test(fresh.json.link_token), "a new Item's token", fresh)
  })
  await report('item get', async () => {
    const answer = await post('/item/get', { item_id: itemId })
    expect(answer.status === 200 && answer.json.item?.institution_name === 'First Platypus Bank', 'the Item', answer)
  })
  await report('webhook', async () => {
    await plaid.sandboxItemResetLogin({ access_token: standIn.accessTokenOf(itemId) })
    await standIn.webhooksSettled()
    const delivery = standIn.webhooks.at(-1)
    expect(
      delivery?.status === 200,
      'the gateway accepts the signed ERROR webhook',
      delivery && { status: delivery.status, error: delivery.error },
    )
    const listed = await post('/item/list', {})
    const status = listed.json.items?.find((item) => item.item_id === itemId)?.status
    expect(status === 'login_required', 'the Item is login_required', listed)
    const forged = await standIn.fireWebhook(itemId, { webhook_code: 'LOGIN_REPAIRED' }, { sign: false })
    expect(forged.status === 401, 'an unsigned webhook is refused', forged.status)
  })
  expect(standIn.violations.length === 0, 'no request broke Plaid’s spec', standIn.violations)
}

const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(RUNNERS)
installRuntimes()
await bundleWorker()
let failed = 0
for (const name of chosen) {
  const runner = RUNNERS[name]
  if (!runner) throw new Error(`unknown runtime ${name}; choose from ${Object.keys(RUNNERS).join(', ')}`)
  const standIn = await createPlaidStandIn()
  let server
  const label = runner.label()
  const report = async (step, run) => {
    try {
      await run()
      console.log(`ok    ${label}: ${step}`)
    } catch (error) {
      failed++
      console.log(`FAIL  ${label}: ${step}: ${error.message}`)
    }
  }
  try {
    server = await runner.start(standIn)
    await drive(server.url, standIn, report)
  } catch (error) {
    failed++
    console.log(`FAIL  ${label}: ${error.message}`)
  } finally {
    await server?.stop()
    await standIn.close()
  }
}
console.log(failed === 0 ? `all steps passed on ${chosen.join(', ')}` : `${failed} step(s) failed`)
process.exit(failed === 0 ? 0 : 1)
