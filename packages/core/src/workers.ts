/**
 * Workers for parallel paths: what a `workerSetup` is, and the parts it can be composed of. A worker is a
 * system of its own (an app instance, its database, its Redis DB, its mail catcher...), synced to the main
 * line's checkpoint before it runs paths. Each package that knows a service gives a part for it
 * (`postgresWorkers`, `redisWorkers`, ...); `composeWorkers` joins the parts of one system and starts one
 * app per worker with every part's resources. See docs/parallel.md.
 */
import { AbortedError, ConfigError, VenomError, errorMessage } from './errors'
import type { StateBackend } from './ports'

/** What a worker setup learns about worker 0: the run's own app, ports and state backends. */
export interface MainSystem {
  /** The run's base URL. */
  readonly baseUrl: string
  /** The run's ports by name (plugins' and the runner option's). */
  readonly ports: ReadonlyMap<string, unknown>
  /** The run's own state backends. */
  readonly stateBackends: readonly StateBackend[]
}

export interface WorkerSyncInfo {
  /** The checkpoint worker 0 stands at. */
  checkpoint: string
  journey: string
  main: MainSystem
}

/** What one worker has for itself: an app instance (base URL) and the state backends of its system. */
export interface WorkerResources {
  /**
   * The worker's app. Left out, the worker sends its requests to the run's own app: only right when all
   * the state its paths touch is in the worker's own backends and ports (in-memory ports, for instance).
   */
  baseUrl?: string
  stateBackends?: StateBackend[]
  /** Ports of this worker's side services; the run's ports are used for names it does not give. */
  ports?: Record<string, unknown>
  /** Stop what `create` started. */
  close?(): void | Promise<void>
  /**
   * Settles when the worker's app process ends (see WorkerApp.exited). Ending before the run closes the
   * worker, it is a crash: the worker takes no more journeys, and the journey running on it stops, saying so.
   */
  exited?: Promise<WorkerAppExit | undefined>
}

/** How a worker's app process ended: what the run says when it ends on its own. */
export interface WorkerAppExit {
  /** Its exit code, or null when a signal ended it. */
  code?: number | null
  /** The signal that ended it (`SIGKILL`), or null. */
  signal?: string | null
  /** The last lines it wrote to stderr, when they were captured (redacted before they are shown). */
  stderr?: readonly string[]
  /**
   * The last lines it wrote to stdout, when they were captured (redacted before they are shown): where an
   * app that logs to stdout only (pino's default) says why it ended.
   */
  stdout?: readonly string[]
}

/**
 * Isolation by workers: each worker has its own World. Worker 0 is the run's own base URL and backends;
 * `create` makes workers 1, 2, ... (e.g. one app process per worker, each with its own database).
 */
export interface WorkerSetup {
  /**
   * Called once per run for each extra worker, when first needed. `signal` aborts when the run gives this
   * create up (it ran past pluginTimeout, or the run closes while it still runs): stop what is being
   * started, undo what was made (the app, the database), then reject. The run's close waits for that, as
   * long as one pluginTimeout; what a create that ignores it makes after all is closed when it resolves.
   */
  create(index: number, main: MainSystem, signal?: AbortSignal): Promise<WorkerResources>
  /**
   * Make worker `index`'s system equal to worker 0's, which stands at `checkpoint` right now. Called before
   * the worker runs paths of a parallel branch, after its own checkpoints were released; its state backends
   * stay connected and take a fresh checkpoint right after.
   * Not needed for parallel journeys (`workers`), which each start from their worker's own state.
   */
  sync?(index: number, info: WorkerSyncInfo): Promise<void>
  /**
   * Throw (a ConfigError naming the key) when the setup cannot make a worker for a mistake in the config:
   * an option missing (`postgresWorkers` without its `url`), a state backend of the run it cannot copy, a
   * part that needs an app and was given none. Asked once, before the run's first journey, by a run that
   * may make workers (`workers` or `parallelPaths` above 1): the mistake is then refused as every config
   * mistake is (exit 2), with nothing run, rather than failing the journeys given to a worker. It must not
   * touch the system: a database it cannot reach is no config mistake, and is the create's to report.
   */
  validate?(main: MainSystem): void
}

