// Size ceilings for the built client entry (minified and gzipped by size-limit's esbuild preset,
// which bundles for production, with the peers left out). They sit about 3% above today's sizes,
// to catch regressions; the package's goals are lower and are reported by `npm run bench` (see
// the README).
const peers = ['react', 'react-dom', 'react/jsx-runtime', 'swr', 'swr/mutation']
// Said outright rather than left to esbuild's default for minified browser builds: the sizes are
// those of an app's production bundle, without the development-only messages.
const production = (config) => ({ ...config, define: { 'process.env.NODE_ENV': '"production"' } })

module.exports = [
  {
    name: 'client entry, every export',
    path: 'dist/index.mjs',
    import: '*',
    ignore: peers,
    modifyEsbuildConfig: production,
    gzip: true,
    limit: '5.35 kB',
  },
  {
    name: 'useExchangePublicToken alone',
    path: 'dist/index.mjs',
    import: '{ useExchangePublicToken }',
    ignore: peers,
    modifyEsbuildConfig: production,
    gzip: true,
    limit: '2.26 kB',
  },
  {
    name: 'useUpdateModeToken alone',
    path: 'dist/index.mjs',
    import: '{ useUpdateModeToken }',
    ignore: peers,
    modifyEsbuildConfig: production,
    gzip: true,
    limit: '3.13 kB',
  },
  {
    name: 'LinkRepairButton alone',
    path: 'dist/index.mjs',
    import: '{ LinkRepairButton }',
    ignore: peers,
    modifyEsbuildConfig: production,
    gzip: true,
    limit: '4.87 kB',
  },
]
