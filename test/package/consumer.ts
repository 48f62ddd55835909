/*
 * A separate project that installs the packed tarball as an app would, with the app's own copies
 * of the peers and whatever else a test needs.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const root = resolve(__dirname, '../..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>
}

export function run(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env })
}

/** Installs the tarball and `packages` (at the versions this repository uses) into a new folder. */
export function createConsumer(tarball: string, packages: string[]): { dir: string; remove: () => void } {
  const workDir = mkdtempSync(join(tmpdir(), 'plaid-react-consumer-'))
  const dir = join(workDir, 'app')
  mkdirSync(dir)
  const dependencies: Record<string, string> = { '@utdk/plaid-react': `file:${tarball}` }
  for (const name of packages) {
    const version = pkg.devDependencies[name]
    if (!version) throw new Error(`${name} is not a devDependency of the repository`)
    dependencies[name] = version
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies }))
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=optional'], dir)
  return { dir, remove: () => rmSync(workDir, { recursive: true, force: true }) }
}
