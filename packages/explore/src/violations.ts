import { type Exploration, type ExploreAction, type Logger, type SequenceStep, type TakenAction, type ViolationResult, errorMessage } from '@venomqa/core'
import type { ConfirmFn, EmitFn, InvariantRef, SequenceRun, SequenceRunner, ShrinkFn } from './contracts'
import type { FoundViolation } from './explorer'
import { sha1, stableJson } from './hash'
import { invariantName, severityOf } from './invariants'
import { rngFor } from './rng'

/** How many times a minimal sequence is replayed from the root to confirm it. */
export const CONFIRMATIONS = 3
export const SHRINK_LIMITS = { attempts: 500, timeMs: 120_000 }

/** What the search met of one (invariant, last action). */
export interface FoundEntry {
  key: string
  /** The one to shrink: the shortest sequence, and of those the first in depth-first order. */
  found: FoundViolation
  /** Where it was first met in depth-first order (the smallest position of all its meetings). */
  first: number[]
}

/**
 * The violations the search met, one per (invariant, last action), the shortest sequence kept. The
 * same bug is usually met from many states; shrinking each of them would cost a shrink per state for
 * one violation in the end. A different last action may be a different bug, so it is kept apart;
 * after shrinking, violations are merged once more by their minimal sequence.
 */
export class FoundViolations {
  readonly #byKey = new Map<string, FoundEntry>()

  add(found: FoundViolation): void {
    const key = stableJson([invariantName(found.invariant), found.sequence.at(-1)?.action])
    const known = this.#byKey.get(key)
    if (!known) this.#byKey.set(key, { key, found, first: found.position })
    else mergeEntry(known, { key, found, first: found.position })
  }

  get size(): number {
    return this.#byKey.size
  }

