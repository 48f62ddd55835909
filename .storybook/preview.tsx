import type { Preview } from '@storybook/react-vite'
import { setupWorker } from 'msw/browser'
import { mswLoader } from 'msw-storybook-addon/csf3'
import { SWRConfig } from 'swr'
import { installPlaidLinkSandbox } from '../src/testing'
import { demoGateway } from '../stories/support/demoGateway'
import '../stories/support/demo.css'

/*
 * The worker script sits next to iframe.html, so the static build also works under a sub-path
 * (a docs site at /docs/storybook/). Browser tests run the stories outside iframe.html, where the
 * script is served from the root.
 */
function workerUrl(): string {
  return window.location.pathname.endsWith('/iframe.html')
    ? new URL('mockServiceWorker.js', window.location.href).pathname
    : '/mockServiceWorker.js'
}

const preview: Preview = {
  loaders: [
    mswLoader(async () => {
      const worker = setupWorker()
      await worker.start({ quiet: true, onUnhandledRequest: 'bypass', serviceWorker: { url: workerUrl() } })
      return worker
    }),
  ],
  // Every story gets the Link stand-in as window.Plaid, unless it asks for none (to show what
  // happens when Link's script cannot load), for sessions without a dialog, or for an OAuth bank.
  beforeEach: (context) => {
    // A handler made with `{ once: true }` answers once each time a story is shown, not once per
    // page: the loader has just put the story's handlers in place, and this marks them unused.
    ;(context as { msw?: { restoreHandlers: () => void } }).msw?.restoreHandlers()
    const mode = context.parameters.plaidLink as 'dialog' | 'headless' | 'none' | 'oauth' | undefined
    if (mode === 'none') return undefined
    const link = installPlaidLinkSandbox({
      dialog: mode !== 'headless',
      // The bank sends the person back to this very page, which is the app's redirect_uri: the
      // page that links accounts also finishes the return.
      ...(mode === 'oauth' && { oauthRedirectUri: window.location.href }),
    })
    return () => link.uninstall()
  },
  decorators: [
    // A fresh SWR cache per story, so one story's tokens never show up in another.
    (Story) => (
      <SWRConfig value={{ provider: () => new Map() }}>
        <div className="demo-root">
          <Story />
        </div>
      </SWRConfig>
    ),
  ],
  parameters: {
    layout: 'fullscreen',
    controls: { expanded: true },
    // The gateway every story talks to unless it sets its own handlers.
    msw: { handlers: demoGateway() },
    options: {
      storySort: { order: ['Introduction', 'Demo', 'Components', 'Hooks'] },
    },
  },
}

export default preview
