/*
 * Random gateway answers, thousands of them: every run ends as valid data or a
 * PlaidGatewayError, never another throw, and never with an access token in what the app sees.
 *
 * Most runs call the request functions behind the hooks directly (with a `fetch` that returns
 * a Response, which is the boundary the hooks use too) so that a thousand runs stay fast; the last
 * property drives the public hook.
 */
import { act, renderHook } from '@testing-library/react'
import fc from 'fast-check'
import { PlaidGatewayError, useExchangePublicToken } from '../src'
import { resolveConfig } from '../src/_internal/config'
import { createToken, exchangePublicToken } from '../src/_internal/request'
import { dump } from './helpers/dump'
import { uniqueToken } from './helpers/gateway'
import { createWrapper } from './helpers/render'

const MINUTE = 60_000

/*
 * Each property runs a thousand cases of pure computation: about a second on an idle machine, and
 * several times that when other work shares the cores. Nothing here waits for a moment in time,
 * so the limit is only a guard against a hang, far above any honest run.
 */
vi.setConfig({ testTimeout: 120_000 })

type OperationName = 'exchange' | 'link_token' | 'public_token'
const resultField: Record<OperationName, string> = {
  exchange: 'item_id',
  link_token: 'link_token',
  public_token: 'public_token',
}

interface Body {
  text: string
  /** The access token planted in the body, if any. */
  secret: string | undefined
}

interface Answer {
  status: number
  contentType: string | undefined
  body: Body
}

/* ---------- arbitraries ---------- */

const secretArb = fc
  .tuple(fc.constantFrom('sandbox', 'development', 'production'), fc.uuid())
  .map(([env, uuid]) => `access-${env}-${uuid}`)

const anyValue = fc.oneof(
  fc.string(),
  fc.string({ minLength: 1 }),
  fc.constantFrom('', 'item-1', 'link-sandbox-1', 'public-sandbox-1'),
  fc.jsonValue({ maxDepth: 2 }),
)

const expirationArb = fc.oneof(
  fc.integer({ min: MINUTE, max: 8 * 60 * MINUTE }).map((ms) => new Date(Date.now() + ms).toISOString()),
  fc.integer({ min: -8 * 60 * MINUTE, max: -MINUTE }).map((ms) => new Date(Date.now() + ms).toISOString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string(),
  fc.jsonValue({ maxDepth: 1 }),
)

const successish = fc.record(
  {
    item_id: anyValue,
    link_token: anyValue,
    public_token: anyValue,
    expiration: expirationArb,
    request_id: anyValue,
  },
  { requiredKeys: [] },
)

const plaidish = fc.record(
  {
    error_type: fc.oneof(fc.constantFrom('ITEM_ERROR', 'API_ERROR', 'INVALID_REQUEST', ''), anyValue),
    error_code: fc.oneof(fc.constantFrom('ITEM_NOT_FOUND', 'ITEM_LOGIN_REQUIRED', 'INTERNAL_SERVER_ERROR'), anyValue),
    error_message: fc.oneof(fc.string(), anyValue),
    display_message: fc.oneof(fc.constant(null), fc.string(), anyValue),
    request_id: fc.oneof(fc.constant(null), fc.string(), anyValue),
  },
  { requiredKeys: ['error_type', 'error_code', 'error_message'] },
)

const objectBody = fc.oneof(
  plaidish,
  successish,
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
)

/** An object body with an access token planted at a random depth, under `access_token` or inside another field. */
const plantedBody = fc
  .record({
    base: objectBody,
    path: fc.array(fc.oneof(fc.constantFrom('item', 'data', 'debug', 'causes'), fc.string({ maxLength: 5 })), {
      maxLength: 4,
    }),
    arrays: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    field: fc.constantFrom(
      'access_token',
      'access_token',
      'access_token',
      'item_id',
      'link_token',
      'public_token',
      'error_message',
      'display_message',
      'error_type',
      'request_id',
    ),
    prefix: fc.constantFrom('', 'token: ', 'provided access token '),
    secret: secretArb,
  })
  .map(({ base, path, arrays, field, prefix, secret }): Body => {
    let planted: unknown = { [field]: field === 'access_token' ? secret : prefix + secret }
    if (path.length === 0) return { text: JSON.stringify({ ...base, ...(planted as object) }), secret }
    for (let i = path.length - 1; i >= 1; i--) planted = { [path[i]!]: arrays[i] ? [planted] : planted }
    return { text: JSON.stringify({ ...base, [path[0]!]: arrays[0] ? [planted] : planted }), secret }
  })

const textBody = fc.oneof(
  fc.string().map((text): Body => ({ text, secret: undefined })),
  fc.string().map((s): Body => ({ text: `<!doctype html><title>Error</title><p>${s}</p>`, secret: undefined })),
  fc.tuple(fc.string(), secretArb).map(([s, secret]): Body => ({ text: `<pre>${s} ${secret}</pre>`, secret })),
  fc.constant<Body>({ text: '', secret: undefined }),
)

const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  fc.jsonValue().map((v): Body => ({ text: JSON.stringify(v), secret: undefined })),
  objectBody.map((v): Body => ({ text: JSON.stringify(v), secret: undefined })),
  plantedBody,
  plantedBody,
  textBody,
)

