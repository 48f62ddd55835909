// @vitest-environment node
import { renderToString } from 'react-dom/server'
import { SWRConfig } from 'swr'
import { LinkRepairButton, PlaidGatewayProvider } from '../src'

test('renderToString gives an idle button and touches no browser global', () => {
  expect(typeof window).toBe('undefined')
  expect(typeof document).toBe('undefined')
  const html = renderToString(
    <SWRConfig value={{ provider: () => new Map() }}>
      <PlaidGatewayProvider baseUrl="/api/plaid">
        <LinkRepairButton itemId="item-1" className="repair">
          Reconnect Chase
        </LinkRepairButton>
      </PlaidGatewayProvider>
    </SWRConfig>,
  )
  const button = html.match(/<button[^>]*>/)?.[0] ?? ''
  expect(button).toContain('type="button"')
  expect(button).toContain('data-state="idle"')
  expect(button).toContain('class="repair"')
  expect(html).toContain('Reconnect Chase')
  expect(html).not.toContain('aria-busy')
})
