/*
 * What the README's samples take from the reader's own app: a session, a database, a toast, a
 * menu component. Declared here once, as an app would have them, so that each sample is exactly
 * what a reader copies. No sample's own names are declared here.
 */
declare function getSession(request: Request): Promise<{ userId: string } | null>
declare function getCsrfToken(): Promise<string>
declare function toast(message: string): void
declare function report(error: unknown): void
declare const logger: { error(fields: object, message: string): void; warn(fields: object, message: string): void }
declare const db: {
  items: { insert(row: { userId: string; itemId: string; accessToken: string }): Promise<void> }
}
/** The app's own record of a linked Item. */
interface Item {
  id: string
  institutionName: string
  status: string
}
declare function MenuItem(props: {
  onSelect: () => void
  onPointerEnter?: () => void
  onFocus?: () => void
  'data-state'?: string
  children?: import('react').ReactNode
}): import('react').ReactElement
/** A PlaidApi from the `plaid` SDK, configured with the app's client id and secret. */
declare const plaid: import('plaid').PlaidApi
/** The app's session middleware for Express. */
declare const sessionMiddleware: import('express').RequestHandler

declare namespace Express {
  interface Request {
    session?: { userId?: string }
  }
}

/** Next.js's `after` (the samples are checked without installing Next.js itself). */
declare module 'next/server' {
  export function after<T>(task: Promise<T> | (() => T | Promise<T>)): void
}
