export {
  sandboxErrors,
  sandboxGateway,
  sandboxGatewayError,
  sandboxHtmlError,
  sandboxLeakyGateway,
  sandboxSilentGateway,
} from './sandboxGateway'
export type { SandboxGatewayOptions, SandboxPlaidError, SandboxRoute } from './sandboxGateway'
export { installPlaidLinkSandbox } from './plaidLinkSandbox'
export type {
  PlaidLinkSandbox,
  PlaidLinkSandboxOptions,
  PlaidLinkSandboxSession,
  SandboxLinkErrorCode,
} from './plaidLinkSandbox'