const answerArb: fc.Arbitrary<Answer> = fc.record({
  status: fc.oneof(
    fc.integer({ min: 200, max: 299 }),
    fc.integer({ min: 100, max: 599 }),
    fc.constantFrom(200, 201, 204, 400, 401, 404, 409, 429, 500, 502, 503),
  ),
  contentType: fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/html', 'text/plain', ''),
    fc.stringMatching(/^[\x21-\x7e]{1,30}$/),
  ),
  body: bodyArb,
})

/* ---------- the gateway answer as a fetch result ---------- */

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

function toResponse({ status, contentType, body }: Answer): Response {
  const headers = contentType === undefined ? undefined : { 'Content-Type': contentType }
  if (status >= 200 && !NULL_BODY_STATUSES.has(status)) return new Response(body.text, { status, headers })
  if (NULL_BODY_STATUSES.has(status) && status >= 200 && body.text === '') {
    return new Response(null, { status, headers })
  }
  // Not constructible as such (a 1xx status, or a body on a null-body status), but a custom fetch may return it.
  const response = new Response(body.text, { status: 200, headers })
  Object.defineProperties(response, { status: { value: status }, ok: { value: status >= 200 && status < 300 } })
  return response
}

/* ---------- what the contract says about an answer ---------- */

function parse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

function hasAccessTokenKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  return Object.entries(value).some(([k, v]) => (k === 'access_token' && v != null) || hasAccessTokenKey(v))
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function isPlaidShaped(v: unknown): v is Record<string, unknown> {
  return (
    isObject(v) &&
    typeof v.error_type === 'string' &&
    v.error_type !== '' &&
    typeof v.error_code === 'string' &&
    v.error_code !== '' &&
    typeof v.error_message === 'string' &&
    (v.display_message == null || typeof v.display_message === 'string') &&
    (v.request_id == null || typeof v.request_id === 'string')
  )
}

const ACCESS_PATTERN = /access-(sandbox|development|production)-/i
const clean = (v: unknown, secret: string | undefined) =>
  typeof v === 'string' && !ACCESS_PATTERN.test(v) && (secret === undefined || !v.includes(secret))

function checkError(error: unknown, answer: Answer, parsed: ReturnType<typeof parse>) {
  expect(error).toBeInstanceOf(PlaidGatewayError)
  const e = error as PlaidGatewayError
  expect(e.name).toBe('PlaidGatewayError')
  expect(e.message).toBe(e.errorMessage)
  expect(typeof e.errorType).toBe('string')
  expect(typeof e.errorCode).toBe('string')
  expect(e.displayMessage === null || typeof e.displayMessage === 'string').toBe(true)
  expect(e.requestId === undefined || typeof e.requestId === 'string').toBe(true)
  expect(e.status).toBe(answer.status)
  const is2xx = answer.status >= 200 && answer.status < 300
  if (is2xx) {
    expect(e.errorType).toBe('GATEWAY_ERROR')
    expect(e.errorCode).toBe('INVALID_RESPONSE')
  } else if (parsed.ok && isPlaidShaped(parsed.value)) {
    const body = parsed.value
    if (clean(body.error_type, answer.body.secret)) expect(e.errorType).toBe(body.error_type)
    if (clean(body.error_code, answer.body.secret)) expect(e.errorCode).toBe(body.error_code)
    if (clean(body.error_message, answer.body.secret)) expect(e.errorMessage).toBe(body.error_message)
    if (body.display_message == null) expect(e.displayMessage).toBeNull()
    else if (clean(body.display_message, answer.body.secret)) expect(e.displayMessage).toBe(body.display_message)
    if (body.request_id == null) expect(e.requestId).toBeUndefined()
    else if (clean(body.request_id, answer.body.secret)) expect(e.requestId).toBe(body.request_id)
  } else {
    expect(e.errorType).toBe('GATEWAY_ERROR')
    expect(e.errorCode).toBe('HTTP_ERROR')
  }
}

