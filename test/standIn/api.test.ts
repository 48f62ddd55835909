// @vitest-environment node
/*
 * The Plaid stand-in through the official `plaid` SDK, as a gateway calls Plaid: every route the
 * gateway uses and the sandbox helpers, each answer checked against Plaid's spec facts, and every
 * refusal in Plaid's error shape.
 */
import { connect } from 'node:net'
import { CountryCode, Products } from 'plaid'
import {
  InstitutionsGetByIdResponse,
  ItemGetResponse,
  ItemPublicTokenCreateResponse,
  ItemPublicTokenExchangeResponse,
  ItemRemoveResponse,
  LinkTokenCreateResponse,
  PlaidError,
  SandboxPublicTokenCreateResponse,
  WebhookVerificationKeyGetResponse,
  validate,
} from '../../src/testing/plaidSpec.mjs'
import { createPlaidStandIn, type PlaidStandIn } from '../../src/testing'
import { raw, refusal, sdkFor } from './helpers'

// Real HTTP on a machine that may be busy: a slow run is allowed, a hang is not.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

/* How long a test waits for a request to arrive before it fails: long, as the machine may be busy. */
const ARRIVAL = { timeout: 15_000, interval: 10 }

let standIn: PlaidStandIn
beforeAll(async () => {
  standIn = await createPlaidStandIn({ clientId: 'client-under-test', secret: 'secret-under-test' })
})
afterAll(() => standIn.close())

const newItemToken = {
  client_name: 'Stand-in Tests',
  language: 'en',
  country_codes: [CountryCode.Us],
  user: { client_user_id: 'user-1' },
  products: [Products.Transactions],
  webhook: 'http://127.0.0.1:9/webhook',
}

