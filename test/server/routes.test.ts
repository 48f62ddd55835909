// @vitest-environment node
/*
 * Every row of the contract's route and error tables, through the real `plaid` SDK to the Plaid
 * stand-in, both over HTTP (toNodeHandler) and by calling `handle` directly.
 */
import {
  LINK_TOKEN_PRODUCT_FIELDS,
  LinkTokenCreateResponse,
  PlaidError,
  linkTokenModeProblems,
  validate,
} from '../../src/testing/plaidSpec.mjs'
import {
  EXCHANGE,
  LINK_TOKEN_CREATE,
  LINK_TOKEN_FIELDS,
  PLAID_REQUEST_ID,
  PUBLIC_TOKEN_CREATE,
  STAND_IN_INSTITUTION,
  UPDATE_MODE_FIELDS,
  scanForSecrets,
  setupGatewaySuite,
  type Answer,
  type Transport,
} from './harness'

const suite = setupGatewaySuite()
const { consoleLines } = scanForSecrets(() => suite.standIn.issuedAccessTokens)

const ROUTES = [EXCHANGE, LINK_TOKEN_CREATE, PUBLIC_TOKEN_CREATE]

function expectError(answer: Answer, status: number, errorType: string, errorCode: string) {
  expect(answer.status, answer.text).toBe(status)
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/)
  expect(answer.json).toMatchObject({ error_type: errorType, error_code: errorCode, display_message: null })
  expect(typeof answer.json.error_message).toBe('string')
  // Plaid's documented error object, and nothing outside it.
  expect(validate(PlaidError, answer.json)).toEqual([])
}

function plaidCalls() {
  return suite.standIn.requests.length
}

afterEach(() => {
  expect(suite.standIn.violations).toEqual([])
})

afterAll(() => {
  expect(consoleLines).toEqual([])
})

