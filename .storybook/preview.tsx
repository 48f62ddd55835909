import type { Preview } from '@storybook/react-vite'
import { mswLoader } from 'msw-storybook-addon/csf3'
import { SWRConfig } from 'swr'
import '../stories/support/demo.css'

const preview: Preview = {
  loaders: [mswLoader()],
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
  },
}

export default preview
