'use client'
// The redirect page of OAuth banks (the gateway's `redirect_uri`): Link picks up where it left off.
import { useLinkOAuthResume } from '@utdk/plaid-react'
import Link from 'next/link'
import { useRouter } from 'next/navigation'

export default function OAuthReturn() {
  const router = useRouter()
  const { status, error } = useLinkOAuthResume({ onSuccess: () => router.replace('/') })
  if (status === 'error') {
    return (
      <p role="alert">
        {error?.displayMessage ?? 'Connecting your bank did not finish.'} <Link href="/">Back to your banks</Link>
      </p>
    )
  }
  return (
    <p aria-busy={status !== 'idle'}>
      Finishing the connection to your bank… <Link href="/">Back to your banks</Link>
    </p>
  )
}
