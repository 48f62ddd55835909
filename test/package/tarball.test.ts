/*
 * Installs the packed tarball into a separate consumer project and uses it there the way an app
 * would: by ESM import and by CJS require, with react, react-dom and swr as the app's own copies.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, inject, test } from 'vitest'
import { CLIENT_ONLY, importsOf } from '../helpers/builtFiles'
import { createConsumer, run } from './consumer'

let consumer = ''
let remove = () => {}

beforeAll(() => {
  ;({ dir: consumer, remove } = createConsumer(inject('tarball'), ['react', 'react-dom', 'swr', 'msw']))
})

afterAll(() => remove())

// Renders both hooks on the server (which runs them, including swr/mutation's import) and checks
// that the error class keeps its contract from the installed copy.
const usage = (load: string) => `
${load}
function App() {
  const exchange = useExchangePublicToken()
  const update = useUpdateModeToken('item-1')
  return createElement('p', null, 'loading=' + exchange.isLoading + ' token=' + String(update.token) + ' exchange=' + typeof exchange.exchange)
}
const html = renderToString(createElement(PlaidGatewayProvider, { baseUrl: '/api/plaid' }, createElement(App)))
const error = new PlaidGatewayError({ status: 400, errorType: 'ITEM_ERROR', errorCode: 'ITEM_LOGIN_REQUIRED', errorMessage: 'login required' })
console.log(JSON.stringify({ html, name: error.name, isError: error instanceof Error, narrows: error instanceof PlaidGatewayError, displayMessage: error.displayMessage }))
`

const expected = {
  html: '<p>loading=false token=undefined exchange=function</p>',
  name: 'PlaidGatewayError',
  isError: true,
  narrows: true,
  displayMessage: null,
}

test('the tarball works from an ES module', () => {
  writeFileSync(
    join(consumer, 'esm.mjs'),
    usage(`import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { PlaidGatewayError, PlaidGatewayProvider, useExchangePublicToken, useUpdateModeToken } from '@utdk/plaid-react'`),
  )
  expect(JSON.parse(run('node', ['esm.mjs'], consumer))).toEqual(expected)
})

test('the tarball works from CommonJS require', () => {
  writeFileSync(
    join(consumer, 'cjs.cjs'),
    usage(`const { createElement } = require('react')
const { renderToString } = require('react-dom/server')
const { PlaidGatewayError, PlaidGatewayProvider, useExchangePublicToken, useUpdateModeToken } = require('@utdk/plaid-react')`),
  )
  expect(JSON.parse(run('node', ['cjs.cjs'], consumer))).toEqual(expected)
})

// An app that loads the ESM build through one import and the CJS build through another: a
// provider from one copy configures the hooks of the other, and a public token is sent once.
test('the ESM and CJS builds on one page share the provider and the single-use registry', () => {
  writeFileSync(
    join(consumer, 'split.mjs'),
    `import { createRequire } from 'node:module'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { useExchangePublicToken } from '@utdk/plaid-react'
const { PlaidGatewayProvider, useExchangePublicToken: useExchangeFromCjs } = createRequire(import.meta.url)('@utdk/plaid-react')
const sent = []
const gateway = async (url) => {
  sent.push(String(url))
  return new Response(JSON.stringify({ item_id: 'item-split' }), { headers: { 'Content-Type': 'application/json' } })
}
let fromEsm, fromCjs
function App() {
  fromEsm = useExchangePublicToken().exchange
  fromCjs = useExchangeFromCjs().exchange
  return null
}
renderToString(createElement(PlaidGatewayProvider, { baseUrl: 'https://gw.example.com/plaid', fetch: gateway }, createElement(App)))
const results = await Promise.all([fromEsm('public-sandbox-split'), fromCjs('public-sandbox-split')])
console.log(JSON.stringify({ sent, results }))
`,
  )
  expect(JSON.parse(run('node', ['split.mjs'], consumer))).toEqual({
    sent: ['https://gw.example.com/plaid/item/public_token/exchange'],
    results: [{ itemId: 'item-split' }, { itemId: 'item-split' }],
  })
})

// Production builds keep only the error code in the package's own messages (the explanations are
// for developers), but the secret guard still says where the secret belongs. `exchange` is taken
// from a server render and called outside React, which is enough to drive the request module.
test('error messages: explanations in development, codes in production, the secret guard in both', () => {
  writeFileSync(
    join(consumer, 'messages.mjs'),
    `import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { useExchangePublicToken } from '@utdk/plaid-react'
const errors = []
const badGateway = async () => new Response('<h1>Bad gateway</h1>', { status: 502 })
let html, empty, secret
function App() {
  html = useExchangePublicToken({ fetch: badGateway, onError: (e) => errors.push(e) }).exchange
  empty = useExchangePublicToken({ onError: (e) => errors.push(e) }).exchange
  secret = useExchangePublicToken({ headers: { 'Plaid-Secret': 'x' }, fetch: badGateway, onError: (e) => errors.push(e) }).exchange
  return null
}
renderToString(createElement(App))
await html('public-sandbox-1')
await empty('')
await secret('public-sandbox-2')
console.log(JSON.stringify(errors.map((e) => [e.errorCode, e.message, e.status ?? null])))
`,
  )
  const messages = (env: string) =>
    JSON.parse(
      execFileSync('node', ['messages.mjs'], {
        cwd: consumer,
        encoding: 'utf8',
        env: { ...process.env, NODE_ENV: env },
      }),
    ) as [string, string, number | null][]

  const production = messages('production')
  expect(production.slice(0, 2)).toEqual([
    ['HTTP_ERROR', 'HTTP_ERROR', 502],
    ['INVALID_INPUT', 'INVALID_INPUT', null],
  ])
  const development = messages('development')
  expect(development.map(([code]) => code)).toEqual(['HTTP_ERROR', 'INVALID_INPUT', 'SECRET_ON_CLIENT'])
  expect(development[0]![1]).toMatch(/HTTP 502.*error_type/)
  expect(development[1]![1]).toMatch(/useExchangePublicToken.*non-empty string/)
  for (const [code, message] of [production[2]!, development[2]!]) {
    expect(code).toBe('SECRET_ON_CLIENT')
    expect(message).toMatch(/PLAID-SECRET.*belong on the gateway/)
  }
})

// The server entry loads without React and without the optional `plaid` peer (it needs only a
// PlaidApi object, passed in), and the testing entry gives msw handlers.
test('the ./server and ./testing entries work by import and by require', () => {
  const server = `
const store = createMemoryItemStore()
await store.save({ userId: 'user-1', itemId: 'item-1', accessToken: 'access-sandbox-x' })
// A signed webhook loads jose (the server entry's one dependency) from the installed package.
const signer = await createPlaidWebhookSigner()
const webhookBody = JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id: 'item-1' })
const gateway = createPlaidGateway({
  plaid: {
    itemPublicTokenExchange() {},
    linkTokenCreate() {},
    itemCreatePublicToken() {},
    webhookVerificationKeyGet: async () => ({ data: signer.verificationKeyResponse() }),
  },
  store,
  getUserId: async () => null,
  linkToken: { client_name: 'Consumer', language: 'en', country_codes: ['US'] },
})
const answer = await gateway.handle(new Request('http://localhost/api/plaid/link/token/create', { method: 'POST' }))
const webhook = await gateway.handle(new Request('http://localhost/api/plaid/webhook', {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'plaid-verification': await signer.sign(webhookBody) },
  body: webhookBody,
}))
console.log(JSON.stringify({
  own: await store.get('user-1', 'item-1'),
  foreign: (await store.get('user-2', 'item-1')) ?? null,
  status: answer.status,
  code: (await answer.json()).error_code,
  webhook: webhook.status,
  itemStatus: (await store.list('user-1'))[0].status,
  node: typeof toNodeHandler(gateway.handle),
  handlers: sandboxGateway().length,
  link: typeof installPlaidLinkSandbox,
  // Only CommonJS loads show up in require.cache, so this means something for server.cjs.
  reactRequired: Object.keys(require.cache).some((file) => /node_modules[\\/]react[\\/]/.test(file)),
}))
`
  writeFileSync(
    join(consumer, 'server.mjs'),
    `import { createRequire } from 'node:module'
import { createMemoryItemStore, createPlaidGateway, toNodeHandler } from '@utdk/plaid-react/server'
import { createPlaidWebhookSigner, installPlaidLinkSandbox, sandboxGateway } from '@utdk/plaid-react/testing'
const require = createRequire(import.meta.url)
${server}`,
  )
  writeFileSync(
    join(consumer, 'server.cjs'),
    `const { createMemoryItemStore, createPlaidGateway, toNodeHandler } = require('@utdk/plaid-react/server')
const { createPlaidWebhookSigner, installPlaidLinkSandbox, sandboxGateway } = require('@utdk/plaid-react/testing')
;(async () => {${server}})()`,
  )
  const expected = {
    own: 'access-sandbox-x',
    foreign: null,
    status: 401,
    code: 'UNAUTHORIZED',
    webhook: 200,
    itemStatus: 'new_accounts_available',
    node: 'function',
    handlers: 6,
    link: 'function',
    reactRequired: false,
  }
  expect(JSON.parse(run('node', ['server.mjs'], consumer))).toEqual(expected)
  expect(JSON.parse(run('node', ['server.cjs'], consumer))).toEqual(expected)
  const serverFile = readFileSync(join(consumer, 'node_modules/@utdk/plaid-react/dist/server.mjs'), 'utf8')
  expect(serverFile.startsWith('"use client"')).toBe(false)
})

test('the tarball holds the built files and the client files start with "use client"', () => {
  const dist = join(consumer, 'node_modules/@utdk/plaid-react/dist')
  const files = readdirSync(dist)
  for (const file of ['index.mjs', 'index.js', 'index.d.ts', 'index.d.mts']) expect(files).toContain(file)
  // One file per client module; every one of them is client code.
  const clientFiles = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter(
    (file) => /\.m?js$/.test(file) && !/^(server|testing)\./.test(file),
  )
  expect(clientFiles).toEqual(expect.arrayContaining(['index.mjs', 'index.js', 'useExchangePublicToken.mjs']))
  for (const file of clientFiles) {
    expect(readFileSync(join(dist, file), 'utf8').split('\n')[0], file).toBe('"use client";')
  }
  expect(files.some((file) => file.endsWith('.test.js') || file.endsWith('.tsx'))).toBe(false)
})

test.each(['server.d.ts', 'server.d.mts'])('%s declares the gateway and refers to no client code', (file) => {
  const types = readFileSync(join(consumer, 'node_modules/@utdk/plaid-react/dist', file), 'utf8')
  expect(types).not.toMatch(CLIENT_ONLY)
  expect(importsOf(types).filter((name) => name !== 'plaid' && name !== 'node:http')).toEqual([])
  for (const name of ['createPlaidGateway', 'createMemoryItemStore', 'toNodeHandler', 'ItemStore']) {
    expect(types).toContain(name)
  }
})

test.each(['index.d.ts', 'index.d.mts'])('%s refers to none of the server code', (file) => {
  const types = readFileSync(join(consumer, 'node_modules/@utdk/plaid-react/dist', file), 'utf8')
  expect(types).not.toMatch(/createPlaidGateway|toNodeHandler|createMemoryItemStore|ItemStore/)
  expect(importsOf(types)).not.toContain('plaid')
  expect(types).toContain('useExchangePublicToken')
})

// The development console messages of the Link flows (contract, section 13) must not reach an
// app's production bundle: bundled from the installed package as an app's bundler would.
test('the development console messages are in development bundles only', async () => {
  const { build } = await import('esbuild')
  const bundle = async (env: string) => {
    const result = await build({
      stdin: { contents: `export * from '@utdk/plaid-react'`, resolveDir: consumer, loader: 'js' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      external: ['react', 'react-dom', 'react/jsx-runtime', 'swr', 'swr/*'],
      define: { 'process.env.NODE_ENV': JSON.stringify(env) },
      logLevel: 'silent',
    })
    return result.outputFiles[0]!.text
  }
  const phrases = [
    'Nothing there answers it',
    'PlaidGatewayProvider above this component',
    'CORS preflights',
    'failed with ',
  ]
  const development = await bundle('development')
  for (const phrase of phrases) expect(development).toContain(phrase)
  const production = await bundle('production')
  for (const phrase of phrases) expect(production).not.toContain(phrase)
  expect(production).not.toContain('console.error')
})
