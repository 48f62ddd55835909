// @vitest-environment node
/*
 * The exchange is idempotent per user: a retry of the same public token by the same user within 30
 * minutes answers with the same Item and calls Plaid once, also when the retries run at the same
 * time. Another user who sends the same token never gets that Item.
 */
import { EXCHANGE, LINK_TOKEN_CREATE, scanForSecrets, setupGatewaySuite, type Transport } from './harness'

const suite = setupGatewaySuite()
const { consoleLines } = scanForSecrets(() => suite.standIn.issuedAccessTokens)

afterEach(() => {
  vi.useRealTimers()
  suite.standIn.latencyMs = 0
  expect(suite.standIn.violations).toEqual([])
})

afterAll(() => {
  expect(consoleLines).toEqual([])
})

const exchange = (transport: Transport, publicToken: string, user: string) =>
  suite.post(transport, EXCHANGE, { public_token: publicToken }, { user })

describe.each<Transport>(['http', 'direct'])('over %s', (transport) => {
  it('answers a sequential retry with the same Item, calling Plaid and the store once', async () => {
    const { publicToken, itemId } = suite.standIn.createPublicToken()
    const before = {
      plaid: suite.standIn.calls(EXCHANGE),
      saves: suite.store.saved.length,
      linked: suite.linked.length,
    }
    const first = await exchange(transport, publicToken, 'user-a')
    const second = await exchange(transport, publicToken, 'user-a')
    const third = await exchange(transport, publicToken, 'user-a')
    expect(first.status).toBe(200)
    expect(first.json.item_id).toBe(itemId)
    expect(second.json).toEqual(first.json)
    expect(third.json).toEqual(first.json)
    expect(suite.standIn.calls(EXCHANGE) - before.plaid).toBe(1)
    expect(suite.store.saved.length - before.saves).toBe(1)
    expect(suite.linked.length - before.linked).toBe(1)
  })

  it('shares one Plaid call among concurrent retries', async () => {
    suite.standIn.latencyMs = 50
    const { publicToken, itemId } = suite.standIn.createPublicToken()
    const before = { plaid: suite.standIn.calls(EXCHANGE), saves: suite.store.saved.length }
    const answers = await Promise.all(Array.from({ length: 8 }, () => exchange(transport, publicToken, 'user-a')))
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200))
    expect(new Set(answers.map((answer) => answer.json.item_id))).toEqual(new Set([itemId]))
    expect(suite.standIn.calls(EXCHANGE) - before.plaid).toBe(1)
    expect(suite.store.saved.length - before.saves).toBe(1)
  })

  it('never gives another user the Item of a token that user A exchanged', async () => {
    const { publicToken, itemId } = suite.standIn.createPublicToken()
    expect((await exchange(transport, publicToken, 'user-a')).json.item_id).toBe(itemId)
    const stolen = await exchange(transport, publicToken, 'user-b')
    // Plaid is asked for user B and refuses the spent token; B gets Plaid's answer, not A's Item.
    expect(stolen.status).toBe(400)
    expect(stolen.json.error_code).toBe('INVALID_PUBLIC_TOKEN')
    expect(stolen.text).not.toContain(itemId)
    expect(suite.store.saved.filter((item) => item.itemId === itemId).map((item) => item.userId)).toEqual(['user-a'])
    const linkToken = await suite.post(transport, LINK_TOKEN_CREATE, { item_id: itemId }, { user: 'user-b' })
    expect(linkToken.status).toBe(404)
  })

  it('gives the Item to exactly one of two users racing with the same token', async () => {
    suite.standIn.latencyMs = 30
    const { publicToken, itemId } = suite.standIn.createPublicToken()
    const [a, b] = await Promise.all([
      exchange(transport, publicToken, 'user-a'),
      exchange(transport, publicToken, 'user-b'),
    ])
    const winners = [a, b].filter((answer) => answer.status === 200)
    expect(winners).toHaveLength(1)
    expect(winners[0]!.json.item_id).toBe(itemId)
    const owners = suite.store.saved.filter((item) => item.itemId === itemId).map((item) => item.userId)
    expect(owners).toEqual([a.status === 200 ? 'user-a' : 'user-b'])
  })
})

it('lets a failed exchange be tried again', async () => {
  const { publicToken, itemId } = suite.standIn.createPublicToken()
  suite.standIn.failNext(EXCHANGE, {
    status: 500,
    body: { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', error_message: 'x', display_message: null },
  })
  const failed = await exchange('direct', publicToken, 'user-a')
  expect(failed.status).toBe(500)
  const retried = await exchange('direct', publicToken, 'user-a')
  expect(retried.status).toBe(200)
  expect(retried.json.item_id).toBe(itemId)
})

it('asks Plaid again after the 30-minute window', async () => {
  vi.useFakeTimers({ toFake: ['Date'] })
  const start = new Date('2030-01-01T00:00:00Z')
  vi.setSystemTime(start)
  const { publicToken, itemId } = suite.standIn.createPublicToken()
  const before = suite.standIn.calls(EXCHANGE)
  expect((await exchange('direct', publicToken, 'user-a')).json.item_id).toBe(itemId)

  vi.setSystemTime(start.getTime() + 30 * 60_000 - 1000)
  expect((await exchange('direct', publicToken, 'user-a')).json.item_id).toBe(itemId)
  expect(suite.standIn.calls(EXCHANGE) - before).toBe(1)

  vi.setSystemTime(start.getTime() + 30 * 60_000 + 1000)
  const late = await exchange('direct', publicToken, 'user-a')
  expect(suite.standIn.calls(EXCHANGE) - before).toBe(2)
  expect(late.status).toBe(400)
  expect(late.json.error_code).toBe('INVALID_PUBLIC_TOKEN')
})
