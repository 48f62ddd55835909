// @vitest-environment node
/*
 * Webhooks of contract v3, section 12: a replay is answered once (also across two gateways that
 * share a store), an Item's status follows the newest webhook by `iat`, fetching keys cannot be
 * used to spend the app's Plaid rate limit, a key Plaid expired stops verifying within a day,
 * another environment's webhooks change nothing, and Plaid's larger webhooks are not refused.
 */
import axios from 'axios'
import { PlaidApi, Configuration } from 'plaid'
import {
  createMemoryItemStore,
  type ItemStore,
  type PlaidGateway,
  type PlaidGatewayOptions,
  type WebhookEvent,
} from '../../src/server'
import {
  createPlaidStandIn,
  createPlaidWebhookSigner,
  type PlaidWebhookSigner,
  type PlaidStandIn,
} from '../../src/testing'
import { CLIENT_ID, EXCHANGE, SECRET, gatewayOn, postTo, readAnswer, scanForSecrets } from './harness'

const KEY_GET = '/webhook_verification_key/get'

let standIn: PlaidStandIn
let signer: PlaidWebhookSigner
scanForSecrets(() => standIn.issuedAccessTokens)

beforeAll(async () => {
  standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
  signer = await createPlaidWebhookSigner()
  standIn.addWebhookKey(signer.verificationKeyResponse().key)
})
afterAll(() => standIn.close())
afterEach(() => {
  vi.useRealTimers()
  expect(standIn.violations).toEqual([])
})

function newGateway(extra: Partial<PlaidGatewayOptions> = {}) {
  const webhooks: WebhookEvent[] = []
  const { gateway, settled } = gatewayOn(standIn, {
    onWebhook: (event) => {
      webhooks.push(event)
    },
    ...extra,
  })
  return { gateway, webhooks, settled }
}

const sendWebhook = (gateway: PlaidGateway, body: string, header: string) =>
  gateway
    .handle(
      new Request('https://app.example.com/api/plaid/webhook', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'plaid-verification': header },
        body,
      }),
    )
    .then(readAnswer)

async function linkedItem(gateway: PlaidGateway, settled: () => Promise<unknown>, user = 'user-a') {
  const { publicToken } = standIn.createPublicToken()
  const answer = await postTo(gateway, EXCHANGE, { public_token: publicToken }, user)
  expect(answer.status).toBe(200)
  await settled()
  return answer.json.item_id as string
}

const statusOf = async (gateway: PlaidGateway, itemId: string, user = 'user-a') => {
  const { items } = (await postTo(gateway, '/item/list', {}, user)).json as { items: Record<string, unknown>[] }
  return items.find((item) => item.item_id === itemId)?.status
}

const itemWebhook = (itemId: string, code: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ webhook_type: 'ITEM', webhook_code: code, item_id: itemId, environment: 'sandbox', ...extra })

const loginRequired = (itemId: string) =>
  itemWebhook(itemId, 'ERROR', {
    error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_message: 'x', display_message: null },
  })

const nowSeconds = () => Math.floor(Date.now() / 1000)

describe('replays', () => {
  it('the same signed webhook twice: the second is acknowledged and changes nothing', async () => {
    const { gateway, webhooks, settled } = newGateway()
    const itemId = await linkedItem(gateway, settled)
    const body = loginRequired(itemId)
    const header = await signer.sign(body)
    expect((await sendWebhook(gateway, body, header)).status).toBe(200)
    expect(await statusOf(gateway, itemId)).toBe('login_required')
    // The Item is repaired in between; a replay of the old ERROR must not break it again.
    const repaired = itemWebhook(itemId, 'LOGIN_REPAIRED')
    expect((await sendWebhook(gateway, repaired, await signer.sign(repaired))).status).toBe(200)
    const replay = await sendWebhook(gateway, body, header)
    expect(replay.status).toBe(200)
    expect(replay.json).toEqual({})
    expect(await statusOf(gateway, itemId)).toBe('healthy')
    expect(webhooks.map((event) => event.webhook_code)).toEqual(['ERROR', 'LOGIN_REPAIRED'])
  })

  it('is answered once across two gateways that share a store, also when both get it at once', async () => {
    const store = createMemoryItemStore()
    const a = newGateway({ store })
    const b = newGateway({ store })
    const itemId = await linkedItem(a.gateway, a.settled)
    const body = itemWebhook(itemId, 'NEW_ACCOUNTS_AVAILABLE')
    const header = await signer.sign(body)
    const answers = await Promise.all([
      sendWebhook(a.gateway, body, header),
      sendWebhook(b.gateway, body, header),
      sendWebhook(b.gateway, body, header),
    ])
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200])
    expect(a.webhooks.length + b.webhooks.length).toBe(1)
    expect(await statusOf(b.gateway, itemId)).toBe('new_accounts_available')
  })

  it('a webhook that failed to be taken is forgotten, so that Plaid’s retry of it is taken', async () => {
    const inner = createMemoryItemStore()
    let failures = 1
    const store: ItemStore = {
      ...inner,
      async setStatus(itemId, update) {
        if (failures-- > 0) throw new Error('connection to the database was lost')
        return inner.setStatus(itemId, update)
      },
    }
    const { gateway, webhooks, settled } = newGateway({ store })
    const itemId = await linkedItem(gateway, settled)
    const body = loginRequired(itemId)
    const header = await signer.sign(body)
    expect((await sendWebhook(gateway, body, header)).status).toBe(500)
    expect(webhooks).toEqual([])
    expect((await sendWebhook(gateway, body, header)).status).toBe(200)
    expect(await statusOf(gateway, itemId)).toBe('login_required')
    expect(webhooks).toHaveLength(1)
  })
})

