/*
 * Imports ending in `?script` (`import text from './linkStandInScript?script'`) give a browser
 * script as text: the module and everything it imports, bundled by esbuild into one IIFE. One
 * plugin for the build (tsup, through esbuild) and one for Vite (vitest and Storybook), over the
 * same bundling, so the text is the same everywhere.
 */
import { build } from 'esbuild'
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

const SUFFIX = '?script'
const EXTENSIONS = ['', '.ts', '.tsx', '.js', '.mjs']

/** The file an import names, relative to the importing file. */
function locate(specifier, importer) {
  const base = resolve(dirname(importer), specifier.slice(0, -SUFFIX.length))
  const file = EXTENSIONS.map((extension) => base + extension).find((candidate) => existsSync(candidate))
  if (!file) throw new Error(`scriptText: cannot find ${specifier} from ${importer}`)
  return file
}

/** The module `file` as a minified browser script, and the files it was made of. */
export async function bundleScript(file) {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    metafile: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
  })
  return {
    code: result.outputFiles[0].text,
    inputs: Object.keys(result.metafile.inputs).map((input) => resolve(input)),
  }
}

const asModule = (code) => `export default ${JSON.stringify(code)}\n`

/** For tsup and esbuild. */
export function scriptTextEsbuildPlugin() {
  return {
    name: 'script-text',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /\?script$/ }, (args) => ({
        path: locate(args.path, args.importer),
        namespace: 'script-text',
      }))
      pluginBuild.onLoad({ filter: /.*/, namespace: 'script-text' }, async (args) => {
        const { code, inputs } = await bundleScript(args.path)
        return { contents: asModule(code), loader: 'js', watchFiles: inputs }
      })
    },
  }
}

/** For Vite: vitest and Storybook. */
export function scriptTextVitePlugin() {
  const PREFIX = '\0script-text:'
  return {
    name: 'script-text',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!source.endsWith(SUFFIX) || !importer) return null
      return PREFIX + locate(source, importer.replace(/\?.*$/, ''))
    },
    async load(id) {
      if (!id.startsWith(PREFIX)) return null
      const { code, inputs } = await bundleScript(id.slice(PREFIX.length))
      for (const input of inputs) this.addWatchFile(input)
      return asModule(code)
    },
  }
}
