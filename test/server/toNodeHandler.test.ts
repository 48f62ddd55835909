// @vitest-environment node
/*
 * toNodeHandler behind Node's `http` and behind a real Express app: the mount path, bodies that a
 * parser already read, raw streams without a Content-Length, and the body limit while streaming.
 */
import express from 'express'
import { request as httpRequest, type Server } from 'node:http'
import { connect } from 'node:net'
import { createPlaidGateway, toNodeHandler } from '../../src/server'
import { createPlaidStandIn, type PlaidStandIn } from '../../src/testing'
import {
  CLIENT_ID,
  EXCHANGE,
  LINK_TOKEN_CREATE,
  LINK_TOKEN_FIELDS,
  SECRET,
  closeServer,
  listen,
  plaidApi,
  readAnswer,
  recordingStore,
  scanForSecrets,
  sessionUser,
  transcript,
  userHeaders,
  STAND_IN_INSTITUTION,
} from './harness'

let standIn: PlaidStandIn
const servers: Server[] = []
scanForSecrets(() => standIn.issuedAccessTokens)

beforeAll(async () => {
  standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
})

afterAll(async () => {
  await Promise.all(servers.map(closeServer))
  await standIn.close()
})

afterEach(() => {
  expect(standIn.violations).toEqual([])
})

/* Confirming a new Item's institution, which follows each exchange's answer. */
const afterAnswers: Promise<unknown>[] = []
afterEach(() => Promise.all(afterAnswers.splice(0)))

function newGateway() {
  const store = recordingStore()
  const gateway = createPlaidGateway({
    plaid: plaidApi(standIn),
    store,
    getUserId: sessionUser,
    linkToken: LINK_TOKEN_FIELDS,
    basePath: '/api/plaid',
    onError: (event) => {
      transcript.push(JSON.stringify(event))
    },
    waitUntil: (work) => afterAnswers.push(work),
  })
  return { gateway, store }
}

async function serve(handler: Parameters<typeof listen>[0]): Promise<string> {
  const { url, server } = await listen(handler)
  servers.push(server)
  return url
}

async function post(url: string, body: unknown, user?: string) {
  return readAnswer(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...userHeaders(user) },
      body: JSON.stringify(body),
    }),
  )
}

/** Sends a body in chunks without a Content-Length, as a streaming client would. */
function postChunked(url: string, chunks: string[], user: string) {
  return new Promise<{ status: number; text: string; bytesSent: number }>((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...userHeaders(user) },
    })
    let bytesSent = 0
    req.on('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => {
        transcript.push(text)
        resolve({ status: res.statusCode ?? 0, text, bytesSent })
      })
    })
    req.on('error', reject)
    for (const chunk of chunks) {
      bytesSent += Buffer.byteLength(chunk)
      req.write(chunk)
    }
    req.end()
  })
}

