import type { ActionArgs, Ports } from '@venomqa/core'
import { noteKept } from '../http/server-errors'

/**
 * An action that ignores its signal goes on after its step's deadline (or the journey's, or an interrupt):
 * the runner moved on at once, and by the time the action wakes up the rollback before the next path may
 * have run. What it changes then lands in the state of whatever runs now. Its HTTP requests are refused
 * already (RunnerHttpClient.bind); these views refuse the rest the same way, with the step's own reason:
 * writes to the context, and every call on a port (a cache set, a mail deleted, a job enqueued).
 */

const CONTEXT_WRITES: ReadonlySet<PropertyKey> = new Set(['set', 'delete', 'restore'])

/**
 * Views made already, by what they guard and the signal they refuse after. Steps without a deadline of
 * their own share the journey's signal, and so one view of the context and one of the ports per journey:
 * a view depends on nothing else, and making two proxies and their maps for every step was a good part of
 * what a step cost beyond its requests.
 */
const contextViews = new WeakMap<object, WeakMap<AbortSignal, ActionArgs['ctx']>>()
const portViews = new WeakMap<object, WeakMap<AbortSignal, Ports>>()

function viewOf<T extends object>(views: WeakMap<object, WeakMap<AbortSignal, T>>, target: object, signal: AbortSignal, make: () => T): T {
  let bySignal = views.get(target)
  if (!bySignal) views.set(target, (bySignal = new WeakMap()))
  let view = bySignal.get(signal)
  if (!view) bySignal.set(signal, (view = make()))
  return view
}

/** The context as the step sees it: reads always work; writes throw once `signal` aborted. */
export function contextForStep(ctx: ActionArgs['ctx'], signal: AbortSignal): ActionArgs['ctx'] {
  return viewOf(contextViews, ctx, signal, () => contextView(ctx, signal))
}

function contextView(ctx: ActionArgs['ctx'], signal: AbortSignal): ActionArgs['ctx'] {
  // Each method as the view gives it, made at its first read: `ctx.require(...)` in every step of a journey
  // reads the same method.
  type Method = (...args: unknown[]) => unknown
  const methods = new Map<PropertyKey, { of: Method; given: Method }>()
  const view: ActionArgs['ctx'] = new Proxy(ctx, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      const known = methods.get(prop)
      if (known && known.of === value) return known.given
      const given: Method = !CONTEXT_WRITES.has(prop)
        ? value.bind(target)
        : (...args: unknown[]) => {
            if (signal.aborted) throw signal.reason
            // A response put in the context as it is is kept for a later step to look at (see server-errors.ts).
            if (prop === 'set') noteKept(args[1])
            const result = value.apply(target, args)
            // `ctx.set(a, 1).set(b, 2)`: the chain goes on through the view, its guard with it.
            return result === target ? view : result
          }
      methods.set(prop, { of: value, given })
      return given
    },
    set(target, prop, value) {
      if (signal.aborted) throw signal.reason
      return Reflect.set(target, prop, value, target)
    },
  })
  return view
}

/** The ports as the step sees them: each port's methods throw once `signal` aborted. */
export function portsForStep(ports: Ports, signal: AbortSignal): Ports {
  return viewOf(portViews, ports, signal, () => portsView(ports, signal))
}

function portsView(ports: Ports, signal: AbortSignal): Ports {
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
      if (isFixed(target, prop)) return value
      return view(value)
    },
  })
}

/**
 * A property a Proxy must give as it is (JavaScript throws otherwise): an own data property that can be
 * neither written nor reconfigured, as every property of a frozen port is. Such a port goes unguarded.
 */
function isFixed(target: object, prop: PropertyKey): boolean {
  const own = Object.getOwnPropertyDescriptor(target, prop)
  return !!own && own.configurable === false && own.writable === false
}

function guardPort(port: object, signal: AbortSignal): object {
  // One guarded function per function of the port: a Proxy of it, so that what it carries stays (a
  // callable client with methods of its own, `knex.raw`), `new` still works, and `this` is the port itself
  // (its private fields are the port's, not the view's).
  type Fn = (...args: never) => unknown
  const guarded = new Map<PropertyKey, { of: Fn; guard: Fn }>()
  return new Proxy(port, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function' || prop === 'constructor' || isFixed(target, prop)) return value
      const known = guarded.get(prop)
      if (known && known.of === value) return known.guard
      const guard = new Proxy(value as Fn, {
        apply(fn, _this, args) {
          if (signal.aborted) return refuse(fn, signal.reason)
          const result: unknown = Reflect.apply(fn, target, args)
          if (!KINDS.has(fn)) KINDS.set(fn, isThenable(result) ? 'promise' : 'value')
          return result
        },
      })
      guarded.set(prop, { of: value, guard })
      return guard
    },
    set(target, prop, value) {
      if (signal.aborted) throw signal.reason
      // The port itself as `this` of a setter: its private fields are the port's.
      return Reflect.set(target, prop, value, target)
    },
  })
}

/**
 * What a function gave when called through a view before: a promise or a value. Keyed by the function, so a
 * method of a class is known for every port of that class, in every step.
 */
const KINDS = new WeakMap<object, 'promise' | 'value'>()

function isThenable(value: unknown): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

/**
 * A call refused after the deadline, as the method would fail: a method that returns a promise (an async
 * one, or one seen returning a promise through a view before) rejects, so that `.catch()` and `await` on it
 * see the reason; any other throws, as a plain synchronous method (seen returning a value) must, its
 * callers using its value. A method never called before cannot be told from a synchronous one without
 * calling it, and throws too.
 */
function refuse(fn: object, reason: unknown): unknown {
  if (fn.constructor?.name === 'AsyncFunction' || KINDS.get(fn) === 'promise') return Promise.reject(reason)
  throw reason
}
