/*
 * The gateway as a Worker: the built server entry and the official `plaid` SDK, bundled into one
 * module by run.mjs. The same bundle is served by workerd (through miniflare), Deno and Bun.
 * Configuration comes from the environment, as a Worker's bindings.
 */
import { Configuration, PlaidApi } from 'plaid'
import { createMemoryItemStore, createPlaidGateway } from '../../dist/server.mjs'

let gateway

export default {
  async fetch(request, env) {
    // Made on the first request, from the bindings; the store lives as long as the isolate.
    gateway ??= createPlaidGateway({
      plaid: new PlaidApi(
        new Configuration({
          basePath: env.PLAID_BASE_PATH,
          // axios 1.7+ (the SDK's HTTP client) has a fetch adapter; Workers have no Node HTTP.
          baseOptions: {
            adapter: 'fetch',
            headers: { 'PLAID-CLIENT-ID': env.PLAID_CLIENT_ID, 'PLAID-SECRET': env.PLAID_SECRET },
          },
        }),
      ),
      store: createMemoryItemStore(),
      getUserId: async (incoming) => incoming.headers.get('x-user'),
      linkToken: { client_name: 'Runtime check', language: 'en', country_codes: ['US'], products: ['transactions'] },
    })
    return gateway.handle(request)
  },
}
