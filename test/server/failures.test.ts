// @vitest-environment node
/*
 * What the gateway answers when Plaid answers with an error, when Plaid cannot be reached, and
 * when the app's own code (session, store, hooks) fails: Plaid's fields copied one by one, or a
 * 500 that tells the browser nothing, with a redacted cause for the app's onError only.
 */
import { createMemoryItemStore, createPlaidGateway, type GatewayErrorEvent } from '../../src/server'
import { createPlaidStandIn, type PlaidStandIn, type StandInPlaidError } from '../../src/testing'
import { PlaidError, validate } from '../../src/testing/plaidSpec.mjs'
import {
  CLIENT_ID,
  EXCHANGE,
  LINK_TOKEN_CREATE,
  LINK_TOKEN_FIELDS,
  UPDATE_MODE_FIELDS,
  PUBLIC_TOKEN_CREATE,
  SECRET,
  plaidApi,
  readAnswer,
  recordingStore,
  scanForSecrets,
  sessionUser,
  setupGatewaySuite,
  transcript,
  userHeaders,
  STAND_IN_INSTITUTION,
} from './harness'

const suite = setupGatewaySuite()
const extraStandIns: PlaidStandIn[] = []
const { consoleLines } = scanForSecrets(() => [
  ...suite.standIn.issuedAccessTokens,
  ...extraStandIns.flatMap((standIn) => standIn.issuedAccessTokens),
])

afterAll(async () => {
  await Promise.all(extraStandIns.map((standIn) => standIn.close()))
  expect(consoleLines).toEqual([])
})

const INTERNAL_ERROR_BODY = {
  error_type: 'API_ERROR',
  error_code: 'INTERNAL_SERVER_ERROR',
  error_message: 'The gateway could not complete the request. Try again later.',
  display_message: null,
}

function request(route: string, body: unknown, user?: string): Request {
  return new Request('http://gateway.test/api/plaid' + route, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...userHeaders(user) },
    body: JSON.stringify(body),
  })
}

