import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import axe from 'axe-core'
import { useState } from 'react'
import {
  LinkRepairButton,
  PlaidGatewayError,
  useLinkRepair,
  useUpdateModeToken,
  type LinkRepairButtonProps,
} from '../src'
import { HOUR, fakeGateway, json, linkTokenAnswer, plaidError, type Responder } from './helpers/gateway'
import { LINK_SCRIPT, exitMetadata, installPlaid, linkScripts, removePlaid, successMetadata } from './helpers/plaidLink'
import { advance, createWrapper, useFakeClock } from './helpers/render'

/** A gateway that mints link-token-1, link-token-2, … and records each request. */
function tokenGateway(expiresInMs = 4 * HOUR) {
  let minted = 0
  return fakeGateway(() => {
    minted += 1
    return linkTokenAnswer(`link-token-${minted}`, expiresInMs)
  })
}

function setup(props: Partial<LinkRepairButtonProps> = {}, responder?: Responder, strict = false) {
  const gateway = responder ? fakeGateway(responder) : tokenGateway()
  const Wrapper = createWrapper({ provider: { fetch: gateway.fetch } })
  // StrictMode at the root, where React runs effects twice on mount.
  const view = render(<LinkRepairButton itemId="item-1" {...props} />, { wrapper: Wrapper, reactStrictMode: strict })
  const button = () => screen.getByRole('button')
  return { ...gateway, ...view, button, Wrapper }
}

afterEach(() => {
  removePlaid()
  sessionStorage.clear()
})

describe('LinkRepairButton states', () => {
  test('starts idle: a focusable type="button" with a default label and no request', () => {
    installPlaid()
    const { button, requests } = setup()
    expect(button()).toHaveAttribute('type', 'button')
    expect(button()).toHaveAttribute('data-state', 'idle')
    expect(button()).not.toHaveAttribute('aria-busy')
    expect(button()).toHaveTextContent('Reconnect account')
    expect(requests).toHaveLength(0)
  })

  test('a click fetches the token, shows loading (busy, still focusable), then opens Link with it', async () => {
    const { create, handlers } = installPlaid()
    let answer!: () => void
    const { button, requests } = setup(
      {},
      () => new Promise((resolve) => (answer = () => resolve(linkTokenAnswer('link-a')))),
    )
    fireEvent.click(button())
    expect(button()).toHaveAttribute('data-state', 'loading')
    expect(button()).toHaveAttribute('aria-busy', 'true')
    expect(button()).not.toBeDisabled()
    button().focus()
    expect(button()).toHaveFocus()
    // Further clicks while loading do nothing.
    fireEvent.click(button())
    fireEvent.click(button())
    await waitFor(() => expect(requests).toHaveLength(1))
    await act(async () => answer())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'open'))
    expect(create).toHaveBeenCalledTimes(1)
    expect(handlers[0]!.options.token).toBe('link-a')
    expect(handlers[0]!.open).toHaveBeenCalledTimes(1)
    expect(requests[0]!.body).toEqual({ item_id: 'item-1' })
    expect(requests[0]!.url).toBe(new URL('/api/plaid/link/token/create', location.href).href)
  })

  test('accountSelectionEnabled asks the gateway for account selection', async () => {
    installPlaid()
    const { button, requests } = setup({ accountSelectionEnabled: true })
    fireEvent.click(button())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'open'))
    expect(requests[0]!.body).toEqual({ item_id: 'item-1', account_selection_enabled: true })
  })

  test('Link success: success state, metadata passed on, nothing sent to the exchange path', async () => {
    const { handlers } = installPlaid()
    const onSuccess = vi.fn()
    const { button, requests } = setup({ onSuccess })
    fireEvent.click(button())
    await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
    act(() => handlers[0]!.options.onSuccess('public-sandbox-from-update-mode', successMetadata))
    expect(button()).toHaveAttribute('data-state', 'success')
    expect(onSuccess).toHaveBeenCalledTimes(1)
    expect(onSuccess).toHaveBeenCalledWith(successMetadata)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(requests.map((r) => r.url)).not.toContain(
      new URL('/api/plaid/item/public_token/exchange', location.href).href,
    )
    expect(requests.every((r) => JSON.stringify(r.body).includes('public-sandbox-from-update-mode') === false)).toBe(
      true,
    )
  })

  test('Link closed by the person goes back to idle; onExit and onEvent pass Link’s arguments through', async () => {
    const { handlers } = installPlaid()
    const onExit = vi.fn()
    const onEvent = vi.fn()
    const { button } = setup({ onExit, onEvent })
    fireEvent.click(button())
    await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
    act(() => handlers[0]!.options.onEvent!('OPEN', { view_name: 'CONSENT' }))
    expect(onEvent).toHaveBeenCalledWith('OPEN', { view_name: 'CONSENT' })
    act(() => handlers[0]!.options.onExit!(null, exitMetadata))
    expect(button()).toHaveAttribute('data-state', 'idle')
    expect(onExit).toHaveBeenCalledWith(null, exitMetadata)
  })

  test('Link closed with an error shows its display_message, tied to the button and announced politely', async () => {
    const { handlers } = installPlaid()
    const onExit = vi.fn()
    const { button } = setup({ onExit })
    fireEvent.click(button())
    await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
    const linkError = {
      error_type: 'ITEM_ERROR',
      error_code: 'ITEM_LOGIN_REQUIRED',
      error_message: 'the login details of this item have changed',
      display_message: 'Your bank needs you to sign in again.',
    }
    act(() => handlers[0]!.options.onExit!(linkError, exitMetadata))
    expect(button()).toHaveAttribute('data-state', 'error')
    const message = screen.getByText('Your bank needs you to sign in again.')
    expect(message).toHaveAttribute('role', 'status')
    expect(message).toHaveAttribute('aria-live', 'polite')
    expect(button()).toHaveAttribute('aria-describedby', message.id)
    expect(onExit).toHaveBeenCalledWith(linkError, exitMetadata)
  })
})

