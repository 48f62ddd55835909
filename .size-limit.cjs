// Size ceilings for the built client entry (minified and gzipped by size-limit's esbuild preset,
// with the peers left out). They sit just above today's sizes, to catch regressions; the
// package's goals are lower and are reported by `npm run bench` (see the README).
const peers = ['react', 'react-dom', 'react/jsx-runtime', 'swr', 'swr/mutation']

module.exports = [
  {
    name: 'client entry, every export',
    path: 'dist/index.mjs',
    import: '*',
    ignore: peers,
    gzip: true,
    limit: '8.7 kB',
  },
  {
    name: 'useExchangePublicToken alone',
    path: 'dist/index.mjs',
    import: '{ useExchangePublicToken }',
    ignore: peers,
    gzip: true,
    limit: '3.65 kB',
  },
  {
    name: 'useUpdateModeToken alone',
    path: 'dist/index.mjs',
    import: '{ useUpdateModeToken }',
    ignore: peers,
    gzip: true,
    limit: '4.75 kB',
  },
  {
    name: 'LinkRepairButton alone',
    path: 'dist/index.mjs',
    import: '{ LinkRepairButton }',
    ignore: peers,
    gzip: true,
    limit: '8.1 kB',
  },
]
