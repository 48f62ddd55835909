// Plays every story of the static Storybook build in Chromium, served from a plain file server
// under a sub-path as a docs site would. The static build is a production build, where the
// package's own messages shorten to the error code, so this is where the demo is checked as it
// ships: each story's play function must finish without throwing, with no Storybook server, no
// network, and msw's worker served from the build. Then the script makes one OAuth round trip itself,
// with real navigations: Link leaves for the bank, and the redirect page finishes the link.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { extname, join, normalize } from 'node:path'
import { chromium } from 'playwright'
import { chromiumArgs, chromiumExecutable } from './chromium.mjs'

const root = join(process.cwd(), 'storybook-static')
const prefix = '/docs/storybook'
// Two browser pages at a time: as many as CI's cores; more only makes each story slower.
const CONCURRENCY = 2
const STORY_TIMEOUT_MS = 30_000
const PLAID_LINK_SCRIPT = 'https://cdn.plaid.com/link/v2/stable/link-initialize.js'
if (!existsSync(join(root, 'iframe.html'))) {
  console.error('storybook-static/ is missing: run `npm run build-storybook` first.')
  process.exit(1)
}

const types = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
}
const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1')
  if (!url.pathname.startsWith(prefix + '/')) {
    response.writeHead(404).end()
    return
  }
  const relative = normalize(decodeURIComponent(url.pathname.slice(prefix.length))).replace(/^(\.\.[/\\])+/, '')
  let file = join(root, relative)
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html')
  if (!file.startsWith(root) || !existsSync(file)) {
    response.writeHead(404).end()
    return
  }
  response.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' })
  createReadStream(file).pipe(response)
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const origin = `http://127.0.0.1:${server.address().port}`

/*
 * Runs in the page before Storybook does: it listens on the preview's channel from the moment the
 * preview creates it. A story passed when Storybook reports it finished and no error event came
 * first. The finished event alone is not enough: Storybook reports a play function that threw as
 * finished with status 'success', and the error only in its own event.
 */
function listenToStorybook() {
  const result = { done: false }
  window.__storyResult = result
  let channel
  Object.defineProperty(globalThis, '__STORYBOOK_ADDONS_CHANNEL__', {
    configurable: true,
    get: () => channel,
    set: (value) => {
      channel = value
      value.on('playFunctionThrewException', (error) => (result.error ??= error.message))
      value.on('storyThrewException', (error) => (result.error ??= error.message))
      value.on('storyErrored', (error) => (result.error ??= error.title))
      value.on('unhandledErrorsWhilePlaying', (errors) => (result.error ??= errors[0]?.message))
      value.on('storyMissing', () => Object.assign(result, { done: true, error: 'the story is missing' }))
      value.on('storyFinished', ({ status }) => Object.assign(result, { done: true, status }))
    },
  })
}

const index = JSON.parse(readFileSync(join(root, 'index.json'), 'utf8'))
const stories = Object.values(index.entries).filter((entry) => entry.type === 'story')
const browser = await chromium.launch({ executablePath: chromiumExecutable, args: ['--headless', ...chromiumArgs] })
const external = []
const failures = []

