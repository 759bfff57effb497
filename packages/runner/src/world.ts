import { type BackendTiming, CheckpointStack, type RollbackOptions, type RollbackTiming, Context, type ContextSnapshot, type StateBackend, StateError, TimeoutError, errorMessage } from '@venomqa/core'
import { StallError, StrayError, faults } from './faults'
import type { RunnerHttpClient } from './http-client'

/** A checkpoint a backend could not release, and how much that matters (see World.releaseAll). */
export interface ReleaseProblem {
  error: string
  severity: 'critical' | 'medium'
}

/**
 * How the run calls its state backends (a World's checkpoint, rollback and release; a worker's backends'
 * connect and disconnect): each call in a guard (see faults.ts), abandoned at `timeoutMs`, the run's
 * pluginTimeout. One per runner, shared by every World of the run: a backend is one object whichever
 * journey's World calls it.
 *
 * A checkpoint, rollback or release that timed out may still be running, and may land at any moment
 * (a savepoint taken, a database restored, in the middle of a later journey): the backend's state is
 * unknown. It is *abandoned* until the runner closes: no World calls it again (its checkpoint and
 * rollback fail at once, saying why; releases skip it), and the runner runs no more journeys on it.
 */
export class StateCalls {
  readonly timeoutMs?: number
  /**
   * Where the user configured each plugin's backend (`plugins[2]`): two backends of one plugin (two
   * PostgreSQL databases) look alike by their mechanism and plugin, so a failure names the entry too.
   */
  readonly #places = new Map<StateBackend, string>()
  readonly #abandoned = new Map<StateBackend, string>()
  /** Backends whose state nobody knows (a journey could not be put back, see `restore`), and why. */
  readonly #unknown = new Map<StateBackend, string>()

  constructor(timeoutMs?: number) {
    this.timeoutMs = timeoutMs
  }

  /**
   * `label` names the call in the guard and in its errors: `state backend "pg" rollback to "cart"`. A
   * call past the timeout rejects with a TimeoutError naming it; what the abandoned call does later is
   * handled (a late rejection included: the guard awaits it) and goes nowhere.
   */
  call<T>(label: string, fn: () => T | PromiseLike<T>): Promise<T> {
    return faults.guard(label, fn, { timeoutMs: this.timeoutMs, passStrays: true })
  }

  /**
   * Call backend `b`'s `doing` (`rollback to "cart"`). What the backend throws is rethrown as it is; what
   * the guard gives up with becomes a StateError naming the backend and the call, and past the timeout
   * the backend is abandoned too (see the class).
   */
  async backend<T>(b: StateBackend, doing: string, fn: () => Promise<T>): Promise<T> {
    const label = `state backend "${b.name}" ${doing}`
    try {
      return await this.call(label, fn)
    } catch (err) {
      if (err instanceof TimeoutError) {
        this.#abandoned.set(b, `when its ${doing} timed out after ${err.timeoutMs} ms (pluginTimeout), so its state is unknown`)
        throw new StateError(
          b.name,
          `${doing} timed out after ${err.timeoutMs} ms (pluginTimeout): abandoned, as its state is unknown and the call may still land (raise pluginTimeout if it is slow on purpose)`,
          // Wherever it is met, a release included, a state nobody knows is critical (see StateError).
          { cause: err, stateIsWrong: true },
        )
      }
      // The guard's own errors start with its label, which names the backend: said once, not twice.
      if (err instanceof StallError || err instanceof StrayError) throw new StateError(b.name, `${doing}${errorMessage(err).slice(label.length)}`, { cause: err })
      throw err
    }
  }

  /** Note where `b` was configured (`plugins[2]`), for its failures to name (see `label`). */
  place(b: StateBackend, where: string): void {
    this.#places.set(b, where)
  }

  /** Where `b` was configured (`plugins[2]`), or undefined for a backend given in code. */
  placeOf(b: StateBackend): string | undefined {
    return this.#places.get(b)
  }

