import { defineConfig } from 'tsup'

export default defineConfig([
  {
    // The client entry. Its files must start with "use client" so that React Server Components
    // frameworks treat the hooks as client code; the banner survives, tsup's treeshake would not.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: false,
    target: 'es2020',
    splitting: false,
    banner: { js: '"use client";' },
  },
  {
    // The server entry: no directive, no React, and its own files so no client code is shared.
    entry: { server: 'src/server/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: false,
    target: 'es2022',
    platform: 'node',
    splitting: false,
  },
  {
    // Test and demo helpers: msw handlers for a sandbox gateway and a Plaid Link stand-in.
    entry: { testing: 'src/testing/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: false,
    target: 'es2020',
    splitting: false,
    external: ['msw'],
  },
])
