/*
 * What the Node builds give sandboxGateway.ts in place of `import … from 'msw'`: msw's own
 * exports when it is installed. Without msw they are `undefined`, and no handler reaches them:
 * every function that makes msw handlers is guarded (mswHandlers.node.ts).
 */
import { mswModule } from './mswModule'

type Msw = typeof import('msw')
const msw = (mswModule ?? {}) as Msw

export const http = msw.http
export const HttpResponse = msw.HttpResponse
export const delay = msw.delay
export const passthrough = msw.passthrough
export const bypass = msw.bypass
export const graphql = msw.graphql
