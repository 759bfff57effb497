import { ConfigurationError } from '@venomqa/example-app-kit'

/**
 * The planted sequence bugs. Each one is a single `bugs.has(id)` switch in the code, so turning it off
 * gives the fixed app that openapi.json describes. README.md lists the rule each one breaks and its minimal
 * sequence of calls.
 */
export const DETERMINISTIC_BUGS = [
  'crash_ship_after_refund',
  'null_price_after_cancel',
  'read_after_delete',
  'leak_duplicate_sku',
  'refund_over_charge',
  'double_release',
  'coupon_reuse_after_ship',
] as const

/** Shows only sometimes for the same sequence, so it is never part of `all`: name it to turn it on. */
export const NONDETERMINISTIC_BUGS = ['flaky_stock'] as const

export type BugId = (typeof DETERMINISTIC_BUGS)[number] | (typeof NONDETERMINISTIC_BUGS)[number]
export const BUG_IDS: readonly BugId[] = [...DETERMINISTIC_BUGS, ...NONDETERMINISTIC_BUGS]

/**
 * `SHOP_BUGS`: unset or `all` = every deterministic bug; `none` = the fixed app; otherwise a comma list of
 * ids, where `all` may be one of the items (`all,flaky_stock`). An unknown id is a configuration error
 * rather than ignored: a typo would otherwise silently test the fixed app.
 */
export function parseBugs(raw: string | undefined): ReadonlySet<BugId> {
  const items = (raw ?? 'all')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (items.length === 0) return new Set(DETERMINISTIC_BUGS)
  if (items.includes('none')) {
    if (items.length > 1) throw new ConfigurationError(`SHOP_BUGS: "none" cannot be combined with other ids, got "${raw}"`)
    return new Set()
  }
  const bugs = new Set<BugId>()
  for (const item of items) {
    if (item === 'all') for (const id of DETERMINISTIC_BUGS) bugs.add(id)
    else if ((BUG_IDS as readonly string[]).includes(item)) bugs.add(item as BugId)
    else throw new ConfigurationError(`SHOP_BUGS: unknown bug "${item}"; known: all, none, ${BUG_IDS.join(', ')}`)
  }
  return bugs
}
