/*
 * Every TypeScript sample of the README compiles against the packed package, as a user who
 * copies it into a strict TypeScript project would find. Each block is its own module; what a
 * sample takes from the user's own app (a session, a database, a toast) is declared once in
 * readme-app.d.ts. A block whose info string says `fragment` is a deliberate excerpt and is
 * skipped.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, inject, test } from 'vitest'
import { createConsumer, root, run } from './consumer'

const readme = readFileSync(join(root, 'README.md'), 'utf8')
const blocks = [...readme.matchAll(/^```(tsx?)([^\n]*)\n([\s\S]*?)^```$/gm)].map((match) => ({
  language: match[1]!,
  info: match[2]!.trim(),
  code: match[3]!,
  line: readme.slice(0, match.index).split('\n').length,
}))
const checked = blocks.filter((block) => !block.info.split(/\s+/).includes('fragment'))

let consumer = ''
let remove = () => {}

beforeAll(() => {
  ;({ dir: consumer, remove } = createConsumer(inject('tarball'), [
    'react',
    'react-dom',
    'swr',
    'msw',
    'plaid',
    'express',
    '@types/express',
    '@types/react',
    '@types/react-dom',
    '@types/node',
    '@testing-library/react',
    '@testing-library/user-event',
    '@testing-library/jest-dom',
    'vitest',
    'react-plaid-link',
    'pg',
    '@types/pg',
  ]))
})

afterAll(() => remove())

test('the README has TypeScript samples, and marks few of them as fragments', () => {
  expect(checked.length).toBeGreaterThan(10)
  expect(blocks.length - checked.length).toBeLessThanOrEqual(3)
})

test('every TypeScript sample of the README compiles against the packed package', () => {
  const dir = join(consumer, 'readme')
  mkdirSync(dir)
  const files = checked.map((block) => {
    const file = `line-${String(block.line).padStart(4, '0')}.${block.language}`
    // `export {}` makes each block a module of its own, so that blocks never see each other's names.
    writeFileSync(join(dir, file), `${block.code}\nexport {}\n`)
    return file
  })
  writeFileSync(join(dir, 'app.d.ts'), readFileSync(join(__dirname, 'readme-app.d.ts'), 'utf8'))
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        module: 'ESNext',
        moduleResolution: 'Bundler',
        jsx: 'react-jsx',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
      },
      files: ['app.d.ts', ...files],
    }),
  )
  let output = ''
  try {
    run(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], dir)
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? error)
  }
  // Named by README line, so that a failure points at the sample to fix.
  expect(output.replace(/^line-0*(\d+)\.tsx?\((\d+),\d+\)/gm, 'README block at line $1, its line $2')).toBe('')
})
