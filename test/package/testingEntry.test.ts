/*
 * The `./testing` entry of the packed tarball, from separate projects: one without msw, where the
 * signer, the store contract and the Plaid stand-in work by import and by require and every msw
 * function says how to install msw; and one with msw, where the handlers serve through msw's
 * setupServer from either module format, also when the two formats are mixed.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { createConsumer, run } from './consumer'

const MSW_FUNCTIONS = [
  'sandboxGateway',
  'sandboxGatewayError',
  'sandboxHtmlError',
  'sandboxSilentGateway',
  'sandboxLeakyGateway',
]

/*
 * What an app's server-side tests do without msw: sign a webhook and have the gateway verify it,
 * run the store contract, and drive the stand-in with the real SDK, then call each function that makes msw handlers.
 */
const withoutMsw = `
const store = createMemoryItemStore()
const signer = await createPlaidWebhookSigner()
const standIn = await createPlaidStandIn({ webhookSigner: signer })
const plaid = new PlaidApi(new Configuration({ basePath: standIn.basePath, baseOptions: { headers: standIn.headers } }))
const gateway = createPlaidGateway({
  plaid,
  store,
  getUserId: async () => 'user-1',
  linkToken: { client_name: 'Consumer', language: 'en', country_codes: ['US'], products: ['transactions'] },
})
const { data: created } = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions'] })
const exchange = await gateway.handle(new Request('http://localhost/api/plaid/item/public_token/exchange', {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ public_token: created.public_token }),
}))
const { item_id } = await exchange.json()
const body = JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id, environment: 'sandbox' })
const webhook = await gateway.handle(new Request('http://localhost/api/plaid/webhook', {
  method: 'POST', headers: { 'content-type': 'application/json', 'plaid-verification': await signer.sign(body) }, body,
}))
let contract = 0
for (const { run } of itemStoreContract(() => createMemoryItemStore())) { await run(); contract++ }
const helpers = {}
for (const name of ${JSON.stringify(MSW_FUNCTIONS)}) {
  try { testing[name](); helpers[name] = 'no error' } catch (error) { helpers[name] = error.message }
}
await standIn.close()
console.log(JSON.stringify({
  exchanged: exchange.status,
  exchangesAtPlaid: standIn.exchangesOf(created.public_token),
  webhook: webhook.status,
  status: (await store.list('user-1'))[0].status,
  contract,
  helpers,
  items: testing.createSandboxItems(['item-1']).list().length,
  errors: Object.keys(testing.sandboxErrors).length > 0,
  link: typeof testing.installPlaidLinkSandbox,
}))
`

describe('without msw installed', () => {
  let consumer = ''
  let remove = () => {}
  beforeAll(() => {
    ;({ dir: consumer, remove } = createConsumer(inject('tarball'), ['plaid']))
  })
  afterAll(() => remove())

  const check = (output: string) => {
    const result = JSON.parse(output) as Record<string, unknown> & { helpers: Record<string, string> }
    expect(result).toMatchObject({
      exchanged: 200,
      exchangesAtPlaid: 1,
      webhook: 200,
      status: 'new_accounts_available',
      items: 1,
      errors: true,
      link: 'function',
    })
    expect(result.contract).toBeGreaterThan(5)
    for (const name of MSW_FUNCTIONS) {
      expect(result.helpers[name], name).toMatch(
        new RegExp(`^${name}\\(\\) .*msw could not be loaded.*npm install -D msw$`),
      )
    }
  }

  test('the project really has no msw', () => {
    expect(existsSync(join(consumer, 'node_modules/msw'))).toBe(false)
  })

  test('an ES module imports the testing entry and uses the signer, the store contract and the stand-in', () => {
    writeFileSync(
      join(consumer, 'no-msw.mjs'),
      `import * as testing from '@utdk/plaid-react/testing'
import { createMemoryItemStore, createPlaidGateway } from '@utdk/plaid-react/server'
import { Configuration, PlaidApi } from 'plaid'
const { createPlaidStandIn, createPlaidWebhookSigner, itemStoreContract } = testing
${withoutMsw}`,
    )
    check(run('node', ['no-msw.mjs'], consumer))
  })

  test('CommonJS requires it and does the same', () => {
    writeFileSync(
      join(consumer, 'no-msw.cjs'),
      `const testing = require('@utdk/plaid-react/testing')
const { createMemoryItemStore, createPlaidGateway } = require('@utdk/plaid-react/server')
const { Configuration, PlaidApi } = require('plaid')
const { createPlaidStandIn, createPlaidWebhookSigner, itemStoreContract } = testing
;(async () => {${withoutMsw}})()`,
    )
    check(run('node', ['no-msw.cjs'], consumer))
  })
})

/* Handlers from the testing entry answer through msw's Node server. */
const withMsw = `
const server = setupServer(...sandboxGateway({ baseUrl: 'http://gateway.test/api/plaid', latencyMs: 0, items: ['item-1'] }))
server.listen({ onUnhandledRequest: 'error' })
const post = (path, body) => fetch('http://gateway.test/api/plaid' + path, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
}).then(async (response) => [response.status, await response.json()])
const [exchanged, first] = await post('/item/public_token/exchange', { public_token: 'public-sandbox-1' })
const [again, second] = await post('/item/public_token/exchange', { public_token: 'public-sandbox-1' })
const [token, linkToken] = await post('/link/token/create', { item_id: 'item-1' })
server.close()
console.log(JSON.stringify({ exchanged, item: first.item_id.startsWith('item-sandbox-'), again, code: second.error_code, token, link: linkToken.link_token.startsWith('link-sandbox-') }))
`
const servedByMsw = {
  exchanged: 200,
  item: true,
  again: 400,
  code: 'INVALID_PUBLIC_TOKEN',
  token: 200,
  link: true,
}

describe('with msw installed', () => {
  let consumer = ''
  let remove = () => {}
  beforeAll(() => {
    ;({ dir: consumer, remove } = createConsumer(inject('tarball'), ['msw']))
  })
  afterAll(() => remove())

  test.each([
    ['an ES module, both by import', 'import', 'import'],
    ['CommonJS, both by require', 'require', 'require'],
    // msw tells a handler by its `kind`, so handlers of msw's CommonJS build work in its ESM server.
    ['the CommonJS testing build with msw/node by import', 'require', 'import'],
    ['the ESM testing build with msw/node by require', 'import', 'require'],
  ])('sandboxGateway serves through setupServer: %s', (_name, testingBy, mswBy) => {
    const load = (by: string, names: string, from: string) =>
      by === 'import' ? `const { ${names} } = await import('${from}')` : `const { ${names} } = require('${from}')`
    writeFileSync(
      join(consumer, 'msw.mjs'),
      `import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
${load(testingBy, 'sandboxGateway', '@utdk/plaid-react/testing')}
${load(mswBy, 'setupServer', 'msw/node')}
${withMsw}`,
    )
    expect(JSON.parse(run('node', ['msw.mjs'], consumer))).toEqual(servedByMsw)
  })
})
