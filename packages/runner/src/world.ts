import { type BackendTiming, type Context, type ContextSnapshot, StateBackend, StateError, errorMessage } from '@venomqa/core'

/** Runner-side state that a checkpoint also saves, e.g. the HTTP client's auth header. */
export interface Restorable<S = unknown> {
  snapshot(): S
  restore(snapshot: S): void
}

/**
 * The state of the system under test: every registered backend plus the journey's context.
 * Checkpoint and rollback fan out to all of them; checkpoints form a stack, as savepoints do, so rolling
 * back to one drops every checkpoint taken after it.
 */
export class World {
  readonly backends: readonly StateBackend[]
  #ctx: Context
  readonly #extras: readonly Restorable[]
  readonly #stack: { name: string; ctx: ContextSnapshot; extras: unknown[] }[] = []

  constructor(backends: readonly StateBackend[], ctx: Context, extras: readonly Restorable[] = []) {
    this.backends = backends
    this.#ctx = ctx
    this.#extras = extras
  }

  /** The context as it was at an open checkpoint (a deep copy each time). */
  contextAt(name: string): ContextSnapshot | undefined {
    return this.#stack.find((c) => c.name === name)?.ctx
  }

  /** What the extras (HTTP headers...) were at an open checkpoint. */
  extrasAt(name: string): unknown[] | undefined {
    return this.#stack.find((c) => c.name === name)?.extras
  }

  get ctx(): Context {
    return this.#ctx
  }

  /** Checkpoints open right now, oldest first. */
  get open(): string[] {
    return this.#stack.map((c) => c.name)
  }

  async checkpoint(name: string): Promise<BackendTiming[]> {
    const timings: BackendTiming[] = []
    // Snapshot the context first: if it cannot be copied, no backend has done any work yet.
    const ctx = this.#ctx.snapshot()
    const extras = this.#extras.map((e) => e.snapshot())
    for (const b of this.backends) {
      const t0 = performance.now()
      try {
        await b.checkpoint(name)
      } catch (err) {
        throw err instanceof StateError ? err : new StateError(b.name, `checkpoint "${name}" failed: ${errorMessage(err)}`, { cause: err })
      }
      timings.push({ backend: b.name, mechanism: b.mechanism, durationMs: performance.now() - t0 })
    }
    this.#stack.push({ name, ctx, extras })
    return timings
  }

  async rollback(name: string): Promise<BackendTiming[]> {
    const index = this.#stack.findIndex((c) => c.name === name)
    if (index < 0) throw new StateError('world', `no open checkpoint "${name}" (open: ${this.open.join(', ') || 'none'})`)
    const timings: BackendTiming[] = []
    for (const b of this.backends) {
      const t0 = performance.now()
      try {
        await b.rollback(name)
      } catch (err) {
        throw err instanceof StateError ? err : new StateError(b.name, `rollback to "${name}" failed: ${errorMessage(err)}`, { cause: err })
      }
      timings.push({ backend: b.name, mechanism: b.mechanism, durationMs: performance.now() - t0 })
    }
    const saved = this.#stack[index]!
    this.#ctx.restore(saved.ctx)
    this.#extras.forEach((e, i) => e.restore(saved.extras[i]))
    this.#stack.length = index + 1
    return timings
  }

  /** Release every open checkpoint, newest first. Errors are collected, not thrown, so all get a chance. */
  async releaseAll(): Promise<string[]> {
    const errors: string[] = []
    while (this.#stack.length) {
      const { name } = this.#stack.pop()!
      for (const b of this.backends) {
        try {
          await b.release(name)
        } catch (err) {
          errors.push(`${b.name}: release "${name}" failed: ${errorMessage(err)}`)
        }
      }
    }
    return errors
  }
}
