/*
 * What the PostgreSQL tests share: gateway instances as child processes (gatewayProcess.mjs),
 * the database at DATABASE_URL, and the commands that stop and start that database's server.
 */
import { spawn, execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'

const run = promisify(execFile)

export interface GatewayInstance {
  name: string
  /** The gateway's origin, e.g. `http://127.0.0.1:41234`. */
  origin: string
  /** Every line the process wrote to stdout or stderr, as written. */
  lines: string[]
  /** The stdout lines that were JSON: its onError and onItemLinked payloads and pool errors. */
  events: Record<string, unknown>[]
  stop(): Promise<void>
  /** Kills the process with SIGKILL, as a crash or an out-of-memory kill would: nothing of it runs on. */
  kill(): Promise<void>
}

/** Starts gatewayProcess.mjs with these settings and resolves once it listens. */
export function startGateway(name: string, settings: Record<string, string>): Promise<GatewayInstance> {
  const child = spawn(process.execPath, [join(__dirname, 'gatewayProcess.mjs')], {
    env: { ...process.env, ...settings, INSTANCE: name },
    // stdin stays open for the child's life: when this process dies, it ends, and the child stops.
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const events: Record<string, unknown>[] = []
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('it did not print its port within 20 s')), 20_000)
    function fail(error: Error) {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`gateway ${name} did not start: ${error.message}\n${lines.join('\n')}`))
    }
    const read = (stream: NodeJS.ReadableStream, parse: boolean) => {
      let rest = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n')
        rest = parts.pop() ?? ''
        for (const line of parts) {
          lines.push(line)
          if (!parse || !line.startsWith('{')) continue
          let event: Record<string, unknown>
          try {
            event = JSON.parse(line) as Record<string, unknown>
          } catch {
            continue
          }
          events.push(event)
          if (typeof event.listening === 'number') {
            clearTimeout(timer)
            resolve({
              name,
              origin: `http://127.0.0.1:${event.listening}`,
              lines,
              events,
              async stop() {
                if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
                await exited
              },
              async kill() {
                if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
                await exited
              },
            })
          }
        }
      })
      stream.on('end', () => {
        if (rest) lines.push(rest)
      })
    }
    read(child.stdout, true)
    read(child.stderr, false)
    child.once('exit', (code, signal) => fail(new Error(`it exited (${code ?? signal})`)))
    child.once('error', (error) => fail(error))
  })
}

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL
  if (!url) throw new Error('DATABASE_URL is not set; run the tests with npm run test:postgres')
  return url
}

/** A pool of the tests' own, to look into the tables; it survives the database's restarts. */
export function testPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl(), max: 4 })
  pool.on('error', () => undefined)
  return pool
}

/**
 * Runs pg_ctl on the database's server, e.g. `stop -m immediate`. It needs the command that
 * scripts/postgres.sh start exports; a database of one's own cannot be stopped by a test.
 */
export async function pgCtl(args: string): Promise<void> {
  const prefix = process.env.PLAID_REACT_TEST_PGCTL
  const log = process.env.PLAID_REACT_TEST_PGLOG
  if (!prefix || !log) {
    throw new Error(
      'This test stops and starts the database server, so it needs PLAID_REACT_TEST_PGCTL and ' +
        'PLAID_REACT_TEST_PGLOG, which `bash scripts/postgres.sh start` exports with DATABASE_URL.',
    )
  }
  const command = args.startsWith('start') ? `${prefix} ${args} -l '${log}'` : `${prefix} ${args}`
  await run('bash', ['-c', command], { timeout: 60_000 })
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Names of tables, quoted for SQL. */
export const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`
