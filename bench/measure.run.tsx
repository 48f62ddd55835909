/*
 * Run by `npm run bench` (through vitest.bench.config.mts, in jsdom): each scenario for the
 * package and the hand-written baseline, side by side, several times; the counts and the
 * median times go to bench/.measure.json for bench/run.mjs to report.
 */
import { writeFileSync } from 'node:fs'
import {
  clickToOpen,
  exchangeRenders,
  exchangeRequests,
  repairRenders,
  tokenRequestsFor50Buttons,
  tokenRequestsFor50Hooks,
  type Kind,
} from './scenarios'
import { tokenLifetimes } from './lifetimes'

const ROUNDS = 7
const LATENCY_MS = 40
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

test('measure', async () => {
  const realFetch = globalThis.fetch
  const results: Record<string, Record<Kind, unknown>> = {}
  const both = async (name: string, run: (kind: Kind) => Promise<unknown>) => {
    results[name] = { package: await run('package'), baseline: await run('baseline') }
    delete (window as unknown as { Plaid?: unknown }).Plaid
  }
  await both('tokenRequests50Buttons', (kind) => tokenRequestsFor50Buttons(kind))
  await both('tokenRequests50ButtonsOnMount', (kind) => tokenRequestsFor50Buttons(kind, true))
  await both('tokenRequests50Hooks', tokenRequestsFor50Hooks)
  await both('exchangeRequests', exchangeRequests)
  await both('exchangeRenders', exchangeRenders)
  await both('repairRenders', repairRenders)
  const latency = async (kind: Kind, prefetched: boolean) => {
    const runs = []
    for (let i = 0; i < ROUNDS; i += 1) runs.push(await clickToOpen(kind, prefetched, LATENCY_MS))
    return { sameTask: runs.every((run) => run.sameTask), medianMs: median(runs.map((run) => run.ms)) }
  }
  results.clickToOpenPrefetched = { package: await latency('package', true), baseline: await latency('baseline', true) }
  results.clickToOpenCold = { package: await latency('package', false), baseline: null as unknown }
  globalThis.fetch = realFetch
  // Lifetimes over simulated time: 30-minute tokens for 90 minutes, short ones for a minute or two.
  const lifetimes: unknown[] = []
  for (const [lifetimeMs, durationMs, sampleMs] of [
    [100, 60_000, 50],
    [2_000, 120_000, 250],
    [30 * 60_000, 90 * 60_000, 10_000],
  ] as const) {
    for (const skewMinutes of [-60, -10, 10, 29, 31, 60]) {
      const options = { skewMinutes, lifetimeMs, durationMs, sampleMs }
      lifetimes.push({
        ...options,
        package: await tokenLifetimes('package', options),
        baseline: await tokenLifetimes('baseline', options),
      })
    }
  }
  writeFileSync(
    'bench/.measure.json',
    JSON.stringify({ latencyMs: LATENCY_MS, rounds: ROUNDS, results, lifetimes }, null, 2),
  )
  expect(Object.keys(results)).toHaveLength(8)
}, 600_000)
