import { renderHook, waitFor } from '@testing-library/react'
import { SWRConfig } from 'swr'
import { useUpdateModeToken } from '../src'

test('fetches a link token', async () => {
  const fetchMock = vi.fn(async () => new Response(JSON.stringify({ link_token: 'link-sandbox-1', expiration: new Date(Date.now() + 3600_000).toISOString() }), { status: 200 }))
  vi.stubGlobal('fetch', fetchMock)
  const { result } = renderHook(() => useUpdateModeToken('item-1'), { wrapper: ({ children }) => <SWRConfig value={{ provider: () => new Map() }}>{children}</SWRConfig> })
  await waitFor(() => expect(result.current.token).toBe('link-sandbox-1'))
  expect(fetchMock).toHaveBeenCalledTimes(1)
})
