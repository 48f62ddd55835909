/*
 * The "All states" galleries. Every tile puts its own button in its state as the story mounts: a
 * click before the first paint, gateways that answer at once, and a Link stand-in that finishes
 * the sessions it is told to. Nothing waits on real time, and the grid shows once every button is
 * in the state its tile names, so that the first picture a person sees is the whole gallery.
 */
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react'
import { HttpResponse } from 'msw'
import type { PlaidLinkFactory } from '../../src'
import { installPlaidLinkSandbox } from '../../src/testing'

/** Marks a Link token whose session the gallery's Link finishes as soon as it opens. */
const FINISHES = 'finishes-at-once'

let finished = 0

/** The gateway's answer with a Link token that the gallery's Link finishes as soon as it opens. */
export const finishingLinkToken = () =>
  HttpResponse.json({
    link_token: `link-sandbox-${FINISHES}-${++finished}`,
    expiration: new Date(Date.now() + 30 * 60_000).toISOString(),
    request_id: `gallery-${finished}`,
  })

/** The headless sandbox Link as window.Plaid, finishing at once every session whose token is marked. */
export function installGalleryLink() {
  const link = installPlaidLinkSandbox({ dialog: false })
  const holder = window as unknown as { Plaid: PlaidLinkFactory }
  const sandbox = holder.Plaid
  holder.Plaid = {
    create: (options) => {
      const handler = sandbox.create(options)
      const session = link.sessions.at(-1)!
      return {
        ...handler,
        open: () => {
          handler.open()
          if (options.token.includes(FINISHES)) session.succeed()
        },
      }
    },
  }
  // Uninstalling the sandbox restores what window.Plaid was before it, so this wrapper goes too.
  return link
}

/** One tile: its button, clicked as the tile mounts unless the tile shows the idle state. */
export function GalleryTile({ state, children }: { state: string; children: ReactNode }) {
  const tile = useRef<HTMLDivElement>(null)
  useLayoutEffect(() => {
    if (state !== 'idle') tile.current?.querySelector('button')?.click()
  }, [state])
  return (
    <div ref={tile} className="state-cell" data-target={state}>
      {children}
    </div>
  )
}

/** The grid of tiles, shown once every button in it has the `data-state` its tile names. */
export function StateGallery({ children }: { children: ReactNode }) {
  const grid = useRef<HTMLDivElement>(null)
  const [ready, setReady] = useState(false)
  useLayoutEffect(() => {
    const element = grid.current!
    const check = () => {
      const tiles = [...element.querySelectorAll<HTMLElement>('[data-target]')]
      if (tiles.every((tile) => tile.querySelector('button')?.dataset.state === tile.dataset.target)) {
        setReady(true)
        observer.disconnect()
      }
    }
    const observer = new MutationObserver(check)
    observer.observe(element, { subtree: true, attributes: true, attributeFilter: ['data-state'] })
    check()
    return () => observer.disconnect()
  }, [])
  return (
    <div ref={grid} className="state-grid" data-ready={ready ? '' : undefined} aria-busy={!ready || undefined}>
      {children}
    </div>
  )
}
