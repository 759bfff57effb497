import type { BugId } from './bugs'
import type { Database } from './db'

/** What every route handler gets. */
export interface Shop {
  db: Database
  /** The planted bugs switched on (SHOP_BUGS); empty = the fixed app that openapi.json describes. */
  bugs: ReadonlySet<BugId>
  log(message: string): void
}
