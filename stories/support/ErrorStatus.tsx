import type { PlaidGatewayError } from '../../src'

/** Shows a PlaidGatewayError the way an app might: the person's message first, the details below. */
export function ErrorStatus({ error }: { error: PlaidGatewayError }) {
  return (
    <div className="status" data-tone="bad" role="alert">
      <strong>{error.displayMessage ?? 'Something went wrong while talking to the server.'}</strong>
      <dl className="facts">
        <dt>errorCode</dt>
        <dd>
          <code>{error.errorCode}</code>
        </dd>
        <dt>errorType</dt>
        <dd>
          <code>{error.errorType}</code>
        </dd>
        <dt>status</dt>
        <dd>
          <code>{String(error.status)}</code>
        </dd>
        <dt>message</dt>
        <dd>{error.message}</dd>
      </dl>
    </div>
  )
}