describe("Plaid's errors", () => {
  it.each([
    [
      EXCHANGE,
      400,
      {
        error_type: 'INVALID_INPUT',
        error_code: 'INVALID_PUBLIC_TOKEN',
        error_message: 'provided public token is expired',
        display_message: null,
      },
    ],
    [
      LINK_TOKEN_CREATE,
      400,
      {
        error_type: 'ITEM_ERROR',
        error_code: 'ITEM_LOGIN_REQUIRED',
        error_message: 'the login details of this item have changed',
        display_message: 'Your bank needs you to sign in again.',
      },
    ],
    [
      PUBLIC_TOKEN_CREATE,
      429,
      {
        error_type: 'RATE_LIMIT_EXCEEDED',
        error_code: 'RATE_LIMIT',
        error_message: 'rate limit exceeded',
        display_message: null,
      },
    ],
    [
      LINK_TOKEN_CREATE,
      500,
      {
        error_type: 'API_ERROR',
        error_code: 'INTERNAL_SERVER_ERROR',
        error_message: 'an unexpected error occurred',
        display_message: null,
      },
    ],
  ])('%s forwards Plaid’s %i field by field and nothing else', async (route, status, fields) => {
    const itemId = await suite.linkItem('user-a')
    const plaidBody = suite.standIn.failNext(route, {
      status,
      error: {
        ...fields,
        error_code_reason: null,
        causes: [{ item_id: itemId, note: 'free-form' }],
        status,
        internal_trace: 'undocumented-field',
        config: { headers: { 'PLAID-SECRET': SECRET } },
      },
    }) as StandInPlaidError
    const body =
      route === EXCHANGE ? { public_token: suite.standIn.createPublicToken().publicToken } : { item_id: itemId }
    const answer = await readAnswer(await suite.handle(request(route, body, 'user-a')))

    expect(answer.status).toBe(status)
    expect(answer.json).toEqual({
      ...fields,
      request_id: plaidBody.request_id,
      documentation_url: plaidBody.documentation_url,
      suggested_action: null,
      error_code_reason: null,
    })
    expect(validate(PlaidError, answer.json)).toEqual([])
    expect(suite.errors.at(-1)).toEqual({
      route,
      status,
      errorType: fields.error_type,
      errorCode: fields.error_code,
      errorMessage: fields.error_message,
      requestId: plaidBody.request_id,
      userId: 'user-a',
    })
  })

  it('passes on the documented subtype lists and reason', async () => {
    const itemId = await suite.linkItem('user-a')
    const fields = {
      error_type: 'ITEM_ERROR',
      error_code: 'NO_ACCOUNTS',
      error_message: 'no valid accounts were found for this item',
      display_message: 'No compatible accounts were found.',
    }
    const plaidBody = suite.standIn.failNext(LINK_TOKEN_CREATE, {
      status: 400,
      error: {
        ...fields,
        error_code_reason: 'OAUTH_INVALID_TOKEN',
        suggested_action: 'Ask the user to open a brokerage account.',
        required_account_subtypes: ['brokerage'],
        provided_account_subtypes: ['checking'],
      },
    }) as StandInPlaidError
    const answer = await readAnswer(await suite.handle(request(LINK_TOKEN_CREATE, { item_id: itemId }, 'user-a')))
    const { request_id, documentation_url, ...rest } = plaidBody
    expect(answer.json).toEqual({ ...rest, request_id, documentation_url })
  })

  it('redacts an access token that Plaid’s message would echo', async () => {
    const itemId = await suite.linkItem('user-a')
    const accessToken = suite.standIn.accessTokenOf(itemId)!
    suite.standIn.failNext(LINK_TOKEN_CREATE, {
      status: 400,
      error: {
        error_type: 'INVALID_INPUT',
        error_code: 'INVALID_ACCESS_TOKEN',
        error_message: `access token ${accessToken} is invalid`,
      },
    })
    const answer = await readAnswer(await suite.handle(request(LINK_TOKEN_CREATE, { item_id: itemId }, 'user-a')))
    expect(answer.json.error_message).toBe('access token [redacted] is invalid')
  })

  it('redacts the client id and secret of the configured PlaidApi wherever Plaid’s strings would hold them', async () => {
    const itemId = await suite.linkItem('user-a')
    suite.standIn.failNext(PUBLIC_TOKEN_CREATE, {
      status: 400,
      error: {
        error_type: 'INVALID_INPUT',
        error_code: 'INVALID_API_KEYS',
        error_message: `client ${CLIENT_ID} sent secret ${SECRET}`,
        display_message: `Contact support about ${CLIENT_ID}.`,
      },
    })
    const answer = await readAnswer(await suite.handle(request(PUBLIC_TOKEN_CREATE, { item_id: itemId }, 'user-a')))
    expect(answer.status).toBe(400)
    expect(answer.json.error_message).toBe('client [redacted] sent secret [redacted]')
    expect(answer.json.display_message).toBe('Contact support about [redacted].')
  })

  it.each([
    ['an HTML page', { status: 502, body: '<html><body>Bad gateway</body></html>', contentType: 'text/html' }],
    ['JSON without Plaid’s fields', { status: 503, body: { message: 'unavailable' } }],
    [
      'an error with a success status',
      { status: 302, error: { error_type: 'API_ERROR', error_code: 'X', error_message: 'x' } },
    ],
  ])('answers %s from Plaid with a bare 500', async (_name, failure) => {
    const itemId = await suite.linkItem('user-a')
    suite.standIn.failNext(LINK_TOKEN_CREATE, failure)
    const answer = await readAnswer(await suite.handle(request(LINK_TOKEN_CREATE, { item_id: itemId }, 'user-a')))
    expect(answer.status).toBe(500)
    expect(answer.json).toEqual(INTERNAL_ERROR_BODY)
  })
})

