import type { NextConfig } from 'next'

const config: NextConfig = {
  // PGlite reads its WebAssembly files from beside its own module, so Node loads it as installed.
  serverExternalPackages: ['@electric-sql/pglite'],
}

export default config