/** True when the contract requires this 2xx answer to succeed; false when it requires a failure; undefined when either may be right. */
function mustSucceed(operation: OperationName, parsed: ReturnType<typeof parse>, secret: string | undefined) {
  if (!parsed.ok || !isObject(parsed.value)) return false
  const body = parsed.value
  const value = body[resultField[operation]]
  if (typeof value !== 'string' || value === '') return false
  if (!clean(value, secret)) return undefined
  if (operation === 'exchange') return true
  const expiration = body.expiration
  const validFuture =
    typeof expiration === 'string' &&
    /^\d{4}-\d\d-\d\dT/.test(expiration) &&
    new Date(expiration).getTime() > Date.now() + 10_000
  if (operation === 'link_token') {
    if (expiration === undefined) return false
    return validFuture ? true : undefined
  }
  return expiration === undefined || validFuture ? true : undefined
}

function checkSuccess(value: unknown, operation: OperationName, answer: Answer, parsed: ReturnType<typeof parse>) {
  expect(answer.status >= 200 && answer.status < 300).toBe(true)
  expect(parsed.ok && isObject(parsed.value)).toBe(true)
  const body = (parsed as { value: Record<string, unknown> }).value
  if (operation === 'exchange') {
    const result = value as Record<string, unknown>
    expect(Object.keys(result).every((k) => k === 'itemId' || k === 'requestId')).toBe(true)
    expect(result.itemId).toBe(body.item_id)
    if (clean(body.request_id, answer.body.secret)) expect(result.requestId).toBe(body.request_id)
    else expect(result.requestId).toBeUndefined()
    return
  }
  const token = value as { token: unknown; expiration: unknown; expiresAt: number }
  expect(token.token).toBe(body[resultField[operation]])
  expect(token.expiresAt).toBeGreaterThan(Date.now())
  if (operation === 'link_token') expect(token.expiration).toBeInstanceOf(Date)
  if (token.expiration !== undefined) {
    expect(token.expiration).toBeInstanceOf(Date)
    expect(Number.isNaN((token.expiration as Date).getTime())).toBe(false)
  }
}

let runs = 0

async function runOnce(
  operation: OperationName,
  answer: Answer,
  accountSelection: boolean,
  consoleError: { mock: { calls: unknown[][] } },
) {
  const callsBefore = consoleError.mock.calls.length
  const sent: RequestInit[] = []
  const fetch = async (_url: RequestInfo | URL, init?: RequestInit) => {
    sent.push(init ?? {})
    return toResponse(answer)
  }
  // A fresh endpoint per run, since the access-token warning is given once per endpoint.
  const config = resolveConfig({ baseUrl: `https://gw${++runs}.example.com/plaid`, fetch })
  let value: unknown
  let error: unknown
  let failed = false
  try {
    value =
      operation === 'exchange'
        ? await exchangePublicToken(config, 'public-sandbox-prop')
        : await createToken(config, operation, 'item-prop', accountSelection, true)
  } catch (caught) {
    failed = true
    error = caught
  }
  expect(sent).toHaveLength(1)
  const parsed = parse(answer.body.text)
  if (failed) checkError(error, answer, parsed)
  else checkSuccess(value, operation, answer, parsed)
  const is2xx = answer.status >= 200 && answer.status < 300
  if (is2xx) {
    const expected = mustSucceed(operation, parsed, answer.body.secret)
    if (expected !== undefined) expect(failed).toBe(!expected)
  }

  const warnings = consoleError.mock.calls.slice(callsBefore)
  expect(warnings).toHaveLength(parsed.ok && hasAccessTokenKey(parsed.value) ? 1 : 0)
  if (answer.body.secret) {
    const secret = answer.body.secret
    const seen = dump({
      value,
      error,
      message: (error as Error | undefined)?.message,
      json: JSON.stringify(error),
      warnings,
    })
    expect(seen).not.toContain(secret)
    expect(seen.toLowerCase()).not.toContain(secret.toLowerCase())
  }
  return { failed, value }
}

test('any gateway answer ends as valid data or a PlaidGatewayError, and never shows an access token', async () => {
  const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom<OperationName>('exchange', 'link_token', 'public_token'),
      answerArb,
      fc.boolean(),
      async (operation, answer, accountSelection) => {
        await runOnce(operation, answer, accountSelection, consoleError)
      },
    ),
    { numRuns: 1000 },
  )
})

test('answers that carry an access token: every one is stripped and reported once', async () => {
  const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
  const planted = fc.record({
    status: fc.oneof(fc.integer({ min: 200, max: 299 }), fc.integer({ min: 400, max: 599 })),
    contentType: fc.constant('application/json'),
    body: plantedBody,
  })
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom<OperationName>('exchange', 'link_token', 'public_token'),
      planted,
      fc.boolean(),
      async (operation, answer, accountSelection) => {
        await runOnce(operation, answer, accountSelection, consoleError)
      },
    ),
    { numRuns: 1000 },
  )
})

