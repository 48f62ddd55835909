/*
 * A stand-in for the app's gateway at the `fetch` boundary: it records what the package sent
 * and answers with whatever a test hands it.
 */
import { vi } from 'vitest'

export interface SentRequest {
  /** The URL as the package passed it to `fetch`. */
  rawUrl: string
  /** The same URL resolved against the page, as a browser's `fetch` would. */
  url: string
  method: string | undefined
  headers: Headers
  /** The body parsed as JSON (or the raw text when it is not JSON). */
  body: unknown
  rawBody: unknown
  credentials: RequestCredentials | undefined
  signal: AbortSignal | undefined
}

export type Responder = (request: SentRequest, index: number) => Response | Promise<Response>

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') return body
  try {
    return JSON.parse(body)
  } catch {
    return body
  }
}

/** A `fetch` that records every call and answers through `responder`. */
export function fakeGateway(responder: Responder) {
  const requests: SentRequest[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const rawUrl = input instanceof Request ? input.url : String(input)
    const request: SentRequest = {
      rawUrl,
      url: new URL(rawUrl, location.href).href,
      method: init.method ?? (input instanceof Request ? input.method : undefined),
      headers: new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined)),
      body: parseBody(init.body),
      rawBody: init.body,
      credentials: init.credentials,
      signal: init.signal ?? undefined,
    }
    requests.push(request)
    return responder(request, requests.length - 1)
  })
  return { fetch: fetch as unknown as typeof globalThis.fetch & typeof fetch, requests }
}

/** A JSON answer. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

/** A text answer with the given content type. */
export function text(body: string, status: number, contentType = 'text/plain'): Response {
  return new Response(body, { status, headers: { 'Content-Type': contentType } })
}

/** Plaid's error body, as a gateway passes it on. */
export function plaidError(
  status: number,
  fields: Partial<{
    error_type: string
    error_code: string
    error_message: string
    display_message: string | null
    request_id: string
  }> = {},
): Response {
  return json(
    {
      error_type: 'ITEM_ERROR',
      error_code: 'ITEM_NOT_FOUND',
      error_message: 'the Item you requested cannot be found',
      display_message: null,
      ...fields,
    },
    status,
  )
}

/** An ISO date `ms` from now (by the current, possibly fake, clock). */
export function isoIn(ms: number): string {
  return new Date(Date.now() + ms).toISOString()
}

export const HOUR = 60 * 60_000
export const MINUTE = 60_000

/** A 2xx link-token answer that expires `expiresInMs` from now. */
export function linkTokenAnswer(linkToken: string, expiresInMs = 4 * HOUR, extra: Record<string, unknown> = {}) {
  return json({ link_token: linkToken, expiration: isoIn(expiresInMs), request_id: 'req-link', ...extra })
}

/** A promise with its resolve and reject exposed. */
export function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** A `fetch` that never answers but rejects with an AbortError once its signal aborts, as a browser's does. */
export function hangingFetch() {
  const signals: AbortSignal[] = []
  const fetch = vi.fn(
    (_input: RequestInfo | URL, init: RequestInit = {}) =>
      new Promise<Response>((_resolve, reject) => {
        const signal = init.signal
        if (!signal) return
        signals.push(signal)
        signal.addEventListener('abort', () => reject(new DOMException('The operation was aborted.', 'AbortError')))
      }),
  )
  return { fetch: fetch as unknown as typeof globalThis.fetch & typeof fetch, signals }
}

/** A `fetch` that never answers and ignores the abort signal. */
export function deafFetch() {
  return vi.fn(() => new Promise<Response>(() => {})) as unknown as typeof globalThis.fetch & ReturnType<typeof vi.fn>
}

let counter = 0
/** A public token no other test on this page uses: the exchange registry is page-wide. */
export function uniqueToken(prefix = 'public-sandbox'): string {
  counter += 1
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 10)}`
}
