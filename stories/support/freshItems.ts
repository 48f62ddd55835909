/*
 * A gateway with its own Items for every story shown: the sandbox gateway over a fresh
 * createSandboxItems, so that a bank repaired, removed or linked in one story is back as it was in
 * the next, and in the same story shown again. A story gives its Items, and may put handlers in
 * front of the gateway to make one route fail or answer late.
 */
import type { HttpHandler } from 'msw'
import type { SetupWorker } from 'msw/browser'
import { createSandboxItems, sandboxGateway, type SandboxItem, type SandboxItems } from '../../src/testing'

export interface FreshItemsParameters {
  /** The user's Items when the story starts, or a function that makes them each time it does. */
  items: SandboxItem[] | (() => SandboxItem[])
  /** Handlers tried before the sandbox gateway's, made for this story's Items. */
  before?: (items: SandboxItems) => HttpHandler[]
}

/** The story's `parameters.freshItems`. */
export const freshItems = (items: FreshItemsParameters['items'], before?: FreshItemsParameters['before']) => ({
  freshItems: { items, before } satisfies FreshItemsParameters,
})

/**
 * A loader for the stories' meta. It runs after the preview's msw loader, which has put the
 * worker on the context, and replaces the story's handlers with `first` (say, a request log),
 * the story's own, and a sandbox gateway over new Items. The Items are `loaded.items`, for a
 * story that changes them as a webhook would.
 */
export function freshItemsLoader(first: HttpHandler[] = []) {
  return async (context: { parameters: { freshItems?: FreshItemsParameters } }) => {
    const worker = (context as { msw?: SetupWorker }).msw
    const { items: initial = [], before } = context.parameters.freshItems ?? {}
    if (!worker) throw new Error('freshItemsLoader needs the preview’s msw loader to run first.')
    const items = createSandboxItems(typeof initial === 'function' ? initial() : initial)
    worker.resetHandlers()
    worker.use(...first, ...(before?.(items) ?? []), ...sandboxGateway({ items }))
    return { items }
  }
}
