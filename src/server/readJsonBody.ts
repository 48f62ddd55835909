/*
 * Reads a request body as a JSON object, at most MAX_BODY_BYTES of it. The bytes are counted as
 * they arrive: a missing or false Content-Length must not let a large body into memory.
 */
import { MAX_BODY_BYTES, invalidRequest, tooLarge } from './errors'

export async function readLimited(request: Request): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    await request.body?.cancel().catch(() => undefined)
    throw tooLarge()
  }
  if (!request.body) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge()
    }
    chunks.push(value)
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
 * The body as a JSON object. Rejects with 413 when it is too large, and with 400 when it is not
 * declared as JSON, not UTF-8, not JSON, or not an object.
 */
export async function readJsonBody(request: Request): Promise<Record<string, unknown>> {
  const bytes = await readLimited(request)
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
