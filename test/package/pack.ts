/*
 * Builds and packs the package once for every test file of `npm run test:package`, which each
 * install the tarball into a consumer project of their own.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The packed tarball of the package, freshly built. */
    tarball: string
  }
}

export default function pack(project: TestProject) {
  const root = resolve(__dirname, '../..')
  const dir = mkdtempSync(join(tmpdir(), 'plaid-react-pack-'))
  const run = (command: string, args: string[]) =>
    execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  run('npm', ['run', 'build'])
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir])) as { filename: string }[]
  project.provide('tarball', join(dir, packed[0]!.filename))
  return () => rmSync(dir, { recursive: true, force: true })
}
