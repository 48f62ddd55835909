/*
 * What the Plaid stand-in's tests share: the official SDK pointed at a stand-in, Plaid's answer to
 * a refused call, raw HTTP for what the SDK would never send, and a webhook receiver that verifies
 * the way Plaid's documentation says.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Configuration, PlaidApi } from 'plaid'
import type { PlaidStandIn } from '../../src/testing'

/**
 * The official SDK, pointed at the stand-in with its credentials (or others), on Node's HTTP as a
 * server runs it (under jsdom axios would otherwise pick XMLHttpRequest).
 */
export function sdkFor(standIn: PlaidStandIn, headers: Record<string, string> = standIn.headers): PlaidApi {
  return new PlaidApi(new Configuration({ basePath: standIn.basePath, baseOptions: { headers, adapter: 'http' } }))
}

/** The HTTP status and Plaid's error body of a call the SDK reports as failed. */
export async function refusal(call: Promise<unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    await call
  } catch (error) {
    const response = (error as { response?: { status: number; data: Record<string, unknown> } }).response
    if (response) return { status: response.status, body: response.data }
    throw error
  }
  throw new Error('the call succeeded, but a refusal was expected')
}

/** A request the SDK would never make, and the answer as text and JSON. */
export async function raw(
  standIn: PlaidStandIn,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  const { json, ...rest } = init
  const response = await fetch(standIn.basePath + path, {
    method: 'POST',
    ...rest,
    headers: { 'content-type': 'application/json', ...standIn.headers, ...(rest.headers as Record<string, string>) },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  })
  const text = await response.text()
  let parsed: Record<string, unknown> = {}
  try {
    parsed = JSON.parse(text) as Record<string, unknown>
  } catch {
    // Left empty; the caller looks at `text`.
  }
  return { status: response.status, text, json: parsed }
}

/** A webhook as a receiver got it: the raw body, the headers, and the verification's outcome. */
export interface Received {
  body: string
  headers: IncomingMessage['headers']
  json: Record<string, unknown>
}

/**
 * A small HTTP receiver on 127.0.0.1 that records every POST and answers with `status` (200 by
 * default). `next()` resolves with the next webhook, however long it takes to come.
 */
export async function webhookReceiver(status = 200): Promise<{
  url: string
  received: Received[]
  next(): Promise<Received>
  close(): Promise<void>
  server: Server
}> {
  const received: Received[] = []
  const waiting: ((webhook: Received) => void)[] = []
  let taken = 0
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const webhook = { body, headers: req.headers, json: JSON.parse(body) as Record<string, unknown> }
    received.push(webhook)
    res.writeHead(status, { 'content-type': 'application/json' }).end('{}')
    waiting.shift()?.(webhook)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`
  return {
    url,
    received,
    server,
    next() {
      const index = taken++
      if (received[index]) return Promise.resolve(received[index])
      return new Promise((resolve) => waiting.push(resolve))
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Serves a Node handler on 127.0.0.1 at a free port; `close` ends its connections too. */
export async function serve(handler: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
