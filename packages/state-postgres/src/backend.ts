import { CheckpointStack, type ConfigError, type ConnectOptions, type OpenCheckpoint, type StateBackend, type StateError } from '@venomqa/core'
import type pg from 'pg'
import { type Scope, optionNamesMistake } from './catalog'
import { type Target, connectedClient, databaseAnswers, databaseProblem, describeTarget, openClient, step } from './connection'
import type { ResolvedOptions } from './options'

/**
 * A backend's name: the options' `name`, else `postgres:<database>`. The plugin declares its backend by it
 * before setup (Plugin.stateBackends), so the declared name and the registered one cannot differ.
 */
export function postgresBackendName(options: Pick<ResolvedOptions, 'name' | 'url'>): string {
  return options.name ?? `postgres:${describeTarget(options.url).database}`
}

/**
 * What the three PostgreSQL mechanisms share: the backend's own client and its guard, the health check,
 * and the checkpoint stack of `@venomqa/core`, which decides what a repeated name, a rollback to an older
 * checkpoint and a release do. A mechanism says only how to open its client, capture, restore and free a
 * checkpoint, and how to leave at disconnect.
 */
export abstract class PostgresBackend<T> implements StateBackend {
  abstract readonly mechanism: string
  readonly parallelSafe = false
  readonly name: string
  readonly target: Target
  protected readonly options: ResolvedOptions
  protected readonly scope: Scope
  protected readonly stack: CheckpointStack<T>
  #client?: pg.Client

  constructor(options: ResolvedOptions) {
    this.options = options
    this.target = describeTarget(options.url)
    this.name = postgresBackendName(options)
    this.scope = { schemas: options.schemas, tables: options.tables, exclude: options.exclude }
    this.stack = new CheckpointStack(this.name)
  }

  /**
   * Told what the backend found and put right on its own, which the run should say (the plugin gives its
   * logger's warn): the leftovers of an earlier run that died. A leftover cleaned without a word hid that
   * the earlier run's writes after its first checkpoint are still in the app's data.
   */
  onNotice: (message: string) => void = () => {}

  /** Names of the open checkpoints, oldest first. */
  get checkpoints(): string[] {
    return this.stack.names
  }

