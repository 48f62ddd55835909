// Size ceilings for the built client entry (minified and gzipped by size-limit's esbuild preset,
// which bundles for production, with the peers left out). They sit about 2% above today's sizes,
// to catch regressions. The package's goals are lower and are reported by `npm run bench`; which
// of them are met, and what each feature costs, is in CONTRIBUTING.md.
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
    limit: '8.83 kB',
  },
  {
    name: 'useExchangePublicToken alone',
    path: 'dist/index.mjs',
    import: '{ useExchangePublicToken }',
    ignore: peers,
    modifyEsbuildConfig: production,
    gzip: true,
    limit: '2.98 kB',
  },
  {
    name: 'useUpdateModeToken alone',
    path: 'dist/index.mjs',
    import: '{ useUpdateModeToken }',
    ignore: peers,
    modifyEsbuildConfig: production,
    gzip: true,
    limit: '4.05 kB',
  },
  {
    name: 'LinkRepairButton alone',
    path: 'dist/index.mjs',
    import: '{ LinkRepairButton }',
    ignore: peers,
    modifyEsbuildConfig: production,
    gzip: true,
    limit: '7.51 kB',
  },
  {
    name: 'useLinkAccount alone',
    path: 'dist/index.mjs',
    import: '{ useLinkAccount }',
    ignore: peers,
    modifyEsbuildConfig: production,
    gzip: true,
    limit: '6.77 kB',
  },
  {
    name: 'LinkAccountButton alone',
    path: 'dist/index.mjs',
    import: '{ LinkAccountButton }',
    ignore: peers,
    modifyEsbuildConfig: production,
    gzip: true,
    limit: '7.46 kB',
  },
  {
    name: 'useLinkOAuthResume alone',
    path: 'dist/index.mjs',
    import: '{ useLinkOAuthResume }',
    ignore: peers,
    modifyEsbuildConfig: production,
    gzip: true,
    limit: '5.56 kB',
  },
  {
    name: 'usePlaidItems alone',
    path: 'dist/index.mjs',
    import: '{ usePlaidItems }',
    ignore: peers,
    modifyEsbuildConfig: production,
    gzip: true,
    limit: '3.24 kB',
  },
]