  /** How failures name `b`: `state backend "pg" (plugins[2])`, or without a place for a backend given in code. */
  label(b: StateBackend): string {
    const where = this.#places.get(b)
    return `state backend "${b.name}"${where === undefined ? '' : ` (${where})`}`
  }

  /**
   * `err`, a StateError of `b` (`state backend "pg": ...`), with `b`'s place in its message, as `label`
   * says it. Its own object, so that what the backend gave it (a suggestion, a kind of failure) stays.
   */
  placed(b: StateBackend, err: StateError): StateError {
    const own = `state backend "${b.name}": `
    const label = this.label(b)
    if (label === own.slice(0, -2) || !err.message.startsWith(own)) return err
    err.message = `${label}: ${err.message.slice(own.length)}`
    return err
  }

  /** Why `b` is not called any more, or undefined. */
  abandoned(b: StateBackend): string | undefined {
    return this.#abandoned.get(b)
  }

  /** Why one of `backends` is not called any more (`state backend "pg" was abandoned when...`), or undefined. */
  abandonedAmong(backends: readonly StateBackend[]): string | undefined {
    for (const b of backends) {
      const why = this.#abandoned.get(b)
      if (why) return `state backend "${b.name}" was abandoned ${why}`
    }
    return undefined
  }

  /**
   * The system of `backends` is in a state nobody knows (a journey could not be put back after it ran):
   * the runner runs no more journeys on it, as on an abandoned backend (see `unusableAmong`).
   */
  markUnknown(backends: readonly StateBackend[], why: string): void {
    for (const b of backends) if (!this.#unknown.has(b)) this.#unknown.set(b, why)
  }

  /** Why no journey may run on `backends` any more (one was abandoned, or its state is unknown), or undefined. */
  unusableAmong(backends: readonly StateBackend[]): string | undefined {
    const abandoned = this.abandonedAmong(backends)
    if (abandoned) return abandoned
    for (const b of backends) {
      const why = this.#unknown.get(b)
      if (why) return why
    }
    return undefined
  }

  /** The runner closed: its backends were disconnected, and connect afresh at the next run. */
  clear(): void {
    this.#abandoned.clear()
    this.#unknown.clear()
  }
}

/** Runner-side state that a checkpoint also saves, e.g. the HTTP client's auth header. */
export interface Restorable<S = unknown> {
  snapshot(): S
  restore(snapshot: S): void
}

/** What the World itself saves at a checkpoint; the backends save their own. */
interface Saved {
  ctx: ContextSnapshot
  extras: unknown[]
}

/**
 * The state of the system under test: every registered backend plus the journey's context.
 * Checkpoint and rollback fan out to all of them. The World keeps its checkpoints in a CheckpointStack,
 * as every backend does, so all of them follow one rule (see CheckpointStack): rolling back to a
 * checkpoint drops every later one, releasing one releases the later ones too, and taking an open name
 * again replaces it.
 *
 * Each backend call runs through `calls` (see StateCalls), inside the World's own checkpoint or rollback:
 * a call abandoned at the timeout fails it before the World's stack changes (a checkpoint is not opened,
 * a rollback drops nothing and restores no context), so whatever the abandoned call does later, it never
 * reaches the World's stack.
 */
export class World {
  readonly backends: readonly StateBackend[]
  #ctx: Context
  readonly #extras: readonly Restorable[]
  readonly #stack = new CheckpointStack<Saved>('world')
  readonly #settle?: () => Promise<void> | undefined
  readonly #calls: StateCalls
  readonly #rolledBack?: (cancelledBy: readonly string[]) => void

