// @vitest-environment node
/*
 * The exchange of contract v3, section 10: one Plaid call and one write before the answer, the
 * institution confirmed after it (through waitUntil, or in the background), Link's metadata as
 * hints that never decide anything, and another user's Item left exactly as it was.
 */
import { performance } from 'node:perf_hooks'
import { createMemoryItemStore, type PlaidGatewayOptions } from '../../src/server'
import { createPlaidStandIn, type PlaidStandIn } from '../../src/testing'
import {
  CLIENT_ID,
  EXCHANGE,
  SECRET,
  STAND_IN_INSTITUTION,
  gatewayOn,
  plaidApi,
  postTo,
  recordingStore,
  scanForSecrets,
} from './harness'

let standIn: PlaidStandIn
scanForSecrets(() => standIn.issuedAccessTokens)

beforeAll(async () => {
  standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
})
afterAll(() => standIn.close())
/* Every gateway's work after its answers, awaited after each test so that none spills into the next. */
const made: ReturnType<typeof gatewayOn>[] = []
afterEach(async () => {
  await Promise.allSettled(made.flatMap(({ afterAnswers }) => afterAnswers.splice(0)))
  standIn.stopHanging()
  expect(standIn.violations).toEqual([])
})

const LINK_METADATA = {
  institution: { institution_id: 'ins_109508', name: 'First Platypus Bank (as Link said)' },
  accounts: [
    { id: 'acc-1', name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' },
    { id: 'acc-2', name: 'Plaid Saving', mask: '1111', type: 'depository', subtype: 'savings' },
  ],
}

function newGateway(extra: Partial<PlaidGatewayOptions> = {}) {
  const store = recordingStore()
  const gateway = gatewayOn(standIn, { store, plaidTimeoutMs: 60_000, ...extra })
  made.push(gateway)
  return { ...gateway, store }
}

const institutionOf = async (store: ReturnType<typeof recordingStore>, user: string, itemId: string) => {
  const item = (await store.list(user)).find((one) => one.itemId === itemId)
  return { institutionId: item?.institutionId, institutionName: item?.institutionName }
}

describe('one Plaid call and one write before the answer', () => {
  it('answers while /item/get hangs, with the Item durable and only the exchange sent to Plaid before', async () => {
    const errorLines = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const { gateway, store, afterAnswers } = newGateway({ plaidTimeoutMs: 1_000 })
    standIn.hang('/item/get')
    const { publicToken, itemId } = standIn.createPublicToken()
    const sentBefore = standIn.requests.length
    const answer = await postTo(gateway, EXCHANGE, { public_token: publicToken }, 'user-a')
    const answeredAt = performance.now()
    expect(answer.status).toBe(200)
    expect(answer.json.item_id).toBe(itemId)
    const beforeTheAnswer = standIn.requests.slice(sentBefore).filter((request) => request.at < answeredAt)
    expect(beforeTheAnswer.map((request) => request.path)).toEqual([EXCHANGE])
    // Durable: the access token is in the store, and the confirmation waits for Plaid.
    expect(await store.get('user-a', itemId)).toBe(standIn.accessTokenOf(itemId))
    expect(store.saved).toHaveLength(1)
    expect(afterAnswers).toHaveLength(1)
    // The confirmation gives up at the deadline, says so, and leaves the Item as it was.
    await Promise.all(afterAnswers)
    expect(errorLines).toHaveBeenCalledWith(
      `@utdk/plaid-react/server: confirming the institution of Item ${itemId} failed after the answer was sent: ` +
        "Plaid's /item/get did not answer within plaidTimeoutMs (1000 ms).",
    )
    expect(await store.get('user-a', itemId)).toBe(standIn.accessTokenOf(itemId))
  })

  it('hands the confirmation to waitUntil, which fills in the institution Plaid names', async () => {
    const { gateway, store, afterAnswers } = newGateway()
    const release = standIn.holdUntilReleased('/item/get')
    const { publicToken, itemId } = standIn.createPublicToken()
    await postTo(gateway, EXCHANGE, { public_token: publicToken }, 'user-a')
    expect(await institutionOf(store, 'user-a', itemId)).toEqual({ institutionId: null, institutionName: null })
    expect(afterAnswers).toHaveLength(1)
    release()
    await Promise.all(afterAnswers)
    expect(await institutionOf(store, 'user-a', itemId)).toEqual(STAND_IN_INSTITUTION)
  })

  it('without waitUntil confirms the institution in the background, and a failure there is caught and told', async () => {
    const errorLines = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const { gateway, store } = newGateway({ waitUntil: undefined })
    const { publicToken, itemId } = standIn.createPublicToken()
    expect((await postTo(gateway, EXCHANGE, { public_token: publicToken }, 'user-a')).status).toBe(200)
    await vi.waitFor(async () => expect(await institutionOf(store, 'user-a', itemId)).toEqual(STAND_IN_INSTITUTION))

    standIn.failNext('/item/get', { status: 500, body: 'down', contentType: 'text/plain' })
    const second = standIn.createPublicToken()
    expect((await postTo(gateway, EXCHANGE, { public_token: second.publicToken }, 'user-a')).status).toBe(200)
    await vi.waitFor(() => expect(errorLines).toHaveBeenCalledTimes(1))
    expect(errorLines.mock.calls[0]![0]).toBe(
      `@utdk/plaid-react/server: confirming the institution of Item ${second.itemId} failed after the answer was ` +
        'sent: Request failed with status code 500',
    )
    expect(await institutionOf(store, 'user-a', second.itemId)).toEqual({ institutionId: null, institutionName: null })
  })

  it('a later /item/get fills in the institution that the confirmation missed', async () => {
    const { gateway, store, afterAnswers } = newGateway()
    standIn.failNext('/item/get', { status: 500, body: 'down', contentType: 'text/plain' })
    const { publicToken, itemId } = standIn.createPublicToken()
    await postTo(gateway, EXCHANGE, { public_token: publicToken }, 'user-a')
    await Promise.allSettled(afterAnswers)
    expect(await institutionOf(store, 'user-a', itemId)).toEqual({ institutionId: null, institutionName: null })
    const confirmed = await postTo(gateway, '/item/get', { item_id: itemId }, 'user-a')
    expect(confirmed.json.item).toMatchObject({
      item_id: itemId,
      institution_id: STAND_IN_INSTITUTION.institutionId,
      institution_name: STAND_IN_INSTITUTION.institutionName,
    })
    expect(await institutionOf(store, 'user-a', itemId)).toEqual(STAND_IN_INSTITUTION)
  })
})

describe("Link's metadata", () => {
  it('is kept as a hint: the institution shown until Plaid confirms it, and the accounts without ids', async () => {
    // Plaid's confirmation is held back, so what the store shows is the hint alone.
    const release = standIn.holdUntilReleased('/item/get')
    const { gateway, store, afterAnswers } = newGateway()
    const { publicToken, itemId } = standIn.createPublicToken()
    const answer = await postTo(gateway, EXCHANGE, { public_token: publicToken, ...LINK_METADATA }, 'user-a')
    expect(answer.status).toBe(200)
    // Plaid is sent the public token alone.
    expect(standIn.requests.filter((request) => request.path === EXCHANGE).at(-1)!.body).toEqual({
      public_token: publicToken,
    })
    const [item] = await store.list('user-a')
    expect(item).toMatchObject({
      itemId,
      status: 'healthy',
      institutionId: 'ins_109508',
      institutionName: 'First Platypus Bank (as Link said)',
      accounts: [
        { name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' },
        { name: 'Plaid Saving', mask: '1111', type: 'depository', subtype: 'savings' },
      ],
    })
    expect(JSON.stringify(item)).not.toContain('acc-1')
    expect(afterAnswers).toHaveLength(1)
    release()
  })

  it('gives way to the institution Plaid confirms', async () => {
    const { gateway, store, afterAnswers } = newGateway()
    const release = standIn.holdUntilReleased('/item/get')
    const { publicToken, itemId } = standIn.createPublicToken()
    const hinted = { ...LINK_METADATA, institution: { institution_id: 'ins_forged', name: 'Not The Bank' } }
    await postTo(gateway, EXCHANGE, { public_token: publicToken, ...hinted }, 'user-a')
    expect(await institutionOf(store, 'user-a', itemId)).toEqual({
      institutionId: 'ins_forged',
      institutionName: 'Not The Bank',
    })
    release()
    await Promise.all(afterAnswers)
    expect(await institutionOf(store, 'user-a', itemId)).toEqual(STAND_IN_INSTITUTION)
  })

  it('that Plaid confirms as it was saved costs no second write', async () => {
    const { gateway, store, afterAnswers } = newGateway()
    const writes: string[] = []
    const setInstitution = store.setInstitution!.bind(store)
    store.setInstitution = async (itemId, institution) => {
      writes.push(itemId)
      await setInstitution(itemId, institution)
    }
    const right = { ...LINK_METADATA, institution: { institution_id: 'ins_109508', name: 'First Platypus Bank' } }
    const sentBefore = standIn.requests.length
    const linked = standIn.createPublicToken()
    await postTo(gateway, EXCHANGE, { public_token: linked.publicToken, ...right }, 'user-a')
    const wrong = standIn.createPublicToken()
    await postTo(gateway, EXCHANGE, { public_token: wrong.publicToken, ...LINK_METADATA }, 'user-b')
    await Promise.all(afterAnswers)
    // Plaid was asked both times; only the Item whose hint named the bank differently was written again.
    const itemGets = standIn.requests.slice(sentBefore).filter((request) => request.path === '/item/get')
    expect(itemGets).toHaveLength(2)
    expect(writes).toEqual([wrong.itemId])
    expect(await institutionOf(store, 'user-a', linked.itemId)).toEqual(STAND_IN_INSTITUTION)
    expect(await institutionOf(store, 'user-b', wrong.itemId)).toEqual(STAND_IN_INSTITUTION)
  })

  it.each([
    ['institution as a string', { institution: 'ins_109508' }, 'institution'],
    ['institution as an array', { institution: [] }, 'institution'],
    ['institution_id as a number', { institution: { institution_id: 3, name: 'x' } }, 'institution.institution_id'],
    ['a name with a NUL character', { institution: { institution_id: 'ins_3', name: 'a\u0000b' } }, 'institution.name'],
    ['accounts as an object', { accounts: { id: 'acc' } }, 'accounts'],
    ['an account as a string', { accounts: ['acc'] }, 'accounts[0]'],
    ['a mask as a number', { accounts: [{ id: 'acc', name: 'Checking', mask: 0 }] }, 'accounts[0].mask'],
    ['a lone surrogate in a name', { accounts: [{ id: 'acc', name: 'x\ud800' }] }, 'accounts[0].name'],
    ['101 accounts', { accounts: Array.from({ length: 101 }, (_, i) => ({ id: `a${i}` })) }, 'accounts'],
  ])('with %s is the 400, before anything reaches Plaid', async (_name, metadata, field) => {
    const { gateway, store, errors } = newGateway()
    const { publicToken } = standIn.createPublicToken()
    const before = standIn.requests.length
    const answer = await postTo(gateway, EXCHANGE, { public_token: publicToken, ...metadata }, 'user-a')
    expect(answer.status).toBe(400)
    expect(answer.json).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_REQUEST' })
    expect(answer.json.error_message).toContain(`"${field}`)
    expect(standIn.requests.length).toBe(before)
    expect(store.saved).toEqual([])
    expect(errors.map((error) => error.status)).toEqual([400])
    // The token was not spent: the same one links once the metadata is right.
    expect((await postTo(gateway, EXCHANGE, { public_token: publicToken }, 'user-a')).status).toBe(200)
  })

  it('null institution and accounts, as Link sends for some flows, are no hints at all', async () => {
    const { gateway, store } = newGateway()
    const { publicToken, itemId } = standIn.createPublicToken()
    const answer = await postTo(
      gateway,
      EXCHANGE,
      { public_token: publicToken, institution: null, accounts: null },
      'u',
    )
    expect(answer.status).toBe(200)
    expect(store.saved).toEqual([expect.objectContaining({ itemId, institutionId: null, accounts: undefined })])
  })
})

describe("another user's Item", () => {
  it('is the 404 with nothing changed: no removal at Plaid, the owner’s row as it was, onError told the itemId', async () => {
    const { gateway, store, errors, afterAnswers } = newGateway()
    const { publicToken, itemId } = standIn.createPublicToken()
    await postTo(gateway, EXCHANGE, { public_token: publicToken }, 'owner')
    await Promise.all(afterAnswers.splice(0))
    const ownerToken = await store.get('owner', itemId)
    const ownerRow = (await store.list('owner'))[0]

    // A second public token for the same Item (Plaid's /item/public_token/create), in another user's hands.
    const { data } = await plaidApi(standIn).itemCreatePublicToken({ access_token: ownerToken! })
    const answer = await postTo(gateway, EXCHANGE, { public_token: data.public_token }, 'intruder')
    expect(answer.status).toBe(404)
    expect(answer.json).toEqual({
      error_type: 'ITEM_ERROR',
      error_code: 'ITEM_NOT_FOUND',
      error_message: 'The signed-in user has no Item with this item_id.',
      display_message: null,
    })
    expect(standIn.calls('/item/remove')).toBe(0)
    expect(standIn.items.filter((item) => !item.removed).map((item) => item.itemId)).toContain(itemId)
    expect(await store.get('owner', itemId)).toBe(ownerToken)
    expect(await store.get('intruder', itemId)).toBeUndefined()
    expect((await store.list('owner'))[0]).toEqual(ownerRow)
    expect(errors).toEqual([
      expect.objectContaining({ status: 404, errorCode: 'ITEM_NOT_FOUND', userId: 'intruder', itemId }),
    ])
    expect(errors[0]!.cause?.message).toMatch(/belongs to another user; nothing was changed/)
    // The owner's Item still works at Plaid: the owner can repair it.
    expect((await postTo(gateway, '/link/token/create', { item_id: itemId }, 'owner')).status).toBe(200)
  })

  it('is told apart from a store that is down: a failed save is still tried again', async () => {
    const { gateway, store } = newGateway()
    store.failSaves = 1
    const { publicToken, itemId } = standIn.createPublicToken()
    const answer = await postTo(gateway, EXCHANGE, { public_token: publicToken }, 'user-a')
    expect(answer.status).toBe(200)
    expect(await store.get('user-a', itemId)).toBe(standIn.accessTokenOf(itemId))
  })
})

it('works with a store of contract v2 that has no setInstitution: the exchange answers, nothing is confirmed', async () => {
  const inner = createMemoryItemStore()
  const { setInstitution: _none, exchangeLedger: _ledger, ...v2Store } = inner
  const { gateway, afterAnswers } = newGateway({ store: v2Store })
  const { publicToken, itemId } = standIn.createPublicToken()
  const before = standIn.calls('/item/get')
  expect((await postTo(gateway, EXCHANGE, { public_token: publicToken }, 'user-a')).json.item_id).toBe(itemId)
  await Promise.all(afterAnswers)
  expect(standIn.calls('/item/get')).toBe(before)
})
