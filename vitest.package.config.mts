import { defineConfig } from 'vitest/config'

// Tests of the built and packed package, run after `npm run build` by `npm run test:package`.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/package/**/*.test.ts'],
    globalSetup: ['test/package/pack.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
})