describe('tokens', () => {
  test('intent prefetches silently; the click then opens Link in the same task', async () => {
    const { create, handlers } = installPlaid()
    const { button, requests } = setup()
    fireEvent.pointerEnter(button())
    expect(button()).toHaveAttribute('data-state', 'idle')
    await waitFor(() => expect(create).toHaveBeenCalledTimes(1))
    expect(button()).toHaveAttribute('data-state', 'idle')
    expect(handlers[0]!.open).not.toHaveBeenCalled()
    fireEvent.click(button())
    // No await between the click and this line: open() ran inside the click's own task.
    expect(handlers[0]!.open).toHaveBeenCalledTimes(1)
    expect(button()).toHaveAttribute('data-state', 'open')
    expect(requests).toHaveLength(1)
  })

  test('focus is intent too', async () => {
    const { create } = installPlaid()
    const { button, requests } = setup()
    act(() => button().focus())
    await waitFor(() => expect(create).toHaveBeenCalledTimes(1))
    expect(requests).toHaveLength(1)
    expect(button()).toHaveAttribute('data-state', 'idle')
  })

  test('a click during a prefetch joins it: one request', async () => {
    const { handlers } = installPlaid()
    let answer!: () => void
    const { button, requests } = setup(
      {},
      () => new Promise((resolve) => (answer = () => resolve(linkTokenAnswer('link-j')))),
    )
    fireEvent.pointerEnter(button())
    await waitFor(() => expect(requests).toHaveLength(1))
    fireEvent.click(button())
    expect(button()).toHaveAttribute('data-state', 'loading')
    await act(async () => answer())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'open'))
    expect(requests).toHaveLength(1)
    expect(handlers).toHaveLength(1)
  })

  test('never opens with an expired token: a prefetched token that expired is replaced before opening', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { handlers } = installPlaid()
    const { button, requests } = setup()
    fireEvent.pointerEnter(button())
    await waitFor(() => expect(handlers).toHaveLength(1))
    vi.setSystemTime(Date.now() + 5 * HOUR)
    fireEvent.click(button())
    expect(handlers[0]!.open).not.toHaveBeenCalled()
    expect(button()).toHaveAttribute('data-state', 'loading')
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'open'))
    expect(requests).toHaveLength(2)
    expect(handlers).toHaveLength(2)
    expect(handlers[1]!.options.token).toBe('link-token-2')
    expect(handlers[1]!.open).toHaveBeenCalledTimes(1)
    // One handler per token: the old one is destroyed when the token changes.
    expect(handlers[0]!.destroy).toHaveBeenCalledTimes(1)
    expect(handlers[0]!.open).not.toHaveBeenCalled()
  })

  test('after Link reports INVALID_LINK_TOKEN the next open uses a fresh token', async () => {
    const { handlers } = installPlaid()
    const { button, requests } = setup()
    fireEvent.click(button())
    await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
    act(() =>
      handlers[0]!.options.onExit!(
        {
          error_type: 'INVALID_INPUT',
          error_code: 'INVALID_LINK_TOKEN',
          error_message: 'link token expired',
          display_message: null,
        },
        exitMetadata,
      ),
    )
    expect(button()).toHaveAttribute('data-state', 'error')
    expect(screen.getByRole('status')).toHaveTextContent('Something went wrong while reconnecting your account.')
    fireEvent.click(button())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'open'))
    expect(requests).toHaveLength(2)
    expect(handlers[1]!.options.token).toBe('link-token-2')
    expect(handlers[1]!.open).toHaveBeenCalledTimes(1)
  })

  test('a gateway error is shown with its displayMessage, and the next click tries again', async () => {
    installPlaid()
    let calls = 0
    const { button, requests } = setup({}, () => {
      calls += 1
      return calls === 1
        ? plaidError(400, { error_code: 'ITEM_LOGIN_REQUIRED', display_message: 'Sign in to your bank again.' })
        : linkTokenAnswer('link-retry')
    })
    fireEvent.click(button())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'error'))
    expect(screen.getByRole('status')).toHaveTextContent('Sign in to your bank again.')
    fireEvent.click(button())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'open'))
    expect(requests).toHaveLength(2)
  })

  test('Plaid refusing update mode for a revoked Item: the error says to link the bank again', async () => {
    installPlaid()
    const onError = vi.fn()
    // Plaid's own error for an Item whose user withdrew access, passed on by the gateway.
    const { button } = setup({ onError }, () =>
      plaidError(400, {
        error_type: 'ITEM_ERROR',
        error_code: 'USER_PERMISSION_REVOKED',
        error_message: 'the holder of this account has revoked their permission for your application to access it',
        display_message: null,
      }),
    )
    fireEvent.click(button())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'error'))
    expect(screen.getByRole('status')).toHaveTextContent(
      'Access to this bank was withdrawn, so it cannot be reconnected. Please link your bank again.',
    )
    const error = onError.mock.calls[0]![0] as PlaidGatewayError
    expect(error).toMatchObject({ status: 400, errorType: 'ITEM_ERROR', errorCode: 'USER_PERMISSION_REVOKED' })
    expect(error.displayMessage).toMatch(/link your bank again/)
    // Plaid's message for developers is kept as it came.
    expect(error.errorMessage).toBe(
      'the holder of this account has revoked their permission for your application to access it',
    )
  })

  test('a revoked Item’s refusal with Plaid’s own display_message keeps Plaid’s words', async () => {
    installPlaid()
    const { button } = setup({}, () =>
      plaidError(400, {
        error_type: 'ITEM_ERROR',
        error_code: 'USER_PERMISSION_REVOKED',
        display_message: 'You stopped sharing this account. Connect it again to continue.',
      }),
    )
    fireEvent.click(button())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'error'))
    expect(screen.getByRole('status')).toHaveTextContent(
      'You stopped sharing this account. Connect it again to continue.',
    )
  })

  test('a silent prefetch failure stays idle; the click retries and then shows the error', async () => {
    installPlaid()
    const { button, requests } = setup({}, () => plaidError(404, { display_message: 'This account was removed.' }))
    fireEvent.pointerEnter(button())
    await waitFor(() => expect(requests).toHaveLength(1))
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(button()).toHaveAttribute('data-state', 'idle')
    expect(screen.getByRole('status')).toBeEmptyDOMElement()
    fireEvent.click(button())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'error'))
    expect(screen.getByRole('status')).toHaveTextContent('This account was removed.')
    expect(requests).toHaveLength(2)
  })

  test('fifty buttons for one Item share one token request and one Link handler', async () => {
    const { create } = installPlaid()
    const gateway = tokenGateway()
    const Wrapper = createWrapper({ provider: { fetch: gateway.fetch } })
    render(
      <>
        {Array.from({ length: 50 }, (_, i) => (
          <LinkRepairButton key={i} itemId="item-shared">{`Repair ${i}`}</LinkRepairButton>
        ))}
      </>,
      { wrapper: Wrapper },
    )
    for (const button of screen.getAllByRole('button')) fireEvent.pointerEnter(button)
    await waitFor(() => expect(create).toHaveBeenCalled())
    // Every prefetch has settled: a second handler would have been made by now.
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)))
    expect(create).toHaveBeenCalledTimes(1)
    expect(gateway.requests).toHaveLength(1)
    // Any of the fifty opens Link at once with that one handler.
    fireEvent.click(screen.getByRole('button', { name: 'Repair 37' }))
    expect(screen.getByRole('button', { name: 'Repair 37' })).toHaveAttribute('data-state', 'open')
  })

  test('buttons for different Items get their own tokens and handlers', async () => {
    const { handlers } = installPlaid()
    const gateway = fakeGateway((request) =>
      linkTokenAnswer(`link-for-${(request.body as { item_id: string }).item_id}`),
    )
    const Wrapper = createWrapper({ provider: { fetch: gateway.fetch } })
    render(
      <>
        <LinkRepairButton itemId="item-a">Repair A</LinkRepairButton>
        <LinkRepairButton itemId="item-b">Repair B</LinkRepairButton>
      </>,
      { wrapper: Wrapper },
    )
    fireEvent.click(screen.getByRole('button', { name: 'Repair B' }))
    await waitFor(() => expect(screen.getByRole('button', { name: 'Repair B' })).toHaveAttribute('data-state', 'open'))
    expect(screen.getByRole('button', { name: 'Repair A' })).toHaveAttribute('data-state', 'idle')
    expect(handlers.map((h) => h.options.token)).toEqual(['link-for-item-b'])
    fireEvent.click(screen.getByRole('button', { name: 'Repair A' }))
    await waitFor(() => expect(screen.getByRole('button', { name: 'Repair A' })).toHaveAttribute('data-state', 'open'))
    expect(handlers.map((h) => h.options.token)).toEqual(['link-for-item-b', 'link-for-item-a'])
  })
})

