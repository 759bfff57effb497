import type { StateBackend } from '@venomqa/core'
import type pg from 'pg'
import { type Scope, type TrackedSequence, findSequences, findTables } from './catalog'
import { CheckpointStack } from './checkpoints'
import { type Target, connectedClient, databaseAnswers, describeTarget, openClient, step } from './connection'
import { countRows, truncateSql } from './common'
import type { ResolvedOptions } from './options'
import { ident } from './sql'
import { type SequenceValues, readSequences, setvalSql } from './common'

/**
 * The `savepoint` mechanism: one connection, one transaction for the whole run, a SAVEPOINT per
 * checkpoint. It restores only what went through `connection()`, so it suits an app running in the same
 * process that takes this connection. An app with its own pool commits through its own connections and
 * keeps every write: use `snapshot` for that.
 */
export class PostgresSavepointBackend implements StateBackend {
  readonly mechanism = 'savepoint'
  readonly parallelSafe = false
  readonly name: string
  readonly target: Target
  readonly #options: ResolvedOptions
  readonly #scope: Scope
  readonly #stack: CheckpointStack<{ savepoint: string; sequences: SequenceValues }>
  #client?: pg.Client
  #counter = 0
  #sequences: TrackedSequence[] = []
  #atConnect: SequenceValues = []

  constructor(options: ResolvedOptions) {
    this.#options = options
    this.target = describeTarget(options.url)
    this.name = options.name ?? `postgres:${this.target.database}`
    this.#scope = { schemas: options.schemas, tables: options.tables, exclude: options.exclude }
    this.#stack = new CheckpointStack(this.name)
  }

  get checkpoints(): string[] {
    return this.#stack.names
  }

  /** The one connection the app under test must use: everything else is out of reach of a rollback. */
  connection(): pg.Client {
    return this.#connected()
  }

  /** Run a statement on that connection, inside the run's transaction. */
  query<R extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.#connected().query<R>(text, params)
  }

  async connect(): Promise<void> {
    if (this.#client) return
    const client = await openClient(this.name, this.#options.url, this.#options.connectTimeoutMs, 'open the run transaction')
    try {
      await step(this.name, this.target, 'BEGIN', async () => {
        await client.query('BEGIN')
        this.#sequences = await findSequences(client, this.#scope, (await findTables(client, this.#scope)).tables)
        this.#atConnect = await readSequences(client, this.#sequences)
      })
    } catch (err) {
      await client.end().catch(() => {})
      throw err
    }
    this.#client = client
  }

  async checkpoint(name: string): Promise<void> {
    const client = this.#connected()
    const savepoint = `venomqa_${++this.#counter}`
    const sequences = await step(this.name, this.target, `checkpoint "${name}" (SAVEPOINT)`, async () => {
      await client.query(`SAVEPOINT ${ident(savepoint)}`)
      return readSequences(client, this.#sequences)
    })
    this.#stack.push(name, { savepoint, sequences })
  }

  async rollback(name: string): Promise<void> {
    const client = this.#connected()
    const { savepoint, sequences } = this.#stack.get(name)
    await step(this.name, this.target, `rollback to "${name}" (ROLLBACK TO SAVEPOINT)`, async () => {
      await client.query(`ROLLBACK TO SAVEPOINT ${ident(savepoint)}`)
      // Sequences are not transactional: without this, ids would go on from where the path left them.
      await client.query(setvalSql(sequences))
    })
    this.#stack.dropAfter(name)
  }

  async release(name: string): Promise<void> {
    if (!this.#client || !this.#stack.has(name)) return
    const { savepoint } = this.#stack.get(name)
    await step(this.name, this.target, `release "${name}" (RELEASE SAVEPOINT)`, () => this.#client!.query(`RELEASE SAVEPOINT ${ident(savepoint)}`))
    this.#stack.release(name)
  }

  /** Empty the tracked tables inside the run's transaction (undone by a rollback, and at disconnect). */
  async reset(): Promise<void> {
    const client = this.#connected()
    await step(this.name, this.target, 'reset', async () => {
      const { tables } = await findTables(client, this.#scope)
      if (tables.length) await client.query(truncateSql(tables, await findSequences(client, this.#scope, tables)))
    })
  }

  async observe(): Promise<Record<string, unknown>> {
    const client = this.#connected()
    return step(this.name, this.target, 'observe', async () => countRows(client, (await findTables(client, this.#scope)).tables))
  }

  /** Roll the run's transaction back: the database, sequences included, is left as it was before connect. */
  async disconnect(): Promise<void> {
    const client = this.#client
    if (!client) return
    this.#client = undefined
    this.#stack.clear()
    try {
      await step(this.name, this.target, 'ROLLBACK the run transaction', async () => {
        await client.query('ROLLBACK')
        await client.query(setvalSql(this.#atConnect))
      })
    } finally {
      await client.end().catch(() => {})
    }
  }

  /** True when the database answers. Never throws. */
  healthCheck(): Promise<boolean> {
    return databaseAnswers(this.name, this.#options.url, this.#options.connectTimeoutMs)
  }

  #connected(): pg.Client {
    return connectedClient(this.#client, this.name, this.target)
  }
}
