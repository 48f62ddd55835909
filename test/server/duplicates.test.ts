// @vitest-environment node
/*
 * Plaid's "Preventing duplicate Items" in the gateway (contract v3, section 10): an exchange whose
 * Link metadata names an institution and an account (name and mask) the user already linked is
 * answered 409 DUPLICATE_ITEM with the Item already linked, and Plaid is never asked to exchange
 * it. And linkUser (section 13): what the app adds to a new Item's Link token `user`.
 */
import type { PlaidGatewayOptions } from '../../src/server'
import { createPlaidStandIn, type PlaidStandIn, type StandInInstitution } from '../../src/testing'
import {
  CLIENT_ID,
  EXCHANGE,
  LINK_TOKEN_CREATE,
  SECRET,
  gatewayOn,
  postTo,
  scanForSecrets,
  userHeaders,
} from './harness'

const CHASE = { institution_id: 'ins_3', name: 'Chase' }
const WELLS_FARGO = { institution_id: 'ins_4', name: 'Wells Fargo' }
const CHECKING = { id: 'acc-a', name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' }
const SAVINGS = { id: 'acc-b', name: 'Plaid Saving', mask: '1111', type: 'depository', subtype: 'savings' }

/*
 * The banks that Link's metadata names here. Each Item is made at the bank its metadata names, as
 * at Plaid, so the institution the gateway confirms after the answer is the one Link reported, and
 * a duplicate stays one however soon that confirmation lands.
 */
const account = ({ id: _id, ...fields }: typeof CHECKING) => fields
const INSTITUTIONS: StandInInstitution[] = [
  { ...CHASE, oauth: true, accounts: [account(CHECKING), account(SAVINGS)] },
  { ...WELLS_FARGO, oauth: true, accounts: [account(CHECKING)] },
]

let standIn: PlaidStandIn
scanForSecrets(() => standIn.issuedAccessTokens)

beforeAll(async () => {
  standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET, institutions: INSTITUTIONS })
})
afterAll(() => standIn.close())
afterEach(() => expect(standIn.violations).toEqual([]))

const newGateway = (extra: Partial<PlaidGatewayOptions> = {}) =>
  gatewayOn(standIn, { waitUntil: () => undefined, ...extra })

async function link(
  gateway: ReturnType<typeof newGateway>['gateway'],
  user: string,
  metadata: { institution?: { institution_id: string; name: string }; accounts?: object[] },
) {
  const { publicToken, itemId } = standIn.createPublicToken({ institutionId: metadata.institution?.institution_id })
  const answer = await postTo(gateway, EXCHANGE, { public_token: publicToken, ...metadata }, user)
  return { answer, publicToken, itemId }
}

