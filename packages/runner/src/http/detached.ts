import type { ExchangeOrigin } from './origin'

/**
 * How long a request keeps its connection after its step stopped waiting for it (an interrupt, a
 * deadline, a stop): time for the app to finish handling it, so that a rollback that follows undoes what
 * the request did. Cancelling at once would let the app commit after the rollback, leaving its database
 * dirty. An app's request normally finishes in milliseconds; one that takes longer is cut off then.
 */
export const STOP_GRACE_MS = 1000

/**
 * Something a request can be cut by besides an AbortSignal: `aborted` and `reason` as a signal has them, and
 * `whenCut`, which calls `listener` once when it aborts and returns what stops listening (see StepStop).
 */
export interface CutSignal {
  readonly aborted: boolean
  readonly reason: unknown
  whenCut(listener: () => void): () => void
}

/**
 * A step's signal as a request sees it, one per signal: `stop` when the signal aborts (the step stops
 * waiting), and `cut`, `STOP_GRACE_MS` later, for the transport (the connection is cut). Adding and
 * removing a listener on an AbortSignal (an EventTarget) per request costs a few times what the rest of the
 * client does, and on an EventEmitter (what this was) still a sixth of what the runner adds to a step (its
 * once, on and off, counted in instructions: bench/runner-overhead); each listener is a Set's entry here.
 *
 * A class, its `aborted` and `reason` getters on the prototype: every journey has its own signal, so its
 * own StepStop, and getters defined on each instance (Object.defineProperties with new closures) gave
 * each one a map of its own, which the step and request code that reads them met anew at every journey
 * (`--trace-deopt` showed them deoptimised there).
 */
export class StepStop implements CutSignal {
  #cut = false
  readonly #signal: AbortSignal
  readonly #onStop = new Set<() => void>()
  readonly #onCut = new Set<() => void>()

  constructor(signal: AbortSignal) {
    this.#signal = signal
    if (signal.aborted) this.#onAbort()
    else signal.addEventListener('abort', () => this.#onAbort(), { once: true })
  }

  /** True once the grace is over: what the transport reads. */
  get aborted(): boolean {
    return this.#cut
  }

  get reason(): unknown {
    return this.#signal.reason
  }

  /** Call `listener` once, when the step stops waiting (never if it already has: read the signal first); `forgetStop` removes it. */
  whenStops(listener: () => void): void {
    this.#onStop.add(listener)
  }

  forgetStop(listener: () => void): void {
    this.#onStop.delete(listener)
  }

  whenCut(listener: () => void): () => void {
    this.#onCut.add(listener)
    return () => this.#onCut.delete(listener)
  }

  #onAbort(): void {
    callOnce(this.#onStop)
    setTimeout(() => {
      this.#cut = true
      callOnce(this.#onCut)
    }, STOP_GRACE_MS).unref()
  }
}

/** Every listener in the set, once each, those added meanwhile not: as an emitter's `once` listeners are called. */
function callOnce(listeners: Set<() => void>): void {
  const now = [...listeners]
  listeners.clear()
  for (const listener of now) listener()
}

const stops = new WeakMap<AbortSignal, StepStop>()

export function stepStop(signal: AbortSignal): StepStop {
  let stop = stops.get(signal)
  if (!stop) {
    stop = new StepStop(signal)
    stops.set(signal, stop)
  }
  return stop
}

/**
 * Wait for `work`, or reject with the step signal's reason as soon as the signal aborts: the step moves
 * on at once, and `leftBehind` is handed the work it no longer waits for (a request, to be waited for
 * before a rollback; an action, to be let go). This runs for every step and request: see StepStop.
 */
export function untilStepStops<T>(work: Promise<T>, signal: AbortSignal, leftBehind: (work: Promise<T>) => void): Promise<T> {
  if (signal.aborted) {
    leftBehind(work)
    return Promise.reject(signal.reason)
  }
  const stop = stepStop(signal)
  return new Promise<T>((resolve, reject) => {
    const onStop = () => {
      leftBehind(work)
      reject(signal.reason)
    }
    stop.whenStops(onStop)
    work.then(
      (v) => {
        stop.forgetStop(onStop)
        resolve(v)
      },
      (e) => {
        stop.forgetStop(onStop)
        reject(e)
      },
    )
  })
}

/**
 * Requests whose step stopped waiting while the app may still be handling them. A rollback waits for
 * them first (`settle`); one the app did not answer within the grace is cut off. Cut-off requests are told
 * to `onAbandoned` by `report`, after the rollback that waited for them (with the backends that answered
 * that they stopped the app's work and undid it: see RollbackAnswer), or at the run's end (with none),
 * with the step that sent each when that is known, and how many of that request of that step were cut off.
 */
export class DetachedRequests {
  readonly #pending = new Set<Promise<unknown>>()
  readonly #onAbandoned?: (what: string, sentBy: ExchangeOrigin | undefined, cancelledBy: readonly string[], count: number) => void
  /** Cut off, not yet reported. */
  #cut: { what: string; sentBy?: ExchangeOrigin }[] = []

  constructor(onAbandoned?: (what: string, sentBy: ExchangeOrigin | undefined, cancelledBy: readonly string[], count: number) => void) {
    this.#onAbandoned = onAbandoned
  }

  /** `what`: the request (`GET <url>`); `sentBy`: its journey, path and step, when known. */
  add(work: Promise<unknown>, what: string, sentBy?: ExchangeOrigin): void {
    const tracked = work.then(
      () => {},
      () => void this.#cut.push({ what, sentBy }),
    )
    this.#pending.add(tracked)
    void tracked.finally(() => this.#pending.delete(tracked))
  }

  /**
   * Tell each request cut off since the last report, once. `cancelledBy`: the state backends whose rollback,
   * just done, answered that they stopped the app's work and undid it.
   */
  report(cancelledBy: readonly string[] = []): void {
    const cut = this.#cut
    this.#cut = []
    // The same request of one step, cut off several times (a step that fires twenty at once, one
    // interrupt), told once with how many: one warning and one issue each made twenty alike.
    const alike = new Map<string, { what: string; sentBy?: ExchangeOrigin; count: number }>()
    for (const { what, sentBy } of cut) {
      const key = JSON.stringify([sentBy?.journey, sentBy?.path, sentBy?.step, what])
      const seen = alike.get(key)
      if (seen) seen.count++
      else alike.set(key, { what, sentBy, count: 1 })
    }
    for (const { what, sentBy, count } of alike.values()) this.#onAbandoned?.(what, sentBy, cancelledBy, count)
  }

  /** Resolves once every detached request has ended; undefined when none is pending (the usual case). */
  settle(): Promise<void> | undefined {
    return this.#pending.size ? this.#drain() : undefined
  }

  async #drain(): Promise<void> {
    while (this.#pending.size) await Promise.all(this.#pending)
  }
}
