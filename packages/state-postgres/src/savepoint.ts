import { type OpenCheckpoint, StateError } from '@venomqa/core'
import type pg from 'pg'
import { type TrackedSequence, findSequences, findTables } from './catalog'
import { PostgresBackend } from './backend'
import { type SequenceValues, countRows, readSequences, sequencesWithRowsSince, setvalSql, truncateSql } from './common'
import { ident } from './sql'

interface Savepoint {
  savepoint: string
  sequences: SequenceValues
}

/**
 * The `savepoint` mechanism: one connection, one transaction for the whole run, a SAVEPOINT per
 * checkpoint. It restores only what went through `connection()`, so it suits an app running in the same
 * process that takes this connection. An app with its own pool commits through its own connections and
 * keeps every write: use `snapshot` for that.
 */
export class PostgresSavepointBackend extends PostgresBackend<Savepoint> {
  readonly mechanism = 'savepoint'
  #counter = 0
  #sequences: TrackedSequence[] = []
  #atConnect: SequenceValues = []

  /** The one connection the app under test must use: everything else is out of reach of a rollback. */
  connection(): pg.Client {
    return this.connected()
  }

  /** Run a statement on that connection, inside the run's transaction. */
  query<R extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.connected().query<R>(text, params)
  }

  protected connectsTo() {
    return { url: this.options.url, purpose: 'open the run transaction' }
  }

  protected async prepare(client: pg.Client): Promise<void> {
    await this.step('BEGIN', async () => {
      await client.query('BEGIN')
      this.#sequences = await findSequences(client, this.scope, (await findTables(client, this.scope)).tables)
      this.#atConnect = await readSequences(client, this.#sequences)
    })
  }

  protected capture(client: pg.Client, name: string): Promise<Savepoint> {
    const savepoint = `venomqa_${++this.#counter}`
    return this.step(`checkpoint "${name}" (SAVEPOINT)`, async () => {
      await client.query(`SAVEPOINT ${ident(savepoint)}`)
      return { savepoint, sequences: await readSequences(client, this.#sequences) }
    })
  }

  /**
   * ROLLBACK TO SAVEPOINT also destroys the savepoints set after it: nothing is left to free for them.
   * Rows others committed since the checkpoint, which no savepoint undoes, are returned as the error the
   * rollback fails with once the stack has dropped those later checkpoints (see #putSequencesBack).
   */
  protected restore(client: pg.Client, name: string, { savepoint, sequences }: Savepoint): Promise<StateError | undefined> {
    return this.step(`rollback to "${name}" (ROLLBACK TO SAVEPOINT)`, async () => {
      await client.query(`ROLLBACK TO SAVEPOINT ${ident(savepoint)}`)
      // Sequences are not transactional: without this, ids would go on from where the path left them.
      return this.#putSequencesBack(client, sequences, `the rollback to "${name}"`)
    })
  }

  /** Releasing the oldest savepoint releases the later ones with it. */
  protected async released(client: pg.Client, gone: OpenCheckpoint<Savepoint>[]): Promise<void> {
    const [first] = gone
    await this.step(`release "${first!.name}" (RELEASE SAVEPOINT)`, () => client.query(`RELEASE SAVEPOINT ${ident(first!.data.savepoint)}`))
  }

  /** Roll the run's transaction back: the database, sequences included, is left as it was before connect. */
  protected async leave(client: pg.Client): Promise<void> {
    await this.step('ROLLBACK the run transaction', async () => {
      await client.query('ROLLBACK')
      const notRestored = await this.#putSequencesBack(client, this.#atConnect, 'the rollback of the run')
      if (notRestored) throw notRestored
    })
  }

  /**
   * Set the sequences back to `values`, except those whose later ids are still in their tables. Our own
   * writes were just rolled back, so such rows were committed through another connection: an app with a
   * pool of its own, which this mechanism cannot undo. Setting the sequence back under them would hand the
   * same ids out again, and the app's next insert would fail on its primary key (for every later run too).
   * Those sequences are left where they are, and the StateError saying why is returned, for the rollback to
   * fail with: the state was not restored.
   */
  async #putSequencesBack(client: pg.Client, values: SequenceValues, what: string): Promise<StateError | undefined> {
    const escaped = await sequencesWithRowsSince(client, values)
    await client.query(setvalSql(values.filter((v) => !escaped.includes(v))))
    if (!escaped.length) return undefined
    return new StateError(
      this.name,
      `${what} left rows written since: ${escaped.map((v) => `${v.seq.ownedBy!.table} has ids from ${v.seq.display} handed out after it`).join('; ')}. They were committed through another connection than this backend's (an app with its own pool), which the savepoint mechanism cannot undo; use mechanism 'snapshot' (the default) for such an app. Those sequences were left as they are, so the app's next ids do not clash with its rows`,
    )
  }

  /** Empty the tracked tables inside the run's transaction (undone by a rollback, and at disconnect). */
  async reset(): Promise<void> {
    const client = this.connected()
    await this.step('reset', async () => {
      const { tables } = await findTables(client, this.scope)
      if (tables.length) await client.query(truncateSql(tables, await findSequences(client, this.scope, tables)))
    })
  }

  async observe(): Promise<Record<string, unknown>> {
    const client = this.connected()
    return this.step('observe', async () => countRows(client, (await findTables(client, this.scope)).tables))
  }
}
