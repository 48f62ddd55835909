/*
 * The Node ES module build's msw: imported if it is installed, else `undefined`, before anything
 * of the entry runs. The comments tell bundlers (webpack, Vite, Turbopack) to leave the import to
 * Node at run time instead of failing the build of an app that has no msw.
 */
type Msw = typeof import('msw')

let loadError: unknown
export const mswModule: Msw | undefined = await import(
  /* webpackIgnore: true */ /* @vite-ignore */ /* turbopackIgnore: true */ 'msw'
).catch((error: unknown) => {
  loadError = error
  return undefined
})
export const mswLoadError: unknown = loadError