/** Every field Plaid's errors carry, and nothing outside Plaid's error object. */
function expectPlaidError(body: Record<string, unknown>, type: string, code: string) {
  expect(validate(PlaidError, body)).toEqual([])
  expect(body).toMatchObject({ error_type: type, error_code: code })
  for (const field of ['error_message', 'display_message', 'request_id', 'documentation_url', 'suggested_action']) {
    expect(body, field).toHaveProperty(field)
  }
  expect(body.documentation_url).toMatch(/^https:\/\/plaid\.com\/docs\/errors\//)
}

describe('the routes a gateway calls', () => {
  test('a sandbox Item goes through exchange, /item/get, tokens, the institution and removal as at Plaid', async () => {
    const plaid = sdkFor(standIn)
    const created = await plaid.sandboxPublicTokenCreate({
      institution_id: 'ins_109511',
      initial_products: [Products.Transactions, Products.Auth],
      options: { webhook: 'http://127.0.0.1:9/hooks' },
    })
    expect(validate(SandboxPublicTokenCreateResponse, created.data)).toEqual([])

    const exchanged = await plaid.itemPublicTokenExchange({ public_token: created.data.public_token })
    expect(validate(ItemPublicTokenExchangeResponse, exchanged.data)).toEqual([])
    const { access_token, item_id } = exchanged.data
    expect(access_token).toMatch(/^access-sandbox-/)

    const got = await plaid.itemGet({ access_token })
    expect(validate(ItemGetResponse, got.data)).toEqual([])
    expect(got.data.item).toMatchObject({
      item_id,
      institution_id: 'ins_109511',
      institution_name: 'Tartan Bank',
      webhook: 'http://127.0.0.1:9/hooks',
      error: null,
      billed_products: ['transactions', 'auth'],
    })

    const update = await plaid.linkTokenCreate({
      client_name: 'Stand-in Tests',
      language: 'en',
      country_codes: [CountryCode.Us],
      user: { client_user_id: 'user-1' },
      access_token,
      update: { account_selection_enabled: true },
    })
    expect(validate(LinkTokenCreateResponse, update.data)).toEqual([])
    // Update-mode tokens live 30 minutes, a new Item's 4 hours.
    const life = (data: { expiration: string }) => Date.parse(data.expiration) - Date.now()
    expect(life(update.data)).toBeGreaterThan(29 * 60_000)
    expect(life(update.data)).toBeLessThanOrEqual(30 * 60_000)
    const fresh = await plaid.linkTokenCreate(newItemToken)
    expect(validate(LinkTokenCreateResponse, fresh.data)).toEqual([])
    expect(life(fresh.data)).toBeGreaterThan(239 * 60_000)

    const publicToken = await plaid.itemCreatePublicToken({ access_token })
    expect(validate(ItemPublicTokenCreateResponse, publicToken.data)).toEqual([])
    // A public token for an existing Item exchanges to that Item and its access token.
    const again = await plaid.itemPublicTokenExchange({ public_token: publicToken.data.public_token })
    expect(again.data).toMatchObject({ item_id, access_token })

    const institution = await plaid.institutionsGetById({
      institution_id: got.data.item.institution_id!,
      country_codes: [CountryCode.Us],
    })
    expect(validate(InstitutionsGetByIdResponse, institution.data)).toEqual([])
    expect(institution.data.institution).toMatchObject({ name: 'Tartan Bank', oauth: false })

    const key = await plaid.webhookVerificationKeyGet({ key_id: standIn.signer.kid })
    expect(validate(WebhookVerificationKeyGetResponse, key.data)).toEqual([])
    expect(key.data.key).toMatchObject({ alg: 'ES256', kid: standIn.signer.kid, expired_at: null })

    const removed = await plaid.itemRemove({ access_token })
    expect(validate(ItemRemoveResponse, removed.data)).toEqual([])
    const gone = await refusal(plaid.itemGet({ access_token }))
    expect(gone.status).toBe(400)
    expectPlaidError(gone.body, 'ITEM_ERROR', 'ITEM_NOT_FOUND')
    expect(standIn.item(item_id)).toMatchObject({ removed: true, institutionName: 'Tartan Bank' })
    expect(standIn.issuedAccessTokens).toContain(access_token)
  })

  test('a public token is exchanged once; the second exchange is INVALID_PUBLIC_TOKEN', async () => {
    const plaid = sdkFor(standIn)
    const { data } = await plaid.sandboxPublicTokenCreate({
      institution_id: 'ins_109508',
      initial_products: [Products.Transactions],
    })
    await plaid.itemPublicTokenExchange({ public_token: data.public_token })
    const second = await refusal(plaid.itemPublicTokenExchange({ public_token: data.public_token }))
    expect(second.status).toBe(400)
    expectPlaidError(second.body, 'INVALID_INPUT', 'INVALID_PUBLIC_TOKEN')
    expect(standIn.exchangesOf(data.public_token)).toBe(2)
    const unknown = await refusal(plaid.itemPublicTokenExchange({ public_token: 'public-sandbox-never-issued' }))
    expectPlaidError(unknown.body, 'INVALID_INPUT', 'INVALID_PUBLIC_TOKEN')
  })

  test('institutions: several, one of them OAuth, each with accounts; an unknown one is INVALID_INSTITUTION', async () => {
    const plaid = sdkFor(standIn)
    expect(standIn.institutions.length).toBeGreaterThanOrEqual(3)
    expect(standIn.institutions.filter((one) => one.oauth)).toHaveLength(1)
    for (const { institution_id, name, oauth, accounts } of standIn.institutions) {
      expect(accounts.length).toBeGreaterThan(0)
      const { data } = await plaid.institutionsGetById({
        institution_id,
        country_codes: [CountryCode.Us],
        options: { include_optional_metadata: true },
      })
      expect(data.institution).toMatchObject({ institution_id, name, oauth, logo: null })
    }
    const unknown = await refusal(
      plaid.institutionsGetById({ institution_id: 'ins_0', country_codes: [CountryCode.Us] }),
    )
    expectPlaidError(unknown.body, 'INVALID_INPUT', 'INVALID_INSTITUTION')
    const sandbox = await refusal(
      plaid.sandboxPublicTokenCreate({ institution_id: 'ins_0', initial_products: [Products.Auth] }),
    )
    expectPlaidError(sandbox.body, 'INVALID_INPUT', 'INVALID_INSTITUTION')
  })

  test('an access token it never issued is INVALID_ACCESS_TOKEN, and an unknown key id is refused', async () => {
    const plaid = sdkFor(standIn)
    const unknown = await refusal(plaid.itemGet({ access_token: 'access-sandbox-never-issued' }))
    expectPlaidError(unknown.body, 'INVALID_INPUT', 'INVALID_ACCESS_TOKEN')
    const key = await refusal(plaid.webhookVerificationKeyGet({ key_id: 'no-such-key' }))
    expectPlaidError(key.body, 'INVALID_INPUT', 'INVALID_WEBHOOK_VERIFICATION_KEY_ID')
  })
})

describe('credentials', () => {
  test('another secret or client id is INVALID_API_KEYS; none at all is MISSING_FIELDS', async () => {
    for (const headers of [
      { 'PLAID-CLIENT-ID': 'client-under-test', 'PLAID-SECRET': 'another-secret' },
      { 'PLAID-CLIENT-ID': 'another-client', 'PLAID-SECRET': 'secret-under-test' },
    ]) {
      const wrong = await refusal(sdkFor(standIn, headers).itemGet({ access_token: 'access-sandbox-x' }))
      expect(wrong.status).toBe(400)
      expectPlaidError(wrong.body, 'INVALID_INPUT', 'INVALID_API_KEYS')
    }
    const none = await fetch(standIn.basePath + '/item/get', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: 'access-sandbox-x' }),
    })
    const body = (await none.json()) as Record<string, unknown>
    expectPlaidError(body, 'INVALID_REQUEST', 'MISSING_FIELDS')
    expect(body.error_message).toMatch(/client_id, secret/)
  })

  test('credentials in the body work as Plaid allows; the defaults are documented on the stand-in', async () => {
    const answer = await fetch(standIn.basePath + '/institutions/get_by_id', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: 'client-under-test',
        secret: 'secret-under-test',
        institution_id: 'ins_109508',
        country_codes: ['US'],
      }),
    })
    expect(answer.status).toBe(200)
    const plain = await createPlaidStandIn()
    try {
      expect(plain.headers).toEqual({ 'PLAID-CLIENT-ID': plain.clientId, 'PLAID-SECRET': plain.secret })
      const { data } = await sdkFor(plain).sandboxPublicTokenCreate({
        institution_id: 'ins_109508',
        initial_products: [Products.Auth],
      })
      expect(data.public_token).toMatch(/^public-sandbox-/)
    } finally {
      await plain.close()
    }
  })
})