  /**
   * `settle`, when given, is waited for before every rollback: what the app may still be doing for the
   * run (requests whose steps stopped waiting for them) must be done before it is undone. `calls`: the
   * run's (its timeout, its abandoned backends); by default, calls with no timeout. `rolledBack` is told,
   * after each rollback, which backends answered that they stopped the app's work and undid it (see
   * RollbackAnswer): the requests cut off meanwhile are reported with that.
   */
  constructor(
    backends: readonly StateBackend[],
    ctx: Context,
    extras: readonly Restorable[] = [],
    settle?: () => Promise<void> | undefined,
    calls: StateCalls = new StateCalls(),
    rolledBack?: (cancelledBy: readonly string[]) => void,
  ) {
    this.backends = backends
    this.#ctx = ctx
    this.#extras = extras
    this.#settle = settle
    this.#calls = calls
    this.#rolledBack = rolledBack
  }

  /** The context as it was at an open checkpoint (a deep copy each time). */
  contextAt(name: string): ContextSnapshot | undefined {
    return this.#stack.find(name)?.ctx
  }

  /** What the extras (HTTP headers...) were at an open checkpoint. */
  extrasAt(name: string): unknown[] | undefined {
    return this.#stack.find(name)?.extras
  }

  get ctx(): Context {
    return this.#ctx
  }

  /** Checkpoints open right now, oldest first. */
  get open(): string[] {
    return this.#stack.names
  }

  async checkpoint(name: string): Promise<BackendTiming[]> {
    this.#refuseAbandoned(`checkpoint "${name}"`)
    // Copy the context first: if it cannot be copied, no backend has done any work yet.
    const saved: Saved = { ctx: this.#ctx.snapshot(), extras: this.#extras.map((e) => e.snapshot()) }
    let timings: BackendTiming[] = []
    await this.#stack.take(name, async () => {
      try {
        timings = await this.#fanOut(`checkpoint "${name}"`, (b) => b.checkpoint(name))
      } catch (err) {
        // The World does not open the checkpoint, so no backend may keep it open either.
        await this.#releaseEverywhere(name)
        throw err
      }
      return saved
    })
    return timings
  }