  list(): FoundViolation[] {
    return [...this.#byKey.values()].map((e) => e.found)
  }

  /** In the order they were first met. */
  entries(): FoundEntry[] {
    return [...this.#byKey.values()]
  }
}

/** Fold what another meeting (or another explorer) saw of the same key into `known`. */
export function mergeEntry(known: FoundEntry, other: FoundEntry): boolean {
  if (comparePositions(other.first, known.first) < 0) known.first = other.first
  const a = other.found
  const b = known.found
  const better = a.sequence.length < b.sequence.length || (a.sequence.length === b.sequence.length && comparePositions(a.position, b.position) < 0)
  if (better) known.found = a
  return better
}

/** Depth-first order of two places: edge by edge, a place before the places below it. */
export function comparePositions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

/** Stable across runs: the invariant and the sequence's actions and inputs. */
export function violationId(invariant: string, sequence: readonly TakenAction[]): string {
  return sha1(stableJson({ invariant, sequence: sequence.map((t) => [t.action, t.input ?? null]) }))
}

/** A violation to settle, with the lane (worker) that met it: it is replayed there. */
export interface Candidate {
  found: FoundViolation
  /** Replays on the lane that met it; none when that lane crashed (reported as met, unconfirmed). */
  runner?: SequenceRunner
  lane: number
  /** That lane's base URL, stripped from the requests of the emitted journey. */
  baseUrl?: string
}

export interface SettleDeps {
  exploration: Exploration
  explorationFile?: string
  root: string
  actions: ReadonlyMap<string, ExploreAction<any>>
  seed: number
  shrink: boolean
  /** Where journeys are written, relative to the root; false: none. */
  emitDir: string | false
  signal: AbortSignal
  logger?: Logger
  shrinkFn: ShrinkFn
  confirmFn: ConfirmFn
  emitFn: EmitFn
  /** A journey could not be written: told, not fatal. */
  onEmitError(message: string): void
}

/**
 * Turn what the search met into reported violations: shrink each (unless told not to), confirm the
 * minimal sequence 3 times from the root (flaky when not every time), merge those with one id, write the
 * regression journey. Each is replayed on the lane that met it; the lanes work at the same time, each
 * through its own in order. The result keeps the candidates' order, whatever the lanes' pace. On
 * Ctrl-C, what is not settled yet is reported as found, unconfirmed.
 */
export async function settleViolations(candidates: readonly Candidate[], deps: SettleDeps): Promise<ViolationResult[]> {
  const settled: Settled[] = new Array(candidates.length)
  const lanes = [...new Set(candidates.map((c) => c.lane))]
  await Promise.all(
    lanes.map(async (lane) => {
      for (const [i, c] of candidates.entries()) {
        if (c.lane !== lane) continue
        const { runner } = c
        settled[i] =
          deps.signal.aborted || !runner
            ? { result: unsettled(c.found) }
            : await settleOne(c.found, runner, deps).catch((err) => (deps.signal.aborted ? { result: unsettled(c.found) } : Promise.reject(err)))
      }
    }),
  )
  const out = new Map<string, ViolationResult>()
  for (const [i, s] of settled.entries()) {
    if (out.has(s.result.id)) continue
    out.set(s.result.id, s.result)
    if (s.run && deps.emitDir !== false) await emit(s.result, s.run, candidates[i]!.baseUrl, deps)
  }
  return [...out.values()]
}

/** A settled violation, with the confirming run that broke it (when one did) to write the journey from. */
interface Settled {
  result: ViolationResult
  run?: SequenceRun
}

async function settleOne(f: FoundViolation, runner: SequenceRunner, deps: SettleDeps): Promise<Settled> {
  const name = invariantName(f.invariant)
  const sequence = deps.shrink
    ? (
        await deps.shrinkFn({
          sequence: f.sequence,
          invariant: f.invariant,
          actions: deps.actions,
          runner,
          rng: rngFor(deps.seed, `shrink|${name}`),
          limits: SHRINK_LIMITS,
        })
      ).sequence
    : f.sequence
  const confirmed = await deps.confirmFn({ sequence, invariant: f.invariant, runner, times: CONFIRMATIONS })
  const id = violationId(name, sequence)
  const result: ViolationResult = {
    invariant: name,
    severity: severityOf(f.invariant),
    message: confirmed.run.violation ?? f.message,
    sequence: stepsOf(confirmed.run, sequence),
    probes: confirmed.run.violation !== undefined ? confirmed.run.probes : f.probes,
    foundLength: f.sequence.length,
    reproduced: { attempts: confirmed.attempts, failures: confirmed.failures },
    flaky: confirmed.failures < confirmed.attempts,
    id,
  }
  return { result, run: confirmed.failures > 0 ? confirmed.run : undefined }
}

async function emit(result: ViolationResult, run: SequenceRun, baseUrl: string | undefined, deps: SettleDeps): Promise<void> {
  if (deps.emitDir === false) return
  try {
    result.emittedFile = await deps.emitFn({
      exploration: deps.exploration,
      explorationFile: deps.explorationFile,
      root: deps.root,
      dir: deps.emitDir,
      invariant: result.invariant,
      id: result.id,
      run,
      ...(baseUrl !== undefined ? { baseUrl } : {}),
    })
  } catch (err) {
    deps.onEmitError(`could not write the regression journey for "${result.invariant}": ${errorMessage(err)}`)
  }
}

/** The steps as the confirming run ran them (with their requests), else as they were found. */
function stepsOf(run: SequenceRun, sequence: readonly TakenAction[]): SequenceStep[] {
  if (run.steps.length === sequence.length) return run.steps.filter((s) => s.enabled).map((s) => ({ action: s.action, input: s.input, exchanges: s.exchanges }))
  return sequence.map((t) => ({ action: t.action, input: t.input, exchanges: [] }))
}

/** Violations met by the search, reported as they were met (the exploration was interrupted). */
export function unsettledViolations(found: readonly FoundViolation[]): ViolationResult[] {
  const out = new Map<string, ViolationResult>()
  for (const f of found) {
    const v = unsettled(f)
    if (!out.has(v.id)) out.set(v.id, v)
  }
  return [...out.values()]
}

/** A violation met by the search but not shrunk or confirmed (the exploration was interrupted). */
function unsettled(f: FoundViolation): ViolationResult {
  const name = invariantName(f.invariant)
  return {
    invariant: name,
    severity: severityOf(f.invariant),
    message: f.message,
    sequence: f.sequence.map((t, i) => ({ action: t.action, input: t.input, exchanges: i === f.sequence.length - 1 ? f.exchanges : [] })),
    probes: f.probes,
    foundLength: f.sequence.length,
    reproduced: { attempts: 0, failures: 0 },
    flaky: false,
    id: violationId(name, f.sequence),
  }
}

export type { InvariantRef }