describe("refusals of what Plaid's schema refuses", () => {
  const cases: [string, string, Record<string, unknown>, string, RegExp][] = [
    ['an unknown top-level field', '/item/get', { access_token: 'a', extra: 1 }, 'UNKNOWN_FIELDS', /extra/],
    [
      'an unknown field in a closed object',
      '/link/token/create',
      { ...newItemToken, update: { account_selection_enabled: true, surprise: true } },
      'UNKNOWN_FIELDS',
      /update\.surprise/,
    ],
    ['a missing required field', '/item/public_token/exchange', {}, 'MISSING_FIELDS', /public_token/],
    ['a wrong type', '/item/get', { access_token: 42 }, 'INVALID_FIELD', /access_token must be a string/],
    [
      'update mode with products',
      '/link/token/create',
      { ...newItemToken, access_token: 'access-sandbox-x' },
      'INVALID_FIELD',
      /update mode must leave out products/,
    ],
    [
      "a new Item's token without products",
      '/link/token/create',
      { ...newItemToken, products: undefined },
      'INVALID_FIELD',
      /at least one product/,
    ],
    [
      'a country Plaid does not serve',
      '/link/token/create',
      { ...newItemToken, country_codes: ['XX'] },
      'INVALID_FIELD',
      /country_codes\[0\]/,
    ],
    [
      'a webhook that is not a URL',
      '/sandbox/public_token/create',
      { institution_id: 'ins_109508', initial_products: ['auth'], options: { webhook: 'not a url' } },
      'INVALID_FIELD',
      /webhook must be a URL/,
    ],
    [
      'no initial products',
      '/sandbox/public_token/create',
      { institution_id: 'ins_109508', initial_products: [] },
      'INVALID_FIELD',
      /too few items/,
    ],
    [
      'a webhook code the sandbox cannot fire',
      '/sandbox/item/fire_webhook',
      { access_token: 'a', webhook_code: 'PENDING_EXPIRATION' },
      'INVALID_FIELD',
      /webhook_code/,
    ],
  ]

  test.each(cases)(
    '%s is refused with Plaid’s error and recorded as a violation',
    async (_name, path, body, code, message) => {
      const before = standIn.violations.length
      const answer = await raw(standIn, path, { json: body })
      expect(answer.status).toBe(400)
      expectPlaidError(answer.json, 'INVALID_REQUEST', code)
      expect(answer.json.error_message).toMatch(message)
      expect(standIn.violations.length).toBeGreaterThan(before)
      expect(standIn.violations.at(-1)).toContain(path)
    },
  )
})

