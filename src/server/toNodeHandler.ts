import type { IncomingMessage, ServerResponse } from 'node:http'

/** A Node request as Node's `http` or Express hands it over. */
export interface NodeRequest extends IncomingMessage {
  /** Set by Express: the URL before the mount path was cut off. */
  originalUrl?: string
  /** Set by a body parser such as `express.json()`. */
  body?: unknown
}

/**
 * The body of a Node request as a web stream that reads only when pulled: a request the gateway
 * turns away before reading (405, 404, 401) leaves its body unread, and one that is too large is
 * abandoned after the limit instead of being buffered whole.
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let onData: (chunk: Buffer | string) => void = () => undefined
  let onEnd: () => void = () => undefined
  let onError: (error: Error) => void = () => undefined
  let onClose: () => void = () => undefined
  const detach = () => {
    req.off('data', onData)
    req.off('end', onEnd)
    req.off('error', onError)
    req.off('close', onClose)
  }
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        onData = (chunk) => {
          controller.enqueue(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk))
          req.pause()
        }
        onEnd = () => {
          detach()
          controller.close()
        }
        onError = (error) => {
          detach()
          controller.error(error)
        }
        // A client that goes away mid-body must not leave the gateway waiting for the rest.
        onClose = () => {
          detach()
          if (!req.readableEnded) controller.error(new Error('The request closed before its body was complete.'))
        }
        // Paused first, so that adding a 'data' listener does not start the flow.
        req.pause()
        req.on('data', onData)
        req.on('end', onEnd)
        req.on('error', onError)
        req.on('close', onClose)
      },
      pull() {
        req.resume()
      },
      cancel() {
        detach()
        // Discard the rest, so that the response can still be sent on a keep-alive connection.
        req.resume()
      },
    },
    // No read-ahead: bytes are read only when the gateway asks for them.
    { highWaterMark: 0 },
  )
}

/* A body that a parser already read (Express with express.json(), express.text() or express.raw()). */
function parsedBody(body: unknown): BodyInit | null {
  if (body === undefined || body === null) return null
  if (typeof body === 'string') return body
  if (body instanceof Uint8Array) return new Uint8Array(body)
  return JSON.stringify(body)
}

function requestUrl(req: NodeRequest): string {
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true
  const origin = `${encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`
  // Under an Express mount, req.url lacks the mount path; originalUrl keeps it for basePath.
  const path = req.originalUrl ?? req.url ?? '/'
  try {
    return new URL(path, origin).href
  } catch {
    // A malformed Host header must not stop the request; only the path matters for routing.
    return new URL(path, 'http://localhost').href
  }
}

function toRequest(req: NodeRequest): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const one of value) headers.append(name, one)
    else if (value !== undefined) headers.set(name, value)
  }
  const method = req.method ?? 'GET'
  const init: RequestInit & { duplex?: 'half' } = { method, headers }
  if (method !== 'GET' && method !== 'HEAD') {
    // A body parser that already ran leaves the stream consumed; its result is used instead.
    if (req.readableEnded) {
      init.body = parsedBody(req.body)
      // The parsed body is serialized anew, so the original length no longer applies.
      headers.delete('content-length')
      headers.delete('transfer-encoding')
    } else {
      init.body = bodyStream(req)
      init.duplex = 'half'
    }
  }
  return new Request(requestUrl(req), init)
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status
  response.headers.forEach((value, name) => res.setHeader(name, value))
  const body = new Uint8Array(await response.arrayBuffer())
  res.setHeader('content-length', String(body.byteLength))
  res.end(body)
}

function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.statusCode = status
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('cache-control', 'no-store')
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
  res.end(JSON.stringify(body))
}

/*
 * The request target as the client sent it, checked before a URL parser can resolve it: two
 * spellings must never reach one route, so dot segments (plain or percent-encoded), encoded
 * slashes and backslashes, empty segments and an absolute-form target naming another host all
 * answer 404.
 */
function rawTargetProblem(req: NodeRequest): string | undefined {
  let target = req.originalUrl ?? req.url ?? '/'
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)(.*)$/i.exec(target)
  if (absolute) {
    const host = req.headers.host
    if (!host || absolute[1]!.toLowerCase() !== host.toLowerCase()) return 'an absolute-form target for another host'
    target = absolute[2] || '/'
  }
  const path = target.split(/[?#]/, 1)[0]!
  if (!path.startsWith('/')) return 'a target that is not a path'
  if (/%(?:2f|5c)/i.test(path) || path.includes('\\')) return 'an encoded slash'
  if (path.includes('//')) return 'an empty segment'
  for (const segment of path.split('/')) {
    if (/^(?:\.|%2e){1,2}$/i.test(segment)) return 'a dot segment'
  }
  return undefined
}

/* Methods a Fetch-API Request cannot even be built with; they are answered here. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])

function sendInternalError(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  sendJson(res, 500, {
    error_type: 'API_ERROR',
    error_code: 'INTERNAL_SERVER_ERROR',
    error_message: 'The gateway could not complete the request. Try again later.',
    display_message: null,
  })
}

/**
 * Turns a Fetch-API handler such as `gateway.handle` into a handler for Node's `http` module or
 * Express. The request URL keeps Express's mount path (from `req.originalUrl`), so the gateway's
 * `basePath` is the full path in both. A body that a parser such as `express.json()` already read
 * is passed on from `req.body`; otherwise the raw stream is.
 *
 * The raw request target is checked first: dot segments (plain or encoded), encoded slashes,
 * `//` and an absolute-form target for another host answer 404 before a `Request` is built, and
 * methods that a `Request` cannot carry (TRACE, CONNECT) get the gateway's 405.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { toNodeHandler } from '@utdk/plaid-react/server'
 *
 * const app = express()
 * app.use('/api/plaid', toNodeHandler(gateway.handle)) // with basePath: '/api/plaid'
 * ```
 */
export function toNodeHandler(
  handle: (request: Request) => Promise<Response>,
): (req: NodeRequest, res: ServerResponse) => void {
  return (req, res) => {
    const method = (req.method ?? 'GET').toUpperCase()
    if (FORBIDDEN_METHODS.has(method)) {
      req.resume()
      sendJson(
        res,
        405,
        {
          error_type: 'INVALID_REQUEST',
          error_code: 'METHOD_NOT_ALLOWED',
          error_message: 'The Plaid gateway only answers POST requests.',
          display_message: null,
        },
        { allow: 'POST' },
      )
      return
    }
    if (method === 'POST' && rawTargetProblem(req) !== undefined) {
      req.resume()
      sendJson(res, 404, {
        error_type: 'INVALID_REQUEST',
        error_code: 'NOT_FOUND',
        error_message: 'There is no gateway route at this path.',
        display_message: null,
      })
      return
    }
    const run = async () => {
      let response: Response
      try {
        response = await handle(toRequest(req))
      } catch {
        // The gateway never rejects; another handler might, and must still get an answer out.
        sendInternalError(res)
        return
      }
      await send(res, response)
    }
    run().catch(() => {
      sendInternalError(res)
    })
  }
}
