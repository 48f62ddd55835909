/*
 * The rules every ItemStore must keep, as test cases that run in any test runner: the gateway's
 * safety rests on them (one user never reaches another user's Item; the owner of an Item never
 * changes; what was saved comes back verbatim, whatever characters it holds; an id no database
 * could hold is an unknown Item; a webhook older than the status it would replace changes
 * nothing; a replayed webhook is remembered once).
 *
 * The methods of version 3 are optional in the interface. A case for one of them says so in its
 * name, "(when the store has it)", and passes at once on a store without that method.
 */
import type { ItemAccount, ItemStore, StoredItem } from '../server/types'

/** One case of {@link itemStoreContract}: a name for the test, and the test itself. */
export interface ItemStoreContractCase {
  name: string
  run: () => Promise<void>
}

class ContractViolation extends Error {
  override name = 'ItemStoreContractViolation'
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractViolation(message)
}

/* JSON with object keys sorted, so that two stores returning fields in another order compare equal. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, field: unknown) =>
    field && typeof field === 'object' && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field).sort(([a], [b]) => (a < b ? -1 : 1)))
      : field,
  ) ?? 'undefined'

function same(actual: unknown, expected: unknown, what: string): void {
  const a = canonical(actual)
  const e = canonical(expected)
  check(a === e, `${what}: expected ${e}, got ${a}`)
}

async function rejects(run: () => Promise<unknown>, what: string): Promise<void> {
  let threw = false
  try {
    await run()
  } catch {
    threw = true
  }
  check(threw, what)
}

/* Strings that break naive SQL, JSON or shell quoting; a store must keep them as they are. */
const AWKWARD = [
  `'; DROP TABLE items; --`,
  `" OR "1"="1`,
  `\\'\\"\\\\ $1 $$ %s %n {{x}} \${x}`,
  `Ünïcødé 💳 العربية 中文`,
  `line\nbreak\ttab\r`,
  `<script>alert(1)</script>`,
]

