import { defineConfig } from 'tsup'

export default defineConfig([
  {
    // The client entry. Its files must start with "use client" so that React Server Components
    // frameworks treat the hooks as client code; the banner survives, tsup's treeshake would not.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2020',
    splitting: false,
    banner: { js: '"use client";' },
  },
])
