import { didYouMean } from './did-you-mean'
import { VenomError } from './errors'
import { isSecretKey, knownSecrets, secretsOfValue } from './redact'

export type ContextSnapshot = Readonly<Record<string, unknown>>

/** Symbol.for: a plugin may load another copy of core, and its views must answer to this one's too. */
const SELF = Symbol.for('venomqa.context.self')

/**
 * The context behind `ctx`, the same object for every step of a journey (and of a path, a worker's lane,
 * a replay): what to key a WeakMap of per-journey state by. Each step gets a view of it that refuses writes
 * once the step is over (its deadline passed, the run was interrupted), so `ctx` itself is another object
 * in every step.
 */
export function contextIdentity(ctx: Context): Context {
  return (ctx as unknown as { [SELF]?: Context })[SELF] ?? ctx
}

/**
 * The values steps share (ids, tokens). Reads and writes go through deep copies at snapshot and restore,
 * so a path can never change what another path, or the main line after a branch, sees.
 */
export class Context {
  #values = new Map<string, unknown>()

  constructor(initial?: Record<string, unknown>) {
    if (initial) for (const [k, v] of Object.entries(initial)) this.set(k, v)
  }

  /** Itself, read through a view of it as the context itself (see contextIdentity). */
  get [SELF](): Context {
    return this
  }

  get<T = unknown>(key: string): T | undefined
  get<T>(key: string, fallback: T): T
  get<T>(key: string, fallback?: T): T | undefined {
    return this.#values.has(key) ? (this.#values.get(key) as T) : fallback
  }

