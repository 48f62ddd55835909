import { defineConfig } from 'vitest/config'

// Only for `npm run test:postgres`: the gateway against a real PostgreSQL server at DATABASE_URL
// (scripts/postgres.sh starts a throwaway one). The setup refuses to run without it.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/postgres/**/*.test.ts'],
    globalSetup: ['test/postgres/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
