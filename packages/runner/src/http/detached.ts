import { EventEmitter } from 'node:events'

/**
 * How long a request keeps its connection after its step stopped waiting for it (an interrupt, a
 * deadline, a stop): time for the app to finish handling it, so that a rollback that follows undoes what
 * the request did. Cancelling at once would let the app commit after the rollback, leaving its database
 * dirty. An app's request normally finishes in milliseconds; one that takes longer is cut off then.
 */
export const STOP_GRACE_MS = 1000

/**
 * A step's signal as a request sees it, one per signal: `stop` when the signal aborts (the step stops
 * waiting), and `abort`, `STOP_GRACE_MS` later, for undici (the connection is cut). undici accepts an
 * EventEmitter with `aborted` and `reason` as a signal; adding and removing a listener on an
 * AbortSignal (an EventTarget) per request costs a few times what the rest of the client does.
 */
export interface StepStop extends EventEmitter {
  /** True once the grace is over: what undici reads. */
  readonly aborted: boolean
  readonly reason: unknown
}

const stops = new WeakMap<AbortSignal, StepStop>()

export function stepStop(signal: AbortSignal): StepStop {
  let stop = stops.get(signal)
  if (!stop) {
    let cut = false
    const made = new EventEmitter()
    made.setMaxListeners(0)
    Object.defineProperties(made, { aborted: { get: () => cut }, reason: { get: () => signal.reason } })
    const onAbort = () => {
      made.emit('stop')
      setTimeout(() => {
        cut = true
        made.emit('abort')
      }, STOP_GRACE_MS).unref()
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    stop = made as StepStop
    stops.set(signal, stop)
  }
  return stop
}

/**
 * Wait for `work` (a request on its way), or reject with the step signal's reason as soon as it aborts:
 * the step moves on at once, while the request, now detached, is left to finish within the grace and is
 * handed to `detached` so that a rollback can wait for it.
 */
export function untilStepStops<T>(work: Promise<T>, signal: AbortSignal, detached: DetachedRequests, what: string): Promise<T> {
  if (signal.aborted) {
    detached.add(work, what)
    return Promise.reject(signal.reason)
  }
  const stop = stepStop(signal)
  return new Promise<T>((resolve, reject) => {
    const onStop = () => {
      stop.off('stop', onStop)
      detached.add(work, what)
      reject(signal.reason)
    }
    // on + off, not once: once wraps the listener in a new function every time.
    stop.on('stop', onStop)
    work.then(
      (v) => {
        stop.off('stop', onStop)
        resolve(v)
      },
      (e) => {
        stop.off('stop', onStop)
        reject(e)
      },
    )
  })
}

/**
 * Requests whose step stopped waiting while the app may still be handling them. A rollback waits for
 * them first (`settle`); one the app did not answer within the grace is cut off and told to `onAbandoned`,
 * since whatever the app does with it afterwards is not rolled back.
 */
export class DetachedRequests {
  readonly #pending = new Set<Promise<unknown>>()
  readonly #onAbandoned?: (what: string) => void

  constructor(onAbandoned?: (what: string) => void) {
    this.#onAbandoned = onAbandoned
  }

  add(work: Promise<unknown>, what: string): void {
    const tracked = work.then(
      () => {},
      () => this.#onAbandoned?.(what),
    )
    this.#pending.add(tracked)
    void tracked.finally(() => this.#pending.delete(tracked))
  }

  get size(): number {
    return this.#pending.size
  }

  /** Resolves once every detached request has ended; undefined when none is pending (the usual case). */
  settle(): Promise<void> | undefined {
    return this.#pending.size ? this.#drain() : undefined
  }

  async #drain(): Promise<void> {
    while (this.#pending.size) await Promise.all(this.#pending)
  }
}
