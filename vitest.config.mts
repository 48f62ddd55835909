import { defineConfig } from 'vitest/config'
import { scriptTextVitePlugin } from './scripts/scriptText.mjs'

export default defineConfig({
  // The Plaid stand-in serves the Link stand-in's script, imported as text (see scripts/scriptText.mjs).
  plugins: [scriptTextVitePlugin()],
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['test/**/*.test.{ts,tsx}'],
    exclude: ['test/package/**', 'test/postgres/**', 'test/bundlers/**', 'node_modules/**'],
    setupFiles: ['test/setup.ts'],
    restoreMocks: true,
    unstubGlobals: true,
  },
})
