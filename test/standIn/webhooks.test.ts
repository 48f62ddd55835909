// @vitest-environment node
/*
 * Webhooks from the Plaid stand-in: sent to each Item's own webhook URL, shaped as Plaid's spec
 * says for each code, and signed so that a receiver verifying them the way Plaid documents
 * accepts them: by a few lines of `jose` here, and by the real gateway over HTTP.
 */
import { createHash } from 'node:crypto'
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose'
import { CountryCode, Products, SandboxItemFireWebhookRequestWebhookCodeEnum as Code, WebhookType } from 'plaid'
import { ITEM_WEBHOOKS, SandboxItemFireWebhookResponse, validate } from '../../src/testing/plaidSpec.mjs'
import { createMemoryItemStore, createPlaidGateway, toNodeHandler, type WebhookEvent } from '../../src/server'
import { createPlaidStandIn, type PlaidStandIn } from '../../src/testing'
import { refusal, sdkFor, serve, webhookReceiver, type Received } from './helpers'

// Real HTTP on a machine that may be busy: a slow run is allowed, a hang is not.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

let standIn: PlaidStandIn
let receiver: Awaited<ReturnType<typeof webhookReceiver>>
beforeAll(async () => {
  standIn = await createPlaidStandIn()
  receiver = await webhookReceiver()
})
afterAll(async () => {
  await standIn.close()
  await receiver.close()
})

/** Verifies a webhook as Plaid's documentation says, fetching the key from the stand-in's API. */
async function verify(webhook: Received): Promise<void> {
  const token = webhook.headers['plaid-verification'] as string
  const header = decodeProtectedHeader(token)
  expect(header.alg).toBe('ES256')
  const { data } = await sdkFor(standIn).webhookVerificationKeyGet({ key_id: header.kid! })
  const { payload } = await jwtVerify(token, await importJWK({ ...data.key }, 'ES256'), { maxTokenAge: '5 min' })
  expect(payload.request_body_sha256).toBe(createHash('sha256').update(webhook.body).digest('hex'))
}

/** A new Item whose webhooks go to the receiver, exchanged as a gateway would. */
async function linkedItem(products = [Products.Transactions]) {
  const plaid = sdkFor(standIn)
  const { data } = await plaid.sandboxPublicTokenCreate({
    institution_id: 'ins_109508',
    initial_products: products,
    options: { webhook: receiver.url },
  })
  const { data: exchanged } = await plaid.itemPublicTokenExchange({ public_token: data.public_token })
  return { plaid, accessToken: exchanged.access_token, itemId: exchanged.item_id }
}

test.each([
  Code.NewAccountsAvailable,
  Code.UserPermissionRevoked,
  Code.UserAccountRevoked,
  Code.PendingDisconnect,
  Code.LoginRepaired,
])('/sandbox/item/fire_webhook %s reaches the Item’s URL, shaped and signed as Plaid’s', async (code) => {
  const { plaid, accessToken, itemId } = await linkedItem()
  const { data } = await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_code: code })
  expect(validate(SandboxItemFireWebhookResponse, data)).toEqual([])
  expect(data.webhook_fired).toBe(true)
  const webhook = await receiver.next()
  expect(webhook.json).toMatchObject({
    webhook_type: 'ITEM',
    webhook_code: code,
    item_id: itemId,
    environment: 'sandbox',
  })
  expect(validate(ITEM_WEBHOOKS[code]!, webhook.json)).toEqual([])
  await verify(webhook)
})

