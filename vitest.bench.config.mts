import { defineConfig } from 'vitest/config'

// Only for `npm run bench`: the measured scenarios, in jsdom, one file, no parallel work.
export default defineConfig({
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['bench/measure.run.tsx'],
    setupFiles: ['test/setup.ts'],
    fileParallelism: false,
  },
})
