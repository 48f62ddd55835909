// Serves the static Storybook build from a plain file server, under a sub-path as a docs site
// would, and drives the Dashboard story in Chromium: proof that the built site ships msw's
// worker and runs with no Storybook server and no network.
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { extname, join, normalize } from 'node:path'
import { chromium } from 'playwright'
import { chromiumArgs, chromiumExecutable } from './chromium.mjs'

const root = join(process.cwd(), 'storybook-static')
const prefix = '/docs/storybook'
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
const { port } = server.address()

const browser = await chromium.launch({ executablePath: chromiumExecutable, args: ['--headless', ...chromiumArgs] })
let failed = false
try {
  const page = await browser.newPage()
  const external = []
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`  page console: ${message.text()}`)
  })
  page.on('response', (response) => {
    if (response.status() >= 400) console.error(`  ${response.status()} ${response.url()}`)
  })
  page.on('request', (request) => {
    if (!request.url().startsWith(`http://127.0.0.1:${port}/`)) external.push(request.url())
  })
  const worker = await page.request.get(`http://127.0.0.1:${port}${prefix}/mockServiceWorker.js`)
  if (!worker.ok()) throw new Error(`mockServiceWorker.js is not served (${worker.status()})`)
  // The preview runs each story's play function; these end only if the mocked gateway answered.
  const story = (id) => `http://127.0.0.1:${port}${prefix}/iframe.html?id=${id}&viewMode=story`
  await page.goto(story('demo-dashboard--repair-and-connect'))
  await page.getByText('First Platypus Bank is connected.').waitFor({ timeout: 20_000 })
  if ((await page.getByText('Sign-in needed').count()) !== 0) throw new Error('the Dashboard repair did not finish')
  await page.goto(story('hooks-useupdatemodetoken--link-token'))
  await page.getByText(/^link-sandbox-/).waitFor({ timeout: 20_000 })
  await page.goto(story('components-linkrepairbutton--success'))
  await page.locator('[data-state="success"]').first().waitFor({ timeout: 20_000 })
  if (external.length > 0) throw new Error(`the page reached outside the static server: ${external.join(', ')}`)
  console.log(
    `static Storybook: OK (served under ${prefix}, the mocked gateway answered, ${external.length} outside requests)`,
  )
} catch (error) {
  failed = true
  console.error('static Storybook check failed:', error)
} finally {
  await browser.close()
  server.close()
}
process.exit(failed ? 1 : 0)
