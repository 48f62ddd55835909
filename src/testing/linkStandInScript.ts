/*
 * The Link script a Plaid stand-in serves at Plaid's CDN path. Loaded by a page's script tag, it
 * installs the Link stand-in as `window.Plaid`, talking to the stand-in it came from, as Plaid's
 * own script talks to Plaid. Bundled on its own (an IIFE) and served as text.
 */
import { installPlaidLinkSandbox } from './plaidLinkSandbox'

const script = document.currentScript as HTMLScriptElement | null
if (script?.src) installPlaidLinkSandbox({ standIn: new URL(script.src).origin })
