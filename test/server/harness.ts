/*
 * What the gateway's test files share: the secrets they use, a Plaid stand-in with the real
 * `plaid` SDK in front of it, the gateway served over HTTP through toNodeHandler, and a transcript
 * of everything that left the gateway (response bodies and headers, hook payloads, console output)
 * that is scanned for the secrets after each file.
 */
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Configuration, CountryCode, PlaidApi, Products } from 'plaid'
import {
  createMemoryItemStore,
  createPlaidGateway,
  toNodeHandler,
  type GatewayErrorEvent,
  type ItemLinkedEvent,
  type ItemStore,
  type PlaidGatewayOptions,
  type ItemToSave,
  type ExchangeLedger,
} from '../../src/server'
import { createPlaidStandIn, type PlaidStandIn } from '../../src/testing'

type ExchangeLedgerWrite = NonNullable<ExchangeLedger['saveAndComplete']>

/* Long and unlike anything else, so that finding one in the transcript cannot be a coincidence. */
export const CLIENT_ID = 'test-client-id-5c1f0e7a93b24d68'
export const SECRET = 'test-secret-8d2b4f6a1c3e5g7i9k0m'
export const BASE_PATH = '/api/plaid'
export const EXCHANGE = '/item/public_token/exchange'
export const LINK_TOKEN_CREATE = '/link/token/create'
export const PUBLIC_TOKEN_CREATE = '/item/public_token/create'
export const LINK_TOKEN_FIELDS = {
  client_name: 'Gateway Tests',
  language: 'en',
  country_codes: [CountryCode.Us],
  products: [Products.Transactions],
  optional_products: [Products.Liabilities],
  webhook: 'https://app.example.com/api/plaid/webhook',
  redirect_uri: 'https://app.example.com/oauth-return',
} satisfies PlaidGatewayOptions['linkToken']

/** Where the stand-in's createPublicToken() makes Items unless told otherwise, as the gateway records it. */
export const STAND_IN_INSTITUTION = { institutionId: 'ins_109508', institutionName: 'First Platypus Bank' }

/** What the gateway sends in update mode: the app's fields without the product lists. */
export const { products: _products, optional_products: _optional, ...UPDATE_MODE_FIELDS } = LINK_TOKEN_FIELDS

/** Plaid's request ids: 15 letters and digits, such as `m8MDnv9okwxFNBV`. */
export const PLAID_REQUEST_ID = /^[A-Za-z0-9]{15}$/

/** A `PlaidApi` of the official SDK, pointed at a stand-in with its credentials. */
export function plaidApi(
  standIn: Pick<PlaidStandIn, 'basePath' | 'headers'>,
  baseOptions: Record<string, unknown> = {},
): PlaidApi {
  return new PlaidApi(
    new Configuration({ basePath: standIn.basePath, baseOptions: { headers: standIn.headers, ...baseOptions } }),
  )
}

/** Everything that left the gateway or was printed, to be scanned for secrets. */
export const transcript: string[] = []

