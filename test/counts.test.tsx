/*
 * The counts the benchmark reports, asserted: requests, renders, and whether Link opens in the
 * click's own task. Never times.
 */
import {
  clickToOpen,
  exchangeRenders,
  exchangeRequests,
  repairRenders,
  tokenRequestsFor50Buttons,
  tokenRequestsFor50Hooks,
} from '../bench/scenarios'
import { tokenLifetimes } from '../bench/lifetimes'

const realFetch = globalThis.fetch
afterEach(() => {
  globalThis.fetch = realFetch
  delete (window as unknown as { Plaid?: unknown }).Plaid
})

test('50 buttons for one Item: one token request and one Link handler (the hand-written version makes 50 of each)', async () => {
  expect(await tokenRequestsFor50Buttons('package')).toEqual({ requests: 1, handlers: 1 })
  expect(await tokenRequestsFor50Buttons('baseline')).toEqual({ requests: 50, handlers: 50 })
})

test('50 buttons for one Item fetching on mount: still one token request and one Link handler', async () => {
  expect(await tokenRequestsFor50Buttons('package', true)).toEqual({ requests: 1, handlers: 1 })
})

test('50 hooks reading one Item’s token: one request', async () => {
  expect(await tokenRequestsFor50Hooks('package')).toBe(1)
  expect(await tokenRequestsFor50Hooks('baseline')).toBe(50)
})

test('one public token from a StrictMode effect plus 5 rapid calls: one exchange request', async () => {
  expect(await exchangeRequests('package')).toBe(1)
  expect(await exchangeRequests('baseline')).toBe(7)
})

test('an exchange cycle renders the consumer at most 3 times, and no more than the baseline', async () => {
  const ours = await exchangeRenders('package')
  const baseline = await exchangeRenders('baseline')
  expect(ours).toBeLessThanOrEqual(3)
  expect(ours).toBeLessThanOrEqual(baseline)
})

test('a repair cycle renders the consumer no more than the baseline', async () => {
  const ours = await repairRenders('package')
  const baseline = await repairRenders('baseline')
  expect(ours).toBeLessThanOrEqual(baseline)
})

test('with a prefetched token Link opens in the click’s task; without, after the round trip', async () => {
  expect((await clickToOpen('package', true, 20)).sameTask).toBe(true)
  expect((await clickToOpen('package', false, 20)).sameTask).toBe(false)
})

test.each([-60, 60])(
  'a browser clock %i min off, 30-minute tokens for 90 minutes: none expired, none refused, one request each',
  async (skewMinutes) => {
    const run = await tokenLifetimes('package', {
      skewMinutes,
      lifetimeMs: 30 * 60_000,
      durationMs: 90 * 60_000,
      sampleMs: 10_000,
    })
    expect(run).toMatchObject({ expiredHandedOut: 0, goodRefused: 0, requests: 4 })
    // The hand-written hook on the browser's clock: 60 minutes ahead, it refuses every token in a loop.
    if (skewMinutes === 60) {
      const baseline = await tokenLifetimes('baseline', {
        skewMinutes,
        lifetimeMs: 30 * 60_000,
        durationMs: 60_000,
        sampleMs: 10_000,
      })
      expect(baseline.goodRefused).toBe(baseline.samples)
      expect(baseline.requests).toBeGreaterThan(100)
    }
  },
)

test('2 s tokens: at most two requests in any minute, none expired', async () => {
  const run = await tokenLifetimes('package', { skewMinutes: 10, lifetimeMs: 2000, durationMs: 180_000, sampleMs: 250 })
  expect(run.busiestMinute).toBeLessThanOrEqual(2)
  expect(run.expiredHandedOut).toBe(0)
})
