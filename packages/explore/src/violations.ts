import { type Exploration, type ExploreAction, type Logger, type SequenceStep, type TakenAction, type ViolationResult, errorMessage } from '@venomqa/core'
import type { ConfirmFn, EmitFn, InvariantRef, SequenceRun, SequenceRunner, ShrinkFn } from './contracts'
import type { FoundViolation } from './explorer'
import { sha1, stableJson } from './hash'
import { invariantName, severityOf } from './invariants'
import { rngFor } from './rng'

/** How many times a minimal sequence is replayed from the root to confirm it. */
export const CONFIRMATIONS = 3
export const SHRINK_LIMITS = { attempts: 500, timeMs: 120_000 }

/**
 * The violations the search met, one per (invariant, last action), the shortest sequence kept. The
 * same bug is usually met from many states; shrinking each of them would cost a shrink per state for
 * one violation in the end. A different last action may be a different bug, so it is kept apart;
 * after shrinking, violations are merged once more by their minimal sequence.
 */
export class FoundViolations {
  readonly #byKey = new Map<string, FoundViolation>()

  add(found: FoundViolation): void {
    const key = stableJson([invariantName(found.invariant), found.sequence.at(-1)?.action])
    const known = this.#byKey.get(key)
    if (!known || found.sequence.length < known.sequence.length) this.#byKey.set(key, found)
  }

  get size(): number {
    return this.#byKey.size
  }

  list(): FoundViolation[] {
    return [...this.#byKey.values()]
  }
}

/** Stable across runs: the invariant and the sequence's actions and inputs. */
export function violationId(invariant: string, sequence: readonly TakenAction[]): string {
  return sha1(stableJson({ invariant, sequence: sequence.map((t) => [t.action, t.input ?? null]) }))
}

export interface SettleDeps {
  exploration: Exploration
  explorationFile?: string
  root: string
  actions: ReadonlyMap<string, ExploreAction<any>>
  runner: SequenceRunner
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
 * regression journey. On Ctrl-C, what is not settled yet is reported as found, unconfirmed.
 */
export async function settleViolations(found: readonly FoundViolation[], deps: SettleDeps): Promise<ViolationResult[]> {
  const out = new Map<string, ViolationResult>()
  for (const f of found) {
    const result = deps.signal.aborted ? unsettled(f) : await settleOne(f, deps).catch((err) => (deps.signal.aborted ? unsettled(f) : Promise.reject(err)))
    if (!out.has(result.id)) out.set(result.id, result)
  }
  return [...out.values()]
}

async function settleOne(f: FoundViolation, deps: SettleDeps): Promise<ViolationResult> {
  const name = invariantName(f.invariant)
  const sequence = deps.shrink
    ? (
        await deps.shrinkFn({
          sequence: f.sequence,
          invariant: f.invariant,
          actions: deps.actions,
          runner: deps.runner,
          rng: rngFor(deps.seed, `shrink|${name}`),
          limits: SHRINK_LIMITS,
        })
      ).sequence
    : f.sequence
  const confirmed = await deps.confirmFn({ sequence, invariant: f.invariant, runner: deps.runner, times: CONFIRMATIONS })
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
  if (deps.emitDir !== false && confirmed.failures > 0) {
    try {
      result.emittedFile = await deps.emitFn({
        exploration: deps.exploration,
        explorationFile: deps.explorationFile,
        root: deps.root,
        dir: deps.emitDir,
        invariant: name,
        id,
        run: confirmed.run,
      })
    } catch (err) {
      deps.onEmitError(`could not write the regression journey for "${name}": ${errorMessage(err)}`)
    }
  }
  return result
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