describe('Plaid unreachable', () => {
  /* Where nothing listens any more: the address of a stand-in that was closed. */
  async function closedStandIn() {
    const standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
    await standIn.close()
    return standIn
  }

  it.each([EXCHANGE, LINK_TOKEN_CREATE, PUBLIC_TOKEN_CREATE])(
    '%s answers 500 with no detail, and onError gets a redacted cause',
    async (route) => {
      const store = createMemoryItemStore()
      await store.save({ userId: 'user-a', itemId: 'item-1', accessToken: 'access-sandbox-stored-1' })
      const errors: GatewayErrorEvent[] = []
      const gateway = createPlaidGateway({
        plaid: plaidApi(await closedStandIn()),
        store,
        getUserId: sessionUser,
        linkToken: LINK_TOKEN_FIELDS,
        onError: (event) => {
          transcript.push(JSON.stringify(event))
          errors.push(event)
        },
      })
      const body = route === EXCHANGE ? { public_token: 'public-sandbox-1' } : { item_id: 'item-1' }
      const answer = await readAnswer(await gateway.handle(request(route, body, 'user-a')))
      expect(answer.status).toBe(500)
      expect(answer.json).toEqual(INTERNAL_ERROR_BODY)
      expect(answer.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|Axios|stack/i)

      expect(errors).toHaveLength(1)
      const event = errors[0]!
      expect(event).toMatchObject({ route, status: 500, errorType: 'API_ERROR', errorCode: 'INTERNAL_SERVER_ERROR' })
      expect(event.cause).toMatchObject({ code: 'ECONNREFUSED', message: expect.stringContaining('ECONNREFUSED') })
      expect(Object.keys(event.cause!).sort()).toEqual(['code', 'message', 'name', 'stack'])
      const payload = JSON.stringify(event)
      expect(payload).not.toContain(SECRET)
      expect(payload).not.toContain(CLIENT_ID)
      expect(payload).not.toContain('access-sandbox-stored-1')
    },
  )
})

