import type { StorybookConfig } from '@storybook/react-vite'
import { scriptTextVitePlugin } from '../scripts/scriptText.mjs'

const config: StorybookConfig = {
  stories: ['../stories/**/*.mdx', '../stories/**/*.stories.@(ts|tsx)'],
  addons: ['@storybook/addon-docs', 'msw-storybook-addon', '@storybook/addon-vitest'],
  framework: { name: '@storybook/react-vite', options: {} },
  // Serves msw's worker script, so the mocked gateway also works from a static build.
  staticDirs: ['../public'],
  core: { disableTelemetry: true },
  // The testing entry's Plaid stand-in imports the Link script as text (see scripts/scriptText.mjs).
  viteFinal: (vite) => ({ ...vite, plugins: [...(vite.plugins ?? []), scriptTextVitePlugin()] }),
  // This is the package's demo: Storybook's own onboarding checklist has no place in it.
  features: { sidebarOnboardingChecklist: false, menuOnboardingChecklist: false },
}

export default config
