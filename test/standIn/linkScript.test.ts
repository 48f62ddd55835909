// @vitest-environment node
/*
 * The Link script the Plaid stand-in serves, in Debian's Chromium: a page on 127.0.0.1 loads it
 * from the stand-in (another origin, as Plaid's CDN is), asks the real gateway for a link token,
 * opens Link, picks a bank, and sends the public token to the gateway, which exchanges it with the
 * stand-in once. Nothing leaves 127.0.0.1: every other request is aborted.
 */
import { existsSync } from 'node:fs'
import { CountryCode, Products } from 'plaid'
import { chromium, type Browser, type Page } from 'playwright-core'
import { chromiumArgs, chromiumExecutable } from '../../scripts/chromium.mjs'
import { createMemoryItemStore, createPlaidGateway, toNodeHandler } from '../../src/server'
import { createPlaidStandIn, type PlaidStandIn } from '../../src/testing'
import { refusal, sdkFor, serve } from './helpers'

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

let standIn: PlaidStandIn
let browser: Browser
let app: { url: string; close(): Promise<void> }
const store = createMemoryItemStore()
let gatewayHandler: ReturnType<typeof toNodeHandler> | undefined

/* The app's one page: a button that links a bank, and the OAuth return on the same URL. */
const page = (linkScriptUrl: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Offline Link</title>
<script src="${linkScriptUrl}"></script></head>
<body><button id="start" type="button">Link a bank</button><output id="out"></output>
<script>
const api = (path, body) =>
  fetch('/api/plaid' + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    .then((response) => response.json())
const report = (result) => { document.getElementById('out').textContent = JSON.stringify(result) }
const onSuccess = async (public_token, metadata) =>
  report({ public_token, metadata, exchanged: await api('/item/public_token/exchange', { public_token }) })
const onExit = (error) => report({ exit: error })
if (new URLSearchParams(location.search).has('oauth_state_id')) {
  Plaid.create({ token: sessionStorage.getItem('link_token'), receivedRedirectUri: location.href, onSuccess, onExit }).open()
} else {
  document.getElementById('start').onclick = async () => {
    const { link_token } = await api('/link/token/create', {})
    sessionStorage.setItem('link_token', link_token)
    Plaid.create({ token: link_token, onSuccess, onExit }).open()
  }
}
</script></body></html>`

beforeAll(async () => {
  if (!existsSync(chromiumExecutable)) throw new Error(`No Chromium at ${chromiumExecutable}; set CHROMIUM_PATH`)
  standIn = await createPlaidStandIn()
  app = await serve((req, res) => {
    if (req.url?.startsWith('/api/plaid/') && gatewayHandler) return gatewayHandler(req, res)
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(standIn.linkScriptUrl))
  })
  // The OAuth bank sends the person back to the app's page, whose address is known only now.
  const gateway = createPlaidGateway({
    plaid: sdkFor(standIn),
    store,
    getUserId: () => 'user-in-chromium',
    linkToken: {
      client_name: 'Offline Link',
      language: 'en',
      country_codes: [CountryCode.Us],
      products: [Products.Transactions],
      redirect_uri: `${app.url}/`,
    },
  })
  gatewayHandler = toNodeHandler(gateway.handle)
  browser = await chromium.launch({ executablePath: chromiumExecutable, args: chromiumArgs, headless: true })
})

afterAll(async () => {
  await browser?.close()
  await app?.close()
  await standIn?.close()
})

async function openApp(): Promise<Page> {
  const context = await browser.newContext()
  // Only 127.0.0.1 is reachable: the app and the stand-in.
  await context.route('**/*', (route) =>
    new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort(),
  )
  const tab = await context.newPage()
  await tab.goto(app.url + '/')
  return tab
}

async function result(tab: Page) {
  await tab.locator('#out:not(:empty)').waitFor()
  return JSON.parse((await tab.locator('#out').textContent())!) as {
    public_token: string
    metadata: {
      institution: { name: string; institution_id: string }
      accounts: { name: string; mask: string }[]
      link_session_id: string
    }
    exchanged: { item_id: string }
  }
}

test('Link from the stand-in’s script: pick a bank, and the public token is exchanged once', async () => {
  const tab = await openApp()
  expect(await tab.evaluate(() => typeof (window as unknown as { Plaid?: unknown }).Plaid)).toBe('object')
  await tab.getByRole('button', { name: 'Link a bank' }).click()
  const picker = tab.getByRole('dialog', { name: 'Select your bank' })
  await picker.getByRole('button', { name: 'First Platypus Bank' }).click()
  await tab
    .getByRole('dialog', { name: 'Connect First Platypus Bank' })
    .getByRole('button', { name: 'Continue' })
    .click()

  const { public_token, metadata, exchanged } = await result(tab)
  expect(metadata.institution).toEqual({ name: 'First Platypus Bank', institution_id: 'ins_109508' })
  expect(metadata.accounts.map(({ name, mask }) => `${name} ${mask}`)).toContain('Plaid Checking 0000')
  expect(metadata.link_session_id).toMatch(/^link-session-/)
  expect(exchanged.item_id).toBe(standIn.items.at(-1)!.itemId)
  expect(standIn.exchangesOf(public_token)).toBe(1)
  const again = await refusal(sdkFor(standIn).itemPublicTokenExchange({ public_token }))
  expect(again.body.error_code).toBe('INVALID_PUBLIC_TOKEN')
  await tab.context().close()
})

test('an OAuth bank: Link leaves for the bank’s page, which sends the person back to finish', async () => {
  const tab = await openApp()
  await tab.getByRole('button', { name: 'Link a bank' }).click()
  await tab
    .getByRole('dialog', { name: 'Select your bank' })
    .getByRole('button', { name: 'Platypus OAuth Bank' })
    .click()
  await tab
    .getByRole('dialog', { name: 'Connect Platypus OAuth Bank' })
    .getByRole('button', { name: 'Continue to Platypus OAuth Bank' })
    .click()
  // The bank's own page, on the stand-in's origin.
  await tab.waitForURL((url) => url.origin === standIn.basePath)
  await tab.getByRole('button', { name: 'Allow' }).click()
  await tab.waitForURL((url) => url.origin === app.url && url.searchParams.has('oauth_state_id'))
  await tab
    .getByRole('dialog', { name: 'Finish connecting Platypus OAuth Bank' })
    .getByRole('button', { name: 'Continue' })
    .click()

  const { public_token, metadata, exchanged } = await result(tab)
  expect(metadata.institution.name).toBe('Platypus OAuth Bank')
  expect(standIn.item(exchanged.item_id)).toMatchObject({ institutionId: 'ins_127287' })
  expect(standIn.exchangesOf(public_token)).toBe(1)
  expect((await store.list('user-in-chromium')).map((item) => item.itemId)).toContain(exchanged.item_id)
  await tab.context().close()
})
