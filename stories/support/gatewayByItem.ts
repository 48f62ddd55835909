/*
 * A sandbox gateway whose link-token route answers differently per Item, so one story can show
 * several buttons in different states side by side.
 */
import { HttpResponse, delay, http } from 'msw'
import { sandboxErrors, type SandboxPlaidError } from '../../src/testing'
import { demoGateway } from './demoGateway'

export type ItemBehaviour = 'ok' | 'hang' | SandboxPlaidError

export function gatewayByItem(behaviours: Record<string, ItemBehaviour>, latencyMs = 350) {
  return [
    http.post('/api/plaid/link/token/create', async ({ request }) => {
      const body = (await request.clone().json()) as { item_id?: string }
      const behaviour = behaviours[body.item_id ?? ''] ?? 'ok'
      if (behaviour === 'ok') return undefined // falls through to the sandbox gateway below
      if (behaviour === 'hang') return delay('infinite')
      await delay(latencyMs)
      return HttpResponse.json(behaviour.body, { status: behaviour.status })
    }),
    ...demoGateway({ latencyMs }),
  ]
}

export { sandboxErrors }
