/*
 * Plaid's script runs once per page: a tag another library added first is waited for, a tag that
 * failed is replaced, and the package shares the page with react-plaid-link 5's usePlaidLink.
 * Script execution is simulated at the DOM boundary: every script element with Plaid's URL that is
 * ever inserted counts as one execution of Plaid's script.
 */
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { usePlaidLink } from 'react-plaid-link'
import { LinkAccountButton, LinkRepairButton } from '../src'
import { fakeGateway, linkTokenAnswer } from './helpers/gateway'
import { LINK_SCRIPT, fakePlaid, linkScripts, removePlaid } from './helpers/plaidLink'
import { createWrapper } from './helpers/render'

let inserted = 0
let observer: MutationObserver
beforeEach(() => {
  inserted = 0
  observer = new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      for (const node of mutation.addedNodes) {
        if (node instanceof HTMLScriptElement && node.src === LINK_SCRIPT) inserted += 1
      }
    }
  })
  observer.observe(document, { childList: true, subtree: true })
})
afterEach(() => {
  observer.disconnect()
  removePlaid()
})

/** Plaid's script arrives at `tag`: it defines window.Plaid, then the tag fires `load`. */
function execute(tag: HTMLScriptElement) {
  const fake = fakePlaid()
  ;(window as unknown as { Plaid?: unknown }).Plaid = fake.plaid
  act(() => {
    tag.dispatchEvent(new Event('load'))
  })
  return fake
}

function gateway() {
  let minted = 0
  return fakeGateway((request) => {
    minted += 1
    const itemId = (request.body as { item_id?: string }).item_id
    return linkTokenAnswer(`link-${itemId ?? 'new'}-${minted}`)
  })
}

test('a tag another library added is waited for, not doubled', async () => {
  const theirs = document.createElement('script')
  theirs.src = LINK_SCRIPT
  document.body.appendChild(theirs)
  const { fetch } = gateway()
  render(<LinkRepairButton itemId="item-1" />, { wrapper: createWrapper({ provider: { fetch } }) })
  fireEvent.click(screen.getByRole('button'))
  await act(() => new Promise((resolve) => setTimeout(resolve, 20)))
  expect(linkScripts()).toEqual([theirs])
  const { handlers } = execute(theirs)
  await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'open'))
  expect(handlers).toHaveLength(1)
  expect(handlers[0]!.open).toHaveBeenCalledTimes(1)
  expect(inserted).toBe(1)
})

test('a tag another library added that fails is replaced, for the same click', async () => {
  const theirs = document.createElement('script')
  theirs.src = LINK_SCRIPT
  document.body.appendChild(theirs)
  const { fetch } = gateway()
  render(<LinkRepairButton itemId="item-1" />, { wrapper: createWrapper({ provider: { fetch } }) })
  fireEvent.click(screen.getByRole('button'))
  act(() => {
    theirs.dispatchEvent(new Event('error'))
  })
  expect(theirs.isConnected).toBe(false)
  const [ours] = linkScripts()
  expect(ours).toBeDefined()
  expect(ours!.hasAttribute('data-plaid-react-link')).toBe(true)
  expect(screen.getByRole('button')).toHaveAttribute('data-state', 'loading')
  execute(ours!)
  await waitFor(() => expect(screen.getByRole('button')).toHaveAttribute('data-state', 'open'))
})

test('a tag that already failed before anyone listened is replaced at once', async () => {
  const theirs = document.createElement('script')
  theirs.src = LINK_SCRIPT
  document.body.appendChild(theirs)
  // The browser fetched it (its resource timing entry exists), yet window.Plaid is not there.
  vi.spyOn(performance, 'getEntriesByName').mockImplementation((name) =>
    name === LINK_SCRIPT ? [{ name } as PerformanceEntry] : [],
  )
  const { fetch } = gateway()
  render(<LinkRepairButton itemId="item-1" />, { wrapper: createWrapper({ provider: { fetch } }) })
  fireEvent.click(screen.getByRole('button'))
  expect(theirs.isConnected).toBe(false)
  expect(linkScripts()).toHaveLength(1)
  expect(linkScripts()[0]!.hasAttribute('data-plaid-react-link')).toBe(true)
})

test('the nonce of cspNonce is set on the tag the package adds', () => {
  const { fetch } = gateway()
  render(<LinkAccountButton cspNonce="r4nd0m" />, { wrapper: createWrapper({ provider: { fetch } }) })
  fireEvent.click(screen.getByRole('button'))
  expect(linkScripts()).toHaveLength(1)
  expect(linkScripts()[0]!.nonce).toBe('r4nd0m')
})

test("beside react-plaid-link's usePlaidLink: Plaid's script runs once, one handler per token", async () => {
  function TheirLink() {
    const { open, ready } = usePlaidLink({ token: 'link-from-react-plaid-link', onSuccess: () => {} })
    return (
      <button type="button" disabled={!ready} onClick={() => open()}>
        Their Link
      </button>
    )
  }
  const { fetch } = gateway()
  render(
    <>
      <TheirLink />
      <LinkRepairButton itemId="item-1">Repair</LinkRepairButton>
      <LinkRepairButton itemId="item-1">Repair again</LinkRepairButton>
      <LinkAccountButton>Connect</LinkAccountButton>
    </>,
    { wrapper: createWrapper({ provider: { fetch } }) },
  )
  // react-plaid-link added its tag on mount; the repair button is clicked while it still loads.
  expect(linkScripts()).toHaveLength(1)
  fireEvent.pointerEnter(screen.getByRole('button', { name: 'Repair again' }))
  fireEvent.pointerEnter(screen.getByRole('button', { name: 'Connect' }))
  fireEvent.click(screen.getByRole('button', { name: 'Repair' }))
  await act(() => new Promise((resolve) => setTimeout(resolve, 20)))
  expect(linkScripts()).toHaveLength(1)
  const { create, handlers } = execute(linkScripts()[0]!)
  await waitFor(() => expect(screen.getByRole('button', { name: 'Repair' })).toHaveAttribute('data-state', 'open'))
  await waitFor(() => expect(screen.getByRole('button', { name: 'Their Link' })).toBeEnabled())
  await act(() => new Promise((resolve) => setTimeout(resolve, 20)))
  expect(inserted).toBe(1)
  const tokens = create.mock.calls.map(([options]) => options.token)
  expect(new Set(tokens).size).toBe(tokens.length)
  expect(tokens.sort()).toEqual(['link-from-react-plaid-link', 'link-item-1-1', 'link-new-2'].sort())
  expect(handlers.find((h) => h.options.token === 'link-item-1-1')!.open).toHaveBeenCalledTimes(1)
})
