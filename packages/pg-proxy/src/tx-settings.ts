import { MAX_NAME_BYTES, clipBytes } from './upstream-names'

/**
 * The session settings (SET, RESET) one connection made in its open transaction, in the order the server
 * ran them, with the app's savepoints around them. PostgreSQL keeps them at COMMIT, drops them at
 * ROLLBACK, and undoes the ones made after a savepoint at `ROLLBACK TO SAVEPOINT` it (the savepoint stays;
 * the ones set after it go); `RELEASE` keeps them. A savepoint name may be set again: a statement naming
 * it means the newest. Told only what the server did (a statement that failed or was skipped never
 * comes here), so a savepoint named here exists on the server.
 */
export class TxSettings {
  #settings: string[] = []
  /** The app's savepoints open now, oldest first, with how many settings came before each. */
  #savepoints: { name: string; before: number }[] = []

  /** A savepoint of the app's is open: the server runs what follows in a subtransaction. */
  get inSavepoint(): boolean {
    return this.#savepoints.length > 0
  }

  add(settings: readonly string[]): void {
    this.#settings.push(...settings)
  }

  /** SAVEPOINT, RELEASE SAVEPOINT or ROLLBACK TO SAVEPOINT of `name`, which the server ran. */
  savepoint(verb: string, written: string | undefined): void {
    if (written === undefined) return
    const name = clipBytes(written, MAX_NAME_BYTES)
    if (verb === 'SAVEPOINT') {
      this.#savepoints.push({ name, before: this.#settings.length })
      return
    }
    const at = this.#savepoints.findLastIndex((s) => s.name === name)
    if (at < 0) return
    if (verb === 'RELEASE SAVEPOINT') {
      this.#savepoints.length = at
      return
    }
    this.#settings.length = this.#savepoints[at]!.before
    this.#savepoints.length = at + 1
  }

  /** The transaction ended: its settings (the server kept them if it committed); the next one starts with none. */
  take(): string[] {
    const settings = this.#settings
    this.#settings = []
    this.#savepoints = []
    return settings
  }
}
