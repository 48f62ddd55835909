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

const realFetch = globalThis.fetch
afterEach(() => {
  globalThis.fetch = realFetch
  delete (window as { Plaid?: unknown }).Plaid
})

test('50 buttons for one Item: one token request (the hand-written version sends 50)', async () => {
  expect(await tokenRequestsFor50Buttons('package')).toBe(1)
  expect(await tokenRequestsFor50Buttons('baseline')).toBe(50)
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
