// `npm run bench`: bundle sizes, request counts, render counts and click-to-open latency, for
// the package and its baselines in one run. Prints a table and writes bench/results.md.
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, totalmem, type as osType } from 'node:os'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const EXTERNAL = ['react', 'react-dom', 'swr', 'swr/*', 'react/jsx-runtime']
const EXPORTS = [
  'useExchangePublicToken',
  'useUpdateModeToken',
  'useLinkRepair',
  'LinkRepairButton',
  'useLinkAccount',
  'LinkAccountButton',
  'useLinkOAuthResume',
  'usePlaidItems',
  'PlaidGatewayProvider',
  'PlaidGatewayError',
]
// The package's size goals, reported in every run (CONTRIBUTING.md); `npm run size` enforces ceilings.
const BUDGET_RATIO = 1.75
const BUDGET_EXCHANGE_BYTES = 2000

/** Minified and gzipped bytes of a browser bundle of `contents`, with the peers left external. */
async function bundleSize(contents) {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    external: EXTERNAL,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  })
  const code = result.outputFiles[0].contents
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length }
}

const run = (command, args) => execFileSync(command, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })

console.log('building…')
run('npm', ['run', 'build', '--silent'])

const sizes = {
  'react-plaid-link 5.0.0 (all)': await bundleSize(`export * from 'react-plaid-link'`),
  '@utdk/plaid-react (all)': await bundleSize(`export * from './dist/index.mjs'`),
}
for (const name of EXPORTS) sizes[`${name} alone`] = await bundleSize(`export { ${name} } from './dist/index.mjs'`)

console.log('measuring requests, renders and latency…')
run('npx', ['vitest', 'run', '--config', 'vitest.bench.config.mts', '--silent'])
const measured = JSON.parse(readFileSync('bench/.measure.json', 'utf8'))
rmSync('bench/.measure.json')
const r = measured.results