describe('the Link script', () => {
  test('without window.Plaid the script is added once for the whole page, and Link opens once it loads', async () => {
    const gateway = tokenGateway()
    const Wrapper = createWrapper({ provider: { fetch: gateway.fetch } })
    render(
      <>
        <LinkRepairButton itemId="item-1">One</LinkRepairButton>
        <LinkRepairButton itemId="item-2">Two</LinkRepairButton>
        <LinkRepairButton itemId="item-3">Three</LinkRepairButton>
      </>,
      { wrapper: Wrapper },
    )
    for (const button of screen.getAllByRole('button')) fireEvent.pointerEnter(button)
    fireEvent.click(screen.getByRole('button', { name: 'Two' }))
    expect(linkScripts()).toHaveLength(1)
    expect(linkScripts()[0]!.src).toBe(LINK_SCRIPT)
    expect(screen.getByRole('button', { name: 'Two' })).toHaveAttribute('data-state', 'loading')
    const { handlers } = installPlaid()
    act(() => {
      linkScripts()[0]!.dispatchEvent(new Event('load'))
    })
    await waitFor(() => expect(screen.getByRole('button', { name: 'Two' })).toHaveAttribute('data-state', 'open'))
    expect(linkScripts()).toHaveLength(1)
    const opened = handlers.filter((h) => h.open.mock.calls.length > 0)
    expect(opened).toHaveLength(1)
  })

  test('a script that fails to load is a visible error, and the next click loads it again', async () => {
    const { button } = setup()
    fireEvent.click(button())
    expect(linkScripts()).toHaveLength(1)
    act(() => {
      linkScripts()[0]!.dispatchEvent(new Event('error'))
    })
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'error'))
    expect(screen.getByRole('status')).toHaveTextContent('We could not load the secure bank connection window.')
    expect(linkScripts()).toHaveLength(0)
    fireEvent.click(button())
    expect(button()).toHaveAttribute('data-state', 'loading')
    expect(linkScripts()).toHaveLength(1)
    const { handlers } = installPlaid()
    act(() => {
      linkScripts()[0]!.dispatchEvent(new Event('load'))
    })
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'open'))
    expect(handlers[0]!.open).toHaveBeenCalledTimes(1)
  })

  test('a script that does not arrive in time fails with LINK_SCRIPT_TIMEOUT', async () => {
    const errors: PlaidGatewayError[] = []
    function Probe() {
      return (
        <LinkRepairButton
          itemId="item-1"
          scriptTimeoutMs={30}
          errorMessage={(error) => {
            errors.push(error)
            return `code ${error.errorCode}`
          }}
        />
      )
    }
    const gateway = tokenGateway()
    render(<Probe />, { wrapper: createWrapper({ provider: { fetch: gateway.fetch } }) })
    fireEvent.click(screen.getByRole('button'))
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'error'))
    expect(screen.getByRole('status')).toHaveTextContent('code LINK_SCRIPT_TIMEOUT')
    const error = errors.at(-1)!
    expect(error).toBeInstanceOf(PlaidGatewayError)
    expect(error.errorType).toBe('LINK_ERROR')
    expect(error.status).toBeUndefined()
    expect(linkScripts()).toHaveLength(0)
  })
})

