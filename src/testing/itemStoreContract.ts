/*
 * The rules every ItemStore must keep, as test cases that run in any test runner: the gateway's
 * safety rests on them (one user never reaches another user's Item; the owner of an Item never
 * changes; what was saved comes back verbatim, whatever characters it holds).
 */
import type { ItemStore, StoredItem } from '../server/types'

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
  ]
  return cases
}
