/*
 * What the webhook panel asks for: Plaid's sandbox helpers, run for one of the user's Items, so
 * Plaid (or, offline, the stand-in) sends the gateway a signed webhook about it. The access token
 * is read here, on the server, and never leaves it.
 */
import type { SandboxItemFireWebhookRequestWebhookCodeEnum } from 'plaid'
import { getPlaid } from '../../../lib/plaid'
import { currentUserId } from '../../../lib/session'

export const runtime = 'nodejs'

/* ITEM_LOGIN_REQUIRED is /sandbox/item/reset_login; the others are /sandbox/item/fire_webhook codes. */
const EVENTS = [
  'ITEM_LOGIN_REQUIRED',
  'PENDING_EXPIRATION',
  'PENDING_DISCONNECT',
  'NEW_ACCOUNTS_AVAILABLE',
  'USER_PERMISSION_REVOKED',
  'LOGIN_REPAIRED',
] as const
type SandboxEvent = (typeof EVENTS)[number]

const answer = (status: number, body: object) => Response.json(body, { status })

export async function POST(request: Request): Promise<Response> {
  const userId = await currentUserId(request)
  if (!userId) return answer(401, { error_code: 'UNAUTHORIZED' })
  const body = (await request.json().catch(() => null)) as { item_id?: unknown; event?: unknown } | null
  const event = EVENTS.find((known) => known === body?.event) as SandboxEvent | undefined
  if (typeof body?.item_id !== 'string' || !event) return answer(400, { error_code: 'INVALID_REQUEST', events: EVENTS })

  const { plaid, store, offline } = await getPlaid()
  const accessToken = await store.get(userId, body.item_id)
  if (!accessToken) return answer(404, { error_code: 'ITEM_NOT_FOUND' })
  try {
    if (event === 'ITEM_LOGIN_REQUIRED') await plaid.sandboxItemResetLogin({ access_token: accessToken })
    else {
      await plaid.sandboxItemFireWebhook({
        access_token: accessToken,
        webhook_code: event as SandboxItemFireWebhookRequestWebhookCodeEnum,
      })
    }
  } catch (error) {
    // Plaid's own code only: the SDK's error holds the request, and with it the secret.
    const code = (error as { response?: { data?: { error_code?: unknown } } }).response?.data?.error_code
    return answer(502, { error_code: typeof code === 'string' ? code : 'PLAID_UNREACHABLE' })
  }
  // Offline, the webhook has reached the gateway before this answers, so the list the page asks
  // for next already shows what it did.
  await offline?.standIn.webhooksSettled()
  await offline?.remember()
  return answer(200, { fired: event })
}
