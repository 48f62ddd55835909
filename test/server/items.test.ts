// @vitest-environment node
/*
 * Items and their health through the gateway, with the real SDK against the Plaid stand-in:
 * verified webhooks move statuses as section 7 of the contract says, every bad webhook is refused
 * without a write, and /item/list, /item/get and /item/remove keep to the signed-in user's Items.
 */
import { SignJWT, generateKeyPair } from 'jose'
import {
  createMemoryItemStore,
  createPlaidGateway,
  type ItemStore,
  type PlaidGateway,
  type WebhookEvent,
} from '../../src/server'
import {
  createPlaidStandIn,
  createPlaidWebhookSigner,
  type PlaidWebhookSigner,
  type PlaidStandIn,
} from '../../src/testing'
import { ItemGetResponse, JWKPublicKey, validate } from '../../src/testing/plaidSpec.mjs'
import {
  CLIENT_ID,
  EXCHANGE,
  LINK_TOKEN_FIELDS,
  PLAID_REQUEST_ID,
  SECRET,
  STAND_IN_INSTITUTION,
  plaidApi,
  readAnswer,
  scanForSecrets,
  sessionUser,
  transcript,
  postTo,
} from './harness'

let standIn: PlaidStandIn
let signer: PlaidWebhookSigner
scanForSecrets(() => standIn.issuedAccessTokens)

beforeAll(async () => {
  standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
  signer = await createPlaidWebhookSigner()
  standIn.addWebhookKey(signer.verificationKeyResponse().key)
})
afterAll(() => standIn.close())
afterEach(() => expect(standIn.violations).toEqual([]))

/* The memory store, with every write counted: a refused webhook must change nothing. */
function countingStore() {
  const inner = createMemoryItemStore()
  const writes: string[] = []
  const store: ItemStore & { writes: string[] } = {
    ...inner,
    writes,
    save: (item) => (writes.push(`save ${item.itemId}`), inner.save(item)),
    setStatus: (itemId, update) => (
      writes.push(`setStatus ${itemId} ${update.status}`),
      inner.setStatus(itemId, update)
    ),
    remove: (userId, itemId) => (writes.push(`remove ${itemId}`), inner.remove(userId, itemId)),
  }
  return store
}

/* The work each gateway hands to waitUntil after an answer; linking an Item waits for it. */
const afterAnswers = new WeakMap<PlaidGateway, Promise<unknown>[]>()

function newGateway() {
  const store = countingStore()
  const webhooks: WebhookEvent[] = []
  const pending: Promise<unknown>[] = []
  const gateway = createPlaidGateway({
    waitUntil: (work) => pending.push(work),
    plaid: plaidApi(standIn),
    store,
    getUserId: sessionUser,
    linkToken: LINK_TOKEN_FIELDS,
    onWebhook: (event) => {
      webhooks.push(event)
    },
    onError: (event) => {
      transcript.push(JSON.stringify(event))
    },
  })
  afterAnswers.set(gateway, pending)
  return { gateway, store, webhooks }
}

const sendWebhook = (gateway: PlaidGateway, body: string, header?: string) =>
  gateway
    .handle(
      new Request('https://app.example.com/api/plaid/webhook', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(header === undefined ? {} : { 'plaid-verification': header }),
        },
        body,
      }),
    )
    .then(readAnswer)

async function linkedItem(gateway: PlaidGateway, user = 'user-a', { publicToken } = standIn.createPublicToken()) {
  const answer = await postTo(gateway, EXCHANGE, { public_token: publicToken }, user)
  expect(answer.status).toBe(200)
  await Promise.all(afterAnswers.get(gateway)?.splice(0) ?? [])
  return answer.json.item_id as string
}

/* Plaid's /item/get answer for an Item, without the institution's name. */
async function itemGetWithoutName(itemId: string) {
  const { data } = await plaidApi(standIn).itemGet({ access_token: standIn.accessTokenOf(itemId)! })
  const { institution_name: _name, ...item } = data.item
  return { ...data, item }
}

