import { storybookTest } from '@storybook/addon-vitest/vitest-plugin'
import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'
import { chromiumArgs, chromiumExecutable } from './scripts/chromium.mjs'

// Every story becomes a test, and its play function runs in Debian's Chromium (see
// scripts/chromium.mjs for how it is started).
export default defineConfig({
  plugins: [storybookTest({ configDir: '.storybook' })],
  test: {
    name: 'storybook',
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: { executablePath: chromiumExecutable, args: chromiumArgs },
      }),
      instances: [{ browser: 'chromium' }],
      viewport: { width: 1100, height: 760 },
      // Bound to loopback only; writing is allowed so the screenshots can be saved.
      api: { host: '127.0.0.1', allowWrite: true },
    },
    setupFiles: ['.storybook/vitest.setup.ts'],
    api: { host: '127.0.0.1', allowWrite: true },
  },
})
