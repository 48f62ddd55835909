import { defineConfig, type Options } from 'tsup'

// What every entry shares: both module formats with their declarations, and one file per entry.
const entry = (options: Options): Options => ({
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: false,
  splitting: false,
  target: 'es2020',
  ...options,
})

export default defineConfig([
  // The client entry. Its files must start with "use client" so that React Server Components
  // frameworks treat the hooks as client code; the banner survives, tsup's treeshake would not.
  entry({ entry: { index: 'src/index.ts' }, banner: { js: '"use client";' } }),
  // The server entry: no directive, no React, and its own files so no client code is shared.
  entry({ entry: { server: 'src/server/index.ts' }, target: 'es2022', platform: 'node' }),
  // Test and demo helpers: msw handlers for a sandbox gateway and a Plaid Link stand-in.
  entry({ entry: { testing: 'src/testing/index.ts' }, external: ['msw'] }),
])