describe('behind Node http', () => {
  it('serves the routes at basePath', async () => {
    const { gateway, store } = newGateway()
    const origin = await serve(toNodeHandler(gateway.handle))
    const { publicToken, itemId } = standIn.createPublicToken()
    const answer = await post(origin + '/api/plaid' + EXCHANGE, { public_token: publicToken }, 'user-a')
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({ item_id: itemId, request_id: expect.any(String) })
    expect(store.saved).toHaveLength(1)
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/)
  })

  it('reads a chunked body of exactly 16384 bytes', async () => {
    const { gateway } = newGateway()
    const origin = await serve(toNodeHandler(gateway.handle))
    const { publicToken, itemId } = standIn.createPublicToken()
    const json = JSON.stringify({ public_token: publicToken })
    const padding = ' '.repeat(16_384 - json.length)
    const chunks = [json.slice(0, 10), json.slice(10, -1), padding.slice(0, 8000), padding.slice(8000), '}']
    const answer = await postChunked(origin + '/api/plaid' + EXCHANGE, chunks, 'user-a')
    expect(answer.bytesSent).toBe(16_384)
    expect(answer.status, answer.text).toBe(200)
    expect(JSON.parse(answer.text).item_id).toBe(itemId)
  })

  it('stops a chunked body without Content-Length at 16385 bytes with 413', async () => {
    const { gateway } = newGateway()
    const origin = await serve(toNodeHandler(gateway.handle))
    const chunks = ['{"public_token":"', 'a'.repeat(16_000), 'b'.repeat(366), '"}']
    const before = standIn.requests.length
    const answer = await postChunked(origin + '/api/plaid' + EXCHANGE, chunks, 'user-a')
    expect(answer.bytesSent).toBe(16_385)
    expect(answer.status).toBe(413)
    expect(JSON.parse(answer.text).error_code).toBe('REQUEST_TOO_LARGE')
    expect(standIn.requests.length).toBe(before)
  })

  it('answers 413 for a megabyte streamed in many chunks, and the server keeps serving', async () => {
    const { gateway } = newGateway()
    const origin = await serve(toNodeHandler(gateway.handle))
    const chunks = ['{"public_token":"', ...Array.from({ length: 256 }, () => 'x'.repeat(4096)), '"}']
    const answer = await postChunked(origin + '/api/plaid' + EXCHANGE, chunks, 'user-a')
    expect(answer.status).toBe(413)
    const { publicToken } = standIn.createPublicToken()
    expect((await post(origin + '/api/plaid' + EXCHANGE, { public_token: publicToken }, 'user-a')).status).toBe(200)
  })

  it('builds the URL from a request with a malformed Host header', async () => {
    const { gateway } = newGateway()
    const origin = await serve(toNodeHandler(gateway.handle))
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(origin + '/api/plaid/unknown', {
        method: 'POST',
        setHost: false,
        headers: { host: 'not a host name' },
      })
      req.on('response', (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(404)
  })

  it('answers 500 in Plaid’s shape when a handler rejects', async () => {
    const origin = await serve(toNodeHandler(() => Promise.reject(new Error('boom'))))
    const answer = await post(origin + '/anything', {})
    expect(answer.status).toBe(500)
    expect(answer.json).toEqual({
      error_type: 'API_ERROR',
      error_code: 'INTERNAL_SERVER_ERROR',
      error_message: 'The gateway could not complete the request. Try again later.',
      display_message: null,
    })
  })
})

/* Sends a request with the target written exactly as given, as a client that does not normalize would. */
function rawRequest(
  origin: string,
  requestLine: string,
  body = '{}',
  user = 'user-a',
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(origin)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `${requestLine}\r\nHost: ${hostname}:${port}\r\nauthorization: Session ${user}\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      )
    })
    let raw = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (raw += chunk))
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0)
      const text = raw.slice(raw.indexOf('\r\n\r\n') + 4)
      transcript.push(text)
      resolve({ status, text })
    })
    socket.on('error', reject)
  })
}

describe('the raw request target', () => {
  it.each([
    ['a dot segment', '/api/plaid/x/../link/token/create'],
    ['a leading dot segment', '/api/x/../plaid/link/token/create'],
    ['a single dot segment', '/api/plaid/./link/token/create'],
    ['an encoded dot segment', '/api/plaid/x/%2e%2E/link/token/create'],
    ['a half-encoded dot segment', '/api/plaid/x/.%2e/link/token/create'],
    ['an encoded slash', '/api/plaid/link%2Ftoken/create'],
    ['an encoded backslash', '/api/plaid/link%5ctoken/create'],
    ['an empty segment', '/api/plaid//link/token/create'],
    ['an absolute-form target for another host', 'http://elsewhere.example/api/plaid/link/token/create'],
  ])('answers 404 for %s, before the gateway reads anything', async (_what, target) => {
    const { gateway, store } = newGateway()
    const url = await serve(toNodeHandler(gateway.handle))
    const before = standIn.requests.length
    const answer = await rawRequest(url, `POST ${target} HTTP/1.1`)
    expect(answer.status).toBe(404)
    expect(JSON.parse(answer.text)).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'NOT_FOUND' })
    expect(standIn.requests.length).toBe(before)
    expect(store.gets).toBe(0)
  })

  it('serves an absolute-form target for its own host like the path alone', async () => {
    const { gateway } = newGateway()
    const url = await serve(toNodeHandler(gateway.handle))
    const { host } = new URL(url)
    const answer = await rawRequest(url, `POST http://${host}/api/plaid/link/token/create HTTP/1.1`)
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text).link_token).toMatch(/^link-sandbox-/)
  })

  it.each(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'HEAD'])(
    'answers %s with the 405 of the contract',
    async (method) => {
      const { gateway } = newGateway()
      const url = await serve(toNodeHandler(gateway.handle))
      const answer = await rawRequest(
        url,
        `${method} /api/plaid/link/token/create HTTP/1.1`,
        method === 'TRACE' ? '' : '{}',
      )
      expect(answer.status).toBe(405)
      if (method !== 'HEAD') {
        expect(JSON.parse(answer.text)).toMatchObject({
          error_type: 'INVALID_REQUEST',
          error_code: 'METHOD_NOT_ALLOWED',
        })
      }
    },
  )
})

