export * from '../src/testing/plaidSpec.mjs'
