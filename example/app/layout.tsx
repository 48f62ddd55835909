import type { Metadata } from 'next'
import Script from 'next/script'
import type { ReactNode } from 'react'
import { getPlaid } from '../lib/plaid'
import './globals.css'

export const metadata: Metadata = { title: 'Your banks · @utdk/plaid-react example' }

// Every page asks the server for its Plaid setup, so none is rendered at build time.
export const dynamic = 'force-dynamic'

export default async function RootLayout({ children }: { children: ReactNode }) {
  const { offline } = await getPlaid()
  return (
    <html lang="en">
      <body>
        {/* Offline, Link is the stand-in's, on the page before the package looks for window.Plaid. */}
        {offline ? <Script src={offline.standIn.linkScriptUrl} strategy="beforeInteractive" /> : null}
        <header>
          <h1>Your banks</h1>
          <p className="mode" data-mode={offline ? 'offline' : 'sandbox'}>
            {offline
              ? 'Offline: Plaid and Link are stand-ins running on this machine. Set PLAID_CLIENT_ID and PLAID_SECRET for Plaid’s sandbox.'
              : 'Plaid’s sandbox, with Plaid’s real Link.'}
          </p>
        </header>
        <main>{children}</main>
      </body>
    </html>
  )
}