/** An app instance a worker setup started: its base URL, and how to stop it. */
export interface WorkerApp {
  baseUrl: string
  close?(): void | Promise<void>
  /**
   * Settles when the app's process ends, with its exit code or signal and its last stderr and stdout lines
   * (`startAppProcess` gives it). With it, an app that ends on its own before the run closes it is told
   * as such: its worker takes no more journeys, and the journey on it fails saying the app exited, instead
   * of each step blaming the base URL.
   */
  exited?: Promise<WorkerAppExit | undefined>
}

/** What a part made for one worker, before the worker's app starts. */
export interface PreparedWorkerPart<R extends object = object> {
  /** What the app needs to reach this part (`{ databaseUrl }`, `{ redisUrl }`...): handed to `startApp`. */
  resources?: R
  /** The same, as environment variables for an app configured from its environment (`DATABASE_URL`...). */
  env?: Record<string, string>
  /** The worker's state backends for this part; a function when they need the app's base URL. */
  stateBackends?: StateBackend[] | ((app: { baseUrl: string }) => StateBackend[])
  /** The worker's ports for this part, by name. */
  ports?: Record<string, unknown>
  /**
   * Called once the worker's app has started (at once for a setup without one), before the worker's state
   * backends are made: what needs the app's work first (postgresWorkers copies the main database's rows
   * into the tables the worker's app created). A failure undoes the worker, as a failing `prepare` does.
   */
  started?(signal: AbortSignal): Promise<void>
  /** Undo `prepare` (drop the database, stop the server). Called after the app was stopped. */
  close?(): void | Promise<void>
}

/** One side of a worker's system, for `composeWorkers`. Each package's `<service>Workers(...)` returns one. */
export interface WorkerPart<R extends object = object> {
  /** The part's name in messages: 'postgresWorkers', 'redisWorkers'... */
  readonly part: string
  /** True when what the part prepares is used through an app (a database, a mail server), so each worker needs one. */
  readonly needsApp: boolean
  /**
   * Make worker `index`'s own copy of this side of the system (create a database, start a server). When
   * `signal` aborts (the run gave the create up), undo what this call made and reject: what it returned is
   * undone by composeWorkers, which checks the signal between parts.
   */
  prepare(index: number, main: MainSystem, signal?: AbortSignal): Promise<PreparedWorkerPart<R>>
  /** Copy worker 0's state of this side, at the checkpoint, into worker `index`'s. */
  sync?(index: number, info: WorkerSyncInfo): Promise<void>
  /** True for the run's state backends this part gives every worker a copy of (see the check in `composeWorkers`). */
  covers?(backend: StateBackend): boolean
  /**
   * Throw when the run's system is one this part cannot copy (a remote mail server), saying why: asked
   * before the check for shared backends, whose message would only tell the user to add this part. Asked
   * also by the run before its first journey (see WorkerSetup.validate), unless the part has `checkConfig`.
   */
  check?(main: MainSystem): void
  /**
   * What `check` refuses, for a part whose `check` also takes something (redisWorkers holds the main DB
   * from then on): asked before the run's first journey instead of `check`, it must hold nothing and touch
   * nothing, since no worker may be made after it.
   */
  checkConfig?(main: MainSystem): void
  /** Set when the part was given its own `startApp`: it is then a whole setup, not a part to compose. */
  readonly ownStartApp?: boolean
}

/**
 * What `startApp` receives: every part's resources, `env` with all their environment variables, and
 * `signal`, which aborts when the run gives the worker's create up: stop the app being started, and reject.
 */
export type WorkerAppResources<R extends object = object> = R & { env: Record<string, string>; signal: AbortSignal }

export interface ComposeWorkersOptions<R extends object = object> {
  /** Start worker `index`'s app against its own resources (database URL, Redis URL, SMTP URL...). */
  startApp(index: number, resources: WorkerAppResources<R>): Promise<WorkerApp>
}

type ResourcesOf<P> = P extends WorkerPart<infer R> ? R : never
type Intersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never
/** The resources of several parts, merged: `{ databaseUrl } & { redisUrl }`. */
export type ComposedResources<P extends readonly WorkerPart<any>[]> = [ResourcesOf<P[number]>] extends [never] ? object : Intersection<ResourcesOf<P[number]>> & object