describe('order', () => {
  it('an older ERROR delivered after a newer LOGIN_REPAIRED leaves the Item healthy; an equal iat applies', async () => {
    const { gateway, webhooks, settled } = newGateway()
    const itemId = await linkedItem(gateway, settled)
    const signedAt = nowSeconds()
    const repaired = itemWebhook(itemId, 'LOGIN_REPAIRED')
    const broken = loginRequired(itemId)
    expect((await sendWebhook(gateway, repaired, await signer.sign(repaired, { issuedAt: signedAt }))).status).toBe(200)
    const late = await sendWebhook(gateway, broken, await signer.sign(broken, { issuedAt: signedAt - 60 }))
    expect(late.status).toBe(200)
    expect(await statusOf(gateway, itemId)).toBe('healthy')
    // Verified, so the app still hears of it; only the status did not move back.
    expect(webhooks.map((event) => event.webhook_code)).toEqual(['LOGIN_REPAIRED', 'ERROR'])

    const sameSecond = itemWebhook(itemId, 'ERROR', {
      error: { error_code: 'ITEM_LOGIN_REQUIRED' },
      note: 'another delivery in the same second',
    })
    await sendWebhook(gateway, sameSecond, await signer.sign(sameSecond, { issuedAt: signedAt }))
    expect(await statusOf(gateway, itemId)).toBe('login_required')
  })

  it('/item/get, Plaid’s answer now, always applies; webhooks keep their order after it', async () => {
    const { gateway, settled } = newGateway()
    const itemId = await linkedItem(gateway, settled)
    const signedAt = nowSeconds()
    const broken = loginRequired(itemId)
    await sendWebhook(gateway, broken, await signer.sign(broken, { issuedAt: signedAt }))
    expect(await statusOf(gateway, itemId)).toBe('login_required')
    // Plaid says the Item is fine now (the stand-in reports no error for it).
    expect((await postTo(gateway, '/item/get', { item_id: itemId }, 'user-a')).json.item).toMatchObject({
      status: 'healthy',
    })
    const stale = itemWebhook(itemId, 'PENDING_EXPIRATION', { consent_expiration_time: '2031-01-01T00:00:00Z' })
    await sendWebhook(gateway, stale, await signer.sign(stale, { issuedAt: signedAt - 1 }))
    expect(await statusOf(gateway, itemId)).toBe('healthy')
    const newer = itemWebhook(itemId, 'NEW_ACCOUNTS_AVAILABLE')
    await sendWebhook(gateway, newer, await signer.sign(newer, { issuedAt: signedAt + 1 }))
    expect(await statusOf(gateway, itemId)).toBe('new_accounts_available')
  })
})