  /** Like `get`, but a missing key is an error that names it and lists what the context holds. */
  require<T = unknown>(key: string): T {
    if (!this.#values.has(key)) {
      const have = [...this.#values.keys()]
      // A key spelt another way (`todoID` for `todoId`) is named: the list alone hides it among the rest.
      const near = didYouMean(key, have)
      throw new VenomError(
        'E_CONTEXT_MISSING',
        `context has no "${key}"${have.length ? ` (${near ? `did you mean "${near}"? ` : ''}it has: ${have.join(', ')})` : ' (it is empty)'}`,
      )
    }
    return this.#values.get(key) as T
  }

  set(key: string, value: unknown): this {
    this.#values.set(key, value)
    // A value kept under a secret name (`token`, `apiKey`, `session: { refresh_token }`) is masked wherever
    // a step later writes it: a log line, an error message, an assertion under an innocent label.
    // Read lazily, and only where one can sit: most keys are ids and counts.
    if (isSecretKey(key) || (value !== null && typeof value === 'object')) knownSecrets.addLater(() => secretsOfValue({ [key]: value }))
    return this
  }

  has(key: string): boolean {
    return this.#values.has(key)
  }

  delete(key: string): boolean {
    return this.#values.delete(key)
  }

  keys(): string[] {
    return [...this.#values.keys()]
  }

  get size(): number {
    return this.#values.size
  }

  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this.#values)
  }

  /** A deep copy of every value, taken now. */
  snapshot(): ContextSnapshot {
    const out: Record<string, unknown> = {}
    // Defined, not assigned: `out['__proto__'] = v` would set the prototype, and the value be lost.
    for (const [k, v] of this.#values) Object.defineProperty(out, k, { value: deepCopy(v, k), enumerable: true, writable: true, configurable: true })
    return Object.freeze(out)
  }

  /**
   * Replace every value with a deep copy of the snapshot's. Keys set after the snapshot are gone. A
   * snapshot's values are copies already, which snapshot() checked: copied again without the check, which
   * would only walk them once more at every rollback.
   */
  restore(snapshot: ContextSnapshot): void {
    this.#values.clear()
    for (const [k, v] of Object.entries(snapshot)) this.#values.set(k, v === null || typeof v !== 'object' ? v : structuredClone(v))
  }
}

function deepCopy(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol')
      throw new VenomError('E_CONTEXT_COPY', `context value "${key}" is a ${typeof value} and cannot be snapshotted`)
    return value
  }
  const lost = lostInCopy(value, key, new Set())
  if (lost)
    throw new VenomError(
      'E_CONTEXT_COPY',
      `context value "${key}" holds ${lost.what}${lost.at === key ? '' : ` at ${lost.at}`}: a checkpoint copies plain data, and the copy would lose ${lost.loses}; store its data instead`,
    )
  try {
    return structuredClone(value)
  } catch (err) {
    throw new VenomError(
      'E_CONTEXT_COPY',
      `context value "${key}" cannot be copied for a checkpoint (${(err as Error).message}); store plain data`,
      { cause: err },
    )
  }
}

/**
 * Besides plain objects and arrays (looked into by lostInCopy), what structuredClone copies with its kind
 * kept; an object of any other prototype is copied as a plain object.
 */
const CLONED_AS_THEMSELVES: ReadonlySet<object | null> = new Set<object | null>([
  Date.prototype,
  RegExp.prototype,
  Map.prototype,
  Set.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  BigInt.prototype,
  ...[globalThis.SharedArrayBuffer, globalThis.Blob].filter((c) => typeof c === 'function').map((c) => c.prototype as object),
  ...[Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array].map((t) => t.prototype),
])

/** The errors structuredClone copies as what they are (of any realm): any other class of error comes back a plain Error. */
const CLONED_ERRORS: ReadonlySet<string> = new Set(['Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError'])

/** What an error's copy keeps of its own properties. */
const ERROR_KEEPS = new Set(['message', 'stack', 'cause'])

/** Object.prototype of this realm or another (a value made in a vm context): a plain object's prototype. */
function isObjectPrototype(proto: object | null): boolean {
  return proto === null || proto === Object.prototype || (Object.getPrototypeOf(proto) === null && (proto as { constructor?: { name?: unknown } }).constructor?.name === 'Object')
}

const nameOf = (proto: object | null): string => {
  const name = (proto as { constructor?: { name?: unknown } } | null)?.constructor?.name
  return typeof name === 'string' && name ? name : 'a class'
}

/**
 * The first thing in `value` that structuredClone would copy without something it has, silently: an instance
 * of a class of the test's own (`new Money(150)`) without its methods, an object made with Object.create
 * without what it inherits, an error of a class of its own as a plain Error, an error's own properties
 * (`code`). Anything structuredClone refuses outright (a URL, a function inside) it says so itself.
 */
function lostInCopy(value: unknown, at: string, seen: Set<object>): { what: string; loses: string; at: string } | undefined {
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined
  seen.add(value)
  const proto = Object.getPrototypeOf(value) as object | null
  if (value instanceof Error || Object.prototype.toString.call(value) === '[object Error]') {
    if (!CLONED_ERRORS.has(nameOf(proto))) return { what: `an error of class ${nameOf(proto)}`, loses: 'its class and what it adds to Error', at }
    const own = Object.keys(value).filter((k) => !ERROR_KEEPS.has(k))
    if (own.length) return { what: `an error with properties of its own (${own.slice(0, 3).join(', ')})`, loses: own.length === 1 ? 'it' : 'them', at }
    return lostInCopy((value as Error).cause, `${at}.cause`, seen)
  }
  if (Array.isArray(value)) {
    if (nameOf(proto) !== 'Array') return { what: `an instance of ${nameOf(proto)}`, loses: 'its class and methods', at }
    for (let i = 0; i < value.length; i++) {
      const found = lostInCopy(value[i], `${at}[${i}]`, seen)
      if (found) return found
    }
    return undefined
  }
  if (isObjectPrototype(proto)) {
    for (const [k, v] of Object.entries(value)) {
      const found = lostInCopy(v, `${at}.${k}`, seen)
      if (found) return found
    }
    return undefined
  }
  if (!CLONED_AS_THEMSELVES.has(proto)) {
    // Object.create(defaults): a plain object whose prototype is another plain object.
    if (nameOf(proto) === 'Object') return { what: 'an object that inherits properties from another (Object.create)', loses: 'what it inherits', at }
    return { what: `an instance of ${nameOf(proto)}`, loses: 'its class and methods', at }
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      const found = lostInCopy(k, `${at} (a key)`, seen) ?? lostInCopy(v, `${at}.get(${typeof k === 'string' ? JSON.stringify(k) : '…'})`, seen)
      if (found) return found
    }
  } else if (value instanceof Set) {
    for (const v of value) {
      const found = lostInCopy(v, `${at} (a member)`, seen)
      if (found) return found
    }
  }
  return undefined
}
