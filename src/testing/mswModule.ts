/*
 * msw, for the handlers of sandboxGateway.ts. The source and the browser build import it as any
 * module does, so msw must be installed there. The Node builds swap this module for one that
 * loads msw only if it is installed (mswModule.esm.ts, mswModule.cjs.ts; see tsup.config.ts), so
 * that the rest of the testing entry works without it.
 */
import * as msw from 'msw'

export const mswModule: typeof msw | undefined = msw
export const mswLoadError: unknown = undefined
