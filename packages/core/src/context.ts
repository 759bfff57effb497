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