/** A worker setup made of parts. */
export interface ComposedWorkers extends WorkerSetup {
  readonly parts: readonly WorkerPart[]
}

/**
 * One worker setup from the parts of a system: each part prepares its side of every worker (a database, a
 * Redis DB, a mail catcher...), then `startApp` starts the worker's app with all their resources at once,
 * and at each parallel branch every part copies worker 0's state at the checkpoint into the worker's.
 *
 *   workerSetup: composeWorkers(postgresWorkers({ url }), redisWorkers({ url, wholeDb: true }), mailCatcherWorkers(),
 *     { startApp: (index, r) => startMyApp({ DATABASE_URL: r.databaseUrl, REDIS_URL: r.redisUrl, SMTP_URL: r.smtpUrl }) })
 */
export function composeWorkers<P extends WorkerPart<any>[]>(...args: [...parts: P, options: ComposeWorkersOptions<ComposedResources<P>>]): ComposedWorkers
export function composeWorkers<P extends WorkerPart<any>[]>(...parts: P): ComposedWorkers
export function composeWorkers(...args: unknown[]): ComposedWorkers {
  const last = args[args.length - 1]
  const hasOptions = args.length > 0 && !isPart(last) && typeof last === 'object' && last !== null
  const options = hasOptions ? (last as Partial<ComposeWorkersOptions>) : undefined
  const parts = (hasOptions ? args.slice(0, -1) : args) as unknown[]
  if (parts.length === 0)
    throw new ConfigError('composeWorkers: give the parts of the system, e.g. composeWorkers(postgresWorkers({ url }), redisWorkers({ url, wholeDb: true }), { startApp })', { where: 'workerSetup' })
  parts.forEach((p, i) => {
    if (!isPart(p))
      throw new ConfigError(
        `composeWorkers: argument ${i + 1} is not a worker part (such as postgresWorkers(...) or redisWorkers(...)); the options, { startApp }, come last`,
        { where: 'workerSetup' },
      )
    if (p.ownStartApp)
      throw new ConfigError(
        `composeWorkers: ${p.part} was given its own startApp; inside composeWorkers one startApp, the last argument, starts each worker's app with every part's resources: move it there`,
        { where: 'workerSetup' },
      )
  })
  if (options && typeof options.startApp !== 'function')
    throw new ConfigError('composeWorkers: the last argument must be { startApp(index, resources) } or a worker part', { where: 'workerSetup' })
  return composed('composeWorkers', parts as WorkerPart[], options?.startApp)
}

/**
 * A part as a whole worker setup, for a system with this one side: `postgresWorkers({ url, startApp })`.
 * Without `startApp`, a part that needs an app can only be composed; its `create` says so.
 */
export function asWorkerSetup<R extends object>(
  part: WorkerPart<R>,
  startApp: ((index: number, resources: WorkerAppResources<R>) => Promise<WorkerApp>) | undefined,
  usage: string,
): WorkerPart<R> & ComposedWorkers {
  const setup = startApp || !part.needsApp ? composed(part.part, [part], startApp as ComposeWorkersOptions['startApp'] | undefined) : undefined
  return {
    ...part,
    ownStartApp: !!startApp,
    parts: [part],
    // Alone, its failures name it as they do in a composition.
    ...(setup?.sync ? { sync: setup.sync } : {}),
    // As a setup only: inside composeWorkers a part is asked its own `check`, and needs no app of its own.
    validate(main: MainSystem) {
      if (!setup) throw noApp()
      setup.validate!(main)
    },
    async create(index: number, main: MainSystem, signal?: AbortSignal) {
      if (!setup) throw noApp()
      return setup.create(index, main, signal)
    },
  }
  function noApp(): ConfigError {
    return new ConfigError(
      `${part.part}: each worker needs its own app: give ${usage}, or put ${part.part}(...) in composeWorkers(..., { startApp(index, resources) }) with the other parts of the system`,
      { where: 'startApp' },
    )
  }
}

function isPart(value: unknown): value is WorkerPart {
  return !!value && typeof value === 'object' && typeof (value as WorkerPart).prepare === 'function' && typeof (value as WorkerPart).part === 'string'
}