  /**
   * Put the system back to checkpoint `name`: each backend's time, and `waitedMs` when the rollback first
   * had to wait for the app's unanswered requests (see `settle`): time no backend spent. `onBackend` is
   * told of each backend as soon as it has put its part back (the backends go one after another), so that
   * a run quit in the middle knows which parts are back. `reason`, for a stopped journey, is told to each
   * backend (see RollbackOptions).
   */
  async rollback(name: string, onBackend?: (backend: StateBackend) => void, reason?: RollbackOptions['reason']): Promise<Omit<RollbackTiming, 'durationMs'>> {
    this.#refuseAbandoned(`rollback to "${name}"`)
    const settling = this.#settle?.()
    let waited: { waitedMs: number } | undefined
    if (settling) {
      const t0 = performance.now()
      await settling
      waited = { waitedMs: performance.now() - t0 }
    }
    let backends: BackendTiming[] = []
    const cancelledBy: string[] = []
    const rollback = async (b: StateBackend) => {
      const answer = await (reason ? b.rollback(name, { reason }) : b.rollback(name))
      if (answer?.cancelledAppWork) cancelledBy.push(b.name)
    }
    await this.#stack.rollback(name, async (saved) => {
      backends = await this.#fanOut(`rollback to "${name}"`, rollback, onBackend)
      this.#ctx.restore(saved.ctx)
      this.#extras.forEach((e, i) => e.restore(saved.extras[i]))
    })
    this.#rolledBack?.(cancelledBy)
    return { backends, ...waited }
  }

  /**
   * Release every open checkpoint, newest first, so that each release frees one checkpoint. Problems are
   * collected, not thrown, so all get a chance: a release that failed is cleanup left undone (medium),
   * one that found the state wrong (a StateError that says so) or timed out (the state is unknown) is
   * critical. An abandoned backend is not called: that was reported when it was abandoned, and it would
   * only be waited for again.
   */
  async releaseAll(): Promise<ReleaseProblem[]> {
    const problems: ReleaseProblem[] = []
    for (const { name } of this.#stack.clear().reverse()) {
      for (const b of this.backends) {
        if (this.#calls.abandoned(b)) continue
        try {
          await this.#calls.backend(b, `release "${name}"`, () => b.release(name))
        } catch (err) {
          const severity = err instanceof StateError && err.stateIsWrong ? 'critical' : 'medium'
          // One the guard gave up on already says which backend and which release.
          const error = err instanceof StateError && isGuardError(err.cause) ? err.message : releaseFailure(b.name, name, err)
          problems.push({ error, severity })
        }
      }
    }
    return problems
  }

  /**
   * Call every backend in turn, timing each; the first failure stops the rest, as a StateError. Each call
   * is bounded by the run's timeout (see StateCalls). `done` is told of each backend whose call succeeded.
   */
  async #fanOut(doing: string, call: (b: StateBackend) => Promise<void>, done?: (b: StateBackend) => void): Promise<BackendTiming[]> {
    const timings: BackendTiming[] = []
    for (const b of this.backends) {
      const t0 = performance.now()
      try {
        await this.#calls.backend(b, doing, () => call(b))
      } catch (err) {
        throw this.#calls.placed(b, err instanceof StateError ? err : new StateError(b.name, `${doing} failed: ${errorMessage(err)}`, { cause: err }))
      }
      timings.push({ backend: b.name, mechanism: b.mechanism, durationMs: performance.now() - t0 })
      done?.(b)
    }
    return timings
  }

  /**
   * A backend abandoned earlier in the run may still be doing what it was abandoned in: calling it again
   * would wait for the timeout once more, and whatever it did could be undone by the call it missed.
   */
  #refuseAbandoned(doing: string): void {
    for (const b of this.backends) {
      const why = this.#calls.abandoned(b)
      if (why) throw new StateError(b.name, `${doing} not attempted: it was abandoned ${why}`, { stateIsWrong: true })
    }
  }

  /**
   * Best effort: the checkpoint's own failure is what gets reported, and the journey stops on it. Bounded
   * like every call, and an abandoned backend (the one whose checkpoint just timed out) is left alone.
   */
  async #releaseEverywhere(name: string): Promise<void> {
    for (const b of this.backends) {
      if (this.#calls.abandoned(b)) continue
      await this.#calls.backend(b, `release "${name}"`, () => b.release(name)).catch(() => {})
    }
  }
}

/** An error the guard gave up with, rather than one the backend threw. */
function isGuardError(err: unknown): boolean {
  return err instanceof TimeoutError || err instanceof StallError || err instanceof StrayError
}

/**
 * The World of a lane whose requests go through `http`: the client's headers (the login) and the tokens
 * `useAuth` keeps for its API are part of every checkpoint, and its requests still in flight end before
 * any rollback.
 */
export function laneWorld(backends: readonly StateBackend[], http: RunnerHttpClient, calls?: StateCalls): World {
  return new World(
    backends,
    new Context(),
    [
      { snapshot: () => http.snapshotHeaders(), restore: (h) => http.restoreHeaders(h as Record<string, string>) },
      http.keptTokens(),
    ],
    () => http.settleDetached(),
    calls,
    (cancelledBy) => http.reportDetached(cancelledBy),
  )
}

/**
 * A release's failure, naming the backend and the release once: a StateError of the backend's own already
 * names the backend (`state backend "db": ...`), and may name the release too (`release "a" failed: ...`).
 * Wrapped whole, it read `db: release "a" failed: state backend "db": release "a" failed: ...`.
 */
export function releaseFailure(backend: string, checkpoint: string, err: unknown): string {
  const doing = `release "${checkpoint}"`
  const message = errorMessage(err)
  const own = `state backend "${backend}": `
  if (!(err instanceof StateError) || !message.startsWith(own)) return `${backend}: ${doing} failed: ${message}`
  const rest = message.slice(own.length)
  return rest.startsWith(`${doing} failed`) ? message : `${own}${doing} failed: ${rest}`
}