test('a TRANSACTIONS webhook needs the product: SANDBOX_PRODUCT_NOT_ENABLED without it', async () => {
  const withTransactions = await linkedItem()
  await withTransactions.plaid.sandboxItemFireWebhook({
    access_token: withTransactions.accessToken,
    webhook_code: Code.SyncUpdatesAvailable,
  })
  expect((await receiver.next()).json).toMatchObject({
    webhook_type: 'TRANSACTIONS',
    webhook_code: 'SYNC_UPDATES_AVAILABLE',
    item_id: withTransactions.itemId,
    initial_update_complete: true,
  })
  const authOnly = await linkedItem([Products.Auth])
  const refused = await refusal(
    authOnly.plaid.sandboxItemFireWebhook({
      access_token: authOnly.accessToken,
      webhook_code: Code.SyncUpdatesAvailable,
    }),
  )
  expect(refused.status).toBe(400)
  expect(refused.body).toMatchObject({ error_type: 'SANDBOX_ERROR', error_code: 'SANDBOX_PRODUCT_NOT_ENABLED' })
  const mismatched = await refusal(
    authOnly.plaid.sandboxItemFireWebhook({
      access_token: authOnly.accessToken,
      webhook_type: WebhookType.Transactions,
      webhook_code: Code.NewAccountsAvailable,
    }),
  )
  expect(mismatched.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' })
})

test('an Item without a webhook URL cannot fire one: SANDBOX_WEBHOOK_INVALID', async () => {
  const plaid = sdkFor(standIn)
  const { data } = await plaid.sandboxPublicTokenCreate({
    institution_id: 'ins_109508',
    initial_products: [Products.Transactions],
  })
  const { data: exchanged } = await plaid.itemPublicTokenExchange({ public_token: data.public_token })
  const refused = await refusal(
    plaid.sandboxItemFireWebhook({ access_token: exchanged.access_token, webhook_code: Code.NewAccountsAvailable }),
  )
  expect(refused.body).toMatchObject({ error_type: 'SANDBOX_ERROR', error_code: 'SANDBOX_WEBHOOK_INVALID' })
})

test('/sandbox/item/reset_login puts the Item in ITEM_LOGIN_REQUIRED and fires ITEM ERROR', async () => {
  const { plaid, accessToken, itemId } = await linkedItem()
  const { data } = await plaid.sandboxItemResetLogin({ access_token: accessToken })
  expect(data.reset_login).toBe(true)
  const webhook = await receiver.next()
  expect(validate(ITEM_WEBHOOKS.ERROR!, webhook.json)).toEqual([])
  expect(webhook.json).toMatchObject({
    webhook_code: 'ERROR',
    item_id: itemId,
    error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', status: 400 },
  })
  await verify(webhook)
  const { data: got } = await plaid.itemGet({ access_token: accessToken })
  expect(got.item.error).toMatchObject({ error_code: 'ITEM_LOGIN_REQUIRED' })
})

test('/item/webhook/update moves the Item to a new URL, which Plaid confirms there', async () => {
  const { plaid, accessToken, itemId } = await linkedItem()
  const other = await webhookReceiver()
  try {
    const { data } = await plaid.itemWebhookUpdate({ access_token: accessToken, webhook: other.url })
    expect(data.item.webhook).toBe(other.url)
    const webhook = await other.next()
    expect(validate(ITEM_WEBHOOKS.WEBHOOK_UPDATE_ACKNOWLEDGED!, webhook.json)).toEqual([])
    expect(webhook.json).toMatchObject({ item_id: itemId, new_webhook_url: other.url })
    expect(standIn.item(itemId)!.webhook).toBe(other.url)
  } finally {
    await other.close()
  }
})

describe('fireWebhook, a test control', () => {
  test('sends any code with Plaid’s fields filled in: PENDING_EXPIRATION, PENDING_DISCONNECT, an ERROR', async () => {
    const { itemId } = await linkedItem()
    const expiring = await standIn.fireWebhook(itemId, { webhook_code: 'PENDING_EXPIRATION' })
    expect(expiring).toMatchObject({ itemId, url: receiver.url, status: 200, error: null, done: true })
    const first = await receiver.next()
    expect(validate(ITEM_WEBHOOKS.PENDING_EXPIRATION!, first.json)).toEqual([])
    expect(Date.parse(first.json.consent_expiration_time as string)).toBeGreaterThan(Date.now())

    await standIn.fireWebhook(itemId, { webhook_code: 'PENDING_DISCONNECT', reason: 'INSTITUTION_MIGRATION' })
    const second = await receiver.next()
    expect(validate(ITEM_WEBHOOKS.PENDING_DISCONNECT!, second.json)).toEqual([])
    expect(second.json).toMatchObject({ reason: 'INSTITUTION_MIGRATION' })

    const error = {
      error_type: 'INSTITUTION_ERROR',
      error_code: 'INSTITUTION_DOWN',
      error_message: 'down',
      display_message: null,
      status: 400,
    }
    await standIn.fireWebhook(itemId, { webhook_code: 'ERROR', error })
    const third = await receiver.next()
    expect(third.json.error).toEqual(error)
    await verify(third)
  })

  test('an old iat, another key id, no signature at all, another URL', async () => {
    const { itemId } = await linkedItem()
    const other = await webhookReceiver()
    try {
      const issuedAt = Math.floor(Date.now() / 1000) - 3600
      await standIn.fireWebhook(
        itemId,
        { webhook_code: 'LOGIN_REPAIRED' },
        { issuedAt, kid: 'someone-else', url: other.url },
      )
      const stale = await other.next()
      expect(decodeProtectedHeader(stale.headers['plaid-verification'] as string).kid).toBe('someone-else')
      await standIn.fireWebhook(itemId, { webhook_code: 'LOGIN_REPAIRED' }, { sign: false })
      expect((await receiver.next()).headers['plaid-verification']).toBeUndefined()
    } finally {
      await other.close()
    }
  })

  test('failed deliveries are recorded, never thrown: a closed port, a 500, a host off this machine', async () => {
    const plaid = sdkFor(standIn)
    const closed = await webhookReceiver()
    await closed.close()
    const failing = await webhookReceiver(500)
    try {
      const { data } = await plaid.sandboxPublicTokenCreate({
        institution_id: 'ins_109508',
        initial_products: [Products.Transactions],
        options: { webhook: closed.url },
      })
      const { data: exchanged } = await plaid.itemPublicTokenExchange({ public_token: data.public_token })
      await plaid.sandboxItemResetLogin({ access_token: exchanged.access_token })
      await standIn.webhooksSettled()
      expect(standIn.webhooks.at(-1)).toMatchObject({ url: closed.url, status: null, done: true })
      expect(standIn.webhooks.at(-1)!.error).toMatch(/^no answer/)

      const answered = await standIn.fireWebhook(
        exchanged.item_id,
        { webhook_code: 'LOGIN_REPAIRED' },
        { url: failing.url },
      )
      expect(answered).toMatchObject({ status: 500, error: null })
      const away = await standIn.fireWebhook(
        exchanged.item_id,
        { webhook_code: 'LOGIN_REPAIRED' },
        { url: 'https://app.example.com/api/plaid/webhook' },
      )
      expect(away.status).toBeNull()
      expect(away.error).toMatch(/not on this machine.*webhookHosts: 'any'/)
      // It still serves after all of that.
      expect((await plaid.itemGet({ access_token: exchanged.access_token })).data.item.item_id).toBe(exchanged.item_id)
      await expect(standIn.fireWebhook('item-unknown', { webhook_code: 'ERROR' })).rejects.toThrow(
        /no Item item-unknown/,
      )
    } finally {
      await failing.close()
    }
  })
})

test('the real gateway verifies the stand-in’s webhooks and moves the Item’s status', async () => {
  const plaid = sdkFor(standIn)
  const store = createMemoryItemStore()
  const events: WebhookEvent[] = []
  const gateway = createPlaidGateway({
    plaid,
    store,
    getUserId: () => 'user-1',
    linkToken: {
      client_name: 'Stand-in Tests',
      language: 'en',
      country_codes: [CountryCode.Us],
      products: [Products.Transactions],
    },
    onWebhook: (event) => void events.push(event),
  })
  const { url, close } = await serve(toNodeHandler(gateway.handle))
  try {
    const { publicToken, itemId } = standIn.createPublicToken({ webhook: `${url}/api/plaid/webhook` })
    const answer = await fetch(`${url}/api/plaid/item/public_token/exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ public_token: publicToken }),
    })
    expect(await answer.json()).toMatchObject({ item_id: itemId })

    await plaid.sandboxItemResetLogin({ access_token: standIn.accessTokenOf(itemId)! })
    await standIn.webhooksSettled()
    expect(standIn.webhooks.at(-1)).toMatchObject({ itemId, status: 200, error: null })
    expect(events.at(-1)).toMatchObject({ webhook_code: 'ERROR', item_id: itemId, userId: 'user-1' })
    expect((await store.list('user-1'))[0]).toMatchObject({ itemId, status: 'login_required' })

    // A body the stand-in did not sign is refused by the gateway.
    const forged = await standIn.fireWebhook(itemId, { webhook_code: 'LOGIN_REPAIRED' }, { sign: false })
    expect(forged.status).toBe(401)
    expect((await store.list('user-1'))[0]).toMatchObject({ status: 'login_required' })
  } finally {
    await close()
  }
})
