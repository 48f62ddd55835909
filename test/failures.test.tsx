/*
 * Failures a developer can see: every flow and both buttons call onError once for each failure
 * they report (StrictMode included), and development builds log each one once with
 * console.error, saying what to check. Production builds log nothing.
 */
import { act, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import {
  LinkAccountButton,
  LinkRepairButton,
  PlaidGatewayError,
  useLinkAccount,
  useLinkOAuthResume,
  useLinkRepair,
  type PlaidGatewayProviderProps,
} from '../src'
import { fakeGateway, json, linkTokenAnswer, plaidError, text, uniqueToken, type Responder } from './helpers/gateway'
import { exitMetadata, installPlaid, linkScripts, removePlaid, successMetadata } from './helpers/plaidLink'
import { createWrapper } from './helpers/render'

const url = (path: string) => new URL(`/api/plaid${path}`, location.href).href
const EXCHANGE = url('/item/public_token/exchange')

type Options = { onError: (error: PlaidGatewayError) => void; fetch: typeof fetch }

/** A button for the headless hooks, so that every flow is driven the same way. */
function RepairHook(options: Options) {
  const { open, status } = useLinkRepair('item-1', options)
  return (
    <button type="button" data-state={status} onClick={open}>
      Open
    </button>
  )
}

function AccountHook(options: Options) {
  const { open, status } = useLinkAccount(options)
  return (
    <button type="button" data-state={status} onClick={open}>
      Open
    </button>
  )
}

const flows: { name: string; account: boolean; render: (options: Options) => ReactNode }[] = [
  { name: 'LinkRepairButton', account: false, render: (options) => <LinkRepairButton itemId="item-1" {...options} /> },
  { name: 'LinkAccountButton', account: true, render: (options) => <LinkAccountButton {...options} /> },
  { name: 'useLinkRepair', account: false, render: (options) => <RepairHook {...options} /> },
  { name: 'useLinkAccount', account: true, render: (options) => <AccountHook {...options} /> },
]

/** The 409 a gateway answers for a bank the user has already linked (contract, section 10). */
const duplicate = () =>
  json(
    {
      error_type: 'ITEM_ERROR',
      error_code: 'DUPLICATE_ITEM',
      error_message: 'the user has already linked this institution',
      display_message: 'You have already linked First Platypus Bank.',
      request_id: 'req-duplicate',
      item_id: 'item-existing',
    },
    409,
  )

let minted = 0
/** Link tokens for every token request, and `exchange` for the exchange. */
const gatewayWith = (exchange: Responder = () => json({ item_id: 'item-new' })) =>
  fakeGateway((request, index) =>
    request.url === EXCHANGE ? exchange(request, index) : linkTokenAnswer(`link-failures-${++minted}`),
  )

function renderFlow(
  flow: (typeof flows)[number],
  responder: Responder | ReturnType<typeof gatewayWith>,
  strict: boolean,
) {
  const gateway = typeof responder === 'function' ? fakeGateway(responder) : responder
  const onError = vi.fn()
  render(<>{flow.render({ onError, fetch: gateway.fetch })}</>, { wrapper: createWrapper(), reactStrictMode: strict })
  const button = () => screen.getByRole('button')
  const errorState = () => waitFor(() => expect(button()).toHaveAttribute('data-state', 'error'))
  return { gateway, onError, button, errorState }
}

let consoleError: ReturnType<typeof vi.spyOn>

beforeEach(() => {
  consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
})

afterEach(() => {
  removePlaid()
  sessionStorage.clear()
  window.history.replaceState({}, '', '/')
  vi.unstubAllEnvs()
})

/** The console lines the package wrote, as text. */
const logged = () => consoleError.mock.calls.map((call: unknown[]) => String(call[0]))

describe.each([false, true])('onError, StrictMode %s', (strict) => {
  describe.each(flows)('$name', (flow) => {
    test('a gateway error: onError once per failure, with the error the flow shows', async () => {
      installPlaid()
      const { onError, button, errorState } = renderFlow(
        flow,
        () => plaidError(500, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' }),
        strict,
      )
      fireEvent.click(button())
      await errorState()
      expect(onError).toHaveBeenCalledTimes(1)
      expect(onError.mock.calls[0]![0]).toBeInstanceOf(PlaidGatewayError)
      expect(onError.mock.calls[0]![0].errorCode).toBe('INTERNAL_SERVER_ERROR')
      // The next click fails again: a second failure, a second call.
      fireEvent.click(button())
      await waitFor(() => expect(onError).toHaveBeenCalledTimes(2))
      expect(logged()).toHaveLength(2)
    })

    test('Link closed with its error: onError once', async () => {
      const { handlers } = installPlaid()
      const { onError, button, errorState } = renderFlow(flow, gatewayWith(), strict)
      fireEvent.click(button())
      await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
      const linkError = {
        error_type: 'INSTITUTION_ERROR',
        error_code: 'INSTITUTION_DOWN',
        error_message: 'this institution is not currently responding',
        display_message: 'This bank is not responding right now.',
      }
      act(() => handlers[0]!.options.onExit!(linkError, exitMetadata))
      await errorState()
      expect(onError).toHaveBeenCalledTimes(1)
      expect(onError.mock.calls[0]![0]).toMatchObject({ errorCode: 'INSTITUTION_DOWN', status: undefined })
      expect(logged()).toHaveLength(1)
    })

    test('Link’s script failing: onError once', async () => {
      const { onError, button, errorState } = renderFlow(flow, gatewayWith(), strict)
      fireEvent.click(button())
      await waitFor(() => expect(linkScripts()).toHaveLength(1))
      act(() => {
        linkScripts()[0]!.dispatchEvent(new Event('error'))
      })
      await errorState()
      expect(onError).toHaveBeenCalledTimes(1)
      expect(onError.mock.calls[0]![0]).toMatchObject({ errorType: 'LINK_ERROR', errorCode: 'LINK_SCRIPT_FAILED' })
      expect(logged()).toHaveLength(1)
    })

    if (flow.account) {
      test('a duplicate: onError once, with the Item already linked', async () => {
        const { handlers } = installPlaid()
        const { onError, button, errorState, gateway } = renderFlow(flow, gatewayWith(duplicate), strict)
        fireEvent.click(button())
        await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
        act(() => handlers[0]!.options.onSuccess(uniqueToken(), successMetadata))
        await errorState()
        expect(onError).toHaveBeenCalledTimes(1)
        expect(onError.mock.calls[0]![0]).toMatchObject({
          status: 409,
          errorCode: 'DUPLICATE_ITEM',
          itemId: 'item-existing',
          displayMessage: 'You have already linked First Platypus Bank.',
        })
        expect(gateway.requests.filter((request) => request.url === EXCHANGE)).toHaveLength(1)
        expect(logged()).toHaveLength(1)
      })
    }
  })

  test('useLinkOAuthResume: a redirect page with nothing kept fails once', async () => {
    window.history.replaceState({}, '', '/oauth-return?oauth_state_id=lost')
    const onError = vi.fn()
    const { result } = renderHook(() => useLinkOAuthResume({ onError }), {
      wrapper: createWrapper(),
      reactStrictMode: strict,
    })
    await waitFor(() => expect(result.current.status).toBe('error'))
    expect(onError).toHaveBeenCalledTimes(1)
    expect(onError.mock.calls[0]![0].errorCode).toBe('OAUTH_STATE_MISSING')
    expect(logged()).toHaveLength(1)
    expect(logged()[0]).toContain('useLinkOAuthResume')
  })

  test('useLinkOAuthResume: a failed exchange on the redirect page fails once', async () => {
    sessionStorage.setItem('@utdk/plaid-react/oauth-session', JSON.stringify({ flow: 'account', token: 'link-kept' }))
    window.history.replaceState({}, '', '/oauth-return?oauth_state_id=back')
    const { handlers } = installPlaid()
    const gateway = gatewayWith(() => plaidError(500, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' }))
    const onError = vi.fn()
    const { result } = renderHook(() => useLinkOAuthResume({ onError, fetch: gateway.fetch }), {
      wrapper: createWrapper(),
      reactStrictMode: strict,
    })
    await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
    act(() => handlers[0]!.options.onSuccess(uniqueToken(), successMetadata))
    await waitFor(() => expect(result.current.status).toBe('error'))
    expect(onError).toHaveBeenCalledTimes(1)
    expect(onError.mock.calls[0]![0].errorCode).toBe('INTERNAL_SERVER_ERROR')
  })
})

describe('the development console', () => {
  /** Renders a repair button, clicks it, and waits for the error the gateway's answer causes. */
  async function failWith(answer: Responder, provider?: Omit<PlaidGatewayProviderProps, 'children'>) {
    installPlaid()
    const gateway = fakeGateway(answer)
    const onError = vi.fn()
    render(<LinkRepairButton itemId="item-1" onError={onError} fetch={gateway.fetch} />, {
      wrapper: createWrapper({ provider }),
    })
    fireEvent.click(screen.getByRole('button'))
    await waitFor(() => expect(onError).toHaveBeenCalledTimes(1))
    return onError.mock.calls[0]![0] as PlaidGatewayError
  }

  test('a 404 names the URL, baseUrl, the absent provider and the path to check', async () => {
    const error = await failWith(() => text('<h1>404 This page could not be found</h1>', 404, 'text/html'))
    expect(error.errorCode).toBe('HTTP_ERROR')
    expect(logged()).toHaveLength(1)
    const [message] = logged()
    expect(message).toContain('useLinkRepair (LinkRepairButton) failed with HTTP_ERROR')
    // The URL as the package asked for it: the page-relative default.
    expect(message).toContain('The request went to /api/plaid/link/token/create:')
    expect(message).toContain('baseUrl "/api/plaid"')
    expect(message).toContain('there is no PlaidGatewayProvider above this component')
    expect(message).toContain('the path "/link/token/create" (paths.linkTokenCreate)')
    expect(message).toContain('check that the gateway is mounted at "/api/plaid"')
    // The error itself says it was an HTML page, not the gateway's JSON.
    expect(message).toContain('an HTML page')
  })

  test('a 404 below a provider names the provider’s baseUrl', async () => {
    await failWith(
      () => plaidError(404, { error_type: 'INVALID_REQUEST', error_code: 'NOT_FOUND', error_message: 'unknown path' }),
      { baseUrl: 'https://api.example.com/plaid' },
    )
    const [message] = logged()
    expect(message).toContain('failed with NOT_FOUND: unknown path')
    expect(message).toContain('baseUrl "https://api.example.com/plaid" from the nearest PlaidGatewayProvider')
    expect(message).toContain('check that the gateway is mounted at "https://api.example.com/plaid"')
  })

  test('an HTML error page says that something other than the gateway answered', async () => {
    await failWith(() => text('<h1>502 Bad Gateway</h1>', 502, 'text/html'))
    const [message] = logged()
    expect(message).toContain('HTTP 502 and an HTML page')
    expect(message).toContain("Look for this request in the server's logs")
  })

  test('a network failure says what to check', async () => {
    await failWith(() => {
      throw new TypeError('Failed to fetch')
    })
    const [message] = logged()
    expect(message).toContain('failed with NETWORK_ERROR')
    expect(message).toContain('the gateway answers CORS preflights')
    expect(message).toContain('baseUrl "/api/plaid"')
  })

  test('an Item the gateway does not know is not mistaken for a missing route', async () => {
    await failWith(() => plaidError(404, { error_code: 'ITEM_NOT_FOUND' }))
    const [message] = logged()
    expect(message).toContain('failed with ITEM_NOT_FOUND')
    expect(message).not.toContain('Nothing there answers it')
  })

  test('once per failure, never once per render', async () => {
    installPlaid()
    const gateway = fakeGateway(() => plaidError(500, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' }))
    const view = render(<LinkAccountButton fetch={gateway.fetch} />, { wrapper: createWrapper() })
    fireEvent.click(screen.getByRole('button'))
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'error'))
    for (let i = 0; i < 5; i += 1) view.rerender(<LinkAccountButton fetch={gateway.fetch} className={`render-${i}`} />)
    expect(logged()).toHaveLength(1)
  })

  test('production builds log nothing, and still call onError', async () => {
    vi.stubEnv('NODE_ENV', 'production')
    const error = await failWith(() => text('<h1>404</h1>', 404, 'text/html'))
    expect(error.errorCode).toBe('HTTP_ERROR')
    // The package's own explanation shortens to the code in production.
    expect(error.message).toBe('HTTP_ERROR')
    expect(consoleError).not.toHaveBeenCalled()
  })
})