describe('verification keys', () => {
  it('500 webhooks naming 500 unknown kids make at most 10 calls to Plaid, and all are refused', async () => {
    const { gateway, webhooks, settled } = newGateway()
    const itemId = await linkedItem(gateway, settled)
    const before = standIn.calls(KEY_GET)
    const body = loginRequired(itemId)
    const answers = await Promise.all(
      Array.from({ length: 500 }, async (_, i) =>
        sendWebhook(gateway, body, await signer.sign(body, { kid: `unknown-kid-${i}` })),
      ),
    )
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([401]))
    expect(standIn.calls(KEY_GET) - before).toBe(10)
    expect(webhooks).toEqual([])
    expect(await statusOf(gateway, itemId)).toBe('healthy')
  })

  it('an unknown kid is asked for once per 5 minutes, however often it comes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { gateway } = newGateway()
    const body = itemWebhook('item-none', 'WEBHOOK_UPDATE_ACKNOWLEDGED')
    const before = standIn.calls(KEY_GET)
    for (let i = 0; i < 5; i++) {
      expect((await sendWebhook(gateway, body, await signer.sign(body, { kid: 'kid-nobody-knows' }))).status).toBe(401)
    }
    expect(standIn.calls(KEY_GET) - before).toBe(1)
    vi.setSystemTime(Date.now() + 4 * 60_000)
    await sendWebhook(gateway, body, await signer.sign(body, { kid: 'kid-nobody-knows' }))
    expect(standIn.calls(KEY_GET) - before).toBe(1)
    vi.setSystemTime(Date.now() + 61_000)
    await sendWebhook(gateway, body, await signer.sign(body, { kid: 'kid-nobody-knows' }))
    expect(standIn.calls(KEY_GET) - before).toBe(2)
  })

  it('a key Plaid expired after it was cached stops verifying once the cached copy is a day old', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const rotating = await createPlaidWebhookSigner()
    standIn.addWebhookKey(rotating.verificationKeyResponse().key)
    const { gateway, webhooks, settled } = newGateway()
    const itemId = await linkedItem(gateway, settled)
    const send = async (code: string) => {
      const body = itemWebhook(itemId, code)
      return (await sendWebhook(gateway, body, await rotating.sign(body))).status
    }
    const before = standIn.calls(KEY_GET)
    expect(await send('NEW_ACCOUNTS_AVAILABLE')).toBe(200)
    // Plaid expires the key; the gateway's copy is trusted until it is refreshed.
    standIn.addWebhookKey(rotating.verificationKeyResponse({ expiredAt: nowSeconds() }).key)
    vi.setSystemTime(Date.now() + 23 * 60 * 60_000)
    expect(await send('PENDING_EXPIRATION')).toBe(200)
    expect(standIn.calls(KEY_GET) - before).toBe(1)
    vi.setSystemTime(Date.now() + 60 * 60_000 + 1_000)
    expect(await send('LOGIN_REPAIRED')).toBe(401)
    expect(standIn.calls(KEY_GET) - before).toBe(2)
    expect(webhooks.map((event) => event.webhook_code)).toEqual(['NEW_ACCOUNTS_AVAILABLE', 'PENDING_EXPIRATION'])
  })
})

describe('environment', () => {
  it('with environment: production, a sandbox webhook is acknowledged and changes nothing', async () => {
    const { gateway, webhooks, settled } = newGateway({ environment: 'production' })
    const itemId = await linkedItem(gateway, settled)
    const sandbox = loginRequired(itemId)
    const answer = await sendWebhook(gateway, sandbox, await signer.sign(sandbox))
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({})
    expect(await statusOf(gateway, itemId)).toBe('healthy')
    expect(webhooks).toEqual([])
    const production = JSON.stringify({ ...JSON.parse(sandbox), environment: 'production' })
    expect((await sendWebhook(gateway, production, await signer.sign(production))).status).toBe(200)
    expect(await statusOf(gateway, itemId)).toBe('login_required')
  })

  it('without the option, it is the environment of the PlaidApi’s basePath', async () => {
    // The SDK is configured for Plaid's production host; its requests are sent to the stand-in.
    const toStandIn = axios.create()
    toStandIn.interceptors.request.use((config) => ({
      ...config,
      url: config.url?.replace('https://production.plaid.com', standIn.basePath),
    }))
    const plaid = new PlaidApi(
      new Configuration({
        basePath: 'https://production.plaid.com',
        baseOptions: { headers: standIn.headers },
      }),
      undefined,
      toStandIn,
    )
    const { gateway, webhooks, settled } = newGateway({ plaid })
    const itemId = await linkedItem(gateway, settled)
    const sandbox = loginRequired(itemId)
    expect((await sendWebhook(gateway, sandbox, await signer.sign(sandbox))).status).toBe(200)
    expect(await statusOf(gateway, itemId)).toBe('healthy')
    expect(webhooks).toEqual([])
  })

  it('a stand-in on 127.0.0.1 names no environment, so nothing is checked', async () => {
    const { gateway, settled } = newGateway()
    const itemId = await linkedItem(gateway, settled)
    const production = JSON.stringify({ ...JSON.parse(loginRequired(itemId)), environment: 'production' })
    expect((await sendWebhook(gateway, production, await signer.sign(production))).status).toBe(200)
    expect(await statusOf(gateway, itemId)).toBe('login_required')
  })
})

it('takes a webhook of 600 KiB, as Plaid’s larger ones are', async () => {
  const { gateway, webhooks, settled } = newGateway()
  const itemId = await linkedItem(gateway, settled)
  const body = JSON.stringify({
    webhook_type: 'TRANSACTIONS',
    webhook_code: 'SYNC_UPDATES_AVAILABLE',
    item_id: itemId,
    environment: 'sandbox',
    padding: 'x'.repeat(600 * 1024),
  })
  const answer = await sendWebhook(gateway, body, await signer.sign(body))
  expect(answer.status).toBe(200)
  expect(webhooks).toHaveLength(1)
  expect(webhooks[0]!.userId).toBe('user-a')
})
