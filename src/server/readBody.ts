/*
 * Reads a request body within two limits that each route names: how many bytes it may have and
 * how long it may take to arrive. The bytes are counted as they come, so a missing or false
 * Content-Length cannot let a large body into memory, and a client that sends a byte a second
 * cannot hold a connection (and the memory behind it) for ever.
 */
import { invalidRequest, requestTimeout, tooLarge } from './errors'

/** The browser's routes carry a token or an id: a few hundred bytes, with room to spare. */
export const BROWSER_BODY_BYTES = 16 * 1024
/** Plaid's larger webhooks (transactions, holdings) are far over 16 KiB; none must be lost. */
export const WEBHOOK_BODY_BYTES = 1024 * 1024
/** How long a body may take to arrive, unless `bodyTimeoutMs` says otherwise. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000

export interface BodyLimits {
  maxBytes: number
  timeoutMs: number
}

export async function readBody(
  request: Request,
  { maxBytes, timeoutMs }: BodyLimits,
): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > maxBytes) {
    await request.body?.cancel().catch(() => undefined)
    throw tooLarge(maxBytes)
  }
  if (!request.body) return new Uint8Array(0)
  const reader = request.body.getReader()
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(requestTimeout(timeoutMs)), timeoutMs)
  })
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline])
      if (done) break
      total += value.byteLength
      if (total > maxBytes) throw tooLarge(maxBytes)
      chunks.push(value)
    }
  } catch (error) {
    // Whatever stopped the read, the rest of the body is not wanted: the stream lets go of it.
    reader.cancel().catch(() => undefined)
    throw error
  } finally {
    clearTimeout(timer)
  }
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/* application/json, with or without parameters such as charset. */
function isJsonMediaType(contentType: string | null): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json'
}

/**
 * The body as a JSON object. Rejects with 400 when it is not declared as JSON, not UTF-8, not
 * JSON, or not an object.
 */
export function parseJsonObject(request: Request, bytes: Uint8Array<ArrayBuffer>): Record<string, unknown> {
  // Requiring the JSON media type means a cross-site page cannot post here with a plain HTML form
  // (those can only send form or text types); a script would first need the app's CORS consent.
  if (!isJsonMediaType(request.headers.get('content-type'))) {
    throw invalidRequest('The request body must be JSON, sent with "Content-Type: application/json".')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw invalidRequest('The request body is not valid JSON.')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidRequest('The request body must be a JSON object.')
  }
  return parsed as Record<string, unknown>
}

/** A required field that must be a non-blank string. */
export function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field]
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidRequest(`The request body needs "${field}" as a non-empty string.`)
  }
  return value
}

/** An optional field that, when present, must be a boolean. */
export function optionalBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  const value = body[field]
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') {
    throw invalidRequest(`"${field}" must be true or false when it is present.`)
  }
  return value
}
