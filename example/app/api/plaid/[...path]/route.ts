// The gateway: every route of @utdk/plaid-react, and Plaid's webhooks, under /api/plaid.
import { getPlaid } from '../../../../lib/plaid'

export const runtime = 'nodejs'

export async function POST(request: Request): Promise<Response> {
  const { gateway, offline } = await getPlaid()
  const response = await gateway.handle(request)
  await offline?.remember()
  return response
}
