// Drives the example app's production build in Chromium, offline, as a person would: link a bank,
// see it listed, have Plaid send a webhook that breaks its login, repair it, try to link it a
// second time, link an OAuth bank through its redirect page, see a disconnection date, remove a
// bank, then restart the server and find the banks still there and still working. Along the way
// it counts the exchanges the page sent, and at the end it checks that the page printed no console
// error and that no response it received held Plaid's client id, its secret or an access token.
//
// Run after `npm run build` (the package) and `npm run build --workspace example`; `npm run
// test:example` does all three. SCREENSHOTS=<folder> keeps a picture of each step.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { chromiumArgs, chromiumExecutable } from './chromium.mjs'

const exampleDir = join(process.cwd(), 'example')
if (!existsSync(join(exampleDir, '.next', 'BUILD_ID'))) {
  console.error('example/.next is missing: run `npm run build --workspace example` first (or `npm run test:example`).')
  process.exit(1)
}
/* How long one step may wait for what it expects: a guard against a hang, far above a busy machine's pace. */
const STEP_TIMEOUT_MS = 60_000
/* The stand-in's credentials, which the example uses offline; no response may hold them. */
const STAND_IN_CREDENTIALS = ['plaid-stand-in-client-id', 'plaid-stand-in-secret']

const dataDir = mkdtempSync(join(tmpdir(), 'plaid-react-example-'))
const port = await freePort()
const appUrl = `http://127.0.0.1:${port}`
const screenshots = process.env.SCREENSHOTS
if (screenshots) mkdirSync(screenshots, { recursive: true })

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port: free } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return free
}

