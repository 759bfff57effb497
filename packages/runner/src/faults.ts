import { AsyncLocalStorage } from 'node:async_hooks'
import { type Issue, TimeoutError, VenomError, makeIssue } from '@venomqa/core'
import { messageWithCauses } from './error-causes'

/**
 * Faults of user and plugin code that no `await` can see, turned into results instead of a dead process.
 *
 * Every piece of user or plugin code the runner calls (a step attempt, a hook, a plugin's setup, a state
 * backend's checkpoint) runs inside a *guard*. While a runner is armed, this module listens to the process:
 * - `uncaughtException` / `unhandledRejection`: the error goes to the guard running, the newest one still
 *   open; when several run at once (parallel paths), to the guard whose code started the failing callback
 *   (async context follows timers and promises). The guard's promise rejects with a {@link StrayError}, so
 *   the step fails and the run goes on as the semantics say. A guard of the runner's own state work (a
 *   checkpoint, a rollback: `passStrays`) takes none: what its code does is awaited, and a stray met
 *   while it runs was started before it, most likely by the step that just ended (a forgotten `await`).
 *   That goes to the newest guard still open that takes strays, else as a late fault of the last guard
 *   that settled with `onLate`. Rejected early, a rollback was given up on while it still ran, and the
 *   runner went on to release the backend under it: rows of the path stayed, its sequences went back.
 * - `beforeExit` while a guard is open: nothing is left that could settle it (no socket, no timer), so
 *   Node is about to exit mid-run with code 0. The newest open guard rejects with a {@link StallError}
 *   naming what never settled; the runner then rolls back, reports and exits 1.
 */

/** Code started inside a guard threw or rejected where nothing awaited it. */
export class StrayError extends VenomError {
  readonly origin: FaultOrigin
  readonly error: unknown
  constructor(label: string, error: unknown, origin: FaultOrigin) {
    super('E_STRAY', `${label}: ${messageWithCauses(error)} (${describeOrigin(origin)})`, { cause: error })
    this.origin = origin
    this.error = error
  }
}

/** A guarded promise that can never settle: nothing else was left for Node to wait on. */
export class StallError extends VenomError {
  constructor(label: string) {
    super('E_STALL', `${label} never settled: it waits on a promise that nothing can resolve any more (no timer, socket or request is left to do it)`)
  }
}

export type FaultOrigin = 'uncaughtException' | 'unhandledRejection'

/**
 * How a late fault was put down to a guard: `started`, its code started the failing callback (async
 * context, with guards at once); `last-ended`, it is the guard that settled last, the most likely source
 * when nothing says which code started it.
 */
export type LateAttribution = 'started' | 'last-ended'

/**
 * A fault no guard could place, as a critical issue of the run: `where` says when it came (`outside any
 * step, hook or plugin call`, `after the journeys ran`). The runner's watch and the CLI's, which takes over
 * once the run returns, say it in one shape.
 */
export function strayErrorIssue(error: unknown, origin: FaultOrigin, where: string, suggestion?: string): Issue {
  return makeIssue({
    journey: '',
    path: '',
    step: 'run',
    severity: 'critical',
    kind: 'stray-error',
    source: 'runner',
    ...(suggestion ? { suggestion } : {}),
    error: `${origin === 'uncaughtException' ? 'an error was thrown' : 'a promise rejected'} ${where}: ${messageWithCauses(error)}`,
  })
}

function describeOrigin(origin: FaultOrigin): string {
  return origin === 'uncaughtException' ? 'thrown outside the awaited chain, e.g. in a timer callback' : 'a promise rejected that nothing awaited'
}

/** Who armed the monitor: it takes what no guard can. */
export interface FaultOwner {
  /**
   * Several guards of this owner run at once (parallel paths, workers): follow each one's async context,
   * so a stray error goes to the guard whose code started it. Costs a promise hook on every promise of
   * the process (Node 20), so it is asked for only then; with one guard at a time, the newest open guard
   * is the one running.
   */
  concurrent?: boolean
  /** An error thrown while no guard was running. */
  unattributed(error: unknown, origin: FaultOrigin): void
  /** Node is about to exit while this owner is busy and no guard is open: something unguarded stalled. */
  stalled(): void
}

