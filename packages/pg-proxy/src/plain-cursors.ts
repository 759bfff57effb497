import { MAX_NAME_BYTES, clipBytes } from './upstream-names'

/**
 * The names of the cursors without HOLD one connection declared under their own names and that may still
 * be open, with the app's savepoints they were declared in. The session sends a `DECLARE ... WITH HOLD` of
 * such a name as written, so that PostgreSQL refuses it (42P03) as it would on a session of the app's own.
 *
 * PostgreSQL's rules, followed here: a cursor without HOLD ends with its transaction (COMMIT or ROLLBACK,
 * with AND CHAIN too); `ROLLBACK TO SAVEPOINT s` closes the cursors opened after `s` was set and leaves the
 * ones opened before it; `RELEASE s` keeps every cursor, those opened inside `s` now belonging to the
 * savepoint around it. A savepoint name may be set again: a statement naming it means the newest.
 *
 * Read as statements are sent, before the server ran them, and so kept on the safe side where that can be
 * wrong: a name forgotten too early makes the held cursor the connection's own (prefixed), where PostgreSQL
 * would have refused it; one kept too long would let a held cursor out under the app's own name, seen by
 * the app's other connections. So a ROLLBACK TO of a name not known here forgets every name, and once the
 * transaction has failed, a SAVEPOINT read since may never have run (the server skipped or refused it):
 * a ROLLBACK TO then goes back to the oldest savepoint of its name, forgetting the names declared after it.
 */
export class PlainCursors {
  /** Each name, with how many savepoints were open when it was declared. */
  readonly #depths = new Map<string, number>()
  /** The app's savepoints open now, oldest first. */
  #savepoints: string[] = []
  /** The transaction failed: savepoints read since may not be the server's (see the class's comment). */
  #failed = false

  has(name: string): boolean {
    return this.#depths.has(kept(name))
  }

  declared(name: string): void {
    this.#depths.set(kept(name), this.#savepoints.length)
  }

  closed(name: string): void {
    this.#depths.delete(kept(name))
  }

  /** CLOSE ALL. */
  closedAll(): void {
    this.#depths.clear()
  }

  /** The transaction ended (COMMIT, ROLLBACK, either AND CHAIN), or none is open. */
  transactionEnded(): void {
    this.#depths.clear()
    this.#savepoints = []
    this.#failed = false
  }

  /** The transaction is in the failed state (an error, or a statement the proxy refused). */
  transactionFailed(): void {
    this.#failed = true
  }

  /** SAVEPOINT, RELEASE SAVEPOINT or ROLLBACK TO SAVEPOINT of `name` (undefined when it could not be read). */
  savepoint(verb: string, written: string | undefined): void {
    const name = written === undefined ? undefined : kept(written)
    if (verb === 'SAVEPOINT') {
      if (name !== undefined) this.#savepoints.push(name)
      return
    }
    const at = name === undefined ? -1 : this.#failed && verb === 'ROLLBACK TO SAVEPOINT' ? this.#savepoints.indexOf(name) : this.#savepoints.lastIndexOf(name)
    if (verb === 'RELEASE SAVEPOINT') {
      // An unknown name fails on the server, and its transaction with it: nothing to change here.
      if (at < 0) return
      this.#savepoints.length = at
      for (const [cursor, depth] of this.#depths) if (depth > at) this.#depths.set(cursor, at)
      return
    }
    if (at < 0) return this.closedAll()
    // The savepoint stays set after ROLLBACK TO; the ones set after it are gone.
    this.#savepoints.length = at + 1
    for (const [cursor, depth] of this.#depths) if (depth > at) this.#depths.delete(cursor)
  }
}

/** A name as PostgreSQL keeps it (63 bytes): two names it takes for one are one here too. */
function kept(name: string): string {
  return clipBytes(name, MAX_NAME_BYTES)
}
