import type { ActionArgs, Ports } from '@venomqa/core'

/**
 * An action that ignores its signal goes on after its step's deadline (or the journey's, or an interrupt):
 * the runner moved on at once, and by the time the action wakes up the rollback before the next path may
 * have run. What it changes then lands in the state of whatever runs now. Its HTTP requests are refused
 * already (RunnerHttpClient.bind); these views refuse the rest the same way, with the step's own reason:
 * writes to the context, and every call on a port (a cache set, a mail deleted, a job enqueued).
 */

const CONTEXT_WRITES: ReadonlySet<PropertyKey> = new Set(['set', 'delete', 'restore'])

/** The context as the step sees it: reads always work; writes throw once `signal` aborted. */
export function contextForStep(ctx: ActionArgs['ctx'], signal: AbortSignal): ActionArgs['ctx'] {
  return new Proxy(ctx, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      if (!CONTEXT_WRITES.has(prop)) return value.bind(target)
      return (...args: unknown[]) => {
        if (signal.aborted) throw signal.reason
        return value.apply(target, args)
      }
    },
    set(target, prop, value) {
      if (signal.aborted) throw signal.reason
      return Reflect.set(target, prop, value, target)
    },
  })
}

/** The ports as the step sees them: each port's methods throw once `signal` aborted. */
export function portsForStep(ports: Ports, signal: AbortSignal): Ports {
  const views = new WeakMap<object, unknown>()
  const view = (port: unknown): unknown => {
    if (port === null || typeof port !== 'object') return port
    let guarded = views.get(port)
    if (!guarded) {
      guarded = guardPort(port, signal)
      views.set(port, guarded)
    }
    return guarded
  }
  return new Proxy(ports, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (prop === 'require') return (name: string) => view((value as (n: string) => unknown).call(target, name))
      if (prop === 'has' || prop === 'names' || typeof prop === 'symbol') return typeof value === 'function' ? value.bind(target) : value
      return view(value)
    },
  })
}

function guardPort(port: object, signal: AbortSignal): object {
  return new Proxy(port, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function' || prop === 'constructor') return value
      // An async method refuses as it would fail: with a rejected promise, so `.catch()` on it still works.
      const async = value.constructor?.name === 'AsyncFunction'
      return (...args: unknown[]) => {
        if (signal.aborted) {
          if (async) return Promise.reject(signal.reason)
          throw signal.reason
        }
        return value.apply(target, args)
      }
    },
  })
}
