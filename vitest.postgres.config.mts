import { defineConfig } from 'vitest/config'
import { scriptTextVitePlugin } from './scripts/scriptText.mjs'

// Only for `npm run test:postgres`: the gateway against a real PostgreSQL server at DATABASE_URL
// (scripts/postgres.sh starts a throwaway one). The setup refuses to run without it.
export default defineConfig({
  // The testing entry's Plaid stand-in imports the Link stand-in's script as text, as in vitest.config.mts.
  plugins: [scriptTextVitePlugin()],
  test: {
    environment: 'node',
    include: ['test/postgres/**/*.test.ts'],
    globalSetup: ['test/postgres/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
