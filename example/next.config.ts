import type { NextConfig } from 'next'

const config: NextConfig = {
  // PGlite reads its WebAssembly files from beside its own module, so Node loads it as installed.
  serverExternalPackages: ['@electric-sql/pglite'],
  // `next dev` would otherwise write an AGENTS.md into this folder on every start, leaving a file
  // in the clone that nobody asked for.
  agentRules: false,
  experimental: { agentUpgrade: false },
}

export default config