describe.each<Transport>(['http', 'direct'])('over %s', (transport) => {
  describe('405 METHOD_NOT_ALLOWED', () => {
    it.each(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('answers %s with 405 and Allow: POST', async (method) => {
      const before = { plaid: plaidCalls(), users: suite.userIdCalls }
      const answer = await suite.post(transport, EXCHANGE, { public_token: 'x' }, { method, user: 'user-a' })
      expectError(answer, 405, 'INVALID_REQUEST', 'METHOD_NOT_ALLOWED')
      expect(answer.headers.get('allow')).toBe('POST')
      expect(plaidCalls()).toBe(before.plaid)
      expect(suite.userIdCalls).toBe(before.users)
    })

    it('checks the method before the path', async () => {
      const answer = await suite.post(transport, '/nowhere', undefined, { method: 'GET' })
      expectError(answer, 405, 'INVALID_REQUEST', 'METHOD_NOT_ALLOWED')
    })
  })

  describe('404 NOT_FOUND', () => {
    it.each([
      ['an unknown route under basePath', '/api/plaid/item/unknown'],
      ['basePath itself', '/api/plaid'],
      ['basePath with a slash', '/api/plaid/'],
      ['a route with a trailing slash', '/api/plaid/link/token/create/'],
      ['a route outside basePath', '/item/public_token/exchange'],
      ['another prefix', '/api/other/item/public_token/exchange'],
      ['a prefix that only starts like basePath', '/api/plaidx/item/public_token/exchange'],
      ['a route below a route', '/api/plaid/link/token/create/extra'],
    ])('answers %s with 404', async (_name, fullPath) => {
      const before = { plaid: plaidCalls(), users: suite.userIdCalls }
      const answer = await suite.post(transport, '', { public_token: 'x' }, { fullPath, user: 'user-a' })
      expectError(answer, 404, 'INVALID_REQUEST', 'NOT_FOUND')
      expect(plaidCalls()).toBe(before.plaid)
      expect(suite.userIdCalls).toBe(before.users)
    })

    it('checks the path before the user', async () => {
      const answer = await suite.post(transport, '', {}, { fullPath: '/api/plaid/unknown' })
      expectError(answer, 404, 'INVALID_REQUEST', 'NOT_FOUND')
    })
  })

  describe('401 UNAUTHORIZED', () => {
    it.each(ROUTES)('answers %s without a signed-in user with 401, before reading the body', async (route) => {
      const before = { plaid: plaidCalls(), gets: suite.store.gets }
      // A body that is too large and not JSON: 401 still comes first.
      const answer = await suite.post(transport, route, undefined, { raw: '{' + ' '.repeat(20_000) })
      expectError(answer, 401, 'INVALID_REQUEST', 'UNAUTHORIZED')
      expect(plaidCalls()).toBe(before.plaid)
      expect(suite.store.gets).toBe(before.gets)
    })
  })

  describe('413 REQUEST_TOO_LARGE', () => {
    it('accepts a body of exactly 16384 bytes', async () => {
      const { publicToken, itemId } = suite.standIn.createPublicToken()
      const json = JSON.stringify({ public_token: publicToken })
      const raw = json.slice(0, -1) + ' '.repeat(16_384 - json.length) + '}'
      expect(new TextEncoder().encode(raw).byteLength).toBe(16_384)
      const answer = await suite.post(transport, EXCHANGE, undefined, { raw, user: 'user-size' })
      expect(answer.status, answer.text).toBe(200)
      expect(answer.json.item_id).toBe(itemId)
    })

    it('answers a body of 16385 bytes with 413 and does not call Plaid', async () => {
      const { publicToken } = suite.standIn.createPublicToken()
      const json = JSON.stringify({ public_token: publicToken })
      const raw = json.slice(0, -1) + ' '.repeat(16_385 - json.length) + '}'
      const before = plaidCalls()
      const answer = await suite.post(transport, EXCHANGE, undefined, { raw, user: 'user-size' })
      expectError(answer, 413, 'INVALID_REQUEST', 'REQUEST_TOO_LARGE')
      expect(plaidCalls()).toBe(before)
    })

    it('counts bytes, not characters', async () => {
      // 5462 three-byte characters: 16386 bytes, though far fewer than 16384 characters.
      const raw = JSON.stringify({ item_id: 'x', note: '€'.repeat(5462) })
      const answer = await suite.post(transport, LINK_TOKEN_CREATE, undefined, { raw, user: 'user-size' })
      expectError(answer, 413, 'INVALID_REQUEST', 'REQUEST_TOO_LARGE')
    })

    it('checks the size before the JSON', async () => {
      const answer = await suite.post(transport, EXCHANGE, undefined, { raw: 'x'.repeat(16_385), user: 'user-size' })
      expectError(answer, 413, 'INVALID_REQUEST', 'REQUEST_TOO_LARGE')
    })
  })

  describe('400 INVALID_REQUEST', () => {
    const badBodies: [string, string][] = [
      ['no body', ''],
      ['not JSON', '{"public_token": '],
      ['JSON null', 'null'],
      ['a JSON array', '[{"public_token":"public-sandbox-1","item_id":"item-1"}]'],
      ['a JSON string', '"public-sandbox-1"'],
      ['a JSON number', '42'],
      ['an empty object', '{}'],
    ]

    // `{}` is a request for a new Item's Link token on /link/token/create, and has its own tests.
    const badBodiesOf = (route: string) => badBodies.filter(([, raw]) => route !== LINK_TOKEN_CREATE || raw !== '{}')
    it.each(ROUTES.flatMap((route) => badBodiesOf(route).map(([name, raw]) => [route, name, raw] as const)))(
      '%s answers %s with 400',
      async (route, _name, raw) => {
        const before = { plaid: plaidCalls(), gets: suite.store.gets }
        const answer = await suite.post(transport, route, undefined, { raw, user: 'user-a' })
        expectError(answer, 400, 'INVALID_REQUEST', 'INVALID_REQUEST')
        expect(plaidCalls()).toBe(before.plaid)
        expect(suite.store.gets).toBe(before.gets)
      },
    )

    const badValues: [string, unknown][] = [
      ['missing', undefined],
      ['null', null],
      ['empty', ''],
      ['blank', '   '],
      ['a number', 12345],
      ['true', true],
      ['an object', { id: 'item-1' }],
      ['an array', ['item-1']],
    ]
    const fieldOf = (route: string) => (route === EXCHANGE ? 'public_token' : 'item_id')

    // Without an item_id key, /link/token/create asks for a new Item's token; a present but bad one is refused.
    const badValuesOf = (route: string) =>
      badValues.filter(([name]) => route !== LINK_TOKEN_CREATE || name !== 'missing')
    it.each(ROUTES.flatMap((route) => badValuesOf(route).map(([name, value]) => [route, name, value] as const)))(
      '%s answers a required field that is %s with 400 naming the field',
      async (route, _name, value) => {
        const before = plaidCalls()
        const body = value === undefined ? { other: 'x' } : { [fieldOf(route)]: value }
        const answer = await suite.post(transport, route, body, { user: 'user-a' })
        expectError(answer, 400, 'INVALID_REQUEST', 'INVALID_REQUEST')
        expect(answer.json.error_message).toContain(fieldOf(route))
        expect(plaidCalls()).toBe(before)
      },
    )

    it.each([
      ['text/plain', 'text/plain'],
      ['a form', 'application/x-www-form-urlencoded'],
      ['no content type', null],
    ])('answers a JSON body sent as %s with 400', async (_name, contentType) => {
      const itemId = await suite.linkItem('user-ct')
      const before = plaidCalls()
      const answer = await suite.post(
        transport,
        LINK_TOKEN_CREATE,
        { item_id: itemId },
        { user: 'user-ct', contentType },
      )
      expectError(answer, 400, 'INVALID_REQUEST', 'INVALID_REQUEST')
      expect(plaidCalls()).toBe(before)
    })

    it('accepts application/json with a charset', async () => {
      const itemId = await suite.linkItem('user-ct')
      const answer = await suite.post(
        transport,
        LINK_TOKEN_CREATE,
        { item_id: itemId },
        { user: 'user-ct', contentType: 'Application/JSON; charset=utf-8' },
      )
      expect(answer.status, answer.text).toBe(200)
    })

    it('answers bytes that are not UTF-8 with 400', async () => {
      const raw = new Uint8Array([
        ...new TextEncoder().encode('{"item_id":"'),
        0xff,
        0xfe,
        ...new TextEncoder().encode('"}'),
      ])
      const answer = await suite.post(transport, PUBLIC_TOKEN_CREATE, undefined, { raw, user: 'user-a' })
      expectError(answer, 400, 'INVALID_REQUEST', 'INVALID_REQUEST')
    })

    it.each([
      ['a string', 'true'],
      ['a number', 1],
      ['null', null],
      ['an object', {}],
    ])('answers account_selection_enabled as %s with 400', async (_name, value) => {
      const itemId = await suite.linkItem('user-flag')
      const before = plaidCalls()
      const answer = await suite.post(
        transport,
        LINK_TOKEN_CREATE,
        { item_id: itemId, account_selection_enabled: value },
        { user: 'user-flag' },
      )
      expectError(answer, 400, 'INVALID_REQUEST', 'INVALID_REQUEST')
      expect(answer.json.error_message).toContain('account_selection_enabled')
      expect(plaidCalls()).toBe(before)
    })

    it('checks the body before the Item', async () => {
      // An unknown Item and a bad flag: the flag answers.
      const answer = await suite.post(
        transport,
        LINK_TOKEN_CREATE,
        { item_id: 'item-unknown', account_selection_enabled: 'yes' },
        { user: 'user-a' },
      )
      expectError(answer, 400, 'INVALID_REQUEST', 'INVALID_REQUEST')
    })
  })

  describe('404 ITEM_NOT_FOUND', () => {
    it.each([LINK_TOKEN_CREATE, PUBLIC_TOKEN_CREATE])(
      '%s answers an unknown Item and another user’s Item alike, without calling Plaid',
      async (route) => {
        const itemOfA = await suite.linkItem('user-a')
        const before = plaidCalls()
        const unknown = await suite.post(transport, route, { item_id: 'item-that-does-not-exist' }, { user: 'user-b' })
        const foreign = await suite.post(transport, route, { item_id: itemOfA }, { user: 'user-b' })
        expectError(foreign, 404, 'ITEM_ERROR', 'ITEM_NOT_FOUND')
        expect(foreign.text).toBe(unknown.text)
        expect([...foreign.headers].filter(([name]) => name !== 'date')).toEqual(
          [...unknown.headers].filter(([name]) => name !== 'date'),
        )
        expect(plaidCalls()).toBe(before)
        // The owner still gets a token for it.
        const own = await suite.post(transport, route, { item_id: itemOfA }, { user: 'user-a' })
        expect(own.status, own.text).toBe(200)
      },
    )
  })

  describe('success', () => {
    it('exchange answers exactly {item_id, request_id} and saves the access token for the user', async () => {
      const { publicToken, itemId } = suite.standIn.createPublicToken()
      const answer = await suite.post(transport, EXCHANGE, { public_token: publicToken }, { user: 'user-ok' })
      expect(answer.status).toBe(200)
      expect(Object.keys(answer.json).sort()).toEqual(['item_id', 'request_id'])
      expect(answer.json.item_id).toBe(itemId)
      const plaidRequest = [...suite.standIn.requests].reverse().find((request) => request.path === EXCHANGE)!
      expect(plaidRequest.body).toEqual({ public_token: publicToken })
      expect(answer.json.request_id).toMatch(PLAID_REQUEST_ID)
      // The one write before the answer holds the access token; Plaid's institution comes after.
      expect(suite.store.saved.at(-1)).toEqual({
        userId: 'user-ok',
        itemId,
        accessToken: suite.standIn.accessTokenOf(itemId),
        institutionId: null,
        institutionName: null,
        accounts: undefined,
      })
      await suite.settled()
      expect((await suite.store.list('user-ok')).find((item) => item.itemId === itemId)).toMatchObject(
        STAND_IN_INSTITUTION,
      )
      expect(answer.headers.get('cache-control')).toBe('no-store')
    })

    it('link token create sends the app fields, the user and the access token, and answers exactly three fields', async () => {
      const itemId = await suite.linkItem('user-ok')
      const answer = await suite.post(transport, LINK_TOKEN_CREATE, { item_id: itemId }, { user: 'user-ok' })
      expect(answer.status, answer.text).toBe(200)
      expect(Object.keys(answer.json).sort()).toEqual(['expiration', 'link_token', 'request_id'])
      expect(validate(LinkTokenCreateResponse, answer.json)).toEqual([])
      expect(answer.json.link_token).toMatch(/^link-sandbox-/)
      expect(suite.standIn.requests.at(-1)!.body).toEqual({
        ...UPDATE_MODE_FIELDS,
        user: { client_user_id: 'user-ok' },
        access_token: suite.standIn.accessTokenOf(itemId),
      })
    })

    it('update mode leaves out every product list, and passes webhook and redirect_uri through', async () => {
      const itemId = await suite.linkItem('user-ok')
      await suite.post(transport, LINK_TOKEN_CREATE, { item_id: itemId }, { user: 'user-ok' })
      const sent = suite.standIn.requests.at(-1)!.body as Record<string, unknown>
      for (const field of LINK_TOKEN_PRODUCT_FIELDS) expect(sent).not.toHaveProperty(field)
      expect(sent.webhook).toBe(LINK_TOKEN_FIELDS.webhook)
      expect(sent.redirect_uri).toBe(LINK_TOKEN_FIELDS.redirect_uri)
      expect(linkTokenModeProblems(sent)).toEqual([])
    })

    it('an empty body makes a new Item’s token: the app’s fields with products and the user, no access token', async () => {
      const before = suite.store.gets
      const answer = await suite.post(transport, LINK_TOKEN_CREATE, {}, { user: 'user-new' })
      expect(answer.status, answer.text).toBe(200)
      expect(Object.keys(answer.json).sort()).toEqual(['expiration', 'link_token', 'request_id'])
      expect(validate(LinkTokenCreateResponse, answer.json)).toEqual([])
      const sent = suite.standIn.requests.at(-1)!.body as Record<string, unknown>
      expect(sent).toEqual({ ...LINK_TOKEN_FIELDS, user: { client_user_id: 'user-new' } })
      expect(sent.products).toEqual(['transactions'])
      expect(linkTokenModeProblems(sent)).toEqual([])
      // No Item, so no store lookup.
      expect(suite.store.gets).toBe(before)
      // A new Item's token lives for hours, an update-mode one for 30 minutes.
      expect(Date.parse(answer.json.expiration as string) - Date.now()).toBeGreaterThan(60 * 60_000)
    })

    it('a new Item’s token ignores what else the browser sends, and never takes an access token from it', async () => {
      await suite.post(
        transport,
        LINK_TOKEN_CREATE,
        { account_selection_enabled: true, access_token: 'access-sandbox-forged', products: ['auth'] },
        { user: 'user-new' },
      )
      expect(suite.standIn.requests.at(-1)!.body).toEqual({
        ...LINK_TOKEN_FIELDS,
        user: { client_user_id: 'user-new' },
      })
    })

    it('asks Plaid for account selection only when the browser asked', async () => {
      const itemId = await suite.linkItem('user-ok')
      await suite.post(
        transport,
        LINK_TOKEN_CREATE,
        { item_id: itemId, account_selection_enabled: true },
        { user: 'user-ok' },
      )
      expect(suite.standIn.requests.at(-1)!.body!.update).toEqual({ account_selection_enabled: true })
      const off = await suite.post(
        transport,
        LINK_TOKEN_CREATE,
        { item_id: itemId, account_selection_enabled: false },
        { user: 'user-ok' },
      )
      expect(off.status).toBe(200)
      expect(suite.standIn.requests.at(-1)!.body).not.toHaveProperty('update')
    })

    it('public token create answers exactly {public_token, expiration, request_id}', async () => {
      const itemId = await suite.linkItem('user-ok')
      const answer = await suite.post(transport, PUBLIC_TOKEN_CREATE, { item_id: itemId }, { user: 'user-ok' })
      expect(answer.status, answer.text).toBe(200)
      expect(Object.keys(answer.json).sort()).toEqual(['expiration', 'public_token', 'request_id'])
      expect(answer.json.public_token).toMatch(/^public-sandbox-/)
      expect(Number.isNaN(Date.parse(answer.json.expiration as string))).toBe(false)
      expect(suite.standIn.requests.at(-1)!.body).toEqual({ access_token: suite.standIn.accessTokenOf(itemId) })
    })

    it('ignores extra fields in the browser’s body', async () => {
      const itemId = await suite.linkItem('user-ok')
      const answer = await suite.post(
        transport,
        LINK_TOKEN_CREATE,
        { item_id: itemId, access_token: 'access-sandbox-forged', user: { client_user_id: 'user-b' } },
        { user: 'user-ok' },
      )
      expect(answer.status).toBe(200)
      expect(suite.standIn.requests.at(-1)!.body).toMatchObject({
        user: { client_user_id: 'user-ok' },
        access_token: suite.standIn.accessTokenOf(itemId),
      })
    })
  })
})
