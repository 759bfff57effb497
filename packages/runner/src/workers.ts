import { AbortedError, ConfigError, appStartProgress, plural, type MainSystem, type Ports, type StateBackend, TimeoutError, errorMessage, workerLeftBehind } from '@venomqa/core'
import type { ConnectionPool } from './http/connection-pool'
import type { Lane, WorkerLane } from './executor'
import { type TokenStore, RunnerHttpClient } from './http-client'
import type { DetachedRequests } from './http/detached'
import { AbandonedWork } from './abandoned-work'
import { BackendConnects, connectFailure } from './backend-connects'
import { untilStepStops } from './http/detached'
import type { HttpClientOptions, WorkerResources, WorkerSetup } from './types'
import { AppWatch } from './worker-app'
import { type StateCalls, laneWorld } from './world'

interface Made {
  baseUrl: string
  backends: StateBackend[]
  ports: Ports
  close?: () => void | Promise<void>
  /** The worker's app, watched when its setup says when it ends (WorkerResources.exited). */
  app?: AppWatch
}

export interface WorkerPoolOptions {
  setup?: WorkerSetup
  /** Worker 0: the run's own base URL and ports. */
  mainBaseUrl: string
  mainPorts: Map<string, unknown>
  /** Worker 0's state backends, for setups that copy them (in-memory state) or check they copy them all. */
  mainBackends: readonly StateBackend[]
  makePorts: (map: Map<string, unknown>) => Ports
  pool: () => ConnectionPool
  tokens: TokenStore
  detached: DetachedRequests
  http: Omit<HttpClientOptions, 'baseUrl'>
  /** The run's: the setup's calls and the workers' backend calls are bounded by its timeout (pluginTimeout). */
  calls: StateCalls
}

/**
 * The extra workers of a run, made on first use and kept until the run's runner closes. Without a
 * setup, workers share worker 0's app and only get their own context: that is allowed only when every
 * state backend is parallel-safe (see the refusal in Runner.run).
 *
 * The setup's calls (create, sync, close) and the workers' backends' connect and disconnect are bounded by
 * the run's pluginTimeout. A worker whose create, backend connect or sync timed out is given up for the rest
 * of the run (see `unusable`): that call may still be running, so the worker's system is in no known state,
 * and asking again would wait the whole timeout each time. A backend whose connect timed out is disconnected
 * if that connect finishes after all, as the run's own backends are (see BackendConnects). A create that
 * timed out is told to stop through its signal, and undoes what it made (or, ignoring the signal, what it
 * makes after all is closed); `close()` waits for both, as long as one call may take.
 *
 * A worker that could not be made (its create threw, its backends could not connect) is given up as well:
 * the journey that asked for it fails saying why, and the other workers take the journeys left.
 *
 * A worker whose app ends on its own (WorkerResources.exited settles before the run closes it) is given up
 * too: the journey running on it stops, saying how the app ended (see AppWatch), and the others take the
 * journeys left.
 */
export class WorkerPool {
  readonly #o: WorkerPoolOptions
  readonly #made = new Map<number, Promise<Made>>()
  /** Workers made, by index, once made: what the runner looks at between journeys. */
  readonly #ready = new Map<number, Made>()
  /** Workers given up, by index: why, as an error every later use of the worker rejects with. */
  readonly #givenUp = new Map<number, WorkerGivenUp>()
  readonly #connects: BackendConnects
  readonly #lateCreates: AbandonedWork<number>
  /** The state backends the workers' setups gave, as each create returned them, with their worker's index (see stateBackends). */
  readonly #given = new Map<StateBackend, number>()

  constructor(options: WorkerPoolOptions) {
    this.#o = options
    this.#connects = new BackendConnects(options.calls)
    this.#lateCreates = new AbandonedWork(options.calls)
  }