const listOf = async (gateway: PlaidGateway, user = 'user-a') => {
  const answer = await postTo(gateway, '/item/list', {}, user)
  expect(answer.status).toBe(200)
  return answer.json.items as Array<Record<string, unknown>>
}

const itemWebhook = (itemId: string, code: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ webhook_type: 'ITEM', webhook_code: code, item_id: itemId, environment: 'sandbox', ...extra })

const plaidError = (code: string) => ({
  error_type: 'ITEM_ERROR',
  error_code: code,
  error_message: 'the login details of this item have changed',
  display_message: null,
})

describe('verified webhooks move the status as the table says', () => {
  it.each([
    [
      'ERROR with ITEM_LOGIN_REQUIRED',
      'ERROR',
      { error: plaidError('ITEM_LOGIN_REQUIRED') },
      'login_required',
      'ITEM_LOGIN_REQUIRED',
      true,
    ],
    ['ERROR with another code', 'ERROR', { error: plaidError('INSTITUTION_DOWN') }, 'error', 'INSTITUTION_DOWN', false],
    [
      'PENDING_EXPIRATION',
      'PENDING_EXPIRATION',
      { consent_expiration_time: '2031-01-02T03:04:05Z' },
      'pending_expiration',
      null,
      true,
    ],
    [
      'PENDING_DISCONNECT',
      'PENDING_DISCONNECT',
      { reason: 'INSTITUTION_MIGRATION', disconnect_time: '2031-02-03T04:05:06Z' },
      'pending_disconnect',
      null,
      true,
    ],
    ['NEW_ACCOUNTS_AVAILABLE', 'NEW_ACCOUNTS_AVAILABLE', {}, 'new_accounts_available', null, true],
    [
      'USER_PERMISSION_REVOKED',
      'USER_PERMISSION_REVOKED',
      { error: plaidError('USER_PERMISSION_REVOKED') },
      'revoked',
      'USER_PERMISSION_REVOKED',
      false,
    ],
    ['USER_ACCOUNT_REVOKED', 'USER_ACCOUNT_REVOKED', {}, 'revoked', null, false],
  ])('%s', async (_name, code, extra, status, errorCode, _needsRepair) => {
    const { gateway, webhooks } = newGateway()
    const itemId = await linkedItem(gateway)
    const body = itemWebhook(itemId, code, extra)
    const answer = await sendWebhook(gateway, body, await signer.sign(body))
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({})
    const [item] = await listOf(gateway)
    expect(item).toMatchObject({ item_id: itemId, status, error_code: errorCode })
    if (code === 'PENDING_EXPIRATION')
      expect(Date.parse(String(item!.consent_expiration_time))).toBe(Date.parse('2031-01-02T03:04:05Z'))
    if (code === 'PENDING_DISCONNECT') {
      expect(item!.reason).toBe('INSTITUTION_MIGRATION')
      expect(Date.parse(String(item!.disconnect_time))).toBe(Date.parse('2031-02-03T04:05:06Z'))
    } else {
      expect(item).toMatchObject({ reason: null, disconnect_time: null })
    }
    expect(webhooks).toEqual([{ ...JSON.parse(body), userId: 'user-a' }])
  })

  it('LOGIN_REPAIRED makes the Item healthy again', async () => {
    const { gateway } = newGateway()
    const itemId = await linkedItem(gateway)
    for (const [code, extra] of [
      ['ERROR', { error: plaidError('ITEM_LOGIN_REQUIRED') }],
      ['LOGIN_REPAIRED', {}],
    ] as const) {
      const body = itemWebhook(itemId, code, extra)
      expect((await sendWebhook(gateway, body, await signer.sign(body))).status).toBe(200)
    }
    expect((await listOf(gateway))[0]).toMatchObject({ status: 'healthy', error_code: null })
  })

  it('acknowledges other webhook types and unknown Items without a write, and passes them on', async () => {
    const { gateway, store, webhooks } = newGateway()
    const itemId = await linkedItem(gateway)
    const writes = store.writes.length
    const transactions = JSON.stringify({
      webhook_type: 'TRANSACTIONS',
      webhook_code: 'SYNC_UPDATES_AVAILABLE',
      item_id: itemId,
    })
    const unknown = itemWebhook('item-nobody-has', 'ERROR', { error: plaidError('ITEM_LOGIN_REQUIRED') })
    expect((await sendWebhook(gateway, transactions, await signer.sign(transactions))).status).toBe(200)
    expect((await sendWebhook(gateway, unknown, await signer.sign(unknown))).status).toBe(200)
    expect(store.writes.length).toBe(writes)
    expect(webhooks).toEqual([{ ...JSON.parse(transactions), userId: 'user-a' }, JSON.parse(unknown)])
  })
})

