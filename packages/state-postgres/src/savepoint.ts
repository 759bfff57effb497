import { type OpenCheckpoint, StateError } from '@venomqa/core'
import type pg from 'pg'
import { type TrackedSequence, findSequences, findTables } from './catalog'
import { PostgresBackend } from './backend'
import { type SequenceValues, countRows, readSequences, sequencesWithRowsSince, setvalSql, truncateSql } from './common'
import { ident } from './sql'

/** What a rollback that found rows committed through the app's own connections advises. */
const OWN_CONNECTIONS_SUGGESTION =
  "The app writes through connections of its own, which a savepoint cannot undo: remove `mechanism: 'savepoint'` from this plugin's options (the snapshot mechanism, the default, restores what any connection wrote), or have the app take its connection from this backend (`connection()`)."

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
  /** Its one transaction ends with its session: nothing stays. */
  readonly leftWhenQuit = false
  #counter = 0
  #sequences: TrackedSequence[] = []
  #atConnect: SequenceValues = []
  /** The app's view of the backend's client (see #appClient), and the client it was made for. */
  #app?: { client: pg.Client; view: pg.Client }
  /** App statements and the backend's own work, one at a time (see #exclusive). */
  #queue: Promise<unknown> = Promise.resolve()

  /**
   * The one connection the app under test must use: everything else is out of reach of a rollback. Each
   * statement it runs is guarded by a savepoint of its own (see #guarded).
   */
  connection(): pg.Client {
    const client = this.connected()
    if (this.#app?.client !== client) this.#app = { client, view: this.#appClient(client) }
    return this.#app.view
  }

  /** Run a statement on that connection, inside the run's transaction. */
  query<R extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.connection().query<R>(text, params)
  }

  /**
   * The backend's client as the app sees it: the same client, whose query() runs each statement under a
   * savepoint of its own, rolled back if the statement fails (what psql's ON_ERROR_ROLLBACK does). Why: the
   * whole run is one transaction, which this mechanism owns, and in PostgreSQL one failed statement aborts
   * a transaction. An app that turns a unique violation into a 409 (a step that expects that) left every
   * later statement of the run, and the next checkpoint, failing with "current transaction is aborted".
   * Statements that manage transactions or savepoints themselves, and submittables (cursors, streams), go
   * through as they are.
   */
  #appClient(client: pg.Client): pg.Client {
    const bound = new Map<PropertyKey, unknown>()
    const query = (...args: unknown[]): unknown => {
      const last = args[args.length - 1]
      const callback = typeof last === 'function' ? (last as (err: unknown, res?: unknown) => void) : undefined
      const queryArgs = callback ? args.slice(0, -1) : args
      const config = queryArgs[0] as { text?: unknown; submit?: unknown } | string | undefined
      if (config && typeof config === 'object' && typeof config.submit === 'function') return (client.query as (...a: unknown[]) => unknown)(...args)
      const text = typeof config === 'string' ? config : config?.text
      const run = (client.query as (...a: unknown[]) => Promise<unknown>).bind(client)
      const done = this.#exclusive(() => (typeof text === 'string' && !TRANSACTION_CONTROL.test(stripLeadingComments(text)) ? guarded(client, () => run(...queryArgs)) : run(...queryArgs)))
      if (!callback) return done
      done.then((res) => callback(null, res), (err) => callback(err))
      return undefined
    }
    return new Proxy(client, {
      get(target, prop) {
        if (prop === 'query') return query
        const value = Reflect.get(target, prop, target)
        if (typeof value !== 'function') return value
        if (!bound.has(prop)) bound.set(prop, value.bind(target))
        return bound.get(prop)
      },
    })
  }

  /**
   * Run `fn` once everything queued before it has finished. An app statement's savepoint, the statement and
   * the release must follow each other on the connection: a checkpoint's SAVEPOINT in between would be
   * released with the statement's.
   */
  #exclusive<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => {})
    return run
  }

  protected connectsTo() {
    return { url: this.options.url, purpose: 'open the run transaction' }
  }

  protected async prepare(client: pg.Client): Promise<void> {
    await this.step('BEGIN', async () => {
      const mistake = await this.optionNamesMistake(client)
      if (mistake) throw mistake
      await client.query('BEGIN')
      this.#sequences = await findSequences(client, this.scope, (await findTables(client, this.scope)).tables)
      this.#atConnect = await readSequences(client, this.#sequences)
    })
  }

  protected capture(client: pg.Client, name: string): Promise<Savepoint> {
    const savepoint = `venomqa_${++this.#counter}`
    return this.#exclusive(() => this.#capture(client, name, savepoint))
  }

  #capture(client: pg.Client, name: string, savepoint: string): Promise<Savepoint> {
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
    return this.#exclusive(() => this.#restore(client, name, savepoint, sequences))
  }

  #restore(client: pg.Client, name: string, savepoint: string, sequences: SequenceValues): Promise<StateError | undefined> {
    return this.step(`rollback to "${name}" (ROLLBACK TO SAVEPOINT)`, async () => {
      await client.query(`ROLLBACK TO SAVEPOINT ${ident(savepoint)}`)
      // Sequences are not transactional: without this, ids would go on from where the path left them.
      return this.#putSequencesBack(client, sequences, `the rollback to "${name}"`)
    })
  }

  /** Releasing the oldest savepoint releases the later ones with it. */
  protected async released(client: pg.Client, gone: OpenCheckpoint<Savepoint>[]): Promise<void> {
    const [first] = gone
    await this.#exclusive(() => this.step(`release "${first!.name}" (RELEASE SAVEPOINT)`, () => client.query(`RELEASE SAVEPOINT ${ident(first!.data.savepoint)}`)))
  }

  /** Roll the run's transaction back: the database, sequences included, is left as it was before connect. */
  protected async leave(client: pg.Client): Promise<void> {
    this.#app = undefined
    await this.#exclusive(() => this.#leave(client))
  }

  #leave(client: pg.Client): Promise<void> {
    return this.step('ROLLBACK the run transaction', async () => {
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
      // The state's kind would advise checking the connection, which works: the mechanism is what to change.
      { suggestion: OWN_CONNECTIONS_SUGGESTION },
    )
  }

  /** Empty the tracked tables inside the run's transaction (undone by a rollback, and at disconnect). */
  async reset(): Promise<void> {
    const client = this.connected()
    await this.#exclusive(() => this.step('reset', async () => {
      const { tables } = await findTables(client, this.scope)
      if (tables.length) await client.query(truncateSql(tables, await findSequences(client, this.scope, tables)))
    }))
  }

  async observe(): Promise<Record<string, unknown>> {
    const client = this.connected()
    return this.#exclusive(() => this.step('observe', async () => countRows(client, (await findTables(client, this.scope)).tables)))
  }
}