describe('script timeouts, each caller its own', () => {
  beforeEach(() => {
    useFakeClock()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  test('scriptTimeoutMs: Infinity waits for the script as long as it takes', async () => {
    const { button } = setup({ scriptTimeoutMs: Infinity })
    fireEvent.click(button())
    await advance(HOUR)
    expect(button()).toHaveAttribute('data-state', 'loading')
    const { handlers } = installPlaid()
    act(() => {
      linkScripts()[0]!.dispatchEvent(new Event('load'))
    })
    await advance(0)
    expect(button()).toHaveAttribute('data-state', 'open')
    expect(handlers[0]!.open).toHaveBeenCalledTimes(1)
  })

  test('a caller asking for 60 s is not failed by one that joined the load with 20 ms', async () => {
    const gateway = tokenGateway()
    render(
      <>
        <LinkRepairButton itemId="item-1" scriptTimeoutMs={20}>
          Short
        </LinkRepairButton>
        <LinkRepairButton itemId="item-2" scriptTimeoutMs={60_000}>
          Long
        </LinkRepairButton>
      </>,
      { wrapper: createWrapper({ provider: { fetch: gateway.fetch } }) },
    )
    fireEvent.click(screen.getByRole('button', { name: 'Short' }))
    fireEvent.click(screen.getByRole('button', { name: 'Long' }))
    expect(linkScripts()).toHaveLength(1)
    await advance(30)
    expect(screen.getByRole('button', { name: 'Short' })).toHaveAttribute('data-state', 'error')
    expect(screen.getByRole('button', { name: 'Long' })).toHaveAttribute('data-state', 'loading')
    // The script is still wanted, so it stays on the page.
    expect(linkScripts()).toHaveLength(1)
    await advance(10_000)
    const { handlers } = installPlaid()
    act(() => {
      linkScripts()[0]!.dispatchEvent(new Event('load'))
    })
    await advance(0)
    expect(screen.getByRole('button', { name: 'Long' })).toHaveAttribute('data-state', 'open')
    expect(handlers.map((h) => h.options.token)).toEqual(['link-token-2'])
  })

  test('when the last caller gives up, the script is abandoned and the next click adds a fresh one', async () => {
    const { button } = setup({ scriptTimeoutMs: 1000 })
    fireEvent.click(button())
    const first = linkScripts()[0]
    await advance(1000)
    expect(button()).toHaveAttribute('data-state', 'error')
    expect(linkScripts()).toHaveLength(0)
    fireEvent.click(button())
    expect(linkScripts()).toHaveLength(1)
    expect(linkScripts()[0]).not.toBe(first)
  })
})

describe('robustness', () => {
  test('Link throwing in create() ends in the error state, and the next click tries again', async () => {
    const { create, handlers } = installPlaid()
    create.mockImplementationOnce(() => {
      throw new Error('Link could not start')
    })
    const { button } = setup()
    fireEvent.click(button())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'error'))
    expect(screen.getByRole('status')).not.toBeEmptyDOMElement()
    fireEvent.click(button())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'open'))
    expect(handlers.at(-1)!.open).toHaveBeenCalledTimes(1)
  })

  test('Link throwing on a prefetched open() ends in the error state too', async () => {
    const { create, handlers } = installPlaid()
    const { button } = setup()
    fireEvent.pointerEnter(button())
    await waitFor(() => expect(create).toHaveBeenCalledTimes(1))
    handlers[0]!.open.mockImplementationOnce(() => {
      throw new Error('popup blocked')
    })
    fireEvent.click(button())
    expect(button()).toHaveAttribute('data-state', 'error')
  })

  test('after INVALID_LINK_TOKEN, a mounted useUpdateModeToken for the Item gets a fresh token', async () => {
    const { handlers } = installPlaid()
    const gateway = tokenGateway()
    function TokenLabel() {
      const { token } = useUpdateModeToken('item-1')
      return <p>token: {token ?? 'none'}</p>
    }
    render(
      <>
        <LinkRepairButton itemId="item-1" />
        <TokenLabel />
      </>,
      { wrapper: createWrapper({ provider: { fetch: gateway.fetch } }) },
    )
    await screen.findByText('token: link-token-1')
    fireEvent.click(screen.getByRole('button'))
    await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
    act(() =>
      handlers[0]!.options.onExit!(
        {
          error_type: 'INVALID_INPUT',
          error_code: 'INVALID_LINK_TOKEN',
          error_message: 'expired',
          display_message: null,
        },
        exitMetadata,
      ),
    )
    await screen.findByText('token: link-token-2')
  })

  test('switching the Item away and back while loading leaves the button usable', async () => {
    const { handlers } = installPlaid()
    const answers: Array<() => void> = []
    const gateway = fakeGateway(
      (request) =>
        new Promise((resolve) =>
          answers.push(() => resolve(linkTokenAnswer(`link-for-${(request.body as { item_id: string }).item_id}`))),
        ),
    )
    const Wrapper = createWrapper({ provider: { fetch: gateway.fetch } })
    const { rerender } = render(<LinkRepairButton itemId="item-a" />, { wrapper: Wrapper })
    fireEvent.click(screen.getByRole('button'))
    expect(screen.getByRole('button')).toHaveAttribute('data-state', 'loading')
    rerender(<LinkRepairButton itemId="item-b" />)
    expect(screen.getByRole('button')).toHaveAttribute('data-state', 'idle')
    rerender(<LinkRepairButton itemId="item-a" />)
    expect(screen.getByRole('button')).toHaveAttribute('data-state', 'idle')
    fireEvent.click(screen.getByRole('button'))
    await waitFor(async () => {
      await act(async () => answers.splice(0).forEach((answer) => answer()))
      expect(screen.getByRole('button')).toHaveAttribute('data-state', 'open')
    })
    expect(handlers.at(-1)!.options.token).toBe('link-for-item-a')
  })

  test('scriptTimeoutMs: null means the default wait, like the gateway settings', async () => {
    const { button } = setup({ scriptTimeoutMs: null as unknown as number })
    fireEvent.click(button())
    expect(linkScripts()).toHaveLength(1)
    await act(() => new Promise((resolve) => setTimeout(resolve, 100)))
    expect(button()).toHaveAttribute('data-state', 'loading')
  })

  test('the state attributes are the button’s own: app props cannot override them', async () => {
    installPlaid()
    const { button } = setup({ 'aria-busy': false, ...({ 'data-state': 'custom' } as object) })
    expect(button()).toHaveAttribute('data-state', 'idle')
    fireEvent.click(button())
    expect(button()).toHaveAttribute('aria-busy', 'true')
    expect(button()).toHaveAttribute('data-state', 'loading')
  })
})