describe("the app's own failures", () => {
  async function gatewayWith(overrides: Partial<Parameters<typeof createPlaidGateway>[0]>) {
    const standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
    extraStandIns.push(standIn)
    const store = recordingStore()
    const errors: GatewayErrorEvent[] = []
    const afterAnswers: Promise<unknown>[] = []
    const gateway = createPlaidGateway({
      plaid: plaidApi(standIn),
      store,
      getUserId: sessionUser,
      linkToken: LINK_TOKEN_FIELDS,
      onError: (event) => {
        transcript.push(JSON.stringify(event))
        errors.push(event)
      },
      waitUntil: (work) => afterAnswers.push(work),
      ...overrides,
    })
    const settled = () => Promise.all(afterAnswers.splice(0))
    return { standIn, store, errors, gateway, settled }
  }

  it('answers a session lookup that throws with a bare 500', async () => {
    const { gateway, errors } = await gatewayWith({
      getUserId: () => {
        throw new Error('session store down')
      },
    })
    const answer = await readAnswer(await gateway.handle(request(EXCHANGE, { public_token: 'x' }, 'user-a')))
    expect(answer.status).toBe(500)
    expect(answer.json).toEqual(INTERNAL_ERROR_BODY)
    expect(errors[0]!.cause?.message).toBe('session store down')
  })

  it.each([
    ['undefined', undefined],
    ['an empty string', ''],
    ['a number', 42],
  ])('treats a user id that is %s as nobody (401)', async (_name, userId) => {
    const { gateway } = await gatewayWith({ getUserId: () => userId as string })
    const answer = await readAnswer(await gateway.handle(request(EXCHANGE, { public_token: 'x' }, 'user-a')))
    expect(answer.status).toBe(401)
    expect(answer.json.error_code).toBe('UNAUTHORIZED')
  })

  it('answers a store that fails to read with a bare 500, without calling Plaid', async () => {
    const { gateway, store, standIn, errors } = await gatewayWith({})
    store.failGets = 1
    const answer = await readAnswer(await gateway.handle(request(LINK_TOKEN_CREATE, { item_id: 'item-1' }, 'user-a')))
    expect(answer.status).toBe(500)
    expect(answer.json).toEqual(INTERNAL_ERROR_BODY)
    expect(standIn.calls(LINK_TOKEN_CREATE)).toBe(0)
    expect(errors[0]!.cause?.message).toBe('connection to the database was lost')
  })

  it('tries a failed save again and answers 200 when a later try works, with one exchange at Plaid', async () => {
    const { gateway, store, standIn, errors, settled } = await gatewayWith({})
    const { publicToken, itemId } = standIn.createPublicToken()
    store.failSaves = 2
    const answer = await readAnswer(await gateway.handle(request(EXCHANGE, { public_token: publicToken }, 'user-a')))
    expect(answer.status).toBe(200)
    expect(answer.json.item_id).toBe(itemId)
    expect(standIn.calls(EXCHANGE)).toBe(1)
    // The write that makes the Item durable comes first, before Plaid is asked for its institution.
    expect(store.saved).toEqual([
      {
        userId: 'user-a',
        itemId,
        accessToken: standIn.accessTokenOf(itemId),
        institutionId: null,
        institutionName: null,
        accounts: undefined,
      },
    ])
    await settled()
    expect(
      (await store.list('user-a')).map(({ institutionId, institutionName }) => ({ institutionId, institutionName })),
    ).toEqual([STAND_IN_INSTITUTION])
    expect(standIn.items.filter((item) => item.removed)).toEqual([])
    expect(errors).toEqual([])
  })

  it('after 3 failed saves removes the Item at Plaid, answers the bare 500, and tells onError the itemId', async () => {
    const { gateway, store, standIn, errors } = await gatewayWith({})
    const { publicToken, itemId } = standIn.createPublicToken()
    store.failSaves = 3
    const answer = await readAnswer(await gateway.handle(request(EXCHANGE, { public_token: publicToken }, 'user-a')))
    expect(answer.status).toBe(500)
    expect(answer.json).toEqual(INTERNAL_ERROR_BODY)
    expect(store.saved).toEqual([])
    // Plaid no longer has an Item that nobody could reach.
    expect(standIn.items.filter((item) => item.removed).map((item) => item.itemId)).toEqual([itemId])
    expect(standIn.items.filter((item) => !item.removed).map((item) => item.itemId)).not.toContain(itemId)
    const accessToken = standIn.accessTokenOf(itemId)!
    expect(errors).toHaveLength(1)
    expect(errors[0]!.itemId).toBe(itemId)
    expect(errors[0]!.cause?.message).toBe(
      `store.save failed 3 times for Item ${itemId} (insert failed for value (user-a, ${itemId}, [redacted])), and was removed at Plaid.`,
    )
    expect(JSON.stringify(errors)).not.toContain(accessToken)
  })

  it('says in onError when removing an unsaved Item at Plaid failed too', async () => {
    const { gateway, store, standIn, errors } = await gatewayWith({})
    const { publicToken, itemId } = standIn.createPublicToken()
    store.failSaves = 3
    standIn.failNext('/item/remove', { status: 503, body: 'maintenance', contentType: 'text/plain' })
    const answer = await readAnswer(await gateway.handle(request(EXCHANGE, { public_token: publicToken }, 'user-a')))
    expect(answer.status).toBe(500)
    expect(errors[0]!.itemId).toBe(itemId)
    expect(errors[0]!.cause?.message).toMatch(/removing it at Plaid failed too \(.+\); remove it by hand\.$/)
    expect(JSON.stringify(errors)).not.toContain(standIn.accessTokenOf(itemId)!)
  })

  it('a retry waiting on an exchange that timed out answers then too, without calling Plaid again', async () => {
    const { gateway, standIn, errors } = await gatewayWith({ plaidTimeoutMs: 200 })
    const { publicToken } = standIn.createPublicToken()
    standIn.latencyMs = 5_000
    const started = performance.now()
    const send = () => gateway.handle(request(EXCHANGE, { public_token: publicToken }, 'user-a')).then(readAnswer)
    const [first, second] = await Promise.all([send(), send()])
    const took = performance.now() - started
    standIn.latencyMs = 0
    expect([first.status, second.status]).toEqual([500, 500])
    // Both within one deadline and a poll, not two deadlines one after the other.
    expect(took).toBeLessThan(200 + 600)
    expect(standIn.exchangesOf(publicToken)).toBe(1)
    expect(errors.map((event) => event.cause?.message)).toContain(
      'The request this retry waited for failed to exchange the public token; Plaid was not called again.',
    )
  })

  it('answers within plaidTimeoutMs when Plaid does not answer, and frees the exchange for a retry', async () => {
    const { gateway, standIn, errors } = await gatewayWith({ plaidTimeoutMs: 150 })
    const { publicToken, itemId } = standIn.createPublicToken()
    standIn.latencyMs = 5_000
    const started = performance.now()
    const answer = await readAnswer(await gateway.handle(request(EXCHANGE, { public_token: publicToken }, 'user-a')))
    const took = performance.now() - started
    standIn.latencyMs = 0
    expect(answer.status).toBe(500)
    expect(answer.json).toEqual(INTERNAL_ERROR_BODY)
    expect(took).toBeLessThan(1_500)
    expect(errors[0]!.cause?.message).toContain('did not answer within plaidTimeoutMs (150 ms)')
    // The timed-out attempt holds no claim: the retry reaches Plaid at once and links the Item.
    const retry = await readAnswer(await gateway.handle(request(EXCHANGE, { public_token: publicToken }, 'user-a')))
    expect(retry.status).toBe(200)
    expect(retry.json.item_id).toBe(itemId)
  })

  it('answers a Plaid success without an item_id with a bare 500', async () => {
    const { gateway, standIn } = await gatewayWith({})
    standIn.failNext(EXCHANGE, { status: 200, body: { access_token: 'access-sandbox-partial', request_id: 'req-1' } })
    const answer = await readAnswer(await gateway.handle(request(EXCHANGE, { public_token: 'public-x' }, 'user-a')))
    expect(answer.status).toBe(500)
    expect(answer.json).toEqual(INTERNAL_ERROR_BODY)
  })

  it('answers a link token without an expiration with a bare 500', async () => {
    const { gateway, standIn, store } = await gatewayWith({})
    await store.save({ userId: 'user-a', itemId: 'item-1', accessToken: 'access-sandbox-x' })
    standIn.failNext(LINK_TOKEN_CREATE, { status: 200, body: { link_token: 'link-sandbox-1', request_id: 'req-1' } })
    const answer = await readAnswer(await gateway.handle(request(LINK_TOKEN_CREATE, { item_id: 'item-1' }, 'user-a')))
    expect(answer.status).toBe(500)
  })
})

