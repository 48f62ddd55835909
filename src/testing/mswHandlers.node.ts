/*
 * The msw handlers as the Node builds export them: each checks first that msw could be loaded,
 * and without it throws an error that names the function and the fix.
 */
import { mswLoadError, mswModule } from './mswModule'
import * as handlers from './sandboxGateway'

export * from './sandboxGateway'

function needsMsw<A extends unknown[], R>(name: string, makeHandlers: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    if (!mswModule) {
      const why = mswLoadError instanceof Error ? ` (${mswLoadError.message.split('\n')[0]})` : ''
      throw new Error(
        `${name}() from @utdk/plaid-react/testing makes msw handlers, and msw could not be loaded${why}. ` +
          'Install it in your project: npm install -D msw',
      )
    }
    return makeHandlers(...args)
  }
}

export const sandboxGateway = needsMsw('sandboxGateway', handlers.sandboxGateway)
export const sandboxGatewayError = needsMsw('sandboxGatewayError', handlers.sandboxGatewayError)
export const sandboxHtmlError = needsMsw('sandboxHtmlError', handlers.sandboxHtmlError)
export const sandboxSilentGateway = needsMsw('sandboxSilentGateway', handlers.sandboxSilentGateway)
export const sandboxLeakyGateway = needsMsw('sandboxLeakyGateway', handlers.sandboxLeakyGateway)