  /**
   * Worker `index`, made on first use. `signal` is the run's: when it aborts while the worker is being made
   * (Ctrl-C), the run stops waiting at once and the create is told to stop, as at the timeout.
   */
  resources(index: number, signal?: AbortSignal): Promise<Made> {
    const givenUp = this.#givenUp.get(index)
    if (givenUp) return Promise.reject(givenUp)
    let made = this.#made.get(index)
    if (!made) {
      if (signal?.aborted) return Promise.reject(signal.reason)
      made = this.#create(index, signal)
      this.#made.set(index, made)
      made.then(
        (m) => this.#ready.set(index, m),
        (err) => {
          this.#made.delete(index)
          // Not asked again: a setup that failed fails the same way for every journey it would be given (a
          // wrong command, a database it cannot make), and each try started an app and made a database for
          // nothing, the same error told once per journey. The other workers take the journeys left.
          if (!signal?.aborted) this.#giveUp(index, errorMessage(err), err)
        },
      )
    }
    return made
  }

  /**
   * Why worker `index` runs nothing more in this run, or undefined: a setup call on it timed out, or one of
   * its state backends was abandoned (see StateCalls).
   */
  unusable(index: number, inRun = true): string | undefined {
    const givenUp = this.#givenUp.get(index)
    if (givenUp) return inRun ? givenUp.message : givenUp.reason
    const made = this.#ready.get(index)
    return made && this.#o.calls.unusableAmong(made.backends)
  }

  /**
   * Every state backend a worker's setup gave in this run, connected or not, closed or not: what a quit run
   * asks to let go (StateBackend.letGo), as it asks the run's own.
   */
  stateBackends(): { worker: number; backend: StateBackend }[] {
    return [...this.#given].map(([backend, worker]) => ({ worker, backend }))
  }

  /**
   * The state backends of the workers made in this run (given up since or not), by worker: what the run's
   * result lists after the run's own (RunResult.backends). A worker never made ran nothing on its backends.
   */
  madeBackends(): { worker: number; backend: StateBackend }[] {
    return [...this.#ready]
      .sort(([a], [b]) => a - b)
      .flatMap(([worker, made]) => made.backends.map((backend) => ({ worker, backend })))
  }

  /** Whether worker `index` was made in this run (it may have been given up since). */
  wasMade(index: number): boolean {
    return this.#ready.has(index)
  }

  /**
   * Give worker `index` up, `why` (a timeout of its setup, its app's end, a create that failed): the error
   * its later uses get says so. The first reason stays: a later one is a consequence of it.
   */
  #giveUp(index: number, why: string, cause?: unknown, also = ''): Error {
    const earlier = this.#givenUp.get(index)
    if (earlier) return earlier
    const givenUp = new WorkerGivenUp(index, `${why}${also}`, `${why}; worker ${index} is not used again in this run${also}`, cause)
    this.#givenUp.set(index, givenUp)
    return givenUp
  }

  /** Give worker `index` up after `err`, a timeout of its setup; `also` is said after the reason. */
  #giveUpAtTimeout(index: number, err: TimeoutError, also = ''): Error {
    return this.#giveUp(index, `${errorMessage(err)} (pluginTimeout)`, err, also)
  }