/** The savepoint that guards one app statement; never one of the checkpoints' (`venomqa_<n>`). */
const STATEMENT_SAVEPOINT = ident('venomqa_statement')

/** Statements that begin, end or mark transactions themselves: a savepoint around them would change what they do. */
const TRANSACTION_CONTROL = /^(begin|start|commit|end|rollback|abort|savepoint|release|prepare\s+transaction)\b/i

/** `text` without the whitespace and comments before its first keyword. */
function stripLeadingComments(text: string): string {
  let rest = text
  for (;;) {
    const trimmed = rest.replace(/^[\s;]+/, '')
    if (trimmed.startsWith('--')) {
      const eol = trimmed.indexOf('\n')
      rest = eol < 0 ? '' : trimmed.slice(eol + 1)
    } else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/')
      rest = end < 0 ? '' : trimmed.slice(end + 2)
    } else return trimmed
  }
}

/**
 * Run one app statement under its own savepoint: released when it succeeds, rolled back to (then released)
 * when it fails, so that the failure ends the statement and not the run's transaction. The SAVEPOINT and
 * the statement are queued together (one statement at a time on a client anyway). If the SAVEPOINT fails
 * (the transaction is already aborted, or the app ended it), the statement runs as it would have without.
 */
async function guarded<R>(client: pg.Client, run: () => Promise<R>): Promise<R> {
  const savepoint = client.query(`SAVEPOINT ${STATEMENT_SAVEPOINT}`)
  const statement = run()
  statement.catch(() => {}) // awaited below, after the savepoint's outcome
  const isGuarded = await savepoint.then(
    () => true,
    () => false,
  )
  let result: R
  try {
    result = await statement
  } catch (err) {
    if (isGuarded) await client.query(`ROLLBACK TO SAVEPOINT ${STATEMENT_SAVEPOINT}; RELEASE SAVEPOINT ${STATEMENT_SAVEPOINT}`)
    throw err
  }
  if (isGuarded) await client.query(`RELEASE SAVEPOINT ${STATEMENT_SAVEPOINT}`)
  return result
}
