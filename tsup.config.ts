import { defineConfig, type Options } from 'tsup'

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
const oneFilePerModule: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'one-file-per-module',
  setup(build) {
    const extension = build.initialOptions.format === 'esm' ? '.mjs' : '.js'
    build.onResolve({ filter: /^\.\.?\// }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: args.path + extension, external: true },
    )
  },
}

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
  // Test and demo helpers: msw handlers for a sandbox gateway and a Plaid Link stand-in.
  entry({ entry: { testing: 'src/testing/index.ts' }, external: ['msw'] }),
])
