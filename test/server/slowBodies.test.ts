// @vitest-environment node
/*
 * Bodies that never finish (contract v3, section 12): every route stops reading after
 * bodyTimeoutMs and answers 408 REQUEST_TIMEOUT, and behind Node's `http` the connection is let
 * go, so clients trickling a byte a second cannot hold the server's connections.
 */
import { connect, type Socket } from 'node:net'
import type { Server } from 'node:http'
import { createMemoryItemStore, createPlaidGateway, toNodeHandler } from '../../src/server'
import { createPlaidStandIn, type PlaidStandIn } from '../../src/testing'
import {
  CLIENT_ID,
  LINK_TOKEN_FIELDS,
  SECRET,
  closeServer,
  gatewayOn,
  listen,
  plaidApi,
  readAnswer,
  scanForSecrets,
  sessionUser,
  userHeaders,
} from './harness'

const BODY_TIMEOUT_MS = 300
const ROUTES = [
  '/item/public_token/exchange',
  '/link/token/create',
  '/item/public_token/create',
  '/item/list',
  '/item/get',
  '/item/remove',
  '/webhook',
]

let standIn: PlaidStandIn
const servers: Server[] = []
scanForSecrets(() => [...standIn.issuedAccessTokens, 'access-sandbox-never-issued'])

beforeAll(async () => {
  standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
})
afterAll(async () => {
  await Promise.all(servers.map(closeServer))
  await standIn.close()
})

const newGateway = () => gatewayOn(standIn, { bodyTimeoutMs: BODY_TIMEOUT_MS })

/* A body that sends its first bytes and then nothing more, ever. */
function stalledBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"item_id":'))
    },
  })
}

it.each(ROUTES)('%s stops reading a body that does not arrive and answers 408', async (route) => {
  const { gateway, errors } = newGateway()
  const before = standIn.requests.length
  const answer = await readAnswer(
    await gateway.handle(
      new Request(`https://app.example.com/api/plaid${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...userHeaders('user-a') },
        body: stalledBody(),
        duplex: 'half',
      } as RequestInit),
    ),
  )
  expect(answer.status).toBe(408)
  expect(answer.json).toEqual({
    error_type: 'INVALID_REQUEST',
    error_code: 'REQUEST_TIMEOUT',
    error_message: `The request body did not arrive within ${BODY_TIMEOUT_MS} ms; the gateway stopped reading it.`,
    display_message: null,
  })
  expect(standIn.requests.length).toBe(before)
  expect(errors.map(({ route: r, status }) => ({ route: r, status }))).toEqual([{ route, status: 408 }])
})

it('refuses a bodyTimeoutMs that is not a positive number of milliseconds', () => {
  for (const bodyTimeoutMs of [0, -5, Number.NaN, Infinity, '10000' as unknown as number]) {
    expect(() =>
      createPlaidGateway({
        plaid: plaidApi(standIn),
        store: createMemoryItemStore(),
        getUserId: sessionUser,
        linkToken: LINK_TOKEN_FIELDS,
        bodyTimeoutMs,
      }),
    ).toThrow(/createPlaidGateway: `bodyTimeoutMs` must be a number of milliseconds above 0, such as 10000/)
  }
})

it('behind Node http, 200 clients trickling a byte at a time get 408 and their connections are let go', async () => {
  const { gateway } = newGateway()
  const { url, server } = await listen(toNodeHandler(gateway.handle))
  servers.push(server)
  const { port } = new URL(url)
  const sockets: Socket[] = []
  const trickles: ReturnType<typeof setInterval>[] = []

  const answers = await Promise.all(
    Array.from(
      { length: 200 },
      (_, i) =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(Number(port), '127.0.0.1')
          sockets.push(socket)
          let received = ''
          socket.setEncoding('utf8')
          socket.on('data', (chunk: string) => {
            received += chunk
            // The whole answer is in once its body, which ends the JSON, has arrived.
            if (received.includes('\r\n\r\n') && received.trimEnd().endsWith('}')) resolve(received)
          })
          socket.on('error', reject)
          socket.on('connect', () => {
            const route = ROUTES[i % ROUTES.length]
            socket.write(
              `POST /api/plaid${route} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
                `Authorization: Session user-${i}\r\nContent-Length: 1000\r\n\r\n{`,
            )
            // A byte now and then, far slower than any real client sends a body.
            trickles.push(setInterval(() => socket.writable && socket.write(' '), 100))
          })
        }),
    ),
  )
  try {
    for (const answer of answers) {
      expect(answer).toMatch(/^HTTP\/1\.1 408 /)
      expect(answer.toLowerCase()).toContain('connection: close')
      expect(answer).toContain('"error_code":"REQUEST_TIMEOUT"')
    }
    // The server lets go of every connection, though the clients go on trickling.
    await vi.waitFor(
      async () => {
        const open = await new Promise<number>((resolve, reject) =>
          server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
        )
        expect(open).toBe(0)
      },
      { timeout: 10_000, interval: 50 },
    )
  } finally {
    for (const trickle of trickles) clearInterval(trickle)
    for (const socket of sockets) socket.destroy()
  }
})