describe('bad webhooks are refused and change nothing', () => {
  const refused = { error_type: 'INVALID_REQUEST', error_code: 'WEBHOOK_VERIFICATION_FAILED' }

  async function attack(make: (body: string, itemId: string) => Promise<{ body: string; header?: string }>) {
    const { gateway, store, webhooks } = newGateway()
    const itemId = await linkedItem(gateway)
    const writes = store.writes.length
    const body = itemWebhook(itemId, 'ERROR', { error: plaidError('ITEM_LOGIN_REQUIRED') })
    const sent = await make(body, itemId)
    const answer = await sendWebhook(gateway, sent.body, sent.header)
    expect(store.writes.length).toBe(writes)
    expect(webhooks).toEqual([])
    expect((await listOf(gateway))[0]!.status).toBe('healthy')
    return answer
  }

  const fakeJwt = (header: object, payload: object) =>
    [header, payload].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + '.'

  it.each([
    ['no header', async (body: string) => ({ body })],
    [
      'a forged signature (another key under the same kid)',
      async (body: string) => {
        const forger = await createPlaidWebhookSigner({ kid: signer.kid })
        return { body, header: await forger.sign(body) }
      },
    ],
    [
      'HS256',
      async (body: string) => {
        const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body))).toString(
          'hex',
        )
        const header = await new SignJWT({ request_body_sha256: digest })
          .setProtectedHeader({ alg: 'HS256', kid: signer.kid })
          .setIssuedAt()
          .sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'))
        return { body, header }
      },
    ],
    [
      'alg none',
      async (body: string) => ({
        body,
        header: fakeJwt({ alg: 'none', kid: signer.kid }, { iat: Math.floor(Date.now() / 1000) }),
      }),
    ],
    [
      'an unknown kid',
      async (body: string) => ({ body, header: await signer.sign(body, { kid: 'kid-plaid-never-issued' }) }),
    ],
    [
      'iat 6 minutes old',
      async (body: string) => ({
        body,
        header: await signer.sign(body, { issuedAt: Math.floor(Date.now() / 1000) - 360 }),
      }),
    ],
    [
      'iat 6 minutes in the future',
      async (body: string) => ({
        body,
        header: await signer.sign(body, { issuedAt: Math.floor(Date.now() / 1000) + 360 }),
      }),
    ],
    [
      'a body changed by one byte',
      async (body: string) => ({
        body: body.replace('ITEM_LOGIN_REQUIRED', 'ITEM_LOGIN_REQUIREE'),
        header: await signer.sign(body),
      }),
    ],
    [
      'a replayed header on another body',
      async (body: string, itemId: string) => {
        const other = itemWebhook(itemId, 'NEW_ACCOUNTS_AVAILABLE')
        return { body, header: await signer.sign(other) }
      },
    ],
    ['a header that is not a JWT', async (body: string) => ({ body, header: 'not-a-jwt' })],
  ])('%s: 401', async (_name, make) => {
    const answer = await attack(make)
    expect(answer.status).toBe(401)
    expect(answer.json).toMatchObject(refused)
  })

  it('an expired key: 401', async () => {
    const expiring = await createPlaidWebhookSigner()
    standIn.addWebhookKey(expiring.verificationKeyResponse({ expiredAt: Math.floor(Date.now() / 1000) - 60 }).key)
    const answer = await attack(async (body) => ({ body, header: await expiring.sign(body) }))
    expect(answer.status).toBe(401)
    expect(answer.json).toMatchObject(refused)
  })

  it('a body over 1 MiB: 413, before any key is fetched', async () => {
    const before = standIn.calls('/webhook_verification_key/get')
    const answer = await attack(async (body) => {
      const large = JSON.stringify({ ...JSON.parse(body), padding: 'x'.repeat(1024 * 1024) })
      return { body: large, header: await signer.sign(large) }
    })
    expect(answer.status).toBe(413)
    expect(answer.json.error_code).toBe('REQUEST_TOO_LARGE')
    expect(standIn.calls('/webhook_verification_key/get')).toBe(before)
  })

  it('a verified body that is not JSON: 400', async () => {
    const answer = await attack(async () => ({ body: 'not json', header: await signer.sign('not json') }))
    expect(answer.status).toBe(400)
    expect(answer.json.error_code).toBe('INVALID_REQUEST')
  })

  it('another algorithm is refused before any key is fetched', async () => {
    const before = standIn.calls('/webhook_verification_key/get')
    const { privateKey } = await generateKeyPair('ES384')
    await attack(async (body) => ({
      body,
      header: await new SignJWT({}).setProtectedHeader({ alg: 'ES384', kid: 'kid-new' }).setIssuedAt().sign(privateKey),
    }))
    expect(standIn.calls('/webhook_verification_key/get')).toBe(before)
  })
})