  /**
   * With `options.signal`: aborted while connecting, the socket is closed at once; aborted while the new
   * client is set up, the setup finishes and is undone as at a disconnect. Either way nothing is left, and
   * the connect rejects with the signal's reason.
   */
  async connect(options?: ConnectOptions): Promise<void> {
    if (this.#client) return
    const signal = options?.signal
    const { url, purpose } = this.connectsTo()
    const client = await openClient(this.name, url, this.options.connectTimeoutMs, purpose, signal)
    try {
      await this.prepare(client)
    } catch (err) {
      await client.end().catch(() => {})
      throw err
    }
    this.#client = client
    if (signal?.aborted) {
      await this.disconnect()
      throw signal.reason
    }
  }

  async checkpoint(name: string): Promise<void> {
    const client = this.connected()
    await this.stack.take(name, () => this.capture(client, name), (gone) => this.released(client, gone))
  }

  /**
   * A restore that went through but could not put everything back fails only once the stack has dropped
   * the checkpoints taken after this one, as a successful rollback does (and as state-mysql's savepoint
   * rollback does): the rollback destroyed what they held (a savepoint) either way, and a later release or
   * rollback of one of them must say it is not open, not fail on a savepoint PostgreSQL no longer has.
   */
  async rollback(name: string): Promise<void> {
    const rolling = this.#rollback(name)
    const settled = rolling.then(
      () => {},
      () => {},
    )
    this.#rollingBack = settled
    try {
      await rolling
    } finally {
      if (this.#rollingBack === settled) this.#rollingBack = undefined
    }
  }

  async #rollback(name: string): Promise<void> {
    const client = this.connected()
    let notRestored: StateError | undefined | void
    await this.stack.rollback(
      name,
      async (data) => {
        notRestored = await this.restore(client, name, data)
      },
      (gone) => this.dropped(client, gone),
    )
    if (notRestored) throw notRestored
  }

  /** The rollback under way, settled either way: what a quit's letGo waits for (see the mechanisms'). */
  #rollingBack?: Promise<void>

  /** Settles once no rollback is under way (at once when none is); never rejects. */
  protected rollbackUnderWay(): Promise<void> {
    return this.#rollingBack ?? Promise.resolve()
  }

  /** Nothing is open once disconnected, so a release then has nothing to do. */
  async release(name: string): Promise<void> {
    await this.stack.release(name, (gone) => this.released(this.connected(), gone))
  }

  async disconnect(): Promise<void> {
    const client = this.#client
    if (!client) return
    this.#client = undefined
    try {
      await this.leave(client, this.stack.clear())
    } finally {
      await client.end().catch(() => {})
    }
  }

  /** True when the database answers. Never throws. */
  healthCheck(): Promise<boolean> {
    return databaseAnswers(this.name, this.options.url, this.options.connectTimeoutMs)
  }

  /**
   * `true` when the database answers, else why not: the plugin's health check for `venomqa doctor`. A name
   * of `schemas`, `tables` or `exclude` the database has nothing of is thrown, as connect throws it.
   */
  async healthReport(): Promise<true | string> {
    const check = async (client: pg.Client) => {
      const mistake = await this.optionNamesMistake(client)
      if (mistake) throw mistake
      return this.healthProblem(client)
    }
    return (await databaseProblem(this.name, this.options.url, this.options.connectTimeoutMs, check)) ?? true
  }

  /** What else keeps the mechanism from working on the database `client` is on, for `venomqa doctor`. */
  protected async healthProblem(_client: pg.Client): Promise<string | undefined> {
    return undefined
  }

  /** The first name of `schemas`, `tables` or `exclude` that the database (`client`'s) has nothing of, as a ConfigError at its key. */
  protected optionNamesMistake(client: pg.ClientBase): Promise<ConfigError | undefined> {
    return optionNamesMistake(client, this.name, this.scope, `database "${this.target.database}"`)
  }

  /** The backend's own client, or a StateError saying connect() has not run. */
  protected connected(): pg.Client {
    return connectedClient(this.#client, this.name, this.target)
  }

  /** Run `fn`; an error becomes a StateError that says what was being done where. */
  protected step<R>(doing: string, fn: () => Promise<R>): Promise<R> {
    return step(this.name, this.target, doing, fn, this.#client)
  }

  /** Where the backend's client connects, and what for (said when it cannot). */
  protected abstract connectsTo(): { url: string; purpose: string }
  /** Set the new client up; on failure connect() closes it. */
  protected abstract prepare(client: pg.Client): Promise<void>
  /** Save the state as it is now. */
  protected abstract capture(client: pg.Client, name: string): Promise<T>
  /**
   * Put the state back as `data` saved it. A failure that leaves the state unknown is thrown: the stack
   * then drops nothing. What the restore did but could not make whole (rows another connection committed)
   * is returned instead, for rollback() to throw once the stack has settled.
   */
  protected abstract restore(client: pg.Client, name: string, data: T): Promise<StateError | undefined | void>
  /** Checkpoints released, or replaced by a checkpoint of the same name: free what they hold. */
  protected async released(_client: pg.Client, _gone: OpenCheckpoint<T>[]): Promise<void> {}
  /** Checkpoints a rollback dropped (taken after the one restored): free what they hold. */
  protected async dropped(_client: pg.Client, _gone: OpenCheckpoint<T>[]): Promise<void> {}
  /** Disconnect: undo what the backend set up; `open` are the checkpoints still open, oldest first. */
  protected abstract leave(client: pg.Client, open: OpenCheckpoint<T>[]): Promise<void>
}
