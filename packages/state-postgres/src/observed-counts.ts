import type pg from 'pg'
import type { TrackedTable } from './catalog'
import { countRows } from './common'
import { bigintLiteral } from './sql'
import { S } from './tracking'

/**
 * Row counts of the tracked tables for `observe()`, recounted only where the change log says something
 * changed since the last observation: an exploration observes after every action, and a full count of
 * every table each time would cost more than the rollback it is meant to be cheaper than.
 *
 * The log only grows between observations; what shrinks it is told here: a rollback names the tables
 * it restored (`invalidate(oids)`), and a purge of the log, a reset or a new schema forgets everything
 * (`invalidate()`). Tables without a primary key log only their first change after a checkpoint, so they
 * are always counted.
 */
export class ObservedCounts {
  readonly #counts = new Map<string, number>()
  /** The newest log entry already reflected in the counts. */
  #seenUpTo = '0'
  /** How many tables the last read had to count. */
  lastCounted = 0

  /** Forget the counts of these tables (by oid), or of every table. */
  invalidate(oids?: Iterable<string>): void {
    if (!oids) {
      this.#counts.clear()
      return
    }
    for (const oid of oids) this.#counts.delete(oid)
  }

  async read(client: pg.ClientBase, tables: readonly TrackedTable[]): Promise<Record<string, number>> {
    const { rows } = await client.query(
      `SELECT (SELECT coalesce(max(seq), 0)::text FROM ${S}.log) AS top, ` +
        `array(SELECT DISTINCT rel::int8::text FROM ${S}.log WHERE seq > ${bigintLiteral(this.#seenUpTo)}) AS touched`,
    )
    const { top, touched } = rows[0] as { top: string; touched: string[] }
    const changed = new Set(touched)
    const stale = tables.filter((t) => changed.has(t.oid) || !this.#counts.has(t.oid) || t.primaryKey.length === 0)
    this.lastCounted = stale.length
    if (stale.length) {
      const fresh = await countRows(client, stale)
      for (const t of stale) this.#counts.set(t.oid, fresh[`${t.schema}.${t.name}`]!)
    }
    if (BigInt(top) > BigInt(this.#seenUpTo)) this.#seenUpTo = top
    const out: Record<string, number> = {}
    for (const t of tables) out[`${t.schema}.${t.name}`] = this.#counts.get(t.oid)!
    return out
  }
}
