/*
 * Installs the packed tarball into a separate consumer project and uses it there the way an app
 * would: by ESM import and by CJS require, with react, react-dom and swr as the app's own copies.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'

const root = resolve(__dirname, '../..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
let workDir = ''
let consumer = ''

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'plaid-react-consumer-'))
  run('npm', ['run', 'build'], root)
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', workDir], root))
  const tarball = join(workDir, packed[0].filename)
  consumer = join(workDir, 'app')
  mkdirSync(consumer)
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      dependencies: {
        '@utdk/plaid-react': `file:${tarball}`,
        react: pkg.devDependencies.react,
        'react-dom': pkg.devDependencies['react-dom'],
        swr: pkg.devDependencies.swr,
      },
    }),
  )
  run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=optional'],
    consumer,
  )
})

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true })
})

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

test('the tarball holds the built files and the client files start with "use client"', () => {
  const dist = join(consumer, 'node_modules/@utdk/plaid-react/dist')
  const files = readdirSync(dist)
  for (const file of ['index.mjs', 'index.js', 'index.d.ts', 'index.d.mts']) expect(files).toContain(file)
  for (const file of ['index.mjs', 'index.js']) {
    expect(readFileSync(join(dist, file), 'utf8').split('\n')[0]).toBe('"use client";')
  }
  expect(files.some((file) => file.endsWith('.test.js') || file.endsWith('.tsx'))).toBe(false)
})
