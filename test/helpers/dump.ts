/**
 * Everything readable in a value, as one string: own properties (enumerable or not), Error
 * messages, stacks and causes, Map and Set entries, Dates. Used to prove that a secret appears
 * nowhere, which `JSON.stringify` alone would not (it skips `message` and `cause`).
 */
export function dump(value: unknown): string {
  const parts: string[] = []
  const seen = new Set<unknown>()
  const visit = (v: unknown, depth: number) => {
    if (depth > 50) return
    if (typeof v === 'string') {
      parts.push(v)
      return
    }
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'symbol') {
      parts.push(String(v))
      return
    }
    if (typeof v === 'function') {
      parts.push(v.name)
      return
    }
    if (v === null || v === undefined || seen.has(v)) return
    seen.add(v)
    if (v instanceof Date) {
      parts.push(Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString())
      return
    }
    if (v instanceof Map || v instanceof Set) {
      for (const entry of v) visit(entry, depth + 1)
      return
    }
    if (v instanceof Error) {
      parts.push(v.message, String(v.stack))
      visit((v as { cause?: unknown }).cause, depth + 1)
    }
    try {
      parts.push(JSON.stringify(v) ?? '')
    } catch {
      // Cycles and BigInts: the walk below still covers every property.
    }
    for (const key of Reflect.ownKeys(v as object)) {
      parts.push(String(key))
      let child: unknown
      try {
        child = (v as Record<PropertyKey, unknown>)[key]
      } catch {
        continue
      }
      visit(child, depth + 1)
    }
  }
  visit(value, 0)
  return parts.join('\n')
}
