/*
 * The browser build's createPlaidStandIn: the stand-in is an HTTP server, which only Node can
 * start. Only the types come from the real module.
 */
import type { PlaidStandIn, PlaidStandInOptions } from './plaidStandIn'

export async function createPlaidStandIn(_options?: PlaidStandInOptions): Promise<PlaidStandIn> {
  throw new Error(
    'createPlaidStandIn() starts an HTTP server and runs in Node: call it in your tests or your server. ' +
      "In the browser, load Link from the stand-in's linkScriptUrl instead.",
  )
}
