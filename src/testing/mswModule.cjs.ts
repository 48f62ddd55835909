/*
 * The CommonJS build's msw: required if it is installed, else `undefined`. A require inside try is
 * an optional dependency to webpack, which then builds without msw too.
 */
type Msw = typeof import('msw')

let loaded: Msw | undefined
let loadError: unknown
try {
  // A require on purpose: the CommonJS build loads msw's CommonJS build, as the app's own require does.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded = require('msw') as Msw
} catch (error) {
  loadError = error
}
export const mswModule: Msw | undefined = loaded
export const mswLoadError: unknown = loadError
