import type { Exploration, ExplorationResult, ExplorationWorkerStats, Issue, ViolationResult } from '@venomqa/core'
import type { ExploreOptions } from './contracts'
import type { Truncation } from './budgets'
import type { Coverage } from './coverage'
import type { SearchSettings } from './settings'
import type { Timings } from './timings'

/** What the search counted, over every lane. */
export interface SearchTotals {
  transitions: number
  /** Distinct states (fingerprints) reached. */
  states: number
  merged: number
  mergedAfterWrite: number
  /** The same, by the action whose write it was. */
  mergedAfterWriteBy: Record<string, number>
  /** Merges of a state one input of an action reached into the one another of its inputs reached first, by action. */
  mergedAfterInputBy: Record<string, number>
  maxDepthReached: number
  truncated?: Truncation
}

export interface ResultParts {
  exploration: Exploration
  file?: string
  settings: SearchSettings
  startedAt: string
  durationMs: number
  /** How long the search itself ran (no setup, shrinking or confirmation): transitions per second. */
  searchMs: number
  /** Absent when the search never started (setup failed, a crash before the root). */
  search?: SearchTotals
  requests: number
  coverage: Coverage
  rollbackTimings: Timings
  observeTimings: Timings
  violations: ViolationResult[]
  issues: Issue[]
  /** Set when the exploration ran on several workers. */
  workers?: ExplorationWorkerStats[]
  /** The exploration could not run as defined (setup failed, a crash). */
  broken: boolean
  interrupted: boolean
}

/**
 * The exploration's result: failed when an invariant broke, it could not run, or it was interrupted. An
 * interrupted search checked only part of the tree, so it is no pass, as `venomqa run` fails a journey cut
 * short by Ctrl-C; `interrupted` says why.
 */
export function buildResult(p: ResultParts): ExplorationResult {
  const x = p.search
  const transitions = x?.transitions ?? 0
  const seconds = p.searchMs / 1000
  const failed = p.broken || p.interrupted || p.violations.length > 0 || p.issues.some((i) => i.severity === 'critical')
  return {
    name: p.exploration.name,
    ...(p.exploration.description ? { description: p.exploration.description } : {}),
    tags: [...p.exploration.tags],
    ...(p.file ? { file: p.file } : {}),
    status: failed ? 'failed' : 'passed',
    startedAt: p.startedAt,
    durationMs: p.durationMs,
    seed: p.settings.seed,
    strategy: p.settings.strategy,
    depth: p.settings.depth,
    dedupe: p.settings.dedupe,
    ...(x?.truncated ? { truncated: x.truncated } : {}),
    ...(p.interrupted ? { interrupted: true } : {}),
    stats: {
      transitions,
      states: x?.states ?? 0,
      merged: x?.merged ?? 0,
      mergedAfterWrite: x?.mergedAfterWrite ?? 0,
      ...(x && Object.keys(x.mergedAfterWriteBy).length ? { mergedAfterWriteBy: x.mergedAfterWriteBy } : {}),
      ...(x && Object.keys(x.mergedAfterInputBy).length ? { mergedAfterInputBy: x.mergedAfterInputBy } : {}),
      requests: p.requests,
      transitionsPerSecond: seconds > 0 ? Math.round((transitions / seconds) * 10) / 10 : 0,
      maxDepthReached: x?.maxDepthReached ?? 0,
    },
    timings: { rollback: p.rollbackTimings.stats(), observe: p.observeTimings.stats() },
    coverage: p.coverage.result(),
    neverEnabled: x ? p.coverage.neverEnabled() : [],
    violations: p.violations,
    issues: p.issues,
    ...(p.workers ? { workers: p.workers } : {}),
  }
}

/**
 * An exploration of the run that never started: the run was interrupted (Ctrl-C) before its turn. It is in
 * the results all the same, failed and interrupted as one whose search was cut short, and `notStarted`:
 * a run stopped early must not read as a run of only the explorations it got to. Its settings are those it
 * was given, unchecked (nothing ran to check them); a seed left to chance was never drawn, and is 0.
 */
export function notStartedResult(exploration: Exploration, options: Pick<ExploreOptions, 'file' | 'overrides'> = {}): ExplorationResult {
  const given = options.overrides ?? {}
  return {
    name: exploration.name,
    ...(exploration.description ? { description: exploration.description } : {}),
    tags: [...exploration.tags],
    ...(options.file ? { file: options.file } : {}),
    status: 'failed',
    startedAt: new Date().toISOString(),
    durationMs: 0,
    seed: given.seed ?? exploration.seed ?? 0,
    strategy: given.strategy ?? exploration.strategy,
    depth: given.depth ?? exploration.depth,
    dedupe: given.dedupe ?? exploration.dedupe,
    interrupted: true,
    notStarted: true,
    stats: { transitions: 0, states: 0, merged: 0, mergedAfterWrite: 0, requests: 0, transitionsPerSecond: 0, maxDepthReached: 0 },
    timings: { rollback: {}, observe: {} },
    coverage: [],
    neverEnabled: [],
    violations: [],
    issues: [],
  }
}

/** Counts by name, added up: each worker's merges after a write, by action, as one exploration's. */
export function sumByName(counts: readonly Record<string, number>[]): Record<string, number> {
  // No prototype: an action may be named `constructor` or `__proto__`.
  const out: Record<string, number> = Object.create(null)
  for (const byName of counts) for (const [name, n] of Object.entries(byName)) out[name] = (out[name] ?? 0) + n
  return out
}