describe('bad input never crashes it', () => {
  test('not JSON, not an object, another method, another path, another content type: each a Plaid error', async () => {
    const notJson = await raw(standIn, '/item/get', { body: '{"access_token": ' })
    expect(notJson.status).toBe(400)
    expectPlaidError(notJson.json, 'INVALID_REQUEST', 'INVALID_BODY')
    const array = await raw(standIn, '/item/get', { json: ['access-sandbox-x'] })
    expectPlaidError(array.json, 'INVALID_REQUEST', 'INVALID_BODY')
    const get = await raw(standIn, '/item/get', { method: 'GET' })
    expect(get.status).toBe(404)
    expectPlaidError(get.json, 'INVALID_REQUEST', 'NOT_FOUND')
    const nowhere = await raw(standIn, '/no/such/route', { json: {} })
    expect(nowhere.status).toBe(404)
    expectPlaidError(nowhere.json, 'INVALID_REQUEST', 'NOT_FOUND')
    const form = await raw(standIn, '/item/get', {
      body: 'access_token=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expectPlaidError(form.json, 'INVALID_REQUEST', 'INVALID_HEADERS')
  })

  test('a body over 1 MiB is refused with 413 without being read to the end', async () => {
    const huge = await raw(standIn, '/item/get', {
      body: JSON.stringify({ access_token: 'x'.repeat(2 * 1024 * 1024) }),
    })
    expect(huge.status).toBe(413)
    expectPlaidError(huge.json, 'INVALID_REQUEST', 'INVALID_BODY')
  })

  test('malformed HTTP and a client that hangs up mid-body leave it serving', async () => {
    const malformed = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(standIn.basePath).port), '127.0.0.1')
      let answer = ''
      socket.on('data', (chunk) => (answer += chunk.toString()))
      socket.on('end', () => resolve(answer))
      socket.on('error', () => resolve(answer))
      socket.end('NOT HTTP AT ALL\r\n\r\n')
    })
    expect(malformed).toMatch(/^HTTP\/1\.1 400/)
    await new Promise<void>((resolve) => {
      const socket = connect(Number(new URL(standIn.basePath).port), '127.0.0.1', () => {
        socket.write(
          'POST /item/get HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"acc',
        )
        socket.destroy()
        resolve()
      })
    })
    const { data } = await sdkFor(standIn).institutionsGetById({
      institution_id: 'ins_109508',
      country_codes: [CountryCode.Us],
    })
    expect(data.institution.name).toBe('First Platypus Bank')
  })
})