test('a valid answer that also carries an access token still succeeds, without it', async () => {
  const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
  const usable = fc.string({ minLength: 1 }).filter((s) => s.trim() !== '' && !ACCESS_PATTERN.test(s))
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom<OperationName>('exchange', 'link_token', 'public_token'),
      usable,
      secretArb,
      fc.constantFrom('secret', 'mentions secret', 'clean', 'absent'),
      fc.array(fc.constantFrom('item', 'data', 'plaid'), { maxLength: 3 }),
      fc.boolean(),
      async (operation, value, secret, requestIdMode, path, inArray) => {
        let planted: unknown = { access_token: secret }
        for (const key of [...path].reverse()) planted = { [key]: inArray ? [planted] : planted }
        const body: Record<string, unknown> = { ...(planted as object), [resultField[operation]]: value }
        if (operation !== 'exchange') body.expiration = new Date(Date.now() + 60 * MINUTE).toISOString()
        if (requestIdMode === 'secret') body.request_id = secret
        if (requestIdMode === 'mentions secret') body.request_id = `req for ${secret}`
        if (requestIdMode === 'clean') body.request_id = 'req-clean'
        const outcome = await runOnce(
          operation,
          { status: 200, contentType: 'application/json', body: { text: JSON.stringify(body), secret } },
          false,
          consoleError,
        )
        expect(outcome.failed).toBe(false)
        expect(consoleError).toHaveBeenCalledTimes(1)
        consoleError.mockClear()
      },
    ),
    { numRuns: 300 },
  )
})

test('a success answer with extra fields of any kind still yields exactly the contract result', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.string({ minLength: 1 }).filter((s) => s.trim() !== '' && !ACCESS_PATTERN.test(s)),
      fc.option(fc.string(), { nil: undefined }),
      fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
      async (itemId, requestId, extra) => {
        delete extra.access_token
        const body = { ...extra, item_id: itemId, ...(requestId === undefined ? {} : { request_id: requestId }) }
        if (requestId === undefined) delete (body as Record<string, unknown>).request_id
        const config = resolveConfig({ fetch: async () => new Response(JSON.stringify(body), { status: 200 }) })
        const result = await exchangePublicToken(config, 'public-sandbox-extra')
        const expected: Record<string, unknown> = { itemId }
        if (requestId !== undefined && !ACCESS_PATTERN.test(requestId)) expected.requestId = requestId
        expect(result).toStrictEqual(expected)
      },
    ),
    { numRuns: 300 },
  )
})

test('exchange() through the hook never rejects, whatever the input and the answer', async () => {
  const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.constant('valid'),
        fc.constant(''),
        fc.constant('   '),
        fc.integer(),
        fc.constant(null),
        fc.constant(undefined),
        fc.object({ maxDepth: 1 }),
      ),
      answerArb,
      async (input, answer) => {
        const sent: unknown[] = []
        const fetch = async (_url: RequestInfo | URL, init?: RequestInit) => {
          sent.push(init?.body)
          return toResponse(answer)
        }
        const onSuccess = vi.fn()
        const onError = vi.fn()
        const { result, unmount } = renderHook(
          () => useExchangePublicToken({ baseUrl: `https://hook${++runs}.example.com`, fetch, onSuccess, onError }),
          { wrapper: createWrapper() },
        )
        const publicToken = input === 'valid' ? uniqueToken() : (input as string)
        let settled: { value: unknown } | { rejected: unknown } | undefined
        await act(async () => {
          await result.current.exchange(publicToken).then(
            (value) => (settled = { value }),
            (rejected: unknown) => (settled = { rejected }),
          )
        })
        expect(settled).toBeDefined()
        expect(settled).not.toHaveProperty('rejected')
        const value = (settled as { value: unknown }).value
        if (input !== 'valid') expect(sent).toHaveLength(0)
        if (value === undefined) {
          expect(result.current.error).toBeInstanceOf(PlaidGatewayError)
          expect(onError).toHaveBeenCalledTimes(1)
          expect(onSuccess).not.toHaveBeenCalled()
        } else {
          expect(result.current.data).toStrictEqual(value)
          expect(result.current.error).toBeUndefined()
          expect(onSuccess).toHaveBeenCalledTimes(1)
          expect(onError).not.toHaveBeenCalled()
        }
        if (answer.body.secret) {
          const seen = dump({ value, current: result.current, calls: [onSuccess.mock.calls, onError.mock.calls] })
          expect(seen).not.toContain(answer.body.secret)
        }
        expect(consoleError.mock.calls.every((call) => !dump(call).includes(answer.body.secret ?? '\u0000'))).toBe(true)
        unmount()
      },
    ),
    { numRuns: 150 },
  )
})