/** Keys two parts both gave: a mistake, since the app would get one of them silently. */
function mergeInto(into: Record<string, unknown>, owners: Map<string, string>, from: Record<string, unknown> | undefined, part: string, what: string, label: string): void {
  for (const [key, value] of Object.entries(from ?? {})) {
    const owner = owners.get(key)
    if (owner !== undefined)
      throw new ConfigError(`${label}: ${owner} and ${part} both give the ${what} "${key}"; a worker can have only one (write a workerSetup by hand for a system with two)`, {
        where: 'workerSetup',
      })
    owners.set(key, part)
    into[key] = value
  }
}

function composed(label: string, parts: readonly WorkerPart[], startApp: ComposeWorkersOptions['startApp'] | undefined): ComposedWorkers {
  const needApp = parts.filter((p) => p.needsApp).map((p) => p.part)
  if (needApp.length && !startApp)
    throw new ConfigError(
      `${label}: ${needApp.join(', ')} ${needApp.length > 1 ? 'need' : 'needs'} an app per worker, started against the worker's own resources: add { startApp(index, resources) } as the last argument`,
      { where: 'workerSetup' },
    )
  const check = (main: MainSystem, asked: (part: WorkerPart) => void) => {
    for (const part of parts) asked(part)
    refuseShared(label, parts, main)
  }
  return {
    parts,
    validate: (main) => check(main, (part) => (part.checkConfig ? part.checkConfig(main) : part.check?.(main))),
    async create(index, main, signal) {
      check(main, (part) => part.check?.(main))
      // A create nobody can abort still gets a signal, for parts and startApps that pass it on.
      const stop = signal ?? new AbortController().signal
      const prepared: { part: WorkerPart; made: PreparedWorkerPart }[] = []
      let app: WorkerApp | undefined
      try {
        for (const part of parts) {
          throwIfGivenUp(stop, index)
          prepared.push({ part, made: (await named(part.part, index, () => part.prepare(index, main, stop))) ?? {} })
        }
        const resources: Record<string, unknown> = {}
        const env: Record<string, string> = {}
        const resourceOwners = new Map<string, string>()
        const envOwners = new Map<string, string>()
        for (const { part, made } of prepared) {
          mergeInto(resources, resourceOwners, made.resources as Record<string, unknown> | undefined, part.part, 'resource', label)
          mergeInto(env, envOwners, made.env, part.part, 'environment variable', label)
        }
        if (startApp) {
          throwIfGivenUp(stop, index)
          app = await startApp(index, { ...resources, env, signal: stop } as WorkerAppResources)
          if (!app || typeof app.baseUrl !== 'string')
            throw new ConfigError(`${label}: startApp(${index}, ...) must return { baseUrl, close }, got ${describe(app)}`, { where: 'startApp' })
        }
        // Given up while the app started (a startApp that does not listen to the signal): undone below.
        throwIfGivenUp(stop, index)
        for (const { part, made } of prepared) {
          if (!made.started) continue
          await named(part.part, index, () => made.started!(stop))
          throwIfGivenUp(stop, index)
        }
        const started = app
        const stateBackends: StateBackend[] = []
        const ports: Record<string, unknown> = {}
        const portOwners = new Map<string, string>()
        for (const { part, made } of prepared) {
          const backends = typeof made.stateBackends === 'function' ? made.stateBackends({ baseUrl: started?.baseUrl ?? main.baseUrl }) : (made.stateBackends ?? [])
          stateBackends.push(...backends)
          mergeInto(ports, portOwners, made.ports, part.part, 'port', label)
        }
        return {
          ...(started ? { baseUrl: started.baseUrl } : {}),
          ...(started?.exited ? { exited: started.exited } : {}),
          stateBackends,
          ports,
          close: async () => {
            const errors = await closeWorker(started, prepared)
            if (errors.length) throw new Error(`closing worker ${index}: ${errors.join('; ')}`)
          },
        }
      } catch (err) {
        // Undone, the worker is not made. What could not be undone (a database a full server would not let
        // be dropped) would outlive the run unseen: the create's error says so, with what the failing part
        // itself could not undo (see leftBehindBy).
        const errors = [...(leftBehindOf(err) ?? []), ...(await closeWorker(app, prepared))]
        throw errors.length ? withUndoFailures(err, index, errors) : err
      }
    },
    async sync(index, info) {
      for (const part of parts) if (part.sync) await named(part.part, index, () => part.sync!(index, info))
    },
  }
}

