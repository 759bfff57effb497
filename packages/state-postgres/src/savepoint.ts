import type { OpenCheckpoint } from '@venomqa/core'
import type pg from 'pg'
import { type TrackedSequence, findSequences, findTables } from './catalog'
import { PostgresBackend } from './backend'
import { type SequenceValues, countRows, readSequences, setvalSql, truncateSql } from './common'
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

  /** ROLLBACK TO SAVEPOINT also destroys the savepoints set after it: nothing is left to free for them. */
  protected async restore(client: pg.Client, name: string, { savepoint, sequences }: Savepoint): Promise<void> {
    await this.step(`rollback to "${name}" (ROLLBACK TO SAVEPOINT)`, async () => {
      await client.query(`ROLLBACK TO SAVEPOINT ${ident(savepoint)}`)
      // Sequences are not transactional: without this, ids would go on from where the path left them.
      await client.query(setvalSql(sequences))
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
      await client.query(setvalSql(this.#atConnect))
    })
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
