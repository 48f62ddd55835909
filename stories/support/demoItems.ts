/*
 * The signed-in demo user's Items, as the sandbox gateway knows them: every Item id a story
 * uses, with its bank, so that the sandbox Link shows the bank being repaired.
 */
import type { SandboxItem } from '../../src/testing'

const bank = (name: string, institution_id: string) => ({ name, institution_id })

export const WELLS_FARGO = bank('Wells Fargo', 'ins_127991')
export const CHASE = bank('Chase', 'ins_56')

export const DEMO_ITEMS: SandboxItem[] = [
  { itemId: 'item-wells-fargo', institution: WELLS_FARGO },
  { itemId: 'item-chase', institution: CHASE },
  { itemId: 'item-chase-checking', institution: CHASE },
  { itemId: 'item-amex', institution: bank('American Express', 'ins_10') },
  { itemId: 'item-capital-one', institution: bank('Capital One', 'ins_128026') },
  ...['idle', 'loading', 'open', 'success', 'error'].map((state) => ({
    itemId: `item-state-${state}`,
    institution: WELLS_FARGO,
  })),
]
