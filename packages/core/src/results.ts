import type { ErrorKind } from './errors'
import type { HttpExchange, RecordedRequest, RecordedResponse } from './http'
import type { Issue } from './issues'

/** Bumped when the JSON form of a run changes incompatibly. */
export const RESULTS_SCHEMA_VERSION = 1

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
  /** Issues not tied to one journey (plugin load, reporter failures, runEnd hooks). */
  issues: Issue[]
  summary: RunSummary
}

export interface RunSummary {
  journeys: { total: number; passed: number; failed: number }
  steps: Counts['steps']
  paths: Counts['paths']
  issues: { total: number; critical: number; high: number; medium: number; low: number; info: number }
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

export function summarize(journeys: readonly JourneyResult[], runIssues: readonly Issue[] = []): RunSummary {
  const s: RunSummary = {
    journeys: { total: journeys.length, passed: 0, failed: 0 },
    steps: { total: 0, passed: 0, failed: 0, skipped: 0 },
    paths: { total: 0, passed: 0, failed: 0, skipped: 0 },
    issues: { total: 0, critical: 0, high: 0, medium: 0, low: 0, info: 0 },
  }
  for (const j of journeys) {
    if (j.status === 'passed') s.journeys.passed++
    else s.journeys.failed++
    for (const k of ['total', 'passed', 'failed', 'skipped'] as const) {
      s.steps[k] += j.counts.steps[k]
      s.paths[k] += j.counts.paths[k]
    }
    for (const i of j.issues) {
      s.issues.total++
      s.issues[i.severity]++
    }
  }
  for (const i of runIssues) {
    s.issues.total++
    s.issues[i.severity]++
  }
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

/** A loose check that a parsed value is a results file this version can read. */
export function assertRunResult(value: unknown, source = 'results'): asserts value is RunResult {
  const v = value as Partial<RunResult> | null
  if (!v || typeof v !== 'object') throw new Error(`${source}: not a VenomQA results object`)
  if (v.schemaVersion !== RESULTS_SCHEMA_VERSION)
    throw new Error(`${source}: schemaVersion ${String(v.schemaVersion)} is not supported (this version reads ${RESULTS_SCHEMA_VERSION})`)
  if (!Array.isArray(v.journeys)) throw new Error(`${source}: "journeys" must be an array`)
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
  return run
}