export interface GuardOptions {
  /** Reject with a TimeoutError naming the guard after this many ms. */
  timeoutMs?: number
  /** A stray error from code this guard started, arriving after the guard settled. */
  onLate?: (error: unknown, origin: FaultOrigin, attribution: LateAttribution) => void
  /**
   * With `onLate`: a stray met while no guard at all is open goes to this guard too, when it settled last.
   * An exploration's actions say so: between them the engine runs no user code (fingerprints, response
   * checks), so the action that ended last most likely started it, and its sequence lets the user
   * reproduce it; told as the run's, it named no sequence at all.
   */
  lateWhenIdle?: boolean
  /** The runner's own state work: never rejected by a stray error, which goes elsewhere (see the module). */
  passStrays?: boolean
}

interface OpenGuard {
  readonly label: string
  readonly onLate?: GuardOptions['onLate']
  readonly lateWhenIdle: boolean
  readonly passStrays: boolean
  settled: boolean
  reject(error: unknown): void
}

class FaultMonitor {
  readonly #context = new AsyncLocalStorage<OpenGuard>()
  /** Insertion-ordered: the newest open guard is the last one. */
  readonly #open = new Set<OpenGuard>()
  readonly #owners: FaultOwner[] = []
  /** Armed owners that run guards at once: while any is armed, guards follow their async context. */
  #concurrentOwners = 0
  /** The guard with `onLate` that settled last: a stray met while only state work runs is its late fault. */
  #lastSettledWithLate: OpenGuard | undefined

  readonly #onUncaught = (error: unknown) => this.#fault(error, 'uncaughtException')
  readonly #onUnhandled = (reason: unknown) => this.#fault(reason, 'unhandledRejection')
  readonly #onBeforeExit = () => this.#stall()

  get armed(): boolean {
    return this.#owners.length > 0
  }

  /** Listen to the process until the returned function is called. Owners nest (newest takes the fault). */
  arm(owner: FaultOwner): () => void {
    if (!this.#owners.length) {
      process.on('uncaughtException', this.#onUncaught)
      process.on('unhandledRejection', this.#onUnhandled)
      process.on('beforeExit', this.#onBeforeExit)
      setArmedFlag(true)
    }
    this.#owners.push(owner)
    if (owner.concurrent) this.#concurrentOwners++
    let disarmed = false
    return () => {
      if (disarmed) return
      disarmed = true
      if (owner.concurrent) this.#concurrentOwners--
      const i = this.#owners.lastIndexOf(owner)
      if (i >= 0) this.#owners.splice(i, 1)
      if (!this.#owners.length) {
        process.off('uncaughtException', this.#onUncaught)
        process.off('unhandledRejection', this.#onUnhandled)
        process.off('beforeExit', this.#onBeforeExit)
        setArmedFlag(false)
        // A later run's strays are none of the last one's guards.
        this.#lastSettledWithLate = undefined
      }
    }
  }

  /**
   * Run `fn` inside a guard. Settles as `fn` does, or rejects first with a StrayError (code it started
   * threw unawaited), a StallError (it can never settle) or a TimeoutError (`timeoutMs` passed).
   */
  guard<T>(label: string, fn: () => T | PromiseLike<T>, options: GuardOptions = {}): Promise<T> {
    const open = this.#openGuard(label, options)
    let value: T | PromiseLike<T>
    try {
      value = this.#call(open, fn)
    } catch (err) {
      return Promise.reject(err)
    }
    return this.#await(open, value, options)
  }

  /**
   * Like guard, for code that is usually synchronous (a reporter's hook): when `fn` returns no promise, its
   * value is returned and a throw is thrown, at once. Nothing it started can fault before it returns, so
   * the guard needs no promise and no timer; those were most of what a live reporter's line per step cost.
   */
  guardMaybeSync<T>(label: string, fn: () => T | PromiseLike<T>, options: GuardOptions = {}): T | Promise<T> {
    const open = this.#openGuard(label, options)
    const value = this.#call(open, fn)
    if (isThenable(value)) return this.#await(open, value, options)
    // Done: a fault from what it started comes later, and is a late one (onLate, else the newest open
    // guard); the async context that leads a fault back here reads this flag.
    this.#settle(open)
    return value
  }

  #openGuard(label: string, options: GuardOptions): OpenGuard {
    return { label, onLate: options.onLate, lateWhenIdle: options.lateWhenIdle ?? false, passStrays: options.passStrays ?? false, settled: false, reject: () => {} }
  }

  #settle(open: OpenGuard): void {
    open.settled = true
    if (open.onLate) this.#lastSettledWithLate = open
  }

  /** Call `fn` in the guard's async context; a throw settles the guard (what it started faults late). */
  #call<T>(open: OpenGuard, fn: () => T): T {
    try {
      return this.#concurrentOwners > 0 ? this.#context.run(open, fn) : fn()
    } catch (err) {
      this.#settle(open)
      throw err
    }
  }

  /** The guard's promise for a value `fn` returned: open until the value settles. */
  #await<T>(open: OpenGuard, value: T | PromiseLike<T>, options: GuardOptions): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const promise = new Promise<T>((resolve, reject) => {
      open.reject = reject
      Promise.resolve(value).then(resolve, reject)
      // A value that is not a promise settles the guard at the next microtask: no deadline can pass first,
      // and a timer per call is most of what guarding a synchronous hook costs.
      if (options.timeoutMs !== undefined && options.timeoutMs > 0 && isThenable(value)) {
        const ms = options.timeoutMs
        // Unref'd: the deadline must not keep the process alive by itself, or a promise that can never
        // settle would wait for the timeout instead of being seen as stalled at once.
        timer = setTimeout(() => reject(new TimeoutError(open.label, ms)), ms)
        timer.unref()
      }
    })
    this.#open.add(open)
    const done = () => {
      clearTimeout(timer)
      this.#settle(open)
      this.#open.delete(open)
    }
    promise.then(done, done)
    return promise
  }

