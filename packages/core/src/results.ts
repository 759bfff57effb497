import type { ErrorKind } from './errors'
import type { HttpExchange, RecordedRequest, RecordedResponse } from './http'
import type { Issue, Severity } from './issues'

/** Bumped when the JSON form of a run changes incompatibly. */
/** 2 added `explorations`; files of version 1 are still read (as runs with no exploration). */
export const RESULTS_SCHEMA_VERSION = 2
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2]

export type Status = 'passed' | 'failed' | 'skipped'

export interface ErrorInfo {
  kind: ErrorKind
  message: string
  /** Only with --debug. */
  stack?: string
}

export interface StepResult {
  kind: 'step'
  name: string
  status: Status
  expectFailure: boolean
  attempts: number
  startedAt: string
  durationMs: number
  timedOut?: boolean
  error?: ErrorInfo
  /** The last request the step made and its response (secrets redacted). */
  request?: RecordedRequest
  response?: RecordedResponse
  /** Every request the step made, every attempt, when there was more than one. */
  exchanges?: HttpExchange[]
  /** What the action wrote through `log`. */
  logs?: { level: 'debug' | 'info' | 'warn' | 'error'; message: string }[]
}

export interface BackendTiming {
  backend: string
  mechanism: string
  durationMs: number
}

export interface CheckpointResult {
  kind: 'checkpoint'
  name: string
  status: Status
  durationMs: number
  backends: BackendTiming[]
  error?: ErrorInfo
}

export interface PathResult {
  kind: 'path'
  name: string
  description?: string
  status: Status
  durationMs: number
  /** Time spent putting the World back to the checkpoint before this path ran. */
  rollback: { durationMs: number; backends: BackendTiming[] } | null
  nodes: NodeResult[]
  error?: ErrorInfo
  /** The worker that ran this path, when paths ran in parallel (0, the main line, is left out). */
  worker?: number
}

export interface BranchResult {
  kind: 'branch'
  checkpoint: string
  status: Status
  durationMs: number
  paths: PathResult[]
  /** The rollback after the last path, so the line goes on from the checkpoint. */
  finalRollback: { durationMs: number; backends: BackendTiming[] } | null
  error?: ErrorInfo
}

export type NodeResult = StepResult | CheckpointResult | BranchResult

export interface Counts {
  steps: { total: number; passed: number; failed: number; skipped: number }
  paths: { total: number; passed: number; failed: number; skipped: number }
  branches: number
  checkpoints: number
}

export interface JourneyResult {
  name: string
  description?: string
  tags: string[]
  file?: string
  baseUrl?: string
  status: Status
  startedAt: string
  durationMs: number
  nodes: NodeResult[]
  issues: Issue[]
  counts: Counts
  interrupted?: boolean
  /** The worker that ran this journey, when journeys ran in parallel (0 is left out). */
  worker?: number
}

export interface RunResult {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION
  tool: { name: 'venomqa'; version: string }
  startedAt: string
  finishedAt: string
  durationMs: number
  status: 'passed' | 'failed'
  interrupted: boolean
  /** Which rollback mechanism each state backend used. */
  backends: { name: string; mechanism: string; parallelSafe: boolean }[]
  journeys: JourneyResult[]
  /** Explorations run (`venomqa explore`); empty for a run of journeys only. */
  explorations?: ExplorationResult[]
  /** Issues not tied to one journey (plugin load, reporter failures, runEnd hooks). */
  issues: Issue[]
  summary: RunSummary
  /** Set when this run is one shard of a split (`--shard i/n`); `venomqa merge-reports` joins the shards. */
  shard?: ShardInfo
}

/** Which part of a split a run is, and enough to put the parts back together. */
export interface ShardInfo {
  /** 1-based, as in `--shard 2/3`. */
  index: number
  total: number
  /**
   * A hash of what was split (the sorted journey ids; or each exploration's name, seed and settings):
   * shards of one split have the same one, so a file from another split is caught when merging.
   */
  splitId: string
  /**
   * Every journey id (`file#name`) or exploration name of the whole split, in the order an unsharded
   * run has them: the merge puts the results back in this order and can tell what is missing.
   */
  order: string[]
}

/** Percentiles of one kind of timing, ms. */
export interface TimingStats {
  count: number
  p50: number
  p95: number
  max: number
}

/** One action of a violation's minimal sequence, as it ran when the violation was confirmed. */
export interface SequenceStep {
  action: string
  input: unknown
  /** The requests it sent (redacted), the last one's response included. */
  exchanges: HttpExchange[]
}

export interface ViolationResult {
  invariant: string
  severity: Severity
  /** What the invariant said (redacted). */
  message: string
  /** The shortest sequence from the root found to break it. */
  sequence: SequenceStep[]
  /** The invariant's own probe requests after the last action. */
  probes: HttpExchange[]
  /** How long the sequence was when first found, before shrinking. */
  foundLength: number
  /** Confirmed from the root: how many of the attempts broke the invariant again. */
  reproduced: { attempts: number; failures: number }
  /** Broke it on some attempts only. */
  flaky: boolean
  /** The regression journey written for it, relative to the project root. */
  emittedFile?: string
  /** Stable across runs: the invariant and the minimal sequence's actions and inputs. */
  id: string
}

export interface ActionCoverage {
  action: string
  /** Edges taken with this action. */
  taken: number
  /** States where `when` allowed it. */
  enabled: number
  /** Edges that answered 4xx and changed nothing. */
  refused: number
}

