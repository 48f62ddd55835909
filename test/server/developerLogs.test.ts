// @vitest-environment node
/*
 * Failures a developer can see (contract v3, section 13, the server's side): without onError the
 * gateway logs each failure once with console.error (the route, the code, the cause), never a
 * secret or an access token; and a gateway made without linkToken.products says so at once.
 */
import { createMemoryItemStore, createPlaidGateway, type ItemStore } from '../../src/server'
import { createPlaidStandIn, type PlaidStandIn } from '../../src/testing'
import {
  CLIENT_ID,
  EXCHANGE,
  LINK_TOKEN_CREATE,
  LINK_TOKEN_FIELDS,
  SECRET,
  plaidApi,
  postTo,
  sessionUser,
} from './harness'

let standIn: PlaidStandIn

beforeAll(async () => {
  standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
})
afterAll(() => standIn.close())

function quietGateway(store: ItemStore = createMemoryItemStore()) {
  return createPlaidGateway({
    plaid: plaidApi(standIn),
    store,
    getUserId: sessionUser,
    linkToken: LINK_TOKEN_FIELDS,
    basePath: '/api/plaid',
    waitUntil: () => undefined,
  })
}

it('logs each failure once, naming the route, the status, the code and the cause, with no secret', async () => {
  const errorLines = vi.spyOn(console, 'error').mockImplementation(() => undefined)
  const inner = createMemoryItemStore()
  const store: ItemStore = {
    ...inner,
    async get() {
      // The kind of message a database error carries: the values of the statement.
      throw new Error(`timeout reading access-sandbox-5f1e2d3c-0000 for ${CLIENT_ID} with ${SECRET}`)
    },
  }
  const gateway = quietGateway(store)
  const { publicToken } = standIn.createPublicToken()
  expect((await postTo(gateway, EXCHANGE, { public_token: publicToken })).status).toBe(401)
  expect((await postTo(gateway, '/item/unknown', {}, 'user-a')).status).toBe(404)
  expect((await postTo(gateway, LINK_TOKEN_CREATE, { item_id: 'item-1' }, 'user-a')).status).toBe(500)
  expect((await postTo(gateway, EXCHANGE, { public_token: 'public-sandbox-spent' }, 'user-a')).status).toBe(400)

  expect(errorLines.mock.calls).toEqual([
    [
      '@utdk/plaid-react/server: POST /api/plaid/item/public_token/exchange answered 401 UNAUTHORIZED: ' +
        'The request has no signed-in user; sign in and try again.',
    ],
    [expect.stringMatching(/^@utdk\/plaid-react\/server: POST \/api\/plaid\/item\/unknown answered 404 NOT_FOUND: /)],
    [
      '@utdk/plaid-react/server: POST /api/plaid/link/token/create answered 500 INTERNAL_SERVER_ERROR: ' +
        'timeout reading [redacted] for [redacted] with [redacted]',
    ],
    [
      '@utdk/plaid-react/server: POST /api/plaid/item/public_token/exchange answered 400 INVALID_PUBLIC_TOKEN: ' +
        'the public token is unknown, expired, or was already exchanged; public tokens are single-use and live 30 minutes',
    ],
  ])
})

it('logs nothing when the app has onError: the app decides where failures go', async () => {
  const errorLines = vi.spyOn(console, 'error').mockImplementation(() => undefined)
  const seen: string[] = []
  const gateway = createPlaidGateway({
    plaid: plaidApi(standIn),
    store: createMemoryItemStore(),
    getUserId: sessionUser,
    linkToken: LINK_TOKEN_FIELDS,
    onError: (event) => {
      seen.push(event.errorCode)
    },
  })
  await postTo(gateway, EXCHANGE, { public_token: 'x' })
  expect(seen).toEqual(['UNAUTHORIZED'])
  expect(errorLines).not.toHaveBeenCalled()
})

it('keeps an unknown path short in the log line', async () => {
  const errorLines = vi.spyOn(console, 'error').mockImplementation(() => undefined)
  await postTo(quietGateway(), '/' + 'x'.repeat(5000), {}, 'user-a')
  const line = errorLines.mock.calls[0]![0] as string
  expect(line).toContain('x'.repeat(100))
  expect(line).not.toContain('x'.repeat(200))
})

it('warns once, when it is made, that new Items need linkToken.products, and not when they are given', () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  const { products: _products, optional_products: _optional, ...withoutProducts } = LINK_TOKEN_FIELDS
  const options = {
    plaid: plaidApi(standIn),
    store: createMemoryItemStore(),
    getUserId: sessionUser,
  }
  createPlaidGateway({ ...options, linkToken: LINK_TOKEN_FIELDS })
  expect(warn).not.toHaveBeenCalled()
  createPlaidGateway({ ...options, linkToken: withoutProducts })
  createPlaidGateway({ ...options, linkToken: { ...withoutProducts, products: [] } })
  expect(warn).toHaveBeenCalledTimes(2)
  expect(warn.mock.calls[0]![0]).toBe(
    'createPlaidGateway: linkToken.products is needed for new Items (a new-Item Link token needs at least one ' +
      'product, such as Products.Transactions of the plaid SDK); update mode works without it. Until it is set, ' +
      '/link/token/create for a new Item answers 500. Add it, e.g. linkToken: { client_name, language, ' +
      'country_codes, products: [Products.Transactions] }.',
  )
})
