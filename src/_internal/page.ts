/*
 * What must exist once per page, even when an app ends up with two copies of the package (its
 * ESM and its CJS build, say): the public tokens already exchanged, the token requests in flight,
 * Plaid Link's script and handlers, and the provider's context. A module-level variable exists
 * once per copy, so one public token could be sent twice and a provider from one copy would not
 * reach the hooks of the other. These live on `globalThis` under a registered symbol that every
 * copy finds; the number in its name changes whenever the shape of a slot does.
 */
const KEY = /* @__PURE__ */ Symbol.for('@utdk/plaid-react/page@1')

/** The page's one instance of `name`, made by `create` the first time any copy asks for it. */
export function pageSlot<T>(name: string, create: () => T): T {
  const global = globalThis as { [KEY]?: Map<string, unknown> }
  const slots = (global[KEY] ??= new Map())
  if (!slots.has(name)) slots.set(name, create())
  return slots.get(name) as T
}