export interface ExplorationResult {
  name: string
  description?: string
  tags: string[]
  file?: string
  /** Failed when an invariant broke or the exploration could not run. */
  status: Status
  startedAt: string
  durationMs: number
  seed: number
  strategy: 'dfs' | 'bfs' | 'random'
  depth: number
  dedupe: boolean
  /** Set when a budget ended the search before it covered everything to the depth. */
  truncated?: { reason: 'transitions' | 'time' | 'states'; limit: number }
  interrupted?: boolean
  stats: {
    transitions: number
    /** Distinct states reached (fingerprints). */
    states: number
    /** Transitions that reached a state already seen at the same or a shallower depth (not expanded). */
    merged: number
    requests: number
    transitionsPerSecond: number
    maxDepthReached: number
  }
  /** Per state backend, and `context` for the context and HTTP headers. */
  timings: { rollback: Record<string, TimingStats>; observe: Record<string, TimingStats> }
  coverage: ActionCoverage[]
  /** Actions whose `when` never allowed them anywhere the search went. */
  neverEnabled: string[]
  violations: ViolationResult[]
  issues: Issue[]
}

export interface RunSummary {
  journeys: { total: number; passed: number; failed: number }
  steps: Counts['steps']
  paths: Counts['paths']
  issues: { total: number; critical: number; high: number; medium: number; low: number; info: number }
  explorations?: { total: number; passed: number; failed: number; violations: number; flaky: number }
}

function emptyCounts(): Counts {
  return {
    steps: { total: 0, passed: 0, failed: 0, skipped: 0 },
    paths: { total: 0, passed: 0, failed: 0, skipped: 0 },
    branches: 0,
    checkpoints: 0,
  }
}

export function countNodes(nodes: readonly NodeResult[], into: Counts = emptyCounts()): Counts {
  for (const n of nodes) {
    if (n.kind === 'step') {
      into.steps.total++
      into.steps[n.status]++
    } else if (n.kind === 'checkpoint') {
      into.checkpoints++
    } else {
      into.branches++
      for (const p of n.paths) {
        into.paths.total++
        into.paths[p.status]++
        countNodes(p.nodes, into)
      }
    }
  }
  return into
}

export function summarize(journeys: readonly JourneyResult[], runIssues: readonly Issue[] = [], explorations: readonly ExplorationResult[] = []): RunSummary {
  const s: RunSummary = {
    journeys: { total: journeys.length, passed: 0, failed: 0 },
    steps: { total: 0, passed: 0, failed: 0, skipped: 0 },
    paths: { total: 0, passed: 0, failed: 0, skipped: 0 },
    issues: { total: 0, critical: 0, high: 0, medium: 0, low: 0, info: 0 },
  }
  const countIssue = (i: Issue) => {
    s.issues.total++
    s.issues[i.severity]++
  }
  for (const j of journeys) {
    if (j.status === 'passed') s.journeys.passed++
    else s.journeys.failed++
    for (const k of ['total', 'passed', 'failed', 'skipped'] as const) {
      s.steps[k] += j.counts.steps[k]
      s.paths[k] += j.counts.paths[k]
    }
    for (const i of j.issues) countIssue(i)
  }
  if (explorations.length) {
    const e = (s.explorations = { total: explorations.length, passed: 0, failed: 0, violations: 0, flaky: 0 })
    for (const x of explorations) {
      if (x.status === 'passed') e.passed++
      else e.failed++
      e.violations += x.violations.length
      e.flaky += x.violations.filter((v) => v.flaky).length
      for (const i of x.issues) countIssue(i)
    }
  }
  for (const i of runIssues) countIssue(i)
  return s
}

/** Walk every step result, with the path it ran in ('main' or 'a > b'). */
export function* walkSteps(nodes: readonly NodeResult[], pathName = 'main'): Generator<{ step: StepResult; path: string }> {
  for (const n of nodes) {
    if (n.kind === 'step') yield { step: n, path: pathName }
    else if (n.kind === 'branch')
      for (const p of n.paths) yield* walkSteps(p.nodes, pathName === 'main' ? p.name : `${pathName} > ${p.name}`)
  }
}

/**
 * A loose check that a parsed value is a results file this version can read. A version 1 file is
 * upgraded in place: it is a run with no exploration.
 */
export function assertRunResult(value: unknown, source = 'results'): asserts value is RunResult {
  const v = value as Omit<Partial<RunResult>, 'schemaVersion'> & { schemaVersion?: number }
  if (!v || typeof v !== 'object') throw new Error(`${source}: not a VenomQA results object`)
  if (!READABLE_SCHEMA_VERSIONS.includes(v.schemaVersion as number))
    throw new Error(`${source}: schemaVersion ${String(v.schemaVersion)} is not supported (this version reads ${READABLE_SCHEMA_VERSIONS.join(' and ')})`)
  if (!Array.isArray(v.journeys)) throw new Error(`${source}: "journeys" must be an array`)
  if (v.explorations !== undefined && !Array.isArray(v.explorations)) throw new Error(`${source}: "explorations" must be an array`)
  if ((v.schemaVersion as number) === 1) {
    v.schemaVersion = RESULTS_SCHEMA_VERSION
    v.explorations = []
  }
}

/**
 * Make a results file written by an older VenomQA safe to render: issues written without a readable
 * `error` (a step that rejected with `undefined`, before every issue had one) get one. Returns the run.
 */
export function repairRunResult(run: RunResult): RunResult {
  const fix = (issues: unknown) => {
    if (!Array.isArray(issues)) return
    for (const issue of issues as { error?: unknown }[])
      if (issue && typeof issue === 'object' && (typeof issue.error !== 'string' || !issue.error)) issue.error = '(no message was recorded for this issue)'
  }
  fix(run.issues)
  for (const j of run.journeys) fix(j?.issues)
  for (const x of run.explorations ?? []) fix(x?.issues)
  return run
}