describe('behind Express', () => {
  it.each([
    ['without a body parser', false],
    ['after express.json()', true],
  ])('works when mounted with app.use("/api/plaid") %s', async (_name, withParser) => {
    const { gateway, store } = newGateway()
    const app = express()
    if (withParser) app.use(express.json())
    app.use('/api/plaid', toNodeHandler(gateway.handle))
    const origin = await serve(app)

    const { publicToken, itemId } = standIn.createPublicToken()
    const exchanged = await post(origin + '/api/plaid' + EXCHANGE, { public_token: publicToken }, 'user-a')
    expect(exchanged.status, exchanged.text).toBe(200)
    expect(exchanged.json.item_id).toBe(itemId)
    expect(store.saved).toMatchObject([{ userId: 'user-a', itemId, accessToken: standIn.accessTokenOf(itemId) }])
    await Promise.all(afterAnswers.splice(0))
    expect(await store.list('user-a')).toMatchObject([STAND_IN_INSTITUTION])

    const linkToken = await post(
      origin + '/api/plaid' + LINK_TOKEN_CREATE,
      { item_id: itemId, account_selection_enabled: true },
      'user-a',
    )
    expect(linkToken.status, linkToken.text).toBe(200)
    expect(standIn.requests.filter((sent) => sent.path === LINK_TOKEN_CREATE).at(-1)!.body!.update).toEqual({
      account_selection_enabled: true,
    })

    const foreign = await post(origin + '/api/plaid' + LINK_TOKEN_CREATE, { item_id: itemId }, 'user-b')
    expect(foreign.status).toBe(404)
    expect(foreign.json.error_code).toBe('ITEM_NOT_FOUND')

    const unknown = await post(origin + '/api/plaid/item/unknown', { item_id: itemId }, 'user-a')
    expect(unknown.status).toBe(404)
    expect(unknown.json.error_code).toBe('NOT_FOUND')
  })

  it('keeps the 400 for a parsed body that is missing the field', async () => {
    const { gateway } = newGateway()
    const app = express()
    app.use(express.json())
    app.use('/api/plaid', toNodeHandler(gateway.handle))
    const origin = await serve(app)
    const answer = await post(origin + '/api/plaid' + EXCHANGE, { token: 'x' }, 'user-a')
    expect(answer.status).toBe(400)
    expect(answer.json.error_code).toBe('INVALID_REQUEST')
  })

  it('serves a gateway mounted at the root of a sub-router', async () => {
    const { gateway } = newGateway()
    const app = express()
    const router = express.Router()
    router.post('/plaid/*path', toNodeHandler(gateway.handle))
    app.use('/api', router)
    const origin = await serve(app)
    const { publicToken, itemId } = standIn.createPublicToken()
    const answer = await post(origin + '/api/plaid' + EXCHANGE, { public_token: publicToken }, 'user-a')
    expect(answer.status, answer.text).toBe(200)
    expect(answer.json.item_id).toBe(itemId)
  })
})