/**
 * Stop a worker's app, then undo each part, the last prepared first: the failures, each naming its part.
 * Each close is tried even when one before it failed, so that one part's trouble leaves no other behind.
 */
async function closeWorker(app: WorkerApp | undefined, prepared: readonly { part: WorkerPart; made: PreparedWorkerPart }[]): Promise<string[]> {
  const errors: string[] = []
  if (app?.close) await Promise.resolve(app.close()).catch((e: unknown) => errors.push(`the app: ${errorMessage(e)}`))
  for (const { part, made } of [...prepared].reverse()) await Promise.resolve(made.close?.()).catch((e: unknown) => errors.push(`${part.part}: ${errorMessage(e)}`))
  return errors
}

/**
 * `err`, the reason worker `index` could not be made, also saying what undoing it left behind. The same
 * error, its message extended: its kind (a ConfigError, a StateError) still decides how it is reported.
 */
function withUndoFailures(err: unknown, index: number, errors: string[]): Error {
  const also = ` (and undoing worker ${index} failed, so what it made is left behind: ${errors.join('; ')})`
  const out = err instanceof Error ? err : new Error(errorMessage(err), { cause: err })
  out.message += also
  Object.defineProperty(out, LEFT_BEHIND, { value: errors, enumerable: false, configurable: true })
  return out
}

/** A global symbol, as LEFT_BEHIND: what a part's own failed prepare could not undo, not yet in the message. */
const PART_LEFT_BEHIND = Symbol.for('venomqa.workerPartLeftBehind')

/**
 * For a part whose `prepare` fails and whose own undo fails too (the database it created cannot be
 * dropped): `err`, to throw, carrying `problems` (each naming the part and how to undo it by hand).
 * composeWorkers puts them in the create's error, `(and undoing worker 2 failed, so what it made is left
 * behind: ...)`, as it does for the parts it undoes itself; never dropped silently.
 */
export function leftBehindBy<E>(err: E, problems: readonly string[]): E {
  if (err !== null && typeof err === 'object') Object.defineProperty(err, PART_LEFT_BEHIND, { value: [...problems], enumerable: false, configurable: true })
  return err
}

/** What a part's failed prepare left behind (see leftBehindBy), on the error or the one it wraps (see `named`). */
function leftBehindOf(err: unknown): string[] | undefined {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const own = (e as { [PART_LEFT_BEHIND]?: unknown })[PART_LEFT_BEHIND]
    if (Array.isArray(own)) return own as string[]
  }
  return undefined
}

/**
 * The create was given up (its signal aborted): stop here, before making more, with the signal's reason
 * when it is an error; what was made so far is undone by the caller.
 */
function throwIfGivenUp(signal: AbortSignal, index: number): void {
  if (!signal.aborted) return
  throw signal.reason instanceof Error ? signal.reason : new AbortedError(`the create of worker ${index} was given up`)
}

/** A global symbol: it is read right even when a setup and the runner load two copies of this package. */
const LEFT_BEHIND = Symbol.for('venomqa.workerLeftBehind')

/**
 * What undoing a worker that could not be made left behind, from the error its `create` rejected with
 * (one of composeWorkers or a ready-made setup), or undefined when it left nothing. The runner reports it
 * when that create had been abandoned at the timeout: its error then goes nowhere else.
 */
export function workerLeftBehind(err: unknown): readonly string[] | undefined {
  const errors = err instanceof Error ? (err as Error & { [LEFT_BEHIND]?: unknown })[LEFT_BEHIND] : undefined
  return Array.isArray(errors) ? errors : undefined
}

/**
 * A state backend of the run that no part copies would be shared by every worker, so their paths would see
 * and undo each other's writes: refused, as the runner refuses parallel paths without workers.
 */