let run = 0
/* Ids unique to one run of one case, so a shared database can hold any number of runs. */
const ids = () => {
  const tag = `${Date.now().toString(36)}-${(run++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  return {
    alice: `user-alice-${tag}`,
    bob: `user-bob-${tag}`,
    item: (n: number) => `item-${n}-${tag}`,
    token: (n: number) => `access-sandbox-${n}-${tag}`,
  }
}

const withoutTimes = ({ updatedAt: _updatedAt, ...item }: StoredItem) => item

const HOUR = 60 * 60 * 1000

/*
 * Ids that no database could hold, or that trip a careless one: a NUL character (PostgreSQL text
 * cannot hold it, and C strings end at it), lone UTF-16 surrogates (which drivers turn into
 * U+FFFD), very long ones (past any index's limit) and injection strings. Each is built from a
 * real id of the case: that keeps it unique to one run on a shared database, and a store that
 * cuts a string at NUL would find the Item `real`, one that replaces a lone surrogate the Item
 * `${surrogateBase}\uFFFD`.
 */
const oddIds = (real: string, surrogateBase: string) => [
  `${real}\u0000`,
  `${real}\u0000tail`,
  `\u0000${real}`,
  `${surrogateBase}\uD800`,
  `${surrogateBase}\uDC00`,
  `\uDFFF${real}`,
  `${real}${'x'.repeat(20_000)}`,
  `${'y'.repeat(100_000)}${real}`,
  ...AWKWARD.map((awkward) => `${real}${awkward}`),
]

/* An id as a message can show it: JSON escapes NUL and lone surrogates; a long one is cut. */
const shown = (id: string) => {
  const json = JSON.stringify(id)
  return json.length > 60 ? `${json.slice(0, 40)}…(${id.length} characters)` : json
}

/* Runs one call of the store, turning whatever it throws into a violation that names the call. */
async function answers<T>(run: () => Promise<T>, what: string): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw new ContractViolation(`${what} threw instead of answering: ${(error as Error)?.message ?? String(error)}`)
  }
}

async function statusOf(store: ItemStore, userId: string, itemId: string): Promise<StoredItem> {
  const item = (await store.list(userId)).find((listed) => listed.itemId === itemId)
  check(item, `list(${userId}) must hold the Item ${itemId}`)
  return item
}

/**
 * The store contract as test cases. Each case makes its own store with `createStore` and its
 * own ids, so cases can run in any order, in parallel, or against a shared database.
 *
 * @example
 * ```ts
 * import { itemStoreContract } from '@utdk/plaid-react/testing'
 *
 * describe('my ItemStore', () => {
 *   for (const { name, run } of itemStoreContract(() => createMyStore())) it(name, run)
 * })
 * ```
 */
export function itemStoreContract(createStore: () => ItemStore | Promise<ItemStore>): ItemStoreContractCase[] {
  const cases: ItemStoreContractCase[] = [
    {
      name: 'get returns the saved access token to its owner only',
      async run() {
        const store = await createStore()
        const id = ids()
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(1) })
        same(await store.get(id.alice, id.item(1)), id.token(1), 'get by the owner')
        same(await store.get(id.bob, id.item(1)), undefined, "get by another user (must not see alice's Item)")
        same(await store.get(id.alice, id.item(2)), undefined, 'get of an unknown Item')
      },
    },
    {
      name: "another user's Items are invisible to list and untouched by remove",
      async run() {
        const store = await createStore()
        const id = ids()
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(1) })
        same(await store.list(id.bob), [], "list of a user with no Items (must not show alice's)")
        await store.remove(id.bob, id.item(1))
        same(await store.get(id.alice, id.item(1)), id.token(1), "alice's Item after bob's remove")
        same(await store.owner(id.item(1)), id.alice, 'owner after bob tried to remove the Item')
      },
    },
    {
      name: 'the owner of an Item never changes: saving it for another user throws and changes nothing',
      async run() {
        const store = await createStore()
        const id = ids()
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(1) })
        await rejects(
          () => store.save({ userId: id.bob, itemId: id.item(1), accessToken: id.token(2) }),
          "save of alice's Item for bob must throw",
        )
        same(await store.owner(id.item(1)), id.alice, 'owner after the refused save')
        same(await store.get(id.alice, id.item(1)), id.token(1), "alice's token after the refused save")
        same(await store.get(id.bob, id.item(1)), undefined, 'get by bob after the refused save')
      },
    },
    {
      name: 'saving again for the owner replaces the token and makes the Item healthy',
      async run() {
        const store = await createStore()
        const id = ids()
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(1) })
        await store.setStatus(id.item(1), { status: 'login_required', errorCode: 'ITEM_LOGIN_REQUIRED' })
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(2) })
        same(await store.get(id.alice, id.item(1)), id.token(2), 'token after the second save')
        const [item] = await store.list(id.alice)
        same(item && [item.status, item.errorCode], ['healthy', null], 'status after the second save')
      },
    },
    {
      name: 'list gives the owner’s Items oldest first, with their fields and never an access token',
      async run() {
        const store = await createStore()
        const id = ids()
        await store.save({
          userId: id.alice,
          itemId: id.item(1),
          accessToken: id.token(1),
          institutionId: 'ins_109508',
          institutionName: 'First Platypus Bank',
        })
        await store.save({ userId: id.alice, itemId: id.item(2), accessToken: id.token(2) })
        await store.save({ userId: id.bob, itemId: id.item(3), accessToken: id.token(3) })
        const items = await store.list(id.alice)
        same(
          items.map(withoutTimes),
          [
            {
              userId: id.alice,
              itemId: id.item(1),
              status: 'healthy',
              institutionId: 'ins_109508',
              institutionName: 'First Platypus Bank',
              errorCode: null,
              consentExpirationTime: null,
              disconnectTime: null,
              reason: null,
              accounts: [],
            },
            {
              userId: id.alice,
              itemId: id.item(2),
              status: 'healthy',
              institutionId: null,
              institutionName: null,
              errorCode: null,
              consentExpirationTime: null,
              disconnectTime: null,
              reason: null,
              accounts: [],
            },
          ],
          "alice's list",
        )
        for (const item of items) {
          check(!Number.isNaN(Date.parse(item.updatedAt)), `updatedAt must be an ISO date, got ${item.updatedAt}`)
          check(!JSON.stringify(item).includes('access-sandbox-'), 'list must never hold an access token')
        }
      },
    },
    {
      name: 'setStatus changes the status, error code and consent expiration; an unknown Item is ignored',
      async run() {
        const store = await createStore()
        const id = ids()
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(1) })
        const expires = '2031-04-05T06:07:08.000Z'
        await store.setStatus(id.item(1), {
          status: 'pending_expiration',
          errorCode: null,
          consentExpirationTime: expires,
        })
        let [item] = await store.list(id.alice)
        same(item && item.status, 'pending_expiration', 'status after setStatus')
        same(item && new Date(item.consentExpirationTime ?? NaN).toISOString(), expires, 'consentExpirationTime')
        await store.setStatus(id.item(1), { status: 'login_required', errorCode: 'ITEM_LOGIN_REQUIRED' })
        ;[item] = await store.list(id.alice)
        same(
          item && [item.status, item.errorCode, item.consentExpirationTime],
          ['login_required', 'ITEM_LOGIN_REQUIRED', null],
          'status, errorCode and consentExpirationTime after the second setStatus',
        )
        await store.setStatus(id.item(9), { status: 'revoked' })
        same(await store.owner(id.item(9)), undefined, 'setStatus of an unknown Item must not create it')
      },
    },
    {
      name: 'owner names the user of an Item, and remove deletes it for its owner',
      async run() {
        const store = await createStore()
        const id = ids()
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(1) })
        same(await store.owner(id.item(1)), id.alice, 'owner')
        same(await store.owner(id.item(2)), undefined, 'owner of an unknown Item')
        await store.remove(id.alice, id.item(1))
        same(await store.get(id.alice, id.item(1)), undefined, 'get after remove')
        same(await store.list(id.alice), [], 'list after remove')
        same(await store.owner(id.item(1)), undefined, 'owner after remove')
      },
    },
    {
      name: 'stores injection strings and unusual characters in every field verbatim',
      async run() {
        const store = await createStore()
        const id = ids()
        for (const [n, awkward] of AWKWARD.entries()) {
          const userId = `${id.alice}${awkward}`
          const itemId = `${id.item(n)}${awkward}`
          const accessToken = `${id.token(n)}${awkward}`
          await store.save({ userId, itemId, accessToken, institutionId: awkward, institutionName: awkward })
          same(await store.get(userId, itemId), accessToken, `token holding ${JSON.stringify(awkward)}`)
          same(await store.owner(itemId), userId, `owner holding ${JSON.stringify(awkward)}`)
          const [item] = await store.list(userId)
          same(
            item && [item.itemId, item.institutionId, item.institutionName],
            [itemId, awkward, awkward],
            `listed fields holding ${JSON.stringify(awkward)}`,
          )
          await store.setStatus(itemId, { status: 'error', errorCode: awkward })
          same((await store.list(userId))[0]?.errorCode, awkward, `errorCode holding ${JSON.stringify(awkward)}`)
        }
        same(await store.get(id.alice, id.item(0)), undefined, 'a prefix of a stored user and Item must not match')
      },
    },
    {
      name: 'keeps every one of 50 concurrent saves',
      async run() {
        const store = await createStore()
        const id = ids()
        await Promise.all(
          Array.from({ length: 50 }, (_, n) =>
            store.save({ userId: id.alice, itemId: id.item(n), accessToken: id.token(n) }),
          ),
        )
        const listed = (await store.list(id.alice)).map((item) => item.itemId).sort()
        same(listed, Array.from({ length: 50 }, (_, n) => id.item(n)).sort(), 'Items after 50 concurrent saves')
        const tokens = await Promise.all(Array.from({ length: 50 }, (_, n) => store.get(id.alice, id.item(n))))
        same(
          tokens,
          Array.from({ length: 50 }, (_, n) => id.token(n)),
          'tokens after 50 concurrent saves',
        )
      },
    },
    {
      name: 'its exchange ledger (if it has one) lets one claim through and hands its result to every other',
      async run() {
        const store = await createStore()
        const ledger = store.exchangeLedger
        if (!ledger) return
        const id = ids()
        const key = `key-${id.item(1)}`
        same(await ledger.claim(key, 'claim-a', 60_000), { state: 'claimed' }, 'the first claim')
        same(await ledger.claim(key, 'claim-b', 60_000), { state: 'pending' }, 'a second claim while the first runs')
        await ledger.complete(key, 'claim-b', { itemId: 'wrong' }, 60_000)
        same(await ledger.claim(key, 'claim-c', 60_000), { state: 'pending' }, 'a claim after a foreign complete')
        await ledger.complete(key, 'claim-a', { itemId: id.item(1), requestId: 'req-1' }, 60_000)
        same(
          await ledger.claim(key, 'claim-d', 60_000),
          { state: 'done', itemId: id.item(1), requestId: 'req-1' },
          'a claim after the first completed',
        )
        const released = `key-${id.item(2)}`
        same(await ledger.claim(released, 'claim-a', 60_000), { state: 'claimed' }, 'claim of another key')
        await ledger.release(released, 'claim-a')
        same(await ledger.claim(released, 'claim-b', 60_000), { state: 'claimed' }, 'a claim after release')
        const lapsed = `key-${id.item(3)}`
        same(await ledger.claim(lapsed, 'claim-a', 1), { state: 'claimed' }, 'a claim with a short lease')
        await new Promise((resolve) => setTimeout(resolve, 20))
        same(await ledger.claim(lapsed, 'claim-b', 60_000), { state: 'claimed' }, 'a claim after the lease ran out')
      },
    },
    {
      name: 'ids a database cannot hold (NUL, lone surrogates, very long, injection strings) are unknown Items, and nothing throws',
      async run() {
        const store = await createStore()
        const id = ids()
        const real = id.item(1)
        // U+FFFD is what a driver makes of a lone surrogate: this Item must not answer for one.
        const replaced = `${id.item(2)}\uFFFD`
        await store.save({ userId: id.alice, itemId: real, accessToken: id.token(1) })
        await store.save({ userId: id.alice, itemId: replaced, accessToken: id.token(2) })
        const setInstitution = store.setInstitution?.bind(store)
        for (const odd of oddIds(real, id.item(2))) {
          const as = shown(odd)
          same(await answers(() => store.get(id.alice, odd), `get(alice, ${as})`), undefined, `get(alice, ${as})`)
          same(await answers(() => store.owner(odd), `owner(${as})`), undefined, `owner(${as})`)
          same(await answers(() => store.get(odd, real), `get(${as}, item)`), undefined, `get by the user ${as}`)
          same(await answers(() => store.list(odd), `list(${as})`), [], `list of the user ${as}`)
          await answers(() => store.setStatus(odd, { status: 'revoked', errorCode: 'ITEM_ERROR' }), `setStatus(${as})`)
          if (setInstitution) {
            await answers(
              () => setInstitution(odd, { institutionId: 'ins_odd', institutionName: 'Odd Bank' }),
              `setInstitution(${as})`,
            )
          }
          await answers(() => store.remove(id.alice, odd), `remove(alice, ${as})`)
          await answers(() => store.remove(odd, real), `remove(${as}, item)`)
          same(await store.owner(odd), undefined, `owner(${as}) after setStatus, setInstitution and remove`)
        }
        same(await store.get(id.alice, real), id.token(1), 'the real Item after the odd ids')
        same(await store.get(id.alice, replaced), id.token(2), 'the Item with U+FFFD after the odd ids')
        same(
          (await store.list(id.alice)).map((item) => [item.itemId, item.status, item.institutionId]),
          [
            [real, 'healthy', null],
            [replaced, 'healthy', null],
          ],
          'the real Items, untouched by calls with odd ids',
        )
      },
    },
    {
      name: 'rememberWebhook takes odd ids as any other, or refuses them with a TypeError (when the store has it)',
      async run() {
        const store = await createStore()
        if (!store.rememberWebhook) return
        const remember = store.rememberWebhook.bind(store)
        const id = ids()
        for (const odd of oddIds(`webhook-${id.item(1)}`, `webhook-${id.item(2)}`)) {
          const as = shown(odd)
          let first: boolean
          try {
            first = await remember(odd, 60_000)
          } catch (error) {
            check(error instanceof TypeError, `rememberWebhook(${as}) may refuse only with a TypeError, got ${error}`)
            continue
          }
          same(first, true, `rememberWebhook(${as}) the first time`)
          same(await remember(odd, 60_000), false, `rememberWebhook(${as}) again`)
        }
        // Two ids that differ only in their lone surrogate are two ids, however the store encodes them.
        const high = `webhook-${id.item(3)}\uD800`
        const low = `webhook-${id.item(3)}\uDC00`
        const accepted = await remember(high, 60_000).catch((error: unknown) => error)
        if (accepted === true)
          same(await remember(low, 60_000), true, `rememberWebhook(${shown(low)}) after ${shown(high)}`)
      },
    },
    {
      name: 'setStatus with asOf: an update older than the one that set the status changes nothing, an equal one applies',
      async run() {
        const store = await createStore()
        const id = ids()
        const earlier = Date.now() - HOUR
        const later = earlier + HOUR
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(1) })
        await store.setStatus(id.item(1), { status: 'login_required', errorCode: 'ITEM_LOGIN_REQUIRED', asOf: later })
        same((await statusOf(store, id.alice, id.item(1))).status, 'login_required', 'status after a webhook')
        await store.setStatus(id.item(1), { status: 'healthy', asOf: earlier })
        same(
          [
            (await statusOf(store, id.alice, id.item(1))).status,
            (await statusOf(store, id.alice, id.item(1))).errorCode,
          ],
          ['login_required', 'ITEM_LOGIN_REQUIRED'],
          'status after an older webhook (must not change)',
        )
        await store.setStatus(id.item(1), { status: 'new_accounts_available', asOf: later })
        same(
          (await statusOf(store, id.alice, id.item(1))).status,
          'new_accounts_available',
          'status after a webhook as old as the current one (must apply)',
        )
        // Webhooks are ordered against webhooks, whose times all come from Plaid's clock: the first
        // webhook of an Item applies whatever its time, even one signed before the save (a save is
        // timed by this server's clock, which may run ahead of Plaid's).
        await store.save({ userId: id.alice, itemId: id.item(2), accessToken: id.token(2) })
        await store.setStatus(id.item(2), { status: 'revoked', asOf: Date.now() - HOUR })
        same(
          (await statusOf(store, id.alice, id.item(2))).status,
          'revoked',
          'the first webhook of an Item, signed an hour before now',
        )
        // Saving the Item again (a new access token) keeps the time of its last webhook.
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(3) })
        await store.setStatus(id.item(1), { status: 'revoked', asOf: earlier })
        same(
          (await statusOf(store, id.alice, id.item(1))).status,
          'healthy',
          'status after a re-save and then a webhook older than the last one (must not change)',
        )
        await store.setStatus(id.item(9), { status: 'revoked', asOf: later })
        same(await store.owner(id.item(9)), undefined, 'setStatus with asOf of an unknown Item must not create it')
      },
    },
    {
      name: "setStatus without asOf always applies and keeps the last webhook's time: an older webhook still changes nothing, a newer one applies",
      async run() {
        const store = await createStore()
        const id = ids()
        const earlier = Date.now() - 2 * HOUR
        const later = earlier + HOUR
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(1) })
        await store.setStatus(id.item(1), { status: 'error', errorCode: 'INSTITUTION_DOWN', asOf: later })
        await store.setStatus(id.item(1), { status: 'healthy' })
        same(
          [
            (await statusOf(store, id.alice, id.item(1))).status,
            (await statusOf(store, id.alice, id.item(1))).errorCode,
          ],
          ['healthy', null],
          "status after Plaid's answer now, which always applies",
        )
        await store.setStatus(id.item(1), { status: 'login_required', asOf: earlier })
        same(
          (await statusOf(store, id.alice, id.item(1))).status,
          'healthy',
          'status after a webhook older than the last one (must not change)',
        )
        await store.setStatus(id.item(1), { status: 'pending_expiration' })
        same((await statusOf(store, id.alice, id.item(1))).status, 'pending_expiration', 'a second answer without asOf')
        await store.setStatus(id.item(1), { status: 'login_required', asOf: later })
        same(
          (await statusOf(store, id.alice, id.item(1))).status,
          'login_required',
          'status after a webhook as old as the last one (must apply)',
        )
        await store.setStatus(id.item(1), { status: 'new_accounts_available', asOf: Date.now() })
        same(
          (await statusOf(store, id.alice, id.item(1))).status,
          'new_accounts_available',
          'status after a webhook newer than the last one',
        )
      },
    },
    {
      name: 'disconnectTime and reason come back as saved, and the next status or save clears them',
      async run() {
        const store = await createStore()
        const id = ids()
        const disconnect = '2031-02-03T04:05:06.000Z'
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(1) })
        await store.setStatus(id.item(1), {
          status: 'pending_disconnect',
          disconnectTime: disconnect,
          reason: 'INSTITUTION_TOKEN_EXPIRATION',
        })
        let item = await statusOf(store, id.alice, id.item(1))
        same(
          [item.status, item.disconnectTime && new Date(item.disconnectTime).toISOString(), item.reason],
          ['pending_disconnect', disconnect, 'INSTITUTION_TOKEN_EXPIRATION'],
          'status, disconnectTime and reason',
        )
        await store.setStatus(id.item(1), { status: 'login_required', errorCode: 'ITEM_LOGIN_REQUIRED' })
        item = await statusOf(store, id.alice, id.item(1))
        same([item.disconnectTime, item.reason], [null, null], 'disconnectTime and reason after the next status')
        await store.setStatus(id.item(1), { status: 'pending_disconnect', disconnectTime: disconnect, reason: 'X' })
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(2) })
        item = await statusOf(store, id.alice, id.item(1))
        same(
          [item.status, item.disconnectTime, item.reason],
          ['healthy', null, null],
          'status, disconnectTime and reason after a save',
        )
      },
    },
    {
      name: 'accounts come back with their name, mask, type and subtype only; a re-save without accounts keeps them, null or [] clears them',
      async run() {
        const store = await createStore()
        const id = ids()
        const accountNumber = `1111222233330000-${id.item(0)}`
        const given = [
          {
            name: 'Plaid Checking',
            mask: '0000',
            type: 'depository',
            subtype: 'checking',
            // What Link's metadata also carries, and a careless caller might pass on: never kept.
            id: `account-id-${id.item(0)}`,
            account_number: accountNumber,
          } as ItemAccount,
          { name: null, mask: null, type: null, subtype: null },
          { name: AWKWARD[0]!, mask: '1234', type: AWKWARD[3]!, subtype: AWKWARD[4]! },
        ]
        const kept = [
          { name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' },
          { name: null, mask: null, type: null, subtype: null },
          { name: AWKWARD[0], mask: '1234', type: AWKWARD[3], subtype: AWKWARD[4] },
        ]
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(1), accounts: given })
        let item = await statusOf(store, id.alice, id.item(1))
        same(item.accounts, kept, 'accounts after the save')
        check(
          !JSON.stringify(await store.list(id.alice)).includes(accountNumber) &&
            !JSON.stringify(item).includes('account-id-'),
          'list must hold only the name, mask, type and subtype of an account',
        )
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(2) })
        same((await statusOf(store, id.alice, id.item(1))).accounts, kept, 'accounts after a re-save without accounts')
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(3), accounts: [] })
        same((await statusOf(store, id.alice, id.item(1))).accounts, [], 'accounts after a re-save with []')
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(4), accounts: given })
        await store.save({ userId: id.alice, itemId: id.item(1), accessToken: id.token(5), accounts: null })
        item = await statusOf(store, id.alice, id.item(1))
        same(item.accounts, [], 'accounts after a re-save with null')
        await store.save({ userId: id.alice, itemId: id.item(2), accessToken: id.token(6) })
        same((await statusOf(store, id.alice, id.item(2))).accounts, [], 'accounts of an Item saved without them')
      },
    },
    {
      name: 'setInstitution records what Plaid confirmed, a null field keeps the stored one, an unknown Item is ignored (when the store has it)',
      async run() {
        const store = await createStore()
        if (!store.setInstitution) return
        const setInstitution = store.setInstitution.bind(store)
        const id = ids()
        await store.save({
          userId: id.alice,
          itemId: id.item(1),
          accessToken: id.token(1),
          institutionId: 'ins_hint',
          institutionName: 'Hinted Bank',
        })
        const institution = async () => {
          const item = await statusOf(store, id.alice, id.item(1))
          return [item.institutionId, item.institutionName]
        }
        await setInstitution(id.item(1), { institutionId: 'ins_3', institutionName: 'Chase' })
        same(await institution(), ['ins_3', 'Chase'], 'institution after setInstitution')
        await setInstitution(id.item(1), { institutionId: null, institutionName: 'Chase Bank' })
        same(await institution(), ['ins_3', 'Chase Bank'], 'institution after setInstitution with a null id')
        await setInstitution(id.item(1), { institutionId: null, institutionName: null })
        same(await institution(), ['ins_3', 'Chase Bank'], 'institution after setInstitution with nulls only')
        await setInstitution(id.item(9), { institutionId: 'ins_9', institutionName: 'Nine' })
        same(await store.owner(id.item(9)), undefined, 'setInstitution of an unknown Item must not create it')
      },
    },
    {
      name: 'rememberWebhook is true once, then false until its time is over; forgetWebhook makes it new again (when the store has it)',
      async run() {
        const store = await createStore()
        if (!store.rememberWebhook) return
        const remember = store.rememberWebhook.bind(store)
        const forget = store.forgetWebhook?.bind(store)
        const id = ids()
        const webhook = `webhook-${id.item(1)}`
        same(await remember(webhook, 60_000), true, 'the first rememberWebhook')
        same(await remember(webhook, 60_000), false, 'rememberWebhook of a remembered id')
        same(await remember(webhook, 60_000), false, 'rememberWebhook of a remembered id, again')
        same(await remember(`webhook-${id.item(2)}`, 60_000), true, 'rememberWebhook of another id')
        if (forget) {
          await forget(webhook)
          same(await remember(webhook, 60_000), true, 'rememberWebhook after forgetWebhook')
          same(await remember(webhook, 60_000), false, 'rememberWebhook after forgetWebhook, again')
          await forget(`webhook-${id.item(9)}`)
        }
        const brief = `webhook-${id.item(3)}`
        same(await remember(brief, 1), true, 'rememberWebhook kept for 1 ms')
        await new Promise((resolve) => setTimeout(resolve, 20))
        same(await remember(brief, 60_000), true, 'rememberWebhook after its time was over')
        same(await remember(brief, 60_000), false, 'rememberWebhook after its time was over, again')
      },
    },
    {
      name: 'rememberWebhook is true for exactly one of 20 concurrent calls with one id (when the store has it)',
      async run() {
        const store = await createStore()
        if (!store.rememberWebhook) return
        const remember = store.rememberWebhook.bind(store)
        const webhook = `webhook-${ids().item(1)}`
        const answers = await Promise.all(Array.from({ length: 20 }, () => remember(webhook, 60_000)))
        same(answers.filter((first) => first === true).length, 1, 'how many of 20 concurrent calls were first')
        same(answers.filter((first) => first === false).length, 19, 'how many of 20 concurrent calls were told false')
      },
    },
    {
      name: "exchangeLedger.saveAndComplete saves the Item and completes the claim; another user's Item throws and changes nothing (when the store has it)",
      async run() {
        const store = await createStore()
        const ledger = store.exchangeLedger
        if (!ledger?.saveAndComplete) return
        const saveAndComplete = ledger.saveAndComplete.bind(ledger)
        const id = ids()
        const key = `key-${id.item(1)}`
        same(await ledger.claim(key, 'claim-a', 60_000), { state: 'claimed' }, 'the claim')
        await saveAndComplete(
          {
            userId: id.alice,
            itemId: id.item(1),
            accessToken: id.token(1),
            institutionId: 'ins_3',
            institutionName: 'Chase',
            accounts: [{ name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' }],
          },
          key,
          'claim-a',
          { itemId: id.item(1), requestId: 'req-1' },
          60_000,
        )
        same(await store.get(id.alice, id.item(1)), id.token(1), 'token after saveAndComplete')
        const item = await statusOf(store, id.alice, id.item(1))
        same(
          [item.status, item.institutionId, item.institutionName, item.accounts],
          [
            'healthy',
            'ins_3',
            'Chase',
            [{ name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' }],
          ],
          'the saved Item',
        )
        same(
          await ledger.claim(key, 'claim-b', 60_000),
          { state: 'done', itemId: id.item(1), requestId: 'req-1' },
          'a claim after saveAndComplete',
        )

        const stolen = `key-${id.item(2)}`
        same(await ledger.claim(stolen, 'claim-bob', 60_000), { state: 'claimed' }, "bob's claim")
        await rejects(
          () =>
            saveAndComplete(
              { userId: id.bob, itemId: id.item(1), accessToken: id.token(2) },
              stolen,
              'claim-bob',
              { itemId: id.item(1), requestId: 'req-2' },
              60_000,
            ),
          "saveAndComplete of alice's Item for bob must throw",
        )
        same(await store.owner(id.item(1)), id.alice, 'owner after the refused saveAndComplete')
        same(await store.get(id.alice, id.item(1)), id.token(1), "alice's token after the refused saveAndComplete")
        same(await store.get(id.bob, id.item(1)), undefined, 'get by bob after the refused saveAndComplete')
        same(
          await ledger.claim(stolen, 'claim-other', 60_000),
          { state: 'pending' },
          "bob's claim after the refused saveAndComplete (must still be pending, not done)",
        )
      },
    },
  ]
  return cases
}
