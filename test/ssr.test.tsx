// @vitest-environment node
import { renderToString } from 'react-dom/server'
import { SWRConfig } from 'swr'
import { LinkAccountButton, LinkRepairButton, PlaidGatewayProvider, useLinkOAuthResume } from '../src'

function ResumeStatus() {
  const { status, flow } = useLinkOAuthResume()
  return <p>{`resume: ${status} ${String(flow)}`}</p>
}

test('renderToString gives idle buttons and touches no browser global', () => {
  expect(typeof window).toBe('undefined')
  expect(typeof document).toBe('undefined')
  expect(typeof sessionStorage).toBe('undefined')
  const html = renderToString(
    <SWRConfig value={{ provider: () => new Map() }}>
      <PlaidGatewayProvider baseUrl="/api/plaid">
        <LinkRepairButton itemId="item-1" className="repair">
          Reconnect Chase
        </LinkRepairButton>
        <LinkAccountButton className="connect" cspNonce="n0nce" />
        <ResumeStatus />
      </PlaidGatewayProvider>
    </SWRConfig>,
  )
  const [repair, account] = html.match(/<button[^>]*>/g) ?? []
  expect(repair).toContain('type="button"')
  expect(repair).toContain('data-state="idle"')
  expect(repair).toContain('class="repair"')
  expect(account).toContain('type="button"')
  expect(account).toContain('data-state="idle"')
  expect(account).toContain('class="connect"')
  expect(account).not.toContain('nonce')
  expect(html).toContain('Reconnect Chase')
  expect(html).toContain('Connect a bank')
  expect(html).toContain('resume: idle undefined')
  expect(html).not.toContain('aria-busy')
})