describe('lifecycle', () => {
  test('StrictMode: one token request, one handler, one open; unmount destroys it once', async () => {
    const { create, handlers } = installPlaid()
    const { button, requests, unmount } = setup({}, undefined, true)
    fireEvent.click(button())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'open'))
    expect(requests).toHaveLength(1)
    expect(create).toHaveBeenCalledTimes(1)
    expect(handlers[0]!.open).toHaveBeenCalledTimes(1)
    unmount()
    await waitFor(() => expect(handlers[0]!.destroy).toHaveBeenCalledTimes(1))
  })

  test('StrictMode prefetch then click still opens in the same task', async () => {
    const { create, handlers } = installPlaid()
    const { button } = setup({}, undefined, true)
    fireEvent.pointerEnter(button())
    await waitFor(() => expect(create).toHaveBeenCalledTimes(1))
    await new Promise((resolve) => setTimeout(resolve, 5))
    fireEvent.click(button())
    expect(handlers[0]!.open).toHaveBeenCalledTimes(1)
    expect(handlers[0]!.destroy).not.toHaveBeenCalled()
  })

  test('unmount while loading: no handler is made and nothing is reported late', async () => {
    const { create } = installPlaid()
    const consoleError = vi.spyOn(console, 'error')
    let answer!: () => void
    const { button, unmount } = setup(
      {},
      () => new Promise((resolve) => (answer = () => resolve(linkTokenAnswer('late')))),
    )
    fireEvent.click(button())
    await waitFor(() => expect(answer).toBeDefined())
    unmount()
    await act(async () => answer())
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(create).not.toHaveBeenCalled()
    expect(consoleError).not.toHaveBeenCalled()
  })

  test('unmount while open destroys the handler', async () => {
    const { handlers } = installPlaid()
    const { button, unmount } = setup()
    fireEvent.click(button())
    await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
    unmount()
    await waitFor(() => expect(handlers[0]!.destroy).toHaveBeenCalledTimes(1))
  })

  test('changing itemId while mounted starts over for the new Item', async () => {
    const { handlers } = installPlaid()
    const gateway = fakeGateway((request) =>
      linkTokenAnswer(`link-for-${(request.body as { item_id: string }).item_id}`),
    )
    const Wrapper = createWrapper({ provider: { fetch: gateway.fetch } })
    const { rerender } = render(<LinkRepairButton itemId="item-old" />, { wrapper: Wrapper })
    fireEvent.click(screen.getByRole('button'))
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'open'))
    rerender(<LinkRepairButton itemId="item-new" />)
    expect(screen.getByRole('button')).toHaveAttribute('data-state', 'idle')
    await waitFor(() => expect(handlers[0]!.destroy).toHaveBeenCalledTimes(1))
    fireEvent.click(screen.getByRole('button'))
    await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'open'))
    expect(gateway.requests.map((r) => r.body)).toEqual([{ item_id: 'item-old' }, { item_id: 'item-new' }])
    expect(handlers[1]!.options.token).toBe('link-for-item-new')
  })

  test.each([
    ['a Link that reports the exit itself', true],
    ['a Link that only closes', false],
  ])(
    'changing itemId while Link is open closes that session, with onExit(null, …) once (%s)',
    async (_label, reports) => {
      const { handlers } = installPlaid()
      const onExit = vi.fn()
      const gateway = fakeGateway((request) =>
        linkTokenAnswer(`link-for-${(request.body as { item_id: string }).item_id}`),
      )
      const Wrapper = createWrapper({ provider: { fetch: gateway.fetch } })
      const { rerender } = render(<LinkRepairButton itemId="item-old" onExit={onExit} />, { wrapper: Wrapper })
      fireEvent.click(screen.getByRole('button'))
      await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'open'))
      if (reports) handlers[0]!.exit.mockImplementation(() => handlers[0]!.options.onExit!(null, exitMetadata))
      rerender(<LinkRepairButton itemId="item-new" onExit={onExit} />)
      expect(screen.getByRole('button')).toHaveAttribute('data-state', 'idle')
      expect(handlers[0]!.exit).toHaveBeenCalledWith({ force: true })
      expect(onExit).toHaveBeenCalledTimes(1)
      expect(onExit.mock.calls[0]![0]).toBeNull()
      if (reports) expect(onExit).toHaveBeenCalledWith(null, exitMetadata)
      await waitFor(() => expect(handlers[0]!.destroy).toHaveBeenCalledTimes(1))
      // A late exit report from Link reaches nobody.
      act(() => handlers[0]!.options.onExit!(null, exitMetadata))
      expect(onExit).toHaveBeenCalledTimes(1)
    },
  )

  test('while Link is open the OAuth record holds the flow, the token and the Item', async () => {
    const { handlers } = installPlaid()
    const { button } = setup()
    fireEvent.click(button())
    await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
    expect(Object.values({ ...sessionStorage }).map((value) => JSON.parse(value))).toEqual([
      { flow: 'repair', token: 'link-token-1', itemId: 'item-1' },
    ])
    act(() => handlers[0]!.options.onSuccess('public-sandbox-x', successMetadata))
    expect(sessionStorage.length).toBe(0)
  })

  test('a new inline onSuccess does not re-create the handler, and the newest one is called', async () => {
    const { create, handlers } = installPlaid()
    const calls: string[] = []
    function App() {
      const [round, setRound] = useState(1)
      return (
        <>
          <LinkRepairButton itemId="item-1" onSuccess={() => calls.push(`round ${round}`)} />
          <button type="button" onClick={() => setRound((r) => r + 1)}>
            next round
          </button>
        </>
      )
    }
    const gateway = tokenGateway()
    render(<App />, { wrapper: createWrapper({ provider: { fetch: gateway.fetch } }) })
    fireEvent.click(screen.getByRole('button', { name: 'Reconnect account' }))
    await waitFor(() => expect(handlers[0]?.open).toHaveBeenCalled())
    fireEvent.click(screen.getByRole('button', { name: 'next round' }))
    fireEvent.click(screen.getByRole('button', { name: 'next round' }))
    act(() => handlers[0]!.options.onSuccess('public-x', successMetadata))
    expect(create).toHaveBeenCalledTimes(1)
    expect(calls).toEqual(['round 3'])
  })
})

