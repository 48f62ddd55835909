/*
 * The three gateway operations, each driven through its public hook the way an app would, so
 * that wire-format and error tests can run once per operation.
 */
import { act, renderHook, waitFor } from '@testing-library/react'
import { expect } from 'vitest'
import {
  useExchangePublicToken,
  useUpdateModeToken,
  type PlaidGatewayConfig,
  type PlaidGatewayError,
  type UseUpdateModeTokenOptions,
} from '../../src'
import { isoIn, HOUR, uniqueToken } from './gateway'
import { createWrapper, type WrapperOptions } from './render'

export interface Outcome {
  /** What the operation handed the app: the exchange result, or the token. */
  value: unknown
  error: PlaidGatewayError | undefined
}

export interface Operation {
  name: string
  /** The default path of the route. */
  path: string
  /** The field of a 2xx answer that carries the result. */
  resultField: string
  /** A valid 2xx answer body. */
  success(): Record<string, unknown>
  /** The exact request body for the input this operation sends. */
  expectedBody(input: string): Record<string, unknown>
  /** Runs the operation once through its hook and waits for it to settle. */
  run(config: PlaidGatewayConfig, wrapper?: WrapperOptions): Promise<Outcome & { input: string }>
}

async function runExchange(config: PlaidGatewayConfig, wrapper: WrapperOptions = {}) {
  const input = uniqueToken()
  const { result } = renderHook(() => useExchangePublicToken(config), { wrapper: createWrapper(wrapper) })
  let value: unknown
  await act(async () => {
    value = await result.current.exchange(input)
  })
  expect(result.current.isLoading).toBe(false)
  return { input, value, error: result.current.error }
}

function updateModeRunner(tokenType: UseUpdateModeTokenOptions['tokenType']) {
  return async (config: PlaidGatewayConfig, wrapper: WrapperOptions = {}) => {
    const input = uniqueToken('item')
    const { result } = renderHook(() => useUpdateModeToken(input, { ...config, tokenType }), {
      wrapper: createWrapper(wrapper),
    })
    await waitFor(
      () => {
        expect(result.current.isLoading).toBe(false)
        expect(result.current.token ?? result.current.error).toBeDefined()
      },
      { interval: 5 },
    )
    return { input, value: result.current.token, error: result.current.error }
  }
}

export const exchangeOperation: Operation = {
  name: 'exchange',
  path: '/item/public_token/exchange',
  resultField: 'item_id',
  success: () => ({ item_id: 'item-from-gateway', request_id: 'req-exchange' }),
  expectedBody: (input) => ({ public_token: input }),
  run: runExchange,
}

export const linkTokenOperation: Operation = {
  name: 'update-mode link token',
  path: '/link/token/create',
  resultField: 'link_token',
  success: () => ({ link_token: 'link-sandbox-from-gateway', expiration: isoIn(4 * HOUR), request_id: 'req-link' }),
  expectedBody: (input) => ({ item_id: input }),
  run: updateModeRunner('link_token'),
}

export const publicTokenOperation: Operation = {
  name: 'update-mode public token',
  path: '/item/public_token/create',
  resultField: 'public_token',
  success: () => ({ public_token: 'public-sandbox-from-gateway', expiration: isoIn(HOUR / 2), request_id: 'req-pt' }),
  expectedBody: (input) => ({ item_id: input }),
  run: updateModeRunner('public_token'),
}

export const operations: Operation[] = [exchangeOperation, linkTokenOperation, publicTokenOperation]

/** What a successful run of the operation hands the app, for a given 2xx answer body. */
export function expectedValue(operation: Operation, answer: Record<string, unknown>): unknown {
  if (operation === exchangeOperation) return { itemId: answer.item_id, requestId: answer.request_id }
  return answer[operation.resultField]
}
