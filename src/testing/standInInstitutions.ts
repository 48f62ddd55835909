/*
 * The institutions of the stand-in: the ones Plaid's sandbox offers, under their sandbox ids, each
 * with the test accounts Plaid's sandbox user `user_good` sees there. Every Item at an institution
 * gets the same account names and masks, as in Plaid's sandbox, so linking one bank twice is the
 * duplicate the gateway refuses.
 */

/** An account of an institution, as Link's metadata and Plaid's account objects describe it. */
export interface StandInAccount {
  /** The account's name at the institution, e.g. `Plaid Checking`. */
  name: string
  /** The last digits of the account number. */
  mask: string
  /** Plaid's account type, e.g. `depository`. */
  type: string
  /** Plaid's account subtype, e.g. `checking`. */
  subtype: string
}

/** An institution of the stand-in, in the shape of Plaid's `Institution` plus its accounts. */
export interface StandInInstitution {
  /** Plaid's id for it, e.g. `ins_109508`. */
  institution_id: string
  name: string
  /** An OAuth institution sends the person to the bank's own site and back to `redirect_uri`. */
  oauth: boolean
  /** The products it supports. @defaultValue the sandbox's usual set */
  products?: string[]
  /** @defaultValue `['US']` */
  country_codes?: string[]
  routing_numbers?: string[]
  url?: string | null
  primary_color?: string | null
  /** The accounts every Item there has. */
  accounts: StandInAccount[]
}

const CHECKING: StandInAccount = { name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking' }
const SAVING: StandInAccount = { name: 'Plaid Saving', mask: '1111', type: 'depository', subtype: 'savings' }
const CD: StandInAccount = { name: 'Plaid CD', mask: '2222', type: 'depository', subtype: 'cd' }
const CREDIT_CARD: StandInAccount = { name: 'Plaid Credit Card', mask: '3333', type: 'credit', subtype: 'credit card' }
const MONEY_MARKET: StandInAccount = {
  name: 'Plaid Money Market',
  mask: '4444',
  type: 'depository',
  subtype: 'money market',
}
const IRA: StandInAccount = { name: 'Plaid IRA', mask: '5555', type: 'investment', subtype: 'ira' }

export const DEFAULT_PRODUCTS = [
  'assets',
  'auth',
  'balance',
  'identity',
  'investments',
  'liabilities',
  'transactions',
  'signal',
  'statements',
]

/** Plaid's sandbox institutions, one of them an OAuth bank. */
export const SANDBOX_INSTITUTIONS: readonly StandInInstitution[] = [
  {
    institution_id: 'ins_109508',
    name: 'First Platypus Bank',
    oauth: false,
    accounts: [CHECKING, SAVING, CREDIT_CARD],
  },
  {
    institution_id: 'ins_109509',
    name: 'First Gingham Credit Union',
    oauth: false,
    accounts: [CHECKING, SAVING],
  },
  {
    institution_id: 'ins_109510',
    name: 'Tattersall Federal Credit Union',
    oauth: false,
    accounts: [CHECKING, CD],
  },
  {
    institution_id: 'ins_109511',
    name: 'Tartan Bank',
    oauth: false,
    accounts: [CHECKING, MONEY_MARKET],
  },
  {
    institution_id: 'ins_109512',
    name: 'Houndstooth Bank',
    oauth: false,
    accounts: [CHECKING, IRA],
  },
  {
    institution_id: 'ins_127287',
    name: 'Platypus OAuth Bank',
    oauth: true,
    accounts: [CHECKING, SAVING],
  },
]
