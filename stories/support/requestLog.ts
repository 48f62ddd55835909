/*
 * What the browser sent to the gateway during a story, for plays that check what a person would
 * pay for without seeing it: a public token sent twice, or a Link token nobody asked for.
 */
import { http } from 'msw'
import { DEFAULT_BASE_URL, DEFAULT_PATHS, type RouteName } from '../../src/wire'

export interface SentRequest {
  /** The route's path below the gateway's base URL, such as `/item/public_token/exchange`. */
  path: string
  body: unknown
}

export function requestLog(baseUrl = DEFAULT_BASE_URL) {
  const sent: SentRequest[] = []
  // It answers nothing, so every request goes on to the gateway's handlers listed after it.
  const handler = http.post(`${baseUrl}/*`, async ({ request }) => {
    const body: unknown = await request
      .clone()
      .json()
      .catch(() => undefined)
    sent.push({ path: new URL(request.url).pathname.slice(baseUrl.length), body })
  })
  return {
    handler,
    /** The bodies sent to one route, oldest first. */
    bodies: (route: RouteName) => sent.filter((request) => request.path === DEFAULT_PATHS[route]).map((r) => r.body),
    clear: () => void sent.splice(0),
  }
}