describe('duplicate Items', () => {
  it('are answered 409 with the Item already linked, and Plaid is not asked to exchange', async () => {
    const { gateway, errors } = newGateway()
    const first = await link(gateway, 'user-a', { institution: CHASE, accounts: [CHECKING, SAVINGS] })
    expect(first.answer.status).toBe(200)
    const exchangesBefore = standIn.calls(EXCHANGE)

    const again = await link(gateway, 'user-a', { institution: CHASE, accounts: [{ ...SAVINGS, id: 'acc-other' }] })
    expect(again.answer.status).toBe(409)
    expect(again.answer.json).toEqual({
      error_type: 'ITEM_ERROR',
      error_code: 'DUPLICATE_ITEM',
      error_message: expect.stringMatching(/already has an Item at this institution.*not exchanged/),
      display_message: 'You have already connected Chase. If it stopped working, repair that connection instead.',
      item_id: first.itemId,
    })
    expect(standIn.calls(EXCHANGE)).toBe(exchangesBefore)
    expect(standIn.exchangesOf(again.publicToken)).toBe(0)
    expect(errors).toEqual([
      expect.objectContaining({ status: 409, errorCode: 'DUPLICATE_ITEM', itemId: first.itemId, userId: 'user-a' }),
    ])
    // Asked again with the same public token, the answer is the same: still no exchange.
    const retry = await postTo(
      gateway,
      EXCHANGE,
      { public_token: again.publicToken, institution: CHASE, accounts: [SAVINGS] },
      'user-a',
    )
    expect(retry.status).toBe(409)
    expect(standIn.exchangesOf(again.publicToken)).toBe(0)
  })

  it.each([
    ['another institution', { institution: WELLS_FARGO, accounts: [CHECKING] }],
    ['the same account name with another mask', { institution: CHASE, accounts: [{ ...CHECKING, mask: '9999' }] }],
    ['another account name with the same mask', { institution: CHASE, accounts: [{ ...CHECKING, name: 'Joint' }] }],
    ['no accounts in the metadata', { institution: CHASE }],
    ['no institution in the metadata', { accounts: [CHECKING] }],
  ])('are not %s: that links a new Item', async (_name, metadata) => {
    const { gateway } = newGateway()
    expect((await link(gateway, 'user-a', { institution: CHASE, accounts: [CHECKING] })).answer.status).toBe(200)
    expect((await link(gateway, 'user-a', metadata)).answer.status).toBe(200)
  })

  it('are per user: another user linking the same bank and account gets an Item of their own', async () => {
    const { gateway } = newGateway()
    expect((await link(gateway, 'user-a', { institution: CHASE, accounts: [CHECKING] })).answer.status).toBe(200)
    expect((await link(gateway, 'user-b', { institution: CHASE, accounts: [CHECKING] })).answer.status).toBe(200)
  })

  it('never stop a retry of the exchange that linked the Item: it answers with that Item', async () => {
    const { gateway } = newGateway()
    const metadata = { institution: CHASE, accounts: [CHECKING] }
    const first = await link(gateway, 'user-a', metadata)
    const retry = await postTo(gateway, EXCHANGE, { public_token: first.publicToken, ...metadata }, 'user-a')
    expect(retry.status).toBe(200)
    expect(retry.json.item_id).toBe(first.itemId)
  })

  it("are exchanged with duplicates: 'allow'", async () => {
    const { gateway, store } = newGateway({ duplicates: 'allow' })
    const metadata = { institution: CHASE, accounts: [CHECKING] }
    const first = await link(gateway, 'user-a', metadata)
    const second = await link(gateway, 'user-a', metadata)
    expect(second.answer.status).toBe(200)
    expect((await store.list('user-a')).map((item) => item.itemId)).toEqual([first.itemId, second.itemId])
  })

  it('refuses a duplicates value that is neither refuse nor allow', () => {
    expect(() => newGateway({ duplicates: 'warn' as 'allow' })).toThrow(
      /createPlaidGateway: `duplicates` must be 'refuse' or 'allow'; got "warn"/,
    )
  })
})

describe('linkUser', () => {
  it('adds the app’s fields to a new Item’s token user; client_user_id stays the session’s', async () => {
    const seen: Array<{ userId: string; header: string | null }> = []
    const { gateway } = newGateway({
      linkUser: async (userId, request) => {
        seen.push({ userId, header: request.headers.get('authorization') })
        return { phone_number: '+14155550011', client_user_id: 'someone-else', legal_name: 'Ada Lovelace' }
      },
    })
    const answer = await postTo(gateway, LINK_TOKEN_CREATE, { user: { phone_number: '+1999' } }, 'user-a')
    expect(answer.status).toBe(200)
    expect(standIn.requests.filter((sent) => sent.path === LINK_TOKEN_CREATE).at(-1)!.body?.user).toEqual({
      client_user_id: 'user-a',
      phone_number: '+14155550011',
      legal_name: 'Ada Lovelace',
    })
    expect(seen).toEqual([{ userId: 'user-a', header: userHeaders('user-a').authorization }])
  })

  it('is not asked for update mode, whose token is for an Item the user already has', async () => {
    const linkUser = vi.fn(async () => ({ phone_number: '+14155550011' }))
    const { gateway } = newGateway({ linkUser })
    const { itemId } = await link(gateway, 'user-a', {})
    expect((await postTo(gateway, LINK_TOKEN_CREATE, { item_id: itemId }, 'user-a')).status).toBe(200)
    expect(linkUser).not.toHaveBeenCalled()
    expect(standIn.requests.filter((sent) => sent.path === LINK_TOKEN_CREATE).at(-1)!.body?.user).toEqual({
      client_user_id: 'user-a',
    })
  })

  it('that throws is the bare 500, with its redacted message for onError', async () => {
    const { gateway, errors } = newGateway({
      linkUser: async () => {
        throw new Error(`profile service down (${SECRET})`)
      },
    })
    const answer = await postTo(gateway, LINK_TOKEN_CREATE, {}, 'user-a')
    expect(answer.status).toBe(500)
    expect(errors[0]!.cause?.message).toBe('profile service down ([redacted])')
  })
})
