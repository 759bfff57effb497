import { type Exploration, type ExploreAction, type Logger, type SequenceStep, type TakenAction, type ViolationResult, errorMessage } from '@venomqa/core'
import type { ConfirmFn, EmitFn, InvariantRef, NoAnswer, SequenceRun, SequenceRunner, ShrinkFn, WrittenJourney } from './contracts'
import type { FoundViolation } from './explorer'
import { sha1, stableJson } from './hash'
import { invariantName, severityOf } from './invariants'
import { NOT_CONFIRMED } from './no-answer'
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

/**
 * Stable across runs: the exploration, the invariant and the sequence's actions and inputs. The
 * exploration's name is part of it: two explorations that break one invariant with one sequence (a
 * copy with another setup, another config) are two violations, each with a regression journey of its own.
 */
export function violationId(exploration: string, invariant: string, sequence: readonly TakenAction[]): string {
  return sha1(stableJson({ exploration, invariant, sequence: sequence.map((t) => [t.action, t.input ?? null]) }))
}

/** A violation to settle, with the lane (worker) that met it: it is replayed there. */
export interface Candidate {
  found: FoundViolation
  /** Replays on the lane that met it; none when that lane crashed (reported as met, unconfirmed). */
  runner?: SequenceRunner
  lane: number
  /** That lane's base URL, stripped from the requests of the emitted journey. */
  baseUrl?: string
  /** The app stopped answering during that lane's search: nothing can be replayed there. */
  appStopped?: NoAnswer
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
  /** The journeys the run wrote so far (see EmitFn). */
  writtenThisRun?: Map<string, WrittenJourney>
  signal: AbortSignal
  logger?: Logger
  shrinkFn: ShrinkFn
  confirmFn: ConfirmFn
  emitFn: EmitFn
  /** A journey could not be written: told, not fatal. */
  onEmitError(message: string): void
  /** The app of a lane stopped answering while its violations were replayed: told once per lane. */
  onAppStopped(noAnswer: NoAnswer, lane: number): void
}

/**
 * Turn what the search met into reported violations: shrink each (unless told not to), confirm the
 * minimal sequence 3 times from the root (flaky when not every time), merge those with one id, write the
 * regression journey. Each is replayed on the lane that met it; the lanes work at the same time, each
 * through its own in order. The result keeps the candidates' order, whatever the lanes' pace. On
 * Ctrl-C, what is not settled yet is reported as found, unconfirmed. So is what a lane whose app
 * stopped answering has not settled by then (with NOT_CONFIRMED in its message): its replays tell
 * nothing any more, and the sequence as met is the one thing known of it.
 */
export async function settleViolations(candidates: readonly Candidate[], deps: SettleDeps): Promise<ViolationResult[]> {
  const settled: Settled[] = new Array(candidates.length)
  const lanes = [...new Set(candidates.map((c) => c.lane))]
  await Promise.all(
    lanes.map(async (lane) => {
      let stopped = candidates.find((c) => c.lane === lane && c.appStopped)?.appStopped
      for (const [i, c] of candidates.entries()) {
        if (c.lane !== lane) continue
        const { runner } = c
        const { name } = deps.exploration
        if (stopped) settled[i] = { result: unsettled(name, c.found, NOT_CONFIRMED) }
        else if (deps.signal.aborted || !runner) settled[i] = { result: unsettled(name, c.found) }
        else {
          const s: Settled = await settleOne(c.found, runner, deps).catch((err) => (deps.signal.aborted ? { result: unsettled(name, c.found) } : Promise.reject(err)))
          settled[i] = s
          if (s.appStopped) {
            stopped = s.appStopped
            deps.onAppStopped(stopped, lane)
          }
        }
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

/**
 * A settled violation, with the confirming run that broke it (when one did) to write the journey from;
 * `appStopped` when the app stopped answering before it could be settled.
 */
interface Settled {
  result: ViolationResult
  run?: SequenceRun
  appStopped?: NoAnswer
}

async function settleOne(f: FoundViolation, runner: SequenceRunner, deps: SettleDeps): Promise<Settled> {
  const name = invariantName(f.invariant)
  const failure = f.failure !== undefined ? { failure: f.failure } : {}
  const shrunk = deps.shrink
    ? await deps.shrinkFn({
        sequence: f.sequence,
        invariant: f.invariant,
        actions: deps.actions,
        runner,
        rng: rngFor(deps.seed, `shrink|${name}`),
        limits: SHRINK_LIMITS,
        ...failure,
      })
    : undefined
  // A sequence shrunk (or confirmed) by replays against an app that stopped answering is no finding:
  // what the search met, with the app answering, is reported instead.
  if (shrunk?.noAnswer) return { result: unsettled(deps.exploration.name, f, NOT_CONFIRMED), appStopped: shrunk.noAnswer }
  const sequence = shrunk?.sequence ?? f.sequence
  const confirmed = await deps.confirmFn({ sequence, invariant: f.invariant, runner, times: CONFIRMATIONS, ...failure })
  if (confirmed.noAnswer) return { result: unsettled(deps.exploration.name, f, NOT_CONFIRMED), appStopped: confirmed.noAnswer }
  const id = violationId(deps.exploration.name, name, sequence)
  const notShrunk = deps.shrink ? shrunk?.notShrunk : 'shrinking was turned off (--no-shrink)'
  const result: ViolationResult = {
    invariant: name,
    severity: severityOf(f.invariant),
    message: confirmed.run.violation ?? f.message,
    sequence: stepsOf(confirmed.run, sequence),
    probes: confirmed.run.violation !== undefined ? confirmed.run.probes : f.probes,
    foundLength: f.sequence.length,
    reproduced: { attempts: confirmed.attempts, failures: confirmed.failures },
    flaky: confirmed.failures < confirmed.attempts,
    ...(notShrunk ? { notShrunk } : {}),
    ...(shrunk?.shrinkLimit ? { shrinkLimit: shrunk.shrinkLimit } : {}),
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
      ...(result.flaky ? { flaky: true } : {}),
      ...(result.notShrunk ? { notShrunk: result.notShrunk } : {}),
      ...(result.shrinkLimit ? { shrinkLimit: result.shrinkLimit } : {}),
      ...(baseUrl !== undefined ? { baseUrl } : {}),
      ...(deps.writtenThisRun ? { writtenThisRun: deps.writtenThisRun } : {}),
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
export function unsettledViolations(exploration: string, found: readonly FoundViolation[]): ViolationResult[] {
  const out = new Map<string, ViolationResult>()
  for (const f of found) {
    const v = unsettled(exploration, f)
    if (!out.has(v.id)) out.set(v.id, v)
  }
  return [...out.values()]
}

/**
 * A violation met by the search but not shrunk or confirmed (the exploration was interrupted, or the app
 * stopped answering: `note` says why, after the message).
 */
function unsettled(exploration: string, f: FoundViolation, note?: string): ViolationResult {
  const name = invariantName(f.invariant)
  return {
    invariant: name,
    severity: severityOf(f.invariant),
    message: note ? `${f.message} (${note})` : f.message,
    sequence: f.sequence.map((t, i) => ({ action: t.action, input: t.input, exchanges: f.exchanges[i] ?? [] })),
    probes: f.probes,
    foundLength: f.sequence.length,
    reproduced: { attempts: 0, failures: 0 },
    flaky: false,
    id: violationId(exploration, name, f.sequence),
  }
}

export type { InvariantRef }
