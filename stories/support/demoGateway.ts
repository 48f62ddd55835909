/*
 * The sandbox gateway most stories talk to: the demo user's Items, answering as the real gateway
 * does, except that it links the sandbox Link's bank as often as a story asks. The sandbox Link
 * connects the same bank with the same accounts every time, so a story shown twice (or two
 * stories on one page) would otherwise meet the duplicate check. Demo/Dashboard shows that check,
 * on a gateway of its own for every story.
 */
import { sandboxGateway, type SandboxGatewayOptions } from '../../src/testing'
import { DEMO_ITEMS } from './demoItems'

export const demoGateway = (options: SandboxGatewayOptions = {}) =>
  sandboxGateway({ items: DEMO_ITEMS, duplicates: 'allow', ...options })