  async #create(index: number, signal?: AbortSignal): Promise<Made> {
    const { setup, calls } = this.#o
    if (!setup) return { baseUrl: this.#o.mainBaseUrl, backends: [], ports: this.#o.makePorts(this.#o.mainPorts) }
    const label = `workerSetup.create(${index})`
    // Aborted when the run gives the create up: it stops what it is starting and undoes what it made.
    const giveUp = new AbortController()
    // Ctrl-C while the app starts: it is stopped now, not once it is ready (or at the timeout).
    const stopWithRun = () => giveUp.abort(new AbortedError(`${label} was given up: the run was interrupted`))
    signal?.addEventListener('abort', stopWithRun, { once: true })
    let res: WorkerResources
    let creating: Promise<WorkerResources> | undefined
    try {
      const call = calls.call(label, () => (creating = setup.create(index, this.#main(), giveUp.signal)))
      res = await (signal ? untilStepStops(call, signal, (left) => void left.catch(() => {})) : call)
    } catch (err) {
      if (signal?.aborted && err === signal.reason) {
        // Nothing will use what it makes: close() waits for it to undo what it made, or closes it once made.
        if (creating) this.#closeWhenCreated(index, creating, 'when the run was interrupted')
        throw err
      }
      if (!(err instanceof TimeoutError)) throw new Error(`${label} failed: ${errorMessage(err)}`, { cause: err })
      // An app that never writes its ready line, told from a slow one (startAppProcess says which).
      const progress = appStartProgress(giveUp.signal)
      // Nothing will use what it makes: stopped now rather than left to finish. close() waits for the undo.
      giveUp.abort(new AbortedError(`${label} was given up at pluginTimeout: the run stopped waiting for it`))
      if (creating) this.#closeWhenCreated(index, creating, 'at the timeout')
      throw this.#giveUpAtTimeout(index, err, progress ? `; ${progress}` : '')
    } finally {
      signal?.removeEventListener('abort', stopWithRun)
    }
    if (!res || typeof res !== 'object' || (res.baseUrl !== undefined && typeof res.baseUrl !== 'string'))
      throw new Error(`${label} must return { baseUrl?, stateBackends?, ports?, close?, exited? }`)
    const exited = res.exited
    // Watched from now on: an app that ends while its backends connect is as gone as one that ends later.
    const app =
      res.baseUrl !== undefined && exited && typeof (exited as { then?: unknown }).then === 'function'
        ? new AppWatch(index, res.baseUrl, exited, () => this.#appGone(index, app!))
        : undefined
    const backends = res.stateBackends ?? []
    for (const b of backends) this.#given.set(b, index)
    try {
      refuseSharedBackends(index, backends, this.#o.mainBackends)
    } catch (err) {
      // Refused, the worker is not made: what its setup started is stopped, and the worker given up (see resources).
      await this.#undo(index, [], { close: res.close?.bind(res), app })
      throw err
    }
    await this.#connect(index, backends, { close: res.close?.bind(res), app })
    const ports = new Map(this.#o.mainPorts)
    for (const [k, v] of Object.entries(res.ports ?? {})) ports.set(k, v)
    return { baseUrl: res.baseUrl ?? this.#o.mainBaseUrl, backends, ports: this.#o.makePorts(ports), close: res.close?.bind(res), ...(app ? { app } : {}) }
  }

  /**
   * Worker `index`'s app ended on its own: the worker is given up, as after a timeout of its setup. The
   * journey running on it hears it from the app's watch (see JourneyExecution), the journeys after it from
   * `unusable` and `resources`.
   */
  #appGone(index: number, app: AppWatch): void {
    this.#giveUp(index, app.gone()!, undefined, app.lastLines())
  }

  /**
   * What a create abandoned at the timeout makes after all (an app started, a database created) has no
   * worker to belong to: closed as soon as it is made, or it would outlive the run. `close()` waits for
   * that; what was not closed, or what a late failing create could not undo, is a problem it reports.
   */
  #closeWhenCreated(index: number, creating: Promise<WorkerResources>, when: string): void {
    const label = `workerSetup.create(${index})`
    const close = async (late: WorkerResources | undefined): Promise<string | undefined> => {
      if (typeof late?.close !== 'function') return undefined
      try {
        await this.#o.calls.call(`worker ${index}: close, after its create was abandoned`, () => late.close?.())
        return undefined
      } catch (err) {
        const why = err instanceof TimeoutError ? `${errorMessage(err)} (pluginTimeout)` : errorMessage(err)
        return `${label} finished after it was abandoned, and closing what it made failed, so it may still be running (an app, a database): ${why}`
      }
    }
    const failed = (err: unknown): string | undefined => {
      const left = workerLeftBehind(err)
      return left ? `${label} failed after it was abandoned: ${errorMessage(err)}` : undefined
    }
    this.#lateCreates.add({
      item: index,
      waitingFor: `${label}, abandoned ${when} and told to stop, to undo or close what it made (its app, its database)`,
      call: `${label}, abandoned`,
      still: `${label} was still running when the run closed, after it was abandoned ${when} and told to stop (its signal): what it makes (an app, a database) is closed if it finishes, but stays if the process ends first`,
      done: Promise.resolve(creating).then(close, failed),
    })
  }

  /** What `close()` will wait for: the creates and the backend connects abandoned that have not finished yet. */
  stillSettling(): string[] {
    return [...this.#lateCreates.stillRunning(), ...this.#connects.stillConnecting()]
  }

  /**
   * Connect worker `index`'s backends. When one fails or times out, the worker is not made: the backends
   * connected before it are disconnected and what the setup made is closed, or the app and database it
   * started for this worker would be left running.
   */
  async #connect(index: number, backends: readonly StateBackend[], made: Undoable): Promise<void> {
    const connected: StateBackend[] = []
    for (const b of backends) {
      const label = `worker ${index}: state backend "${b.name}"`
      try {
        await this.#connects.connect(b, label)
        connected.push(b)
      } catch (err) {
        const undone = await this.#undo(index, connected, made)
        const also = undone.length ? ` (and undoing the worker failed: ${undone.join('; ')})` : ''
        if (err instanceof TimeoutError) throw this.#giveUpAtTimeout(index, err, also)
        throw new Error(`${connectFailure(label, b, err)}${also}`, { cause: err })
      }
    }
  }

  /** Disconnect `backends` of worker `index`, then close what its setup made: the errors, each bounded by the timeout. */
  async #undo(index: number, backends: readonly StateBackend[], made: Undoable): Promise<string[]> {
    // Its app ending from here on is the close's doing, not a crash.
    made.app?.closing()
    const errors: string[] = []
    const attempt = async (label: string, fn: () => void | Promise<void>) => {
      try {
        await this.#o.calls.call(label, fn)
      } catch (err) {
        // A timeout already names what it waited for.
        errors.push(err instanceof TimeoutError ? `${errorMessage(err)} (pluginTimeout)` : `${label} failed: ${errorMessage(err)}`)
      }
    }
    for (const b of backends) await attempt(`worker ${index}: state backend "${b.name}" disconnect`, () => b.disconnect())
    if (made.close) await attempt(`worker ${index}: close`, () => made.close?.())
    return errors
  }

  #main(): MainSystem {
    return { baseUrl: this.#o.mainBaseUrl, ports: this.#o.mainPorts, stateBackends: this.#o.mainBackends }
  }

  /** A fresh lane on worker `index` for one journey: its own World, context and HTTP client, and its app's watch. */
  async lane(index: number, baseUrlOverride?: string, signal?: AbortSignal): Promise<Lane> {
    const made = await this.resources(index, signal)
    const http = new RunnerHttpClient({ ...this.#o.http, baseUrl: baseUrlOverride ?? made.baseUrl }, { pool: this.#o.pool(), tokens: this.#o.tokens, detached: this.#o.detached })
    const world = laneWorld(made.backends, http, this.#o.calls)
    return { index, world, http, ports: made.ports, ...(made.app ? { app: made.app } : {}) }
  }

  /** Lanes 1..count, for an exploration shared among workers; `baseUrl`, the journey's own, wins there too. */
  workerLanes(count: number, journey: string, baseUrl?: string, signal?: AbortSignal): Promise<WorkerLane[]> {
    return this.#lanesOf(workerIndexes(count), journey, baseUrl, signal)
  }

  /**
   * Lanes for the parallel paths of one journey's branch: workers 1..count, less those out of use (see
   * `unusable`: their app ended, a call of their setup timed out, a backend was abandoned). The paths then
   * run on the workers still in use and the main line, as the journeys left go to the other workers, rather
   * than the branch failing for a worker it can do without. With none of them in use, they are asked all the
   * same, and the branch fails with the reason.
   */
  branchLanes(count: number, journey: string, baseUrl?: string, signal?: AbortSignal): Promise<WorkerLane[]> {
    const all = workerIndexes(count)
    const inUse = all.filter((i) => this.unusable(i) === undefined)
    return this.#lanesOf(inUse.length ? inUse : all, journey, baseUrl, signal)
  }

  async #lanesOf(indexes: readonly number[], journey: string, baseUrl?: string, signal?: AbortSignal): Promise<WorkerLane[]> {
    // Workers are made at once: each may start an app process, create a database, start a server.
    const made = await Promise.allSettled(indexes.map((i) => this.resources(i, signal)))
    const failed = made.find((r) => r.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
    const out: WorkerLane[] = []
    for (const i of indexes) {
      const lane = await this.lane(i, baseUrl)
      out.push({
        ...lane,
        sync: async (checkpoint: string, main: Lane) => {
          const ctx = main.world.contextAt(checkpoint)
          const extras = main.world.extrasAt(checkpoint)
          if (!ctx || !extras) throw new Error(`the main line has no open checkpoint "${checkpoint}"`)
          await lane.world.releaseAll()
          const { setup } = this.#o
          if (setup?.sync) {
            const label = `workerSetup.sync(${i}) to checkpoint "${checkpoint}"`
            await this.#o.calls.call(label, () => setup.sync?.(i, { checkpoint, journey, main: this.#main() })).catch((err: unknown) => {
              // Still copying, maybe, into a worker the next branch would sync again: given up, as after a create.
              throw err instanceof TimeoutError ? this.#giveUpAtTimeout(i, err) : err
            })
          }
          lane.world.ctx.restore(ctx)
          lane.http.restoreHeaders(extras[0] as Record<string, string>)
          await lane.world.checkpoint(checkpoint)
        },
      })
    }
    return out
  }

  /**
   * Close every worker, all at once: each has its own app and resources, and stopping an app takes a
   * while (one after another, a run's end waited for each in turn). The errors, by worker, the last made
   * first, then those of backends whose abandoned connect was waited for meanwhile (see BackendConnects),
   * then those of abandoned creates (see #closeWhenCreated).
   */
  async close(): Promise<string[]> {
    const closing = [...this.#made].reverse().map(async ([index, made]) => {
      let m: Made
      try {
        m = await made
      } catch (err) {
        return [`worker ${index}: ${errorMessage(err)}`]
      }
      return this.#undo(index, m.backends, m)
    })
    const [closed, late, lateCreates] = await Promise.all([Promise.all(closing), this.#connects.settleAbandoned(), this.#lateCreates.settle()])
    const errors = [...closed.flat(), ...[...late, ...lateCreates].map((l) => l.problem)]
    this.#made.clear()
    this.#ready.clear()
    this.#givenUp.clear()
    // Disconnected and closed: nothing of theirs is left for a quit to let go.
    this.#given.clear()
    return errors
  }
}

/** What undoing a worker closes: what its setup made, and its app's watch, told the app's end is expected. */
interface Undoable {
  close?: () => void | Promise<void>
  app?: AppWatch
}

/**
 * A worker with fewer state backends than the run has of those that cannot be shared would run its paths
 * on the run's own database at the same time as the others: each path would see the others' writes and
 * no rollback would keep them apart. The ready-made setups refuse this when composed (see composeWorkers);
 * this is the same rule for a setup written by hand.
 */
function refuseSharedBackends(index: number, own: readonly StateBackend[], main: readonly StateBackend[]): void {
  // The other half-isolation: worker 0 is the run's own system, and would run its journeys with no rollback
  // while the others roll theirs back (a worker setup used without the state plugin of the main system).
  if (!main.length && own.length)
    throw new ConfigError(
      `workerSetup.create(${index}) gave ${describeBackends(own)}, but the run has no state backend: worker 0 runs on the run's own system, and its journeys would get no rollback while the other workers' do. ` +
        'Register the main system\'s state backend too (its plugin, such as @venomqa/state-postgres, or createRunner({ stateBackends })), or give the workers none',
      { where: 'workerSetup' },
    )
  const unshareable = main.filter((b) => !b.parallelSafe)
  if (own.length >= unshareable.length) return
  const names = unshareable.map(backendName).join(', ')
  throw new ConfigError(
    `workerSetup.create(${index}) gave ${plural(own.length, 'state backend')} for the run's ${unshareable.length} that cannot be shared (${names}): ` +
      "each worker needs its own copy of each, with its own app, or paths running at once would see each other's writes. Return them as stateBackends, or use the ready-made setups (see docs/parallel.md)",
    { where: 'workerSetup' },
  )
}

/** Workers 1..count: worker 0 is the main line. */
const workerIndexes = (count: number) => Array.from({ length: count }, (_, k) => k + 1)

const backendName = (b: StateBackend) => `"${b.name}" (${b.mechanism})`

/** `1 state backend ("pg" (snapshot))`, `2 state backends (...)`. */
function describeBackends(backends: readonly StateBackend[]): string {
  return `${plural(backends.length, 'state backend')} (${backends.map(backendName).join(', ')})`
}

/**
 * Why a worker was given up, as a run tells it (`message`: "...; worker 2 is not used again in this run")
 * and as the reason alone (`reason`), for a check that makes a worker outside of a run (`venomqa doctor`).
 */
export class WorkerGivenUp extends Error {
  constructor(
    readonly worker: number,
    readonly reason: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause })
    this.name = 'Error'
  }
}
