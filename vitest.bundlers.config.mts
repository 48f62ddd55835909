import { defineConfig } from 'vitest/config'

// Only for `npm run test:bundlers`: the packed package inside apps built by Next.js (Turbopack and
// webpack) and Vite. Slow (each app is installed and built), so not part of `npm test`.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/bundlers/**/*.test.ts'],
    globalSetup: ['test/package/pack.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
})
