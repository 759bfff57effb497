import { type BackendTiming, CheckpointStack, Context, type ContextSnapshot, type StateBackend, StateError, errorMessage } from '@venomqa/core'
import type { UndiciHttpClient } from './http-client'

/** A checkpoint a backend could not release, and how much that matters (see World.releaseAll). */
export interface ReleaseProblem {
  error: string
  severity: 'critical' | 'medium'
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
 */
export class World {
  readonly backends: readonly StateBackend[]
  #ctx: Context
  readonly #extras: readonly Restorable[]
  readonly #stack = new CheckpointStack<Saved>('world')
  readonly #settle?: () => Promise<void> | undefined

  /**
   * `settle`, when given, is waited for before every rollback: what the app may still be doing for the
   * run (requests whose steps stopped waiting for them) must be done before it is undone.
   */
  constructor(backends: readonly StateBackend[], ctx: Context, extras: readonly Restorable[] = [], settle?: () => Promise<void> | undefined) {
    this.backends = backends
    this.#ctx = ctx
    this.#extras = extras
    this.#settle = settle
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

  async rollback(name: string): Promise<BackendTiming[]> {
    const settling = this.#settle?.()
    if (settling) await settling
    let timings: BackendTiming[] = []
    await this.#stack.rollback(name, async (saved) => {
      timings = await this.#fanOut(`rollback to "${name}"`, (b) => b.rollback(name))
      this.#ctx.restore(saved.ctx)
      this.#extras.forEach((e, i) => e.restore(saved.extras[i]))
    })
    return timings
  }

  /**
   * Release every open checkpoint, newest first, so that each release frees one checkpoint. Problems are
   * collected, not thrown, so all get a chance: a release that failed is cleanup left undone (medium),
   * one that found the state wrong (a StateError that says so) is critical.
   */
  async releaseAll(): Promise<ReleaseProblem[]> {
    const problems: ReleaseProblem[] = []
    for (const { name } of this.#stack.clear().reverse()) {
      for (const b of this.backends) {
        try {
          await b.release(name)
        } catch (err) {
          const severity = err instanceof StateError && err.stateIsWrong ? 'critical' : 'medium'
          problems.push({ error: `${b.name}: release "${name}" failed: ${errorMessage(err)}`, severity })
        }
      }
    }
    return problems
  }

  /** Call every backend in turn, timing each; the first failure stops the rest, as a StateError. */
  async #fanOut(doing: string, call: (b: StateBackend) => Promise<void>): Promise<BackendTiming[]> {
    const timings: BackendTiming[] = []
    for (const b of this.backends) {
      const t0 = performance.now()
      try {
        await call(b)
      } catch (err) {
        throw err instanceof StateError ? err : new StateError(b.name, `${doing} failed: ${errorMessage(err)}`, { cause: err })
      }
      timings.push({ backend: b.name, mechanism: b.mechanism, durationMs: performance.now() - t0 })
    }
    return timings
  }

  /** Best effort: the checkpoint's own failure is what gets reported, and the journey stops on it. */
  async #releaseEverywhere(name: string): Promise<void> {
    for (const b of this.backends) await b.release(name).catch(() => {})
  }
}

/**
 * The World of a lane whose requests go through `http`: the client's headers (the login) are part of
 * every checkpoint, and its requests still in flight end before any rollback.
 */
export function laneWorld(backends: readonly StateBackend[], http: UndiciHttpClient): World {
  return new World(backends, new Context(), [{ snapshot: () => http.snapshotHeaders(), restore: (h) => http.restoreHeaders(h as Record<string, string>) }], () => http.settleDetached())
}
