/*
 * Plaid offline, for development and CI: the package's stand-in answers Plaid's API on 127.0.0.1
 * and serves a Link that talks to it. Its Items, with their access tokens, are kept in the data
 * folder like Plaid keeps them, so the Items in the app's store still work after a restart.
 */
import { createPlaidStandIn, type PlaidStandIn, type StandInItem } from '@utdk/plaid-react/testing'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface OfflinePlaid {
  standIn: PlaidStandIn
  /** Keeps the stand-in's Items in the data folder; call it after anything may have changed them. */
  remember(): Promise<void>
}

export async function startOfflinePlaid(dataDir: string): Promise<OfflinePlaid> {
  const file = join(dataDir, 'plaid-stand-in.json')
  const items = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as StandInItem[],
    () => [],
  )
  const standIn = await createPlaidStandIn({ items })
  // One write at a time, each whole (a new file renamed over the old), however many requests end at once.
  let saving = Promise.resolve()
  return {
    standIn,
    remember() {
      // A write that failed does not stop the next one.
      saving = saving
        .catch(() => undefined)
        .then(async () => {
          await writeFile(`${file}.new`, JSON.stringify(standIn.items))
          await rename(`${file}.new`, file)
        })
      return saving
    },
  }
}
