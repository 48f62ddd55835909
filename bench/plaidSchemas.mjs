// The facts of Plaid's OpenAPI spec live with the Plaid stand-in of the testing entry; this path
// stays for the load benchmark and the tests that import it from here.
export * from '../src/testing/plaidSpec.mjs'
