/*
 * Failures a developer can see (contract, section 13): in development builds every failure a flow
 * reports is also logged with console.error, once, with what to check. Production bundles keep
 * none of it: every call site is written `if (process.env.NODE_ENV !== 'production') …`, the form
 * bundlers replace and then drop as dead code, and nothing here is reached otherwise.
 */
import type { PlaidGatewayError } from '../PlaidGatewayError'
import type { RouteName } from '../wire'
import { providedConfigs, type ResolvedGatewayConfig } from './config'

/** Where a failed request went. */
interface Destination {
  url: string
  config: ResolvedGatewayConfig
  route: RouteName
}

const destinations = /* @__PURE__ */ new WeakMap<object, Destination>()

/** Remembers where the request that failed with `error` went; called by the request module. */
export function rememberDestination(
  error: unknown,
  url: string,
  config: ResolvedGatewayConfig,
  route: RouteName,
): void {
  if (error instanceof Object) destinations.set(error, { url, config, route })
}

/** What to check, for a failure of a request to the gateway. */
function advice(error: PlaidGatewayError, { url, config, route }: Destination): string {
  const { baseUrl } = config
  const path = config[route]
  const where =
    `The request went to ${url}: baseUrl "${baseUrl}" ` +
    (providedConfigs.has(config)
      ? 'from the nearest PlaidGatewayProvider'
      : '(there is no PlaidGatewayProvider above this component, so it is the hook’s own option or the default)') +
    ` plus the path "${path}" (paths.${route}).`
  if (error.status === 404 && error.errorCode !== 'ITEM_NOT_FOUND') {
    return (
      `${where} Nothing there answers it: check that the gateway is mounted at "${baseUrl}" (the gateway's ` +
      `basePath, and for Next.js the folder of its catch-all route) and serves "${path}", or give the gateway's ` +
      'URL as baseUrl to PlaidGatewayProvider.'
    )
  }
  if (error.errorCode === 'HTTP_ERROR') {
    return `${where} Look for this request in the server's logs: something answered it, but not the gateway.`
  }
  if (error.errorCode === 'NETWORK_ERROR') {
    return (
      `${where} No answer arrived: check that the browser is online, that the host resolves, and, for a baseUrl ` +
      "on another origin, that the gateway answers CORS preflights. The error's cause has the browser's reason."
    )
  }
  return where
}

/** Logs one failure that a flow reported: its code, its message, and for a gateway request what to check. */
export function logFailure(error: PlaidGatewayError, api: string): void {
  const destination = destinations.get(error) ?? destinations.get(error.cause as object)
  console.error(
    `@utdk/plaid-react: ${api} failed with ${error.errorCode}: ${error.message}` +
      (destination ? `\n${advice(error, destination)}` : ''),
    error,
  )
}
