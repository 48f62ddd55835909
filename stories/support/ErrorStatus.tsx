import type { PlaidGatewayError } from '../../src'

/**
 * Shows a PlaidGatewayError the way an app might: the person's message first, the details below.
 * Production builds shorten the package's own messages to the error code, which is then shown
 * once, as the code. `sentence` is the app's own words for an error without Plaid's message.
 */
export function ErrorStatus({ error, sentence = FALLBACK_SENTENCE }: { error: PlaidGatewayError; sentence?: string }) {
  return (
    <div className="status" data-tone="bad" role="alert">
      <strong>{error.displayMessage ?? sentence}</strong>
      <dl className="facts">
        <dt>errorCode</dt>
        <dd data-fact="errorCode">
          <code>{error.errorCode}</code>
        </dd>
        <dt>errorType</dt>
        <dd data-fact="errorType">
          <code>{error.errorType}</code>
        </dd>
        <dt>status</dt>
        <dd data-fact="status">
          <code>{String(error.status)}</code>
        </dd>
        {error.message === error.errorCode ? null : (
          <>
            <dt>message</dt>
            <dd data-fact="message">{error.message}</dd>
          </>
        )}
      </dl>
    </div>
  )
}

export const FALLBACK_SENTENCE = 'Something went wrong while talking to the server.'