describe('hooks', () => {
  it('onItemLinked gets the ids once per new Item and nothing secret', async () => {
    const { publicToken, itemId } = suite.standIn.createPublicToken()
    const before = suite.linked.length
    const first = await readAnswer(await suite.handle(request(EXCHANGE, { public_token: publicToken }, 'user-hook')))
    await readAnswer(await suite.handle(request(EXCHANGE, { public_token: publicToken }, 'user-hook')))
    expect(suite.linked.slice(before)).toEqual([{ userId: 'user-hook', itemId, requestId: first.json.request_id }])
  })

  it('onError gets the gateway’s own 4xx errors with the route and user', async () => {
    await readAnswer(await suite.handle(request(LINK_TOKEN_CREATE, { item_id: 'item-nope' }, 'user-hook')))
    expect(suite.errors.at(-1)).toEqual({
      route: LINK_TOKEN_CREATE,
      status: 404,
      errorType: 'ITEM_ERROR',
      errorCode: 'ITEM_NOT_FOUND',
      errorMessage: 'The signed-in user has no Item with this item_id.',
      userId: 'user-hook',
    })
  })

  it.each([
    [
      'throw',
      () => {
        throw new Error('hook failed')
      },
    ],
    ['reject', () => Promise.reject(new Error('hook failed'))],
  ])('hooks that %s do not change the response', async (_name, hook) => {
    const standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
    extraStandIns.push(standIn)
    const gateway = createPlaidGateway({
      plaid: plaidApi(standIn),
      store: createMemoryItemStore(),
      getUserId: sessionUser,
      linkToken: LINK_TOKEN_FIELDS,
      onItemLinked: hook,
      onError: hook,
    })
    const { publicToken, itemId } = standIn.createPublicToken()
    const ok = await readAnswer(await gateway.handle(request(EXCHANGE, { public_token: publicToken }, 'user-a')))
    expect(ok.status).toBe(200)
    expect(ok.json.item_id).toBe(itemId)
    const notFound = await readAnswer(await gateway.handle(request(LINK_TOKEN_CREATE, { item_id: 'nope' }, 'user-a')))
    expect(notFound.status).toBe(404)
    expect(notFound.json.error_code).toBe('ITEM_NOT_FOUND')
  })
})