const rpl = sizes['react-plaid-link 5.0.0 (all)'].gzip
const ours = sizes['@utdk/plaid-react (all)'].gzip
const exchangeAlone = sizes['useExchangePublicToken alone'].gzip
const ratio = (a, b) => (b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`)
const yes = (flag) => (flag ? 'yes' : 'no')

const lines = []
lines.push('## Bundle size (minified, gzip level 9; react, react-dom and swr external)', '')
lines.push('| bundle | minified | gzip | vs react-plaid-link (gzip) |', '| --- | ---: | ---: | ---: |')
for (const [name, size] of Object.entries(sizes)) {
  lines.push(`| ${name} | ${size.min} B | ${size.gzip} B | ${ratio(size.gzip, rpl)} |`)
}
lines.push(
  '',
  `Goals: the whole client entry at most ${BUDGET_RATIO}× react-plaid-link (${Math.floor(BUDGET_RATIO * rpl)} B): ` +
    `${ours} B, ${ours <= BUDGET_RATIO * rpl ? 'met' : 'NOT met'}; useExchangePublicToken alone at most ` +
    `${BUDGET_EXCHANGE_BYTES} B: ${exchangeAlone} B, ${exchangeAlone <= BUDGET_EXCHANGE_BYTES ? 'met' : 'NOT met'}.`,
  '',
)
lines.push('## Requests, renders and click-to-open', '')
lines.push('| scenario | @utdk/plaid-react | hand-written baseline | goal |', '| --- | ---: | ---: | --- |')
lines.push(
  `| token requests, 50 buttons for one Item (hovered / mounted) | ${r.tokenRequests50Buttons.package.requests} | ${r.tokenRequests50Buttons.baseline.requests} | 1 |`,
)
lines.push(
  `| Link handlers (Plaid.create, one iframe each), 50 buttons for one Item | ${r.tokenRequests50Buttons.package.handlers} | ${r.tokenRequests50Buttons.baseline.handlers} | 1 |`,
)
lines.push(
  `| token requests and Link handlers, 50 buttons for one Item, all fetching on mount (prefetch="mount") | ${r.tokenRequests50ButtonsOnMount.package.requests} and ${r.tokenRequests50ButtonsOnMount.package.handlers} | ${r.tokenRequests50ButtonsOnMount.baseline.requests} and ${r.tokenRequests50ButtonsOnMount.baseline.handlers} | 1 and 1 |`,
)
lines.push(
  `| token requests, 50 hooks for one Item | ${r.tokenRequests50Hooks.package} | ${r.tokenRequests50Hooks.baseline} | 1 |`,
)
lines.push(
  `| exchange requests, StrictMode effect + 5 rapid calls, one token | ${r.exchangeRequests.package} | ${r.exchangeRequests.baseline} | 1 |`,
)
lines.push(
  `| consumer renders, one exchange cycle | ${r.exchangeRenders.package} | ${r.exchangeRenders.baseline} | ≤ 3 and ≤ baseline |`,
)
lines.push(
  `| consumer renders, one repair cycle (click, open, success) | ${r.repairRenders.package} | ${r.repairRenders.baseline} | ≤ baseline |`,
)
const pre = r.clickToOpenPrefetched
const cold = r.clickToOpenCold.package
lines.push(
  `| click → open(), token prefetched: same task? | ${yes(pre.package.sameTask)} (${pre.package.medianMs.toFixed(2)} ms) | ${yes(pre.baseline.sameTask)} (${pre.baseline.medianMs.toFixed(2)} ms, after fetching on mount) | same task |`,
)
lines.push(
  `| click → open(), no prefetch, gateway answering in ${measured.latencyMs} ms | ${cold.medianMs.toFixed(1)} ms = ${ratio(cold.medianMs, measured.latencyMs)} one round trip | cannot open before its token | one round trip |`,
)
lines.push(
  '',
  `Latency figures are medians of ${measured.rounds} runs in jsdom, as ratios to the simulated round trip.`,
)

lines.push('', '## Token lifetimes on skewed clocks', '')
lines.push(
  'A mounted token hook over simulated time; the browser clock is off by the skew, the gateway dates its answers by its own clock. ' +
    '"Expired" counts samples in which the hook returned a token that had expired by the gateway\'s clock; "refused" counts samples ' +
    'in which it returned none although the last token was good for more than another second. The baseline is the same refresh ' +
    "policy, hand-written, judged by the browser's clock (`bench/baselines.tsx`).",
  '',
)
lines.push(
  '| lifetime | skew | requests / hour | busiest minute | expired | refused | baseline requests / hour | baseline busiest minute | baseline expired | baseline refused | samples |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
)
const lifetimeLabel = (ms) => (ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${ms / 1000} s` : `${ms / 60_000} min`)
for (const run of measured.lifetimes) {
  const p = run.package
  const b = run.baseline
  lines.push(
    `| ${lifetimeLabel(run.lifetimeMs)} | ${run.skewMinutes > 0 ? '+' : ''}${run.skewMinutes} min | ${p.requestsPerHour} | ${p.busiestMinute} | ${p.expiredHandedOut} | ${p.goodRefused} | ${b.requestsPerHour} | ${b.busiestMinute} | ${b.expiredHandedOut} | ${b.goodRefused} | ${p.samples} |`,
  )
}

const cpu = cpus()[0]?.model ?? 'unknown CPU'
const header = [
  '# Benchmark results',
  '',
  `Run on ${new Date().toISOString().slice(0, 10)}, ${osType()} with ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
  'Reproduce with `npm ci && npm run bench`.',
  '',
]
// The gateway's load benchmark (npm run bench:gateway) writes its own section; it is kept.
let gatewaySection = ''
try {
  const previous = readFileSync('bench/results.md', 'utf8')
  const start = previous.search(/^## Gateway/m)
  if (start >= 0) gatewaySection = previous.slice(start).trimEnd() + '\n'
} catch {
  // No earlier results: nothing to keep.
}
const report = [...header, ...lines, '', gatewaySection].join('\n')
writeFileSync('bench/results.md', report)
console.log('\n' + lines.join('\n'))