/** Serves a Node handler on 127.0.0.1 at a free port. */
export async function listen(handler: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** A store around the in-memory one that counts and records its calls, and can be made to fail. */
export function recordingStore(): ItemStore & {
  saved: ItemToSave[]
  gets: number
  failSaves: number
  failGets: number
} {
  const inner = createMemoryItemStore()
  const store = {
    ...inner,
    saved: [] as ItemToSave[],
    gets: 0,
    failSaves: 0,
    failGets: 0,
    async save(item: ItemToSave) {
      if (store.failSaves > 0) {
        store.failSaves--
        // The kind of message a database error carries: the value that was being written.
        throw new Error(`insert failed for value (${item.userId}, ${item.itemId}, ${item.accessToken})`)
      }
      store.saved.push({ ...item })
      await inner.save(item)
    },
    async get(userId: string, itemId: string) {
      store.gets++
      if (store.failGets > 0) {
        store.failGets--
        throw new Error('connection to the database was lost')
      }
      return inner.get(userId, itemId)
    },
    // The gateway saves through the ledger's one write when it has one: recorded the same way.
    exchangeLedger: {
      ...inner.exchangeLedger,
      async saveAndComplete(...[item, key, claimId, outcome, keepMs]: Parameters<ExchangeLedgerWrite>) {
        await store.save(item)
        await inner.exchangeLedger.complete(key, claimId, outcome, keepMs)
      },
    },
  }
  return store
}

/**
 * A gateway on a stand-in, as most tests make one: the memory store, the tests' session header,
 * every onError payload recorded (and in the transcript, off the console), and the work that
 * follows each answer collected, so a test can wait for it with `settled()`.
 */
export function gatewayOn(standIn: PlaidStandIn, extra: Partial<PlaidGatewayOptions> = {}) {
  const errors: GatewayErrorEvent[] = []
  const afterAnswers: Promise<unknown>[] = []
  const options: PlaidGatewayOptions = {
    plaid: plaidApi(standIn),
    store: createMemoryItemStore(),
    getUserId: sessionUser,
    linkToken: LINK_TOKEN_FIELDS,
    onError: (event) => {
      transcript.push(JSON.stringify(event))
      errors.push(event)
    },
    waitUntil: (work) => {
      afterAnswers.push(work)
    },
    ...extra,
  }
  const gateway = createPlaidGateway(options)
  return { gateway, store: options.store, errors, afterAnswers, settled: () => Promise.all(afterAnswers.splice(0)) }
}

/** The header the tests' stand-in session reads; real apps read a cookie or a bearer token. */
export const userHeaders = (userId: string | undefined): Record<string, string> =>
  userId === undefined ? {} : { authorization: `Session ${userId}` }

export const sessionUser = (request: Request): string | null =>
  request.headers.get('authorization')?.match(/^Session (.+)$/)?.[1] ?? null

export interface Answer {
  status: number
  headers: Headers
  text: string
  json: Record<string, unknown>
}

export type Transport = 'http' | 'direct'

export interface PostOptions {
  user?: string
  method?: string
  contentType?: string | null
  /** A body sent as is instead of JSON.stringify(body). */
  raw?: string | Uint8Array<ArrayBuffer>
  /** The path below the server's origin, when not basePath + route. */
  fullPath?: string
}

export interface GatewaySuite {
  standIn: PlaidStandIn
  store: ReturnType<typeof recordingStore>
  errors: GatewayErrorEvent[]
  linked: ItemLinkedEvent[]
  userIdCalls: number
  handle: (request: Request) => Promise<Response>
  /** The gateway's origin over HTTP, e.g. `http://127.0.0.1:41234`. */
  origin: string
  post(transport: Transport, route: string, body?: unknown, options?: PostOptions): Promise<Answer>
  /** Exchanges a fresh public token for `userId` and returns the new Item's id. */
  linkItem(userId: string): Promise<string>
  /** Resolves once the work the gateway handed to `waitUntil` so far has finished. */
  settled(): Promise<void>
}

/** POSTs JSON straight to a gateway's `handle` at `BASE_PATH + path`, as `user`, and reads the answer. */
export const postTo = (
  gateway: { handle: (request: Request) => Promise<Response> },
  path: string,
  body: object,
  user?: string,
) =>
  gateway
    .handle(
      new Request(`https://app.example.com${BASE_PATH}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...userHeaders(user) },
        body: JSON.stringify(body),
      }),
    )
    .then(readAnswer)

/** Records an answer in the transcript and returns it parsed. */
export async function readAnswer(response: Response): Promise<Answer> {
  const text = await response.text()
  transcript.push(text)
  response.headers.forEach((value, name) => transcript.push(`${name}: ${value}`))
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    // Left empty: tests that care assert on `text`.
  }
  return { status: response.status, headers: response.headers, text, json }
}

/**
 * Registers beforeAll/afterAll hooks that start a stand-in, a gateway with the real SDK and an
 * HTTP server for it, and returns the suite, whose fields are filled in before the first test.
 */
export function setupGatewaySuite(extra: Partial<PlaidGatewayOptions> = {}): GatewaySuite {
  const suite = { errors: [], linked: [], userIdCalls: 0 } as unknown as GatewaySuite
  let server: Server | undefined
  // What the gateway does after an answer (confirming an institution) is awaited after each test,
  // as a platform's waitUntil would, so that no test counts another test's Plaid calls.
  const afterAnswers: Promise<unknown>[] = []
  suite.settled = () => Promise.all(afterAnswers.splice(0)).then(() => undefined)
  afterEach(() => suite.settled())

  beforeAll(async () => {
    suite.standIn = await createPlaidStandIn({ clientId: CLIENT_ID, secret: SECRET })
    suite.store = recordingStore()
    const gateway = createPlaidGateway({
      plaid: plaidApi(suite.standIn),
      store: suite.store,
      getUserId: (request) => {
        suite.userIdCalls++
        return sessionUser(request)
      },
      linkToken: LINK_TOKEN_FIELDS,
      basePath: BASE_PATH,
      onError: (event) => {
        transcript.push(JSON.stringify(event))
        suite.errors.push(event)
      },
      onItemLinked: (event) => {
        transcript.push(JSON.stringify(event))
        suite.linked.push(event)
      },
      waitUntil: (work) => afterAnswers.push(work),
      ...extra,
    })
    suite.handle = gateway.handle
    const served = await listen(toNodeHandler(gateway.handle))
    server = served.server
    suite.origin = served.url
  })

  afterAll(async () => {
    if (server) await closeServer(server)
    await suite.standIn?.close()
  })

  suite.post = async (transport, route, body, options = {}) => {
    const path = options.fullPath ?? BASE_PATH + route
    const method = options.method ?? 'POST'
    const headers: Record<string, string> = { ...userHeaders(options.user) }
    if (options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/json'
    const hasBody = method !== 'GET' && method !== 'HEAD'
    const payload = hasBody ? (options.raw ?? (body === undefined ? undefined : JSON.stringify(body))) : undefined
    const init: RequestInit = { method, headers, body: payload }
    const response =
      transport === 'http'
        ? await fetch(suite.origin + path, init)
        : await suite.handle(new Request('http://gateway.test' + path, init))
    return readAnswer(response)
  }

  suite.linkItem = async (userId) => {
    const { publicToken } = suite.standIn.createPublicToken()
    const answer = await suite.post('direct', EXCHANGE, { public_token: publicToken }, { user: userId })
    if (answer.status !== 200) throw new Error(`linking an Item failed: ${answer.text}`)
    // Linked means confirmed too: the institution lookup that follows the answer is done.
    await suite.settled()
    return answer.json.item_id as string
  }

  return suite
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const

/**
 * Captures console output and direct writes to stdout and stderr for the whole file, and checks
 * after it that nothing captured and no answer in the transcript holds a secret: the client id,
 * the secret, or any access token that the stand-ins handed out.
 */
export function scanForSecrets(accessTokens: () => string[]): { consoleLines: string[] } {
  const consoleLines: string[] = []
  const restore: (() => void)[] = []

  beforeAll(() => {
    for (const method of CONSOLE_METHODS) {
      const original = console[method]
      console[method] = (...args: unknown[]) => {
        consoleLines.push(args.map((arg) => (typeof arg === 'string' ? arg : safeStringify(arg))).join(' '))
        original.apply(console, args)
      }
      restore.push(() => {
        console[method] = original
      })
    }
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write
      stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
        consoleLines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'))
        return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
      } as typeof stream.write
      restore.push(() => {
        stream.write = original
      })
    }
  })

  afterAll(() => {
    for (const undo of restore.splice(0)) undo()
    const secrets = [CLIENT_ID, SECRET, ...accessTokens()]
    expect(accessTokens().length, 'the file handed out no access token, so the scan could not fail').toBeGreaterThan(0)
    const everything = [...transcript, ...consoleLines]
    for (const secret of secrets) {
      const leaks = everything.filter((text) => text.includes(secret))
      expect(leaks, `a response, hook payload or console line holds ${secret}`).toEqual([])
    }
  })

  return { consoleLines }
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