/* `next start` of the production build, offline: no Plaid credentials reach it. */
async function startApp() {
  const env = { ...process.env, APP_URL: appUrl, DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: '1' }
  for (const name of ['PLAID_CLIENT_ID', 'PLAID_SECRET', 'PLAID_TOKEN_KEY']) delete env[name]
  const server = spawn(
    join(process.cwd(), 'node_modules/.bin/next'),
    ['start', '-H', '127.0.0.1', '-p', String(port)],
    {
      cwd: exampleDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const output = []
  const exited = new Promise((resolve) => server.once('exit', resolve))
  await new Promise((resolve, reject) => {
    const read = (chunk) => {
      output.push(chunk.toString())
      if (/Ready in/.test(output.join(''))) resolve()
    }
    server.stdout.on('data', read)
    server.stderr.on('data', (chunk) => output.push(chunk.toString()))
    server.once('exit', (code) => reject(new Error(`next start exited with ${code}:\n${output.join('')}`)))
  })
  return {
    output,
    async stop() {
      server.kill('SIGTERM')
      await exited
    },
  }
}

const problems = []
const bodies = []
const exchanges = []
let app = await startApp()
const browser = await chromium.launch({ executablePath: chromiumExecutable, args: ['--headless', ...chromiumArgs] })
const context = await browser.newContext()
// Nothing leaves this machine: the app, the stand-in and its Link all live on 127.0.0.1.
await context.route('**/*', (route) =>
  new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort(),
)
const page = await context.newPage()
page.setDefaultTimeout(STEP_TIMEOUT_MS)
// Chromium itself logs every answer of 400 or more as a console error. The one such answer the
// scenario asks for is the gateway's 409 to the duplicate link; it is counted, not forgiven.
const refusedDuplicates = []
page.on('console', (message) => {
  if (message.type() !== 'error') return
  const { url } = message.location()
  const duplicateRefused =
    /status of 409/.test(message.text()) && url && new URL(url).pathname === '/api/plaid/item/public_token/exchange'
  if (duplicateRefused) refusedDuplicates.push(message.text())
  else problems.push(`console error: ${message.text()}`)
})
page.on('pageerror', (error) => problems.push(`uncaught in the page: ${error.message}`))
page.on('request', (request) => {
  if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/plaid/item/public_token/exchange') {
    exchanges.push(request.postDataJSON())
  }
})
page.on('response', async (response) => {
  try {
    bodies.push(`${response.url()}\n${JSON.stringify(await response.allHeaders())}\n${await response.text()}`)
  } catch {
    // A redirect or an aborted request has no body to read.
  }
})

const bank = (name) => page.getByRole('listitem', { name })
const linkDialog = () => page.getByRole('dialog')
let shot = 0
async function step(name, run) {
  const started = Date.now()
  try {
    await run()
  } catch (error) {
    console.error(`check-example: "${name}" failed: ${error.message}`)
    if (screenshots) await page.screenshot({ path: join(screenshots, 'failed.png'), fullPage: true }).catch(() => {})
    console.error(app.output.join('').slice(-4000))
    await browser.close()
    await app.stop()
    process.exit(1)
  }
  shot += 1
  if (screenshots) {
    const file = `${String(shot).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`
    await page.screenshot({ path: join(screenshots, file), fullPage: true })
  }
  console.log(`check-example: ${name} (${Date.now() - started} ms)`)
}

async function expectExchanges(count) {
  if (exchanges.length !== count) throw new Error(`the page sent ${exchanges.length} exchanges, expected ${count}`)
}

async function connect(bankName) {
  await page.getByRole('button', { name: 'Connect a bank' }).click()
  await linkDialog().getByRole('heading', { name: 'Select your bank' }).waitFor()
  await linkDialog().getByRole('button', { name: bankName, exact: true }).click()
}

async function sendWebhook(bankName, event) {
  await bank(bankName).getByRole('combobox').selectOption({ label: event })
  await bank(bankName).getByRole('button', { name: 'Send' }).click()
}

await step('the app answers, offline, with no banks', async () => {
  await page.goto(appUrl)
  await page.getByText('Offline: Plaid and Link are stand-ins').waitFor()
  await page.getByText('No banks yet.').waitFor()
})

await step('link a bank: Link, one exchange, listed as connected', async () => {
  await connect('First Platypus Bank')
  await linkDialog().getByRole('button', { name: 'Continue' }).click()
  await bank('First Platypus Bank').getByText('Connected').waitFor()
  await expectExchanges(1)
  const [sent] = exchanges
  if (sent.institution?.institution_id !== 'ins_109508' || !sent.accounts?.length)
    throw new Error(`the exchange did not carry Link's institution and accounts: ${JSON.stringify(sent)}`)
})

await step('a signed webhook breaks its login', async () => {
  await sendWebhook('First Platypus Bank', 'Login required')
  await bank('First Platypus Bank').getByText('Sign-in needed (ITEM_LOGIN_REQUIRED)').waitFor()
})

await step('repair it in update mode: the server confirms it connected', async () => {
  await bank('First Platypus Bank').getByRole('button', { name: 'Repair' }).click()
  await linkDialog().getByRole('heading', { name: 'Reconnect First Platypus Bank' }).waitFor()
  await linkDialog().getByRole('button', { name: 'Continue' }).click()
  await bank('First Platypus Bank').getByText('Connected').waitFor()
  await expectExchanges(1)
})

await step('linking the same bank again is refused, naming it, with its repair offered', async () => {
  await connect('First Platypus Bank')
  await linkDialog().getByRole('button', { name: 'Continue' }).click()
  await page.getByText('You have already connected First Platypus Bank').waitFor()
  await page.getByRole('button', { name: 'Repair that connection' }).waitFor()
  await expectExchanges(2)
  const listed = await page.getByRole('listitem').count()
  if (listed !== 1) throw new Error(`${listed} banks are listed after the refused duplicate, expected 1`)
})

await step('an OAuth bank: leave for the bank, come back to the redirect page, linked once', async () => {
  await connect('Platypus OAuth Bank')
  await linkDialog().getByRole('button', { name: 'Continue to Platypus OAuth Bank' }).click()
  await page.getByRole('button', { name: 'Allow' }).click()
  await page.waitForURL((url) => url.pathname === '/oauth-return')
  await linkDialog().getByRole('button', { name: 'Continue' }).click()
  await page.waitForURL((url) => url.pathname === '/')
  await bank('Platypus OAuth Bank').getByText('Connected').waitFor()
  await expectExchanges(3)
})

await step('a pending disconnection shows its date and reason', async () => {
  await sendWebhook('Platypus OAuth Bank', 'Pending disconnect')
  await bank('Platypus OAuth Bank').getByText('Will disconnect soon').waitFor()
  await bank('Platypus OAuth Bank')
    .getByText(/^Disconnects on .+\(.+\)\.$/)
    .waitFor()
})

await step('remove a bank', async () => {
  await bank('Platypus OAuth Bank').getByRole('button', { name: 'Remove' }).click()
  await bank('Platypus OAuth Bank').waitFor({ state: 'detached' })
  await bank('First Platypus Bank').waitFor()
})

await step('after a restart the bank is still there, and Plaid still knows it', async () => {
  await app.stop()
  app = await startApp()
  await page.reload()
  await bank('First Platypus Bank').getByText('Connected').waitFor()
  await sendWebhook('First Platypus Bank', 'Login required')
  await bank('First Platypus Bank').getByText('Sign-in needed (ITEM_LOGIN_REQUIRED)').waitFor()
  await bank('First Platypus Bank').getByRole('button', { name: 'Repair' }).click()
  await linkDialog().getByRole('button', { name: 'Continue' }).click()
  await bank('First Platypus Bank').getByText('Connected').waitFor()
})

await browser.close()
await app.stop()

// Every access token the stand-in ever handed out is in its saved state.
const saved = JSON.parse(readFileSync(join(dataDir, 'plaid-stand-in.json'), 'utf8'))
const secrets = [...STAND_IN_CREDENTIALS, ...saved.map((item) => item.accessToken)]
if (refusedDuplicates.length !== 1) {
  problems.push(`the browser logged ${refusedDuplicates.length} refused exchanges (409), expected the one duplicate`)
}
const leaks = bodies.filter((body) => secrets.some((secret) => body.includes(secret)) || /access-sandbox-/.test(body))
rmSync(dataDir, { recursive: true, force: true })

console.log(
  `check-example: ${bodies.length} responses read, ${secrets.length - STAND_IN_CREDENTIALS.length} access tokens ` +
    `and the credentials looked for: ${leaks.length} found; ${problems.length} console errors.`,
)
if (leaks.length > 0) {
  console.error(
    `check-example: responses holding a secret:\n${leaks.map((leak) => leak.slice(0, 300)).join('\n---\n')}`,
  )
}
if (problems.length > 0) console.error(`check-example: ${problems.join('\n')}`)
process.exit(leaks.length === 0 && problems.length === 0 ? 0 : 1)
