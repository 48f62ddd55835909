/*
 * The signed-in demo user's Items, as the sandbox gateway knows them: every Item id a story
 * uses, with its bank, so that the sandbox Link shows the bank being repaired.
 */
import type { SandboxItem } from '../../src/testing'

const bank = (name: string, institution_id: string) => ({ name, institution_id })

export const WELLS_FARGO = bank('Wells Fargo', 'ins_127991')
export const CHASE = bank('Chase', 'ins_56')
export const AMERICAN_EXPRESS = bank('American Express', 'ins_10')
export const CAPITAL_ONE = bank('Capital One', 'ins_128026')
export const CITI = bank('Citi', 'ins_5')
export const USAA = bank('USAA', 'ins_7')
// The bank of every Item that the sandbox gateway links anew, and of the sandbox Link's new-Item dialog.
export const FIRST_PLATYPUS = bank('First Platypus Bank', 'ins_109508')

export const DEMO_ITEMS: SandboxItem[] = [
  { itemId: 'item-wells-fargo', institution: WELLS_FARGO },
  { itemId: 'item-chase', institution: CHASE },
  { itemId: 'item-chase-checking', institution: CHASE },
  { itemId: 'item-amex', institution: AMERICAN_EXPRESS },
  { itemId: 'item-capital-one', institution: CAPITAL_ONE },
  ...['idle', 'loading', 'open', 'success', 'error'].map((state) => ({
    itemId: `item-state-${state}`,
    institution: WELLS_FARGO,
  })),
]