async function play(story) {
  // A fresh context per story: a new service worker registration, storage and page.
  const context = await browser.newContext()
  try {
    // Nothing leaves the machine. The one outside request a story may make is Plaid's Link
    // script, in the story that shows what happens when it is blocked: it is, here.
    await context.route(
      (url) => url.origin !== origin,
      (route) => {
        if (route.request().url() !== PLAID_LINK_SCRIPT) external.push(route.request().url())
        return route.abort()
      },
    )
    const page = await context.newPage()
    await page.addInitScript(listenToStorybook)
    const started = Date.now()
    await page.goto(`${origin}${prefix}/iframe.html?id=${encodeURIComponent(story.id)}&viewMode=story`)
    let result
    try {
      await page.waitForFunction(() => window.__storyResult.done, null, { timeout: STORY_TIMEOUT_MS, polling: 50 })
      result = await page.evaluate(() => window.__storyResult)
    } catch {
      result = { error: `the play function did not finish within ${STORY_TIMEOUT_MS} ms` }
    }
    const passed = result.status === 'success' && !result.error
    const took = ((Date.now() - started) / 1000).toFixed(1)
    console.log(`${passed ? 'pass' : 'FAIL'}  ${story.title} › ${story.name} (${took} s)`)
    if (!passed) {
      // expect() colours its messages, and Testing Library appends the whole DOM.
      const message = String(result.error ?? `finished with status ${result.status}`)
        // eslint-disable-next-line no-control-regex -- the escape code that starts a terminal colour
        .replace(/\u001b\[[0-9;]*m/g, '')
        .split('\n')
        .slice(0, 3)
        .join('\n        ')
      console.log(`        ${message}`)
      failures.push(story.id)
    }
  } finally {
    await context.close()
  }
}

/*
 * The OAuth return as a person makes it, in the real browser: the page leaves for the bank and
 * loads again at its redirect_uri, which is the same page with `oauth_state_id` added. The story
 * opens with `embed=true`, which shows it without playing it, so that every click here is this
 * script's own; the bank's redirect keeps that address, so the page it lands on is not played
 * either.
 */
const OAUTH_STORY = 'demo-oauth-bank--leave-for-the-bank'
const EXCHANGE_PATH = '/api/plaid/item/public_token/exchange'
const STEP_TIMEOUT_MS = 10_000

async function oauthRoundTrip() {
  const context = await browser.newContext()
  const started = Date.now()
  // Each step names itself, so that a failure says which one.
  const step = async (name, action) => {
    try {
      return await action()
    } catch (error) {
      throw new Error(`OAuth round trip, step "${name}": ${String(error.message).split('\n')[0]}`, { cause: error })
    }
  }
  try {
    await context.route(
      (url) => url.origin !== origin,
      (route) => {
        external.push(route.request().url())
        return route.abort()
      },
    )
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_TIMEOUT_MS)
    // Every exchange the pages send, wherever msw's worker answers it, with the address of the
    // page that sent it.
    const exchanges = []
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === EXCHANGE_PATH) {
        exchanges.push(page.url())
      }
    })

    await step('open the OAuth story', async () => {
      const response = await page.goto(`${origin}${prefix}/iframe.html?id=${OAUTH_STORY}&viewMode=story&embed=true`)
      if (!response?.ok()) throw new Error(`iframe.html answered ${response?.status()}`)
    })
    const connect = page.getByRole('button', { name: 'Connect a bank' })
    await step('click connect', () => connect.click())
    const dialog = page.getByRole('dialog')
    const leave = dialog.getByRole('button', { name: /^Continue at / })
    const bank = await step('see Link offer to continue at the bank', async () =>
      (await leave.textContent()).replace(/^Continue at /, ''),
    )
    await step(`click "Continue at ${bank}" and follow the bank back to the redirect page`, () =>
      Promise.all([
        page.waitForURL((url) => url.searchParams.has('oauth_state_id'), { waitUntil: 'load' }),
        leave.click(),
      ]),
    )
    if (exchanges.length > 0) throw new Error('OAuth round trip: the page exchanged a public token before the bank')
    const back = new URL(page.url())
    if (back.searchParams.get('id') !== OAUTH_STORY) {
      throw new Error(`OAuth round trip: the bank sent the person to ${back.pathname}${back.search}, not the story`)
    }
    await step(`finish Link on the redirect page ("Finish connecting ${bank}")`, () =>
      page
        .getByRole('dialog', { name: `Finish connecting ${bank}` })
        .getByRole('button', { name: 'Continue' })
        .click(),
    )
    await step('see the success', async () => {
      await page.getByText(`${bank} is connected.`).waitFor()
      await page.getByRole('button', { name: 'Connect a bank' }).and(page.locator(':enabled')).waitFor()
    })
    // A second exchange would start with the first; give a late one a moment to show.
    await page.waitForTimeout(500)
    if (exchanges.length !== 1 || !exchanges.every((from) => new URL(from).searchParams.has('oauth_state_id'))) {
      throw new Error(
        `OAuth round trip: the gateway's exchange was called ${exchanges.length} times (from ${exchanges}), not once from the redirect page`,
      )
    }
    const took = ((Date.now() - started) / 1000).toFixed(1)
    console.log(
      `pass  OAuth round trip: connect, continue at ${bank}, back with oauth_state_id, one exchange (${took} s)`,
    )
  } finally {
    await context.close()
  }
}

let failed = false
try {
  const worker = await fetch(`${origin}${prefix}/mockServiceWorker.js`)
  if (!worker.ok) throw new Error(`mockServiceWorker.js is not served (${worker.status})`)
  const queue = [...stories]
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let story = queue.shift(); story; story = queue.shift()) await play(story)
    }),
  )
  if (external.length > 0) throw new Error(`the pages asked for more than the static server: ${[...new Set(external)]}`)
  if (failures.length > 0) throw new Error(`${failures.length} of ${stories.length} stories failed: ${failures}`)
  console.log(
    `static Storybook: ${stories.length} of ${stories.length} stories played and passed (served under ${prefix})`,
  )
  await oauthRoundTrip()
  if (external.length > 0) throw new Error(`the OAuth round trip asked for more than the static server: ${external}`)
} catch (error) {
  failed = true
  console.error('static Storybook check failed:', error.message)
} finally {
  await browser.close()
  server.close()
}
process.exit(failed ? 1 : 0)