it('fetches a new kid once for 50 concurrent webhooks, in the shape Plaid documents', async () => {
  const { gateway } = newGateway()
  const itemId = await linkedItem(gateway)
  const fresh = await createPlaidWebhookSigner()
  const { key } = fresh.verificationKeyResponse()
  expect(validate(JWKPublicKey, key)).toEqual([])
  standIn.addWebhookKey(key)
  const before = standIn.calls('/webhook_verification_key/get')
  const body = itemWebhook(itemId, 'NEW_ACCOUNTS_AVAILABLE')
  const header = await fresh.sign(body)
  const answers = await Promise.all(Array.from({ length: 50 }, () => sendWebhook(gateway, body, header)))
  expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200))
  expect(standIn.calls('/webhook_verification_key/get') - before).toBe(1)
})

describe('the Item routes', () => {
  it('records the institution on exchange and lists only the user’s own Items, without tokens', async () => {
    const { gateway } = newGateway()
    const mine = await linkedItem(gateway, 'user-a')
    await linkedItem(gateway, 'user-b')
    const items = await listOf(gateway, 'user-a')
    expect(items).toEqual([
      {
        item_id: mine,
        status: 'healthy',
        institution_id: STAND_IN_INSTITUTION.institutionId,
        institution_name: STAND_IN_INSTITUTION.institutionName,
        error_code: null,
        consent_expiration_time: null,
        disconnect_time: null,
        reason: null,
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ])
    expect(JSON.stringify(items)).not.toMatch(/access-sandbox-/)
  })

  it('asks Plaid for the institution name once per institution, when /item/get leaves it out', async () => {
    const { gateway } = newGateway()
    // Plaid's Item may come without institution_name (the spec makes it optional); the gateway
    // then asks /institutions/get_by_id. Plaid's own answers for three Items, less the name, are
    // queued first, since asking for them would take them from the queue. The Items are at one
    // institution, so which of the two concurrent confirmations gets which answer does not matter.
    const created = [standIn.createPublicToken(), standIn.createPublicToken(), standIn.createPublicToken()]
    const answers = await Promise.all(created.map(({ itemId }) => itemGetWithoutName(itemId)))
    for (const body of answers) standIn.failNext('/item/get', { status: 200, body })
    const before = standIn.calls('/institutions/get_by_id')
    await Promise.all([linkedItem(gateway, 'user-a', created[0]), linkedItem(gateway, 'user-a', created[1])])
    await linkedItem(gateway, 'user-a', created[2])
    expect(standIn.calls('/institutions/get_by_id') - before).toBe(1)
  })

  it('links the Item even when Plaid cannot say its institution', async () => {
    const { gateway } = newGateway()
    standIn.failNext('/item/get', { status: 500, body: 'down', contentType: 'text/plain' })
    const itemId = await linkedItem(gateway)
    expect((await listOf(gateway))[0]).toMatchObject({ item_id: itemId, institution_id: null, institution_name: null })
  })

  it('/item/get confirms the status with Plaid and stores it', async () => {
    const { gateway } = newGateway()
    const itemId = await linkedItem(gateway)
    standIn.setItemError(itemId, plaidError('ITEM_LOGIN_REQUIRED'))
    let answer = await postTo(gateway, '/item/get', { item_id: itemId }, 'user-a')
    expect(answer.status).toBe(200)
    expect(answer.json.item).toMatchObject({
      item_id: itemId,
      status: 'login_required',
      error_code: 'ITEM_LOGIN_REQUIRED',
    })
    expect((await listOf(gateway))[0]!.status).toBe('login_required')
    standIn.setItemError(itemId, null)
    answer = await postTo(gateway, '/item/get', { item_id: itemId }, 'user-a')
    expect(answer.json.item).toMatchObject({ status: 'healthy', error_code: null })
    const plaidAnswer = [...standIn.requests].reverse().find((request) => request.path === '/item/get')
    expect(plaidAnswer?.body).toEqual({ access_token: standIn.accessTokenOf(itemId) })
  })

  it('/item/remove removes the Item at Plaid, then from the store', async () => {
    const { gateway } = newGateway()
    const itemId = await linkedItem(gateway)
    const answer = await postTo(gateway, '/item/remove', { item_id: itemId }, 'user-a')
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({ removed: true, request_id: expect.stringMatching(PLAID_REQUEST_ID) })
    expect(standIn.items.filter((item) => item.removed).map((item) => item.itemId)).toContain(itemId)
    expect(await listOf(gateway)).toEqual([])
  })

  it('keeps a failed Plaid removal in the store, so it can be tried again', async () => {
    const { gateway } = newGateway()
    const itemId = await linkedItem(gateway)
    standIn.failNext('/item/remove', {
      status: 500,
      body: { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', error_message: 'x', display_message: null },
    })
    expect((await postTo(gateway, '/item/remove', { item_id: itemId }, 'user-a')).status).toBe(500)
    expect((await listOf(gateway)).map((item) => item.item_id)).toEqual([itemId])
  })

  it.each(['/item/get', '/item/remove'])(
    '%s answers 404 for another user’s Item without calling Plaid',
    async (route) => {
      const { gateway, store } = newGateway()
      const itemId = await linkedItem(gateway, 'user-a')
      const calls = standIn.requests.length
      const writes = store.writes.length
      const answer = await postTo(gateway, route, { item_id: itemId }, 'user-b')
      expect(answer.status).toBe(404)
      expect(answer.json.error_code).toBe('ITEM_NOT_FOUND')
      expect(standIn.requests.length).toBe(calls)
      expect(store.writes.length).toBe(writes)
    },
  )

  it.each(['/item/list', '/item/get', '/item/remove'])('%s answers 401 without a session', async (route) => {
    const { gateway } = newGateway()
    expect((await postTo(gateway, route, { item_id: 'x' })).status).toBe(401)
  })

  it('the stand-in answers /item/get in the shape Plaid documents', async () => {
    const { gateway } = newGateway()
    const itemId = await linkedItem(gateway)
    const response = await fetch(`${standIn.basePath}/item/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...standIn.headers },
      body: JSON.stringify({ access_token: standIn.accessTokenOf(itemId) }),
    })
    expect(validate(ItemGetResponse, await response.json())).toEqual([])
  })
})