  #fault(error: unknown, origin: FaultOrigin): void {
    const started = this.#context.getStore()
    if (started && !started.settled && !started.passStrays) return started.reject(new StrayError(started.label, error, origin))
    if (started?.settled && started.onLate) return started.onLate(error, origin, 'started')
    const newest = this.#newestOpen((g) => !g.passStrays)
    if (newest) return newest.reject(new StrayError(newest.label, error, origin))
    // Only state work runs, which started nothing unawaited: the fault is a late one of what ran before it.
    // Nothing runs at all: the same, for a guard that asked (see lateWhenIdle).
    const late = this.#lastSettledWithLate
    if (late?.onLate && (this.#newestOpen() || late.lateWhenIdle)) return late.onLate(error, origin, 'last-ended')
    this.#owners[this.#owners.length - 1]?.unattributed(error, origin)
  }

  #stall(): void {
    const newest = this.#newestOpen()
    if (!newest) return this.#owners[this.#owners.length - 1]?.stalled()
    newest.reject(new StallError(newest.label))
    // Node exits right after 'beforeExit' unless the loop has work again. What the rejection sets off may
    // be promise callbacks only (an outer guard awaiting the same dead end), so keep the loop alive one
    // more turn: if it empties again, 'beforeExit' comes back for the next open guard.
    setImmediate(() => {})
  }

  #newestOpen(taking: (g: OpenGuard) => boolean = () => true): OpenGuard | undefined {
    let last: OpenGuard | undefined
    for (const g of this.#open) if (!g.settled && taking(g)) last = g
    return last
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

/** One monitor per process: process events are process-wide. */
export const faults = new FaultMonitor()

/**
 * Other listeners (the CLI's last-resort handlers) step aside while a runner is armed; a global flag
 * lets them see that without loading this module.
 */
const ARMED = Symbol.for('venomqa.faults.armed')
function setArmedFlag(armed: boolean): void {
  ;(globalThis as Record<symbol, unknown>)[ARMED] = armed
}
