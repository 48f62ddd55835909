import { storybookTest } from '@storybook/addon-vitest/vitest-plugin'
import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'

// Every story becomes a test, and its play function runs in Debian's Chromium. Browser
// downloads do not work here, so the system browser is used with flags that keep it off the
// network and working as root.
export default defineConfig({
  plugins: [storybookTest({ configDir: '.storybook' })],
  test: {
    name: 'storybook',
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
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