describe('createPlaidGateway options', () => {
  it.each([
    ['plaid', { plaid: undefined }],
    ['store', { store: {} }],
    ['getUserId', { getUserId: 'user-a' }],
    ['linkToken', { linkToken: null }],
  ])('refuses a missing %s with a message that names it', (name, override) => {
    const options = {
      plaid: plaidApi(suite.standIn),
      store: createMemoryItemStore(),
      getUserId: sessionUser,
      linkToken: LINK_TOKEN_FIELDS,
      ...override,
    } as unknown as Parameters<typeof createPlaidGateway>[0]
    expect(() => createPlaidGateway(options)).toThrow(new RegExp(`createPlaidGateway needs \`${name}\``))
  })

  // The failures these gateways answer go to onError, which the file checks; the console stays quiet.
  const baseOptions = () => ({
    plaid: plaidApi(suite.standIn),
    store: createMemoryItemStore(),
    getUserId: sessionUser,
    linkToken: LINK_TOKEN_FIELDS,
    onError: (event: GatewayErrorEvent) => {
      transcript.push(JSON.stringify(event))
    },
  })

  it('refuses a plaidTimeoutMs that is not a positive number of milliseconds', async () => {
    for (const plaidTimeoutMs of [0, -1, Number.NaN, '30000' as unknown as number]) {
      expect(() => createPlaidGateway({ ...baseOptions(), plaidTimeoutMs })).toThrow(
        /createPlaidGateway: `plaidTimeoutMs` must be a number of milliseconds above 0/,
      )
    }
  })

  it.each([
    ['https://app.example.com/api/plaid', 'is a path, not a URL'],
    ['//cdn.example.com/api', 'is a path, not a URL'],
    ['/api/../plaid', 'cannot hold . or .. segments'],
    ['/api/./plaid', 'cannot hold . or .. segments'],
    ['/api plaid', 'cannot hold whitespace'],
    ['/api/\tplaid', 'cannot hold whitespace'],
    ['/api//plaid', 'cannot hold empty segments'],
    ['/api%2Fplaid', 'must be written decoded, without % escapes'],
    ['/api?x=1', 'cannot hold a query'],
  ])('refuses the basePath %j, which no request could match, with a TypeError that says why', (basePath, why) => {
    expect(() => createPlaidGateway({ ...baseOptions(), basePath })).toThrow(TypeError)
    expect(() => createPlaidGateway({ ...baseOptions(), basePath })).toThrow(
      new RegExp(`createPlaidGateway: \`basePath\` ${why.replace(/[.?]/g, '\\$&')}.*such as '/api/plaid'`),
    )
  })

  it('redacts the secrets named in `secrets` and those of an axios instance, as well as the configured ones', async () => {
    const standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
    extraStandIns.push(standIn)
    const errors: GatewayErrorEvent[] = []
    // The credentials live only on the SDK's axios instance, not in its configuration.
    const plaid = plaidApi(standIn, { headers: {} })
    const sdk = plaid as unknown as { axios: { defaults: { headers: { common: Record<string, string> } } } }
    sdk.axios = {
      ...sdk.axios,
      defaults: { headers: { common: { 'PLAID-CLIENT-ID': CLIENT_ID, 'PLAID-SECRET': SECRET } } },
    }
    const gateway = createPlaidGateway({
      ...baseOptions(),
      plaid,
      secrets: ['extra-secret-for-logs-29f1'],
      getUserId: () => {
        throw new Error(`session failed for ${CLIENT_ID} / ${SECRET} / extra-secret-for-logs-29f1`)
      },
      onError: (event) => {
        errors.push(event)
      },
    })
    await gateway.handle(request(EXCHANGE, { public_token: 'public-x' }, 'user-a'))
    expect(errors[0]!.cause?.message).toBe('session failed for [redacted] / [redacted] / [redacted]')
  })

  it('never passes on a success answer from Plaid that repeats a secret', async () => {
    const standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
    extraStandIns.push(standIn)
    const store = createMemoryItemStore()
    const gateway = createPlaidGateway({ ...baseOptions(), plaid: plaidApi(standIn), store })
    const { publicToken, itemId } = standIn.createPublicToken()
    await gateway.handle(request(EXCHANGE, { public_token: publicToken }, 'user-a'))
    const accessToken = standIn.accessTokenOf(itemId)!
    for (const echoed of [SECRET, CLIENT_ID, accessToken]) {
      standIn.failNext(LINK_TOKEN_CREATE, {
        status: 200,
        body: { link_token: `link-sandbox-${echoed}`, expiration: '2030-01-01T00:00:00Z', request_id: 'req-1' },
      })
      const answer = await readAnswer(await gateway.handle(request(LINK_TOKEN_CREATE, { item_id: itemId }, 'user-a')))
      expect(answer.status).toBe(500)
      expect(answer.text).not.toContain(echoed)
    }
  })

  it('never lets linkToken set the user, the access token or update mode', async () => {
    const standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
    extraStandIns.push(standIn)
    const store = createMemoryItemStore()
    const gateway = createPlaidGateway({
      ...baseOptions(),
      plaid: plaidApi(standIn),
      store,
      linkToken: {
        ...LINK_TOKEN_FIELDS,
        user: { client_user_id: 'someone-else' },
        access_token: 'access-sandbox-from-config',
        update: { account_selection_enabled: true },
      } as unknown as Parameters<typeof createPlaidGateway>[0]['linkToken'],
    })
    const { publicToken, itemId } = standIn.createPublicToken()
    await gateway.handle(request(EXCHANGE, { public_token: publicToken }, 'user-a'))
    const answer = await readAnswer(await gateway.handle(request(LINK_TOKEN_CREATE, { item_id: itemId }, 'user-a')))
    expect(answer.status).toBe(200)
    expect(standIn.requests.filter((sent) => sent.path === LINK_TOKEN_CREATE).at(-1)!.body).toEqual({
      ...UPDATE_MODE_FIELDS,
      user: { client_user_id: 'user-a' },
      access_token: standIn.accessTokenOf(itemId),
    })
    expect(standIn.violations).toEqual([])
  })

  it('without linkToken.products a new Item’s token is the bare 500, and onError says what is missing', async () => {
    const standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
    extraStandIns.push(standIn)
    const errors: GatewayErrorEvent[] = []
    const { products: _none, optional_products: _alsoNone, ...withoutProducts } = LINK_TOKEN_FIELDS
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const gateway = createPlaidGateway({
      plaid: plaidApi(standIn),
      store: createMemoryItemStore(),
      getUserId: sessionUser,
      linkToken: withoutProducts,
      onError: (event) => {
        errors.push(event)
      },
    })
    const answer = await readAnswer(await gateway.handle(request(LINK_TOKEN_CREATE, {}, 'user-a')))
    expect(answer.status).toBe(500)
    expect(answer.json).toEqual({
      error_type: 'API_ERROR',
      error_code: 'INTERNAL_SERVER_ERROR',
      error_message: 'The gateway could not complete the request. Try again later.',
      display_message: null,
    })
    expect(errors).toHaveLength(1)
    expect(errors[0]!.cause?.message).toMatch(/linkToken\.products is needed for new Items/)
    expect(standIn.requests).toHaveLength(0)
    // Said once, where the developer looks, when the gateway was made: not once per request.
    expect(warn).toHaveBeenCalledTimes(1)
    expect(warn.mock.calls[0]![0]).toMatch(
      /^createPlaidGateway: linkToken\.products is needed for new Items.*products: \[Products\.Transactions\]/,
    )
  })

  it.each([
    ['/', '/item/public_token/exchange'],
    ['', '/item/public_token/exchange'],
    ['plaid/', '/plaid/item/public_token/exchange'],
    ['/v1/plaid///', '/v1/plaid/item/public_token/exchange'],
  ])('serves basePath %j at %s', async (basePath, path) => {
    const gateway = createPlaidGateway({ ...baseOptions(), plaid: plaidApi(suite.standIn), basePath })
    const { publicToken } = suite.standIn.createPublicToken()
    const response = await gateway.handle(
      new Request('http://gateway.test' + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...userHeaders('user-a') },
        body: JSON.stringify({ public_token: publicToken }),
      }),
    )
    expect((await readAnswer(response)).status).toBe(200)
  })
})