function refuseShared(label: string, parts: readonly WorkerPart[], main: MainSystem): void {
  const shared = main.stateBackends.filter((b) => !b.parallelSafe && !parts.some((p) => p.covers?.(b)))
  if (shared.length === 0) return
  const names = shared.map((b) => `"${b.name}" (${b.mechanism})`).join(', ')
  throw new ConfigError(
    `${label}: the run's state backend${shared.length > 1 ? 's' : ''} ${names} would be shared by every worker, so paths running at once would see each other's writes. ` +
      `Give every worker its own copy: add the matching part (postgresWorkers, mysqlWorkers, redisWorkers, wiremockWorkers, mailCatcherWorkers, httpControlWorkers, memoryWorkers) with composeWorkers; see docs/parallel.md`,
    { where: 'workerSetup' },
  )
}

/** Run a part's step; an error that does not say where it came from gets the part and the worker. */
async function named<T>(part: string, index: number, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    if (err instanceof VenomError) throw err
    // The worker's state is unknown: as for a state backend's failure, the branch stops.
    throw new VenomError('E_STATE', `${part}: worker ${index}: ${errorMessage(err)}`, { cause: err })
  }
}

/** What came back instead of a WorkerApp, without its values (they may hold credentials). */
function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return value === undefined || value === null ? String(value) : `a ${typeof value}`
  const keys = Object.keys(value)
  return keys.length ? `an object with ${keys.join(', ')}` : 'an empty object'
}

/**
 * Something a worker setup made outside this process for a worker (its database, its keys in Redis) and
 * did not remove yet: what a run quit at once (a second Ctrl-C, which leaves no time to remove anything)
 * leaves behind, said by name with how to remove it by hand.
 */
export interface MadeByWorkerSetup {
  /**
   * What it is, said before the names in the quit message, where things of one kind are named together:
   * `database` (`databases` for several), or a plural noun, ending in `s`, for a thing that is several
   * already (`Redis keys`).
   */
  readonly kind: string
  /** Its name alone, never a URL (which may hold a password): `app_w2`, `w2:app:*`. Shown quoted. */
  readonly name: string
  /** Where it is, when the name alone does not say: `DB 14`. Shown after the name, in brackets. */
  readonly where?: string
  /** The statement or shell command that removes it by hand, with no password in it. */
  readonly remove: string
}

/** A global symbol, as LEFT_BEHIND: the CLI and a worker setup may load two copies of this package. */
const MADE_BY_WORKER_SETUPS = Symbol.for('venomqa.madeByWorkerSetups')

/** What worker setups of this process made and did not remove yet, in the order they made it. */
function madeByWorkerSetupsSet(): Set<MadeByWorkerSetup> {
  const store = globalThis as { [MADE_BY_WORKER_SETUPS]?: Set<MadeByWorkerSetup> }
  store[MADE_BY_WORKER_SETUPS] ??= new Set()
  return store[MADE_BY_WORKER_SETUPS]
}

/**
 * For a worker setup: it is making `made` (a database, keys in Redis). Call it before making it (a
 * process that quits meanwhile may leave it), and what it returns once it is removed. Until then, a run
 * quit at once names it among what it leaves behind, with `remove`: a later run removes it only if it
 * makes that same worker again.
 */
export function workerSetupMade(made: MadeByWorkerSetup): () => void {
  const entry: MadeByWorkerSetup = { kind: made.kind, name: made.name, ...(made.where !== undefined ? { where: made.where } : {}), remove: made.remove }
  madeByWorkerSetupsSet().add(entry)
  return () => {
    madeByWorkerSetupsSet().delete(entry)
  }
}

/** What worker setups made in this process and did not remove yet, oldest first (see workerSetupMade). */
export function madeByWorkerSetups(): MadeByWorkerSetup[] {
  return [...madeByWorkerSetupsSet()]
}

/** A worker's database, made by a worker setup and not dropped yet. */
export interface WorkerDatabase {
  /** Its name only, never a URL (which may hold a password): `app_w2`. */
  readonly name: string
  /** The statement that drops it by hand: `DROP DATABASE IF EXISTS "app_w2" WITH (FORCE)`. */
  readonly drop: string
}

/** workerSetupMade for a database: `{ kind: 'database', name, remove: drop }`. */
export function workerDatabaseMade(db: WorkerDatabase): () => void {
  return workerSetupMade({ kind: 'database', name: db.name, remove: db.drop })
}