describe('rendering', () => {
  test('button props pass through: className, style, aria-*, children as the label', () => {
    installPlaid()
    setup({ className: 'repair', style: { color: 'red' }, 'aria-label': undefined, children: 'Fix Chase' })
    const button = screen.getByRole('button', { name: 'Fix Chase' })
    expect(button).toHaveClass('repair')
    expect(button).toHaveStyle({ color: 'rgb(255, 0, 0)' })
  })

  test('disabled: no prefetch and no open', async () => {
    const { create } = installPlaid()
    const { button, requests } = setup({ disabled: true })
    expect(button()).toBeDisabled()
    expect(button()).toHaveAttribute('data-disabled', '')
    fireEvent.pointerEnter(button())
    fireEvent.click(button())
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(requests).toHaveLength(0)
    expect(create).not.toHaveBeenCalled()
  })

  test('useLinkRepair gives another element the same flow: prefetch on intent, open on click', async () => {
    const { handlers } = installPlaid()
    const gateway = tokenGateway()
    function RepairLink() {
      const { open, prefetch, status } = useLinkRepair('item-1')
      return (
        <a
          href="#repair"
          data-state={status}
          onPointerEnter={prefetch}
          onClick={(event) => {
            event.preventDefault()
            open()
          }}
        >
          Repair now
        </a>
      )
    }
    render(<RepairLink />, { wrapper: createWrapper({ provider: { fetch: gateway.fetch } }) })
    const link = screen.getByRole('link', { name: 'Repair now' })
    expect(link).toHaveAttribute('data-state', 'idle')
    fireEvent.pointerEnter(link)
    await waitFor(() => expect(handlers).toHaveLength(1))
    expect(link).toHaveAttribute('data-state', 'idle')
    // With the token prefetched and Link on the page, the click opens Link in its own task.
    fireEvent.click(link)
    expect(handlers[0]!.open).toHaveBeenCalledTimes(1)
    expect(link).toHaveAttribute('data-state', 'open')
    expect(gateway.requests).toHaveLength(1)
  })

  test('errorMessage replaces the message; null leaves it to the app', async () => {
    installPlaid()
    const failing = () => plaidError(500, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' })
    const { button, unmount } = setup({ errorMessage: 'Could not reach your bank.' }, failing)
    fireEvent.click(button())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'error'))
    expect(screen.getByRole('status')).toHaveTextContent('Could not reach your bank.')
    unmount()

    const second = setup({ errorMessage: null }, failing)
    fireEvent.click(second.button())
    await waitFor(() => expect(second.button()).toHaveAttribute('data-state', 'error'))
    expect(screen.queryByRole('status')).toBeNull()
    expect(second.button()).not.toHaveAttribute('aria-describedby')
  })

  test('the app’s own handlers run first and can cancel the default', async () => {
    const { create } = installPlaid()
    const onClick = vi.fn((event: React.MouseEvent) => event.preventDefault())
    const { button, requests } = setup({ onClick })
    fireEvent.click(button())
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(onClick).toHaveBeenCalledTimes(1)
    expect(requests).toHaveLength(0)
    expect(create).not.toHaveBeenCalled()
  })
})

describe('accessibility', () => {
  async function expectNoViolations() {
    const results = await axe.run(document.body, { rules: { region: { enabled: false } } })
    expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([])
  }

  test('every state passes axe', async () => {
    const { handlers } = installPlaid()
    let calls = 0
    let answer!: () => void
    const { button } = setup({}, () => {
      calls += 1
      if (calls === 1) return new Promise((resolve) => (answer = () => resolve(linkTokenAnswer('link-axe'))))
      return json(
        {
          error_type: 'ITEM_ERROR',
          error_code: 'ITEM_NOT_FOUND',
          error_message: 'gone',
          display_message: 'That account is gone.',
        },
        404,
      )
    })
    await expectNoViolations() // idle
    fireEvent.click(button())
    expect(button()).toHaveAttribute('data-state', 'loading')
    await expectNoViolations()
    await act(async () => answer())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'open'))
    await expectNoViolations()
    act(() => handlers[0]!.options.onSuccess('public-axe', successMetadata))
    expect(button()).toHaveAttribute('data-state', 'success')
    await expectNoViolations()
    fireEvent.click(button())
    await waitFor(() => expect(button()).toHaveAttribute('data-state', 'error'))
    await expectNoViolations()
  })
})
