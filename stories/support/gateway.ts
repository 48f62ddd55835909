/*
 * A gateway of the contract's wire format, mocked with msw for the stories: realistic latency,
 * Plaid-shaped errors, and tokens that look like the real ones (but are not).
 */
import { HttpResponse, delay, http } from 'msw'

export const BASE_URL = '/api/plaid'

let counter = 0
const fakeId = (prefix: string) => `${prefix}-sandbox-${(++counter).toString(16).padStart(8, '0')}-demo`

export interface PlaidErrorBody {
  error_type: string
  error_code: string
  error_message: string
  display_message: string | null
  request_id?: string
}

export const plaidErrors = {
  itemNotFound: {
    status: 404,
    body: {
      error_type: 'ITEM_ERROR',
      error_code: 'ITEM_NOT_FOUND',
      error_message: 'the requested Item was not found',
      display_message: null,
      request_id: 'req-demo-404',
    },
  },
  invalidPublicToken: {
    status: 400,
    body: {
      error_type: 'INVALID_INPUT',
      error_code: 'INVALID_PUBLIC_TOKEN',
      error_message: 'provided public token is expired. Public tokens expire 30 minutes after creation',
      display_message: null,
      request_id: 'req-demo-400',
    },
  },
  rateLimited: {
    status: 429,
    body: {
      error_type: 'RATE_LIMIT_EXCEEDED',
      error_code: 'RATE_LIMIT',
      error_message: 'rate limit exceeded for attempts to access this item',
      display_message: 'Too many attempts. Please wait a moment and try again.',
      request_id: 'req-demo-429',
    },
  },
} satisfies Record<string, { status: number; body: PlaidErrorBody }>

const readJson = async (request: Request) => (await request.json().catch(() => ({}))) as Record<string, unknown>

/** Handlers that answer like a healthy gateway after `latencyMs`. */
export function healthyGateway(latencyMs = 400) {
  return [
    http.post(`${BASE_URL}/item/public_token/exchange`, async ({ request }) => {
      const body = await readJson(request)
      await delay(latencyMs)
      if (typeof body.public_token !== 'string')
        return HttpResponse.json(plaidErrors.invalidPublicToken.body, { status: 400 })
      return HttpResponse.json({ item_id: fakeId('item'), request_id: fakeId('req') })
    }),
    http.post(`${BASE_URL}/link/token/create`, async () => {
      await delay(latencyMs)
      return HttpResponse.json({
        link_token: fakeId('link'),
        expiration: new Date(Date.now() + 4 * 60 * 60_000).toISOString(),
        request_id: fakeId('req'),
      })
    }),
    http.post(`${BASE_URL}/item/public_token/create`, async () => {
      await delay(latencyMs)
      return HttpResponse.json({
        public_token: fakeId('public'),
        expiration: new Date(Date.now() + 30 * 60_000).toISOString(),
        request_id: fakeId('req'),
      })
    }),
  ]
}

/** Every route answers with the same Plaid error. */
export function failingGateway(error: { status: number; body: PlaidErrorBody }, latencyMs = 300) {
  return [
    http.post(`${BASE_URL}/*`, async () => {
      await delay(latencyMs)
      return HttpResponse.json(error.body, { status: error.status })
    }),
  ]
}

/** A proxy that answers with an HTML error page, as a crashed server or load balancer does. */
export function brokenGateway(latencyMs = 300) {
  return [
    http.post(`${BASE_URL}/*`, async () => {
      await delay(latencyMs)
      return new HttpResponse('<html><body><h1>502 Bad Gateway</h1></body></html>', {
        status: 502,
        headers: { 'Content-Type': 'text/html' },
      })
    }),
  ]
}

/** Never answers, so the hooks' timeout shows. */
export function silentGateway() {
  return [http.post(`${BASE_URL}/*`, () => delay('infinite'))]
}

/** A misconfigured gateway that passes Plaid's answer through, access token included. */
export function leakyGateway(latencyMs = 300) {
  return [
    http.post(`${BASE_URL}/item/public_token/exchange`, async () => {
      await delay(latencyMs)
      return HttpResponse.json({
        access_token: 'access-sandbox-00000000-0000-0000-0000-leakeddemo00',
        item_id: fakeId('item'),
        request_id: fakeId('req'),
      })
    }),
  ]
}
