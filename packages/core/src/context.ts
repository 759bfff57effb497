import { VenomError } from './errors'
import { isSecretKey, knownSecrets, secretsOfValue } from './redact'

export type ContextSnapshot = Readonly<Record<string, unknown>>

/**
 * The values steps share (ids, tokens). Reads and writes go through deep copies at snapshot and restore,
 * so a path can never change what another path, or the main line after a branch, sees.
 */
export class Context {
  #values = new Map<string, unknown>()

  constructor(initial?: Record<string, unknown>) {
    if (initial) for (const [k, v] of Object.entries(initial)) this.set(k, v)
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
      throw new VenomError(
        'E_CONTEXT_MISSING',
        `context has no "${key}"${have.length ? ` (it has: ${have.join(', ')})` : ' (it is empty)'}`,
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

  /** Replace every value with a deep copy of the snapshot's. Keys set after the snapshot are gone. */
  restore(snapshot: ContextSnapshot): void {
    this.#values.clear()
    for (const [k, v] of Object.entries(snapshot)) this.#values.set(k, deepCopy(v, k))
  }
}

function deepCopy(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol')
      throw new VenomError('E_CONTEXT_COPY', `context value "${key}" is a ${typeof value} and cannot be snapshotted`)
    return value
  }
  const instance = classInstanceIn(value, key, new Set())
  if (instance)
    throw new VenomError(
      'E_CONTEXT_COPY',
      `context value "${key}" holds an instance of ${instance.className}${instance.at === key ? '' : ` at ${instance.at}`}: a checkpoint copies plain data, and the copy would lose its class and methods; store its data instead`,
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

/** What structuredClone copies with its kind kept; an object of any other prototype is copied as a plain object. */
const CLONED_AS_THEMSELVES: ReadonlySet<object | null> = new Set<object | null>([
  null,
  Object.prototype,
  Array.prototype,
  Date.prototype,
  RegExp.prototype,
  Map.prototype,
  Set.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  ...[Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array].map((t) => t.prototype),
])

/**
 * The first object in `value` that structuredClone would copy without its class: an instance of a class of
 * the test's own (`new Money(150)`), whose copy on a path would have none of its methods. Errors are cloned
 * as errors; anything structuredClone refuses outright (a URL, a function inside) it says so itself.
 */
function classInstanceIn(value: unknown, at: string, seen: Set<object>): { className: string; at: string } | undefined {
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined
  seen.add(value)
  const proto = Object.getPrototypeOf(value) as object | null
  if (!CLONED_AS_THEMSELVES.has(proto) && !(value instanceof Error)) {
    const className = (proto as { constructor?: { name?: unknown } } | null)?.constructor?.name
    return { className: typeof className === 'string' && className ? className : 'a class', at }
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      const found = classInstanceIn(k, `${at} (a key)`, seen) ?? classInstanceIn(v, `${at}.get(${typeof k === 'string' ? JSON.stringify(k) : '…'})`, seen)
      if (found) return found
    }
  } else if (value instanceof Set) {
    for (const v of value) {
      const found = classInstanceIn(v, `${at} (a member)`, seen)
      if (found) return found
    }
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = classInstanceIn(value[i], `${at}[${i}]`, seen)
      if (found) return found
    }
  } else if (proto === Object.prototype || proto === null) {
    for (const [k, v] of Object.entries(value)) {
      const found = classInstanceIn(v, `${at}.${k}`, seen)
      if (found) return found
    }
  }
  return undefined
}