describe('test controls', () => {
  test('every request is recorded with its path, body, headers and time', async () => {
    const plaid = sdkFor(standIn)
    const start = performance.now()
    await plaid.institutionsGetById({ institution_id: 'ins_109509', country_codes: [CountryCode.Us] })
    const request = standIn.requests.at(-1)!
    expect(request).toMatchObject({
      path: '/institutions/get_by_id',
      method: 'POST',
      body: { institution_id: 'ins_109509', country_codes: ['US'] },
      held: false,
    })
    expect(request.headers['plaid-client-id']).toBe('client-under-test')
    expect(request.at).toBeGreaterThanOrEqual(start)
    expect(Date.parse(request.receivedAt)).not.toBeNaN()
    expect(standIn.calls('/institutions/get_by_id')).toBeGreaterThan(0)
  })

  test('failNext answers the next valid request to a path, once, with a whole body or a Plaid error', async () => {
    const plaid = sdkFor(standIn)
    const { publicToken, itemId } = standIn.createPublicToken({ institutionId: 'ins_109509' })
    const { data } = await plaid.itemPublicTokenExchange({ public_token: publicToken })
    const sent = standIn.failNext('/item/get', {
      status: 400,
      error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_message: 'login required' },
    })
    // A request Plaid would refuse anyway does not use it up.
    await raw(standIn, '/item/get', { json: { access_token: data.access_token, extra: true } })
    const failed = await refusal(plaid.itemGet({ access_token: data.access_token }))
    expect(failed).toEqual({ status: 400, body: sent })
    expectPlaidError(failed.body, 'ITEM_ERROR', 'ITEM_LOGIN_REQUIRED')
    standIn.failNext('/item/get', { status: 503, body: 'maintenance', contentType: 'text/plain' })
    const text = await raw(standIn, '/item/get', { json: { access_token: data.access_token } })
    expect(text).toMatchObject({ status: 503, text: 'maintenance' })
    const served = await plaid.itemGet({ access_token: data.access_token })
    expect(served.data.item.item_id).toBe(itemId)
  })

  test('setItemError is what /item/get reports, until it is cleared', async () => {
    const plaid = sdkFor(standIn)
    const { publicToken, itemId } = standIn.createPublicToken()
    const { data } = await plaid.itemPublicTokenExchange({ public_token: publicToken })
    const error = {
      error_type: 'ITEM_ERROR',
      error_code: 'PENDING_EXPIRATION',
      error_message: 'consent expires soon',
      display_message: null,
    }
    standIn.setItemError(itemId, error)
    expect((await plaid.itemGet({ access_token: data.access_token })).data.item.error).toEqual(error)
    standIn.setItemError(itemId, null)
    expect((await plaid.itemGet({ access_token: data.access_token })).data.item.error).toBeNull()
    expect(() => standIn.setItemError('item-unknown', null)).toThrow(/no Item item-unknown/)
  })

  test('hanging holds requests unanswered, never serves them later, and counts them', async () => {
    const local = await createPlaidStandIn()
    try {
      const plaid = sdkFor(local)
      local.hang('/item/get')
      const controller = new AbortController()
      const held = plaid.itemGet({ access_token: 'access-sandbox-x' }, { signal: controller.signal }).catch((e) => e)
      await vi.waitFor(() => expect(local.held).toBe(1), ARRIVAL)
      // Other paths are still answered while one hangs.
      await plaid.institutionsGetById({ institution_id: 'ins_109508', country_codes: [CountryCode.Us] })
      local.stopHanging('/item/get')
      controller.abort()
      expect(await held).toBeInstanceOf(Error)
      await vi.waitFor(() => expect(local.held).toBe(0), ARRIVAL)
      expect(local.requests.filter((request) => request.held).map((request) => request.path)).toEqual(['/item/get'])

      local.hang()
      const all = plaid.institutionsGetById({ institution_id: 'ins_109508', country_codes: [CountryCode.Us] })
      const settled = all.then(
        () => 'answered',
        () => 'dropped',
      )
      await vi.waitFor(() => expect(local.held).toBe(1), ARRIVAL)
      local.stopHanging()
      // Closing drops what is held: the caller sees its connection end, never an answer.
      await local.close()
      expect(await settled).toBe('dropped')
    } finally {
      await local.close()
    }
  })

  test('holdUntilReleased keeps requests to a path waiting until released, then serves them', async () => {
    const plaid = sdkFor(standIn)
    const { publicToken } = standIn.createPublicToken()
    const release = standIn.holdUntilReleased('/item/public_token/exchange')
    let answered = false
    const exchange = plaid.itemPublicTokenExchange({ public_token: publicToken }).then((answer) => {
      answered = true
      return answer
    })
    await vi.waitFor(() => expect(standIn.exchangesOf(publicToken)).toBe(1), ARRIVAL)
    // Another path is served meanwhile; the held exchange is still waiting after that answer.
    await plaid.institutionsGetById({ institution_id: 'ins_109508', country_codes: [CountryCode.Us] })
    expect(answered).toBe(false)
    release()
    expect((await exchange).data.access_token).toMatch(/^access-sandbox-/)
    expect(standIn.held).toBe(0)
  })

  test('latencyMs delays every answer by at least that long', async () => {
    const plaid = sdkFor(standIn)
    standIn.latencyMs = 150
    try {
      const start = performance.now()
      await plaid.institutionsGetById({ institution_id: 'ins_109508', country_codes: [CountryCode.Us] })
      expect(performance.now() - start).toBeGreaterThanOrEqual(145)
    } finally {
      standIn.latencyMs = 0
    }
  })

  test('createPublicToken makes an Item without a request; every access token is listed for leak scans', async () => {
    const before = standIn.requests.length
    const { publicToken, itemId } = standIn.createPublicToken({
      institutionId: 'ins_127287',
      webhook: 'http://127.0.0.1:9/hook',
    })
    expect(standIn.requests.length).toBe(before)
    expect(publicToken).toMatch(/^public-sandbox-/)
    expect(standIn.item(itemId)).toMatchObject({
      institutionName: 'Platypus OAuth Bank',
      webhook: 'http://127.0.0.1:9/hook',
      removed: false,
    })
    expect(standIn.issuedAccessTokens).toContain(standIn.accessTokenOf(itemId))
    expect(standIn.items.map((item) => item.itemId)).toContain(itemId)
    expect(() => standIn.createPublicToken({ institutionId: 'ins_0' })).toThrow(/no institution ins_0/)
  })

  test('Items saved from one stand-in work in the next, as a restarted offline app needs', async () => {
    const first = await createPlaidStandIn()
    const { publicToken, itemId } = first.createPublicToken({
      institutionId: 'ins_109510',
      webhook: 'http://127.0.0.1:9/hook',
    })
    const { data } = await sdkFor(first).itemPublicTokenExchange({ public_token: publicToken })
    first.setItemError(itemId, {
      error_type: 'ITEM_ERROR',
      error_code: 'ITEM_LOGIN_REQUIRED',
      error_message: 'x',
      display_message: null,
    })
    const saved = JSON.parse(JSON.stringify(first.items)) as typeof first.items
    await first.close()
    const second = await createPlaidStandIn({ items: saved })
    try {
      const { data: got } = await sdkFor(second).itemGet({ access_token: data.access_token })
      expect(got.item).toMatchObject({
        item_id: itemId,
        institution_name: 'Tattersall Federal Credit Union',
        webhook: 'http://127.0.0.1:9/hook',
        error: { error_code: 'ITEM_LOGIN_REQUIRED' },
      })
      expect(second.issuedAccessTokens).toContain(data.access_token)
    } finally {
      await second.close()
    }
    await expect(createPlaidStandIn({ items: [{ ...saved[0]!, institutionId: 'ins_0' }] })).rejects.toThrow(
      /not one of its institutions/,
    )
  })

  test('addWebhookKey serves another key, as Plaid serves a rotated one', async () => {
    standIn.addWebhookKey({ ...standIn.signer.verificationKeyResponse().key, kid: 'rotated-key', expired_at: 1 })
    const { data } = await sdkFor(standIn).webhookVerificationKeyGet({ key_id: 'rotated-key' })
    expect(data.key).toMatchObject({ kid: 'rotated-key', expired_at: 1 })
  })
})
