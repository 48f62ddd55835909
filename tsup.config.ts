import { defineConfig, type Options } from 'tsup'
import { scriptTextEsbuildPlugin } from './scripts/scriptText.mjs'

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number]

// What every entry shares: both module formats with their declarations.
const entry = (options: Options): Options => ({
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: false,
  splitting: false,
  target: 'es2020',
  ...options,
})

/*
 * The client entry is built one file per module, so that an app's bundler drops every module an
 * import does not reach (`sideEffects: false`), imports and all. Each module is compiled on its
 * own: its relative imports stay imports, with the extension of the format being written.
 */
const oneFilePerModule: EsbuildPlugin = {
  name: 'one-file-per-module',
  setup(build) {
    const extension = build.initialOptions.format === 'esm' ? '.mjs' : '.js'
    build.onResolve({ filter: /^\.\.?\// }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: args.path + extension, external: true },
    )
  },
}

/*
 * Builds of the testing entry for one platform: each listed import, by the file that imports it,
 * is given another module of src/testing. The declarations are made from the source as it is.
 * Any other import of msw stays an import of the app's own msw.
 */
const variant = (swaps: { importer: string; path: string; kind?: string; to: string }[]): EsbuildPlugin => ({
  name: 'testing-variant',
  setup(build) {
    build.onResolve({ filter: /^(\.\/|msw$)/ }, (args) => {
      const swap = swaps.find(
        (one) =>
          one.path === args.path &&
          (one.importer === '*' || args.importer.endsWith(`/src/testing/${one.importer}`)) &&
          (one.kind === undefined || one.kind === args.kind),
      )
      if (swap) return { path: new URL(`./src/testing/${swap.to}`, import.meta.url).pathname }
      return args.path === 'msw' ? { path: 'msw', external: true } : undefined
    })
  },
})

/*
 * In Node the testing entry works without msw: msw is loaded only if installed (by a top-level
 * `await import()` in the ES module build, by `require` in try in the CommonJS build), and each msw
 * helper says how to install it when it is missing.
 */
const withoutMswIn = (format: 'esm' | 'cjs') =>
  variant([
    { importer: 'index.ts', path: './sandboxGateway', to: 'mswHandlers.node.ts' },
    { importer: '*', path: 'msw', kind: 'import-statement', to: 'mswBindings.ts' },
    { importer: '*', path: './mswModule', to: `mswModule.${format}.ts` },
  ])

export default defineConfig([
  // The client entry. Every file must start with "use client" so that React Server Components
  // frameworks treat the hooks as client code; the banner survives, tsup's treeshake would not.
  entry({
    entry: ['src/**/*.ts', 'src/**/*.tsx', '!src/server/**', '!src/testing/**'],
    dts: { entry: { index: 'src/index.ts' } },
    banner: { js: '"use client";' },
    esbuildPlugins: [oneFilePerModule],
  }),
  // The server entry: no directive, no React, and its own files so no client code is shared.
  entry({ entry: { server: 'src/server/index.ts' }, target: 'es2022', platform: 'node' }),
  // Test and demo helpers: the Plaid stand-in, msw handlers for a sandbox gateway, the Link
  // stand-in (also bundled on its own, as the text of the script the Plaid stand-in serves).
  entry({
    entry: { testing: 'src/testing/index.ts' },
    format: ['esm'],
    target: 'es2022',
    platform: 'node',
    // Left to the plugin, which tells the static imports of msw from the guarded dynamic one.
    noExternal: ['msw'],
    esbuildPlugins: [scriptTextEsbuildPlugin(), withoutMswIn('esm')],
  }),
  entry({
    entry: { testing: 'src/testing/index.ts' },
    format: ['cjs'],
    platform: 'node',
    noExternal: ['msw'],
    esbuildPlugins: [scriptTextEsbuildPlugin(), withoutMswIn('cjs')],
  }),
  // For browser bundlers ("browser" in package.json's exports): msw imported as usual, and no
  // HTTP server.
  entry({
    entry: { 'testing.browser': 'src/testing/index.ts' },
    format: ['esm'],
    platform: 'browser',
    dts: false,
    external: ['msw'],
    esbuildPlugins: [variant([{ importer: 'index.ts', path: './plaidStandIn', to: 'plaidStandIn.browser.ts' }])],
  }),
])
