/*
 * Serves the Worker bundle with Deno's or Bun's own HTTP server on 127.0.0.1 at a free port, and
 * prints `listening <url>` once it listens. The bindings come from the environment.
 */
import worker from './worker.bundle.mjs'

const read = (name) => (globalThis.Deno ? globalThis.Deno.env.get(name) : globalThis.process.env[name])
const env = Object.fromEntries(['PLAID_BASE_PATH', 'PLAID_CLIENT_ID', 'PLAID_SECRET'].map((name) => [name, read(name)]))
const handle = (request) => worker.fetch(request, env)

if (globalThis.Bun) {
  const server = globalThis.Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: handle })
  console.log(`listening ${server.url.href}`)
} else {
  globalThis.Deno.serve(
    { hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(`listening http://127.0.0.1:${port}/`) },
    handle,
  )
}
