import { plural } from './plural'
import { backendLabel } from './ports'
import type { ErrorKind } from './errors'
import type { HttpExchange, RecordedRequest, RecordedResponse } from './http'
import { type Issue, SEVERITIES, type Severity } from './issues'
import { toldOnce } from './issues-told-once'
import { escapeControlChars, redactText, redactValue } from './redact'

/**
 * Bumped when the JSON form of a run changes incompatibly. 2 added `explorations`; 3 added the journey
 * status `flaky`, journeys skipped on purpose, retried journeys' earlier attempts and repetitions, and
 * `skipped` and `flaky` in the journey counts. Files of versions 1 and 2 are still read (see assertRunResult).
 */
export const RESULTS_SCHEMA_VERSION = 3
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2, 3]

export type Status = 'passed' | 'failed' | 'skipped'

/**
 * A journey's status: a step's, or `flaky` for a journey that failed and then passed on a retry (it
 * counts as passed unless the run is told to fail on flaky journeys).
 */
export type JourneyStatus = Status | 'flaky'

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
  /**
   * Why `request` got no response, when it got none: its own error (a connection refused, a timeout,
   * redacted), which the step's `error` may not say (a step that caught it and failed on something else,
   * a step cut by its own timeout). As `error` of an exchange in `exchanges`.
   */
  requestError?: string
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

/**
 * A rollback of a branch: its whole time and each backend's. `waitedMs`, when it had to: the part of it spent
 * waiting, before any backend was called, for requests that outlived the steps that sent them (a step that
 * timed out, of this journey or of one before it), which the app may still be handling. That time is no
 * backend's and no path's: told apart, it reads as what it is instead of a slow rollback.
 */
export interface RollbackTiming {
  durationMs: number
  backends: BackendTiming[]
  waitedMs?: number
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
  rollback: RollbackTiming | null
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
  finalRollback: RollbackTiming | null
  /**
   * Paths run in parallel on workers: the rollback of the branch's own line to the checkpoint before the
   * workers copied it (each path's own rollback is in its result). Absent otherwise.
   */
  rollbackBeforeWorkers?: RollbackTiming
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
  status: JourneyStatus
  startedAt: string
  durationMs: number
  nodes: NodeResult[]
  issues: Issue[]
  counts: Counts
  interrupted?: boolean
  /**
   * Set beside `interrupted` on a journey never started because `--fail-fast` stopped the run, not Ctrl-C:
   * the journey whose failure stopped it, named as reports name it (`j2`, `j2 (repeat #2)`). Reports say it
   * (see stoppedHow); the run counts the journey as not run all the same.
   */
  failFastAfter?: string
  /** The worker that ran this journey, when journeys ran in parallel (0 is left out). */
  worker?: number
  /** Which repetition this is (0-based) when the run repeats every journey (`--repeat-each n`, n > 1). */
  repeatEachIndex?: number
  /** Set when the journey ran more than once (journey `retries`): this run's number, 1 for the first. */
  attempt?: number
  /** The attempts before this one, oldest first, each a whole result of its own (failed ones). */
  earlierAttempts?: JourneyResult[]
  /**
   * This attempt ran in a `--last-failed` rerun, a run of its own that `venomqa merge-reports` put after
   * the shard's run: not a retry within one run (no rollback, no fresh context came between them).
   */
  rerun?: true
  /** The journey was restored (`restore`): the rollback to where the system stood before it, after it ended. */
  restored?: RollbackTiming
  /**
   * The journey failed without running: its issue says why (nothing listens at its base URL, its worker was
   * taken out of use, ...). Every step is skipped and its duration is 0.
   */
  notRun?: true
}

export interface RunResult {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION
  tool: { name: 'venomqa'; version: string }
  startedAt: string
  finishedAt: string
  durationMs: number
  status: 'passed' | 'failed'
  interrupted: boolean
  /**
   * Which rollback mechanism each state backend used: the run's own, then each worker's (`--workers`,
   * `parallelPaths`) in the order of their workers. Results saved before workers' backends were listed have
   * only the run's own.
   */
  backends: RunBackend[]
  journeys: JourneyResult[]
  /** Explorations run (`venomqa explore`); empty for a run of journeys only. */
  explorations?: ExplorationResult[]
  /** Issues not tied to one journey (plugin load, reporter failures, runEnd hooks). */
  issues: Issue[]
  summary: RunSummary
  /** Set when this run is one shard of a split (`--shard i/n`); `venomqa merge-reports` joins the shards. */
  shard?: ShardInfo
  /**
   * Set when this run ran only the journeys that failed in an earlier one (`--last-failed`): when that
   * run finished, as its record said. `venomqa merge-reports` puts a shard's reruns over its whole run.
   */
  rerunOf?: { finishedAt: string }
  /**
   * Set on what `venomqa merge-reports` writes (its `--save` file and its json report): how many shards it
   * joined, and their split. Such a file is no shard: given to merge again by name it is refused, and
   * merging a directory that holds one leaves it out, saying so.
   */
  merged?: MergeInfo
}

/** A state backend of a run, as its results list it. */
export interface RunBackend {
  name: string
  mechanism: string
  parallelSafe: boolean
  /** The worker whose setup gave it (1, 2, ...); absent for the run's own (worker 0's). */
  worker?: number
}

/**
 * A run's state backends as one line says them: `postgres (snapshot), postgres:app_w1 (snapshot)`. Backends
 * of one name and mechanism on several workers (an in-memory state each worker has a copy of) are said once,
 * with their workers: `store (memory) on workers 0, 1, 2`, not the same words once per worker.
 */
export function runBackendsText(backends: readonly RunBackend[]): string {
  const groups = new Map<string, { name: string; mechanism: string; workers: number[] }>()
  for (const b of backends) {
    const key = JSON.stringify([b.name, b.mechanism])
    const group = groups.get(key) ?? groups.set(key, { name: b.name, mechanism: b.mechanism, workers: [] }).get(key)!
    group.workers.push(b.worker ?? 0)
  }
  return [...groups.values()]
    .map((g) => (g.workers.length > 1 ? `${backendLabel(g.name, g.mechanism)} on workers ${g.workers.join(', ')}` : backendLabel(g.name, g.mechanism)))
    .join(', ')
}

/** What a merged results file says of the merge that made it. */
export interface MergeInfo {
  /** The shards joined (their `--last-failed` reruns put over them are not counted). */
  shards: number
  /** The split the shards were parts of (their `shard.splitId`). */
  splitId: string
  /** The shards of the split no file held (their index): the merged run is incomplete, and failed. */
  missing?: number[]
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
  /**
   * The run this shard is part of, when its environment named one (`VENOMQA_RUN_ID`, or the CI's run id):
   * `venomqa merge-reports` refuses shards of different runs. `from` is the variable it was read from.
   */
  runId?: { value: string; from: string }
  /**
   * The commit of the code the shard ran, when one could be found: `VENOMQA_COMMIT`, the CI's commit
   * (`GITHUB_SHA`, `CI_COMMIT_SHA`, ...) or `git rev-parse HEAD` in the project (`from: "git"`).
   * `venomqa merge-reports` refuses shards of different commits.
   */
  commit?: { value: string; from: string }
  /**
   * A hash of the journey (or exploration) files the split was made from, by path and contents:
   * `venomqa merge-reports` refuses shards whose files differ.
   */
  filesHash?: string
  /**
   * The split's journey files that `venomqa explore --emit` wrote (regression journeys, told by their first
   * line, REGRESSION_JOURNEY_MARK), wherever `--emit <dir>` put them: `venomqa merge-reports` names them, and
   * where they are, when two machines' splits differ by such journeys (one written on one machine only).
   */
  emitted?: string[]
}

/** How the first line of a regression journey `venomqa explore` writes begins: how a run tells one from the user's journeys. */
export const REGRESSION_JOURNEY_MARK = '// Regression journey for the invariant '

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
  /**
   * Why `sequence` is the one the search met and was not shrunk (`the first replay from the root did not
   * reproduce it`, `shrinking was turned off`): it may hold actions the violation does not need.
   */
  notShrunk?: string
  /**
   * Set when shrinking stopped because one of its limits ran out (`attempts`: replays, or `time`: ms) with
   * candidates left untried, not because no smaller candidate broke the invariant: `sequence` is the
   * smallest found by then, and may not be minimal.
   */
  shrinkLimit?: { reason: 'attempts' | 'time'; limit: number }
  /** The regression journey written for it, relative to the project root. */
  emittedFile?: string
  /** Stable across runs: the invariant and the minimal sequence's actions and inputs. */
  id: string
}

/**
 * An exploration's count of states as every report says it: `9 states`, or with dedupe off `9 distinct
 * states seen`. Merged, each state was expanded once; with nothing merged, "297 transitions, 9 states" read
 * as if only 9 had been expanded, when the count is of the distinct fingerprints the search reached.
 */
export function statesText(states: number, dedupe: boolean): string {
  return dedupe ? plural(states, 'state') : `${plural(states, 'distinct state')} seen`
}

/**
 * What a report heads a violation's sequence with. A violation met but never shrunk nor confirmed (the
 * exploration was interrupted, or the app stopped answering), or confirmed but not shrunk (`notShrunk`), has
 * the sequence the search happened to take, which may hold actions the violation does not need: calling it
 * minimal would send a reader after them. So has one whose shrinking a limit cut short (`shrinkLimit`).
 */
export function sequenceHeading(v: Pick<ViolationResult, 'foundLength' | 'sequence' | 'reproduced' | 'notShrunk' | 'shrinkLimit'>): string {
  if (v.notShrunk || (!v.reproduced.attempts && v.foundLength <= v.sequence.length)) return 'Sequence as the search found it, not shrunk'
  const limit = shrinkLimitText(v.shrinkLimit)
  return limit ? `Shrunk until ${limit}, may not be minimal` : 'Minimal sequence'
}

/**
 * An action's input as a report shows it beside the action, on one line: compact JSON with its secrets
 * masked, cut to `maxChars` with an ellipsis; undefined when it had none (`undefined`, `null`, `{}`), or
 * none JSON can write. Two edges of one action differ only by it, so a sequence without it cannot be
 * replayed by hand.
 */
export function inputText(input: unknown, maxChars = 60): string | undefined {
  if (input === undefined || input === null) return undefined
  let json: string | undefined
  try {
    json = JSON.stringify(redactValue(input))
  } catch {
    return undefined
  }
  if (json === undefined || json === '{}') return undefined
  const masked = escapeControlChars(redactText(json))
  return masked.length > maxChars ? `${masked.slice(0, maxChars - 1)}\u2026` : masked
}

/**
 * An exploration that failed before its first transition (its setup failed, nothing answered at the base
 * URL, no action could run): it checked nothing, and its counts must not read as a search. Not one the run
 * never started (`notStarted`, an interrupt before its turn), which the reports say is not run.
 */
export function exploredNothing(x: Pick<ExplorationResult, 'status' | 'stats'> & { notStarted?: boolean }): boolean {
  return x.status === 'failed' && !x.notStarted && x.stats.transitions === 0
}

/** Why an exploration that exploredNothing has no counts, as every report says it after "explored nothing". */
export const EXPLORED_NOTHING_REASON = 'it stopped before its first action (see its issues)'

/**
 * The actions whose `when` or `inputs` threw, as the reports list them in place of "never enabled":
 * `checkout's when() threw in the state at the root (before any action): <error>`.
 */
export function hookThrewLines(coverage: readonly ActionCoverage[]): string[] {
  return coverage.flatMap((c) => (c.threw === undefined ? [] : [`${c.action}'s ${c.threw}`]))
}

/**
 * What a deduplicated search did not look past: states a write the API accepted reached with the row
 * counts unchanged, merged with the state before them. A bug in values only (an overdraft after two
 * withdrawals) hides there, and the result would read as a pass. It names the actions, most merges
 * first, and the cheap way past them: a context key such an action sets makes its state another one,
 * where --no-dedupe searches the whole tree. Undefined when there were none.
 */
export function mergedAfterWriteText(x: Pick<ExplorationResult, 'dedupe' | 'stats'>): string | undefined {
  const n = x.stats.mergedAfterWrite
  if (!x.dedupe || !n) return undefined
  const by = Object.entries(x.stats.mergedAfterWriteBy ?? {}).sort(([a, m], [b, k]) => k - m || a.localeCompare(b))
  const actions = by.length ? ` (${by.map(([name, count]) => `${name} ${count}`).join(', ')})` : ''
  return `${n} of the merged came after a write the API accepted that changed no row count${actions}: a change to values only (an UPDATE) is one state with the one before it, and the search did not go past ${n === 1 ? 'it' : 'them'}; an action that sets a context key when its write succeeds tells its states apart (the fingerprint holds which keys are set), and --no-dedupe (dedupe: false) searches past every merge`
}

/**
 * What a deduplicated search did not look past either: the state one input of an action reached, merged
 * into the one another of its inputs reached first from the same state (a product of 10 on the shelf into
 * one of 3: one row each). What only that input leads to (an order of 9) was searched with the first
 * input's values instead. Names the actions, most merges first. Undefined when there were none.
 */
export function mergedAfterInputText(x: Pick<ExplorationResult, 'dedupe' | 'stats'>): string | undefined {
  const by = Object.entries(x.stats.mergedAfterInputBy ?? {}).sort(([a, m], [b, k]) => k - m || a.localeCompare(b))
  if (!x.dedupe || !by.length) return undefined
  const n = by.reduce((t, [, count]) => t + count, 0)
  return `${n} of the merged came after an action reached, with one of its inputs, the state another of its inputs reached first (${by.map(([name, count]) => `${name} ${count}`).join(', ')}): the search did not go past ${n === 1 ? 'it' : 'them'}, so what only ${n === 1 ? 'that input' : 'those inputs'} lead${n === 1 ? 's' : ''} to was not searched; an action that sets a context key for such an input (ctx.set('bigOrder', true)) tells its states apart, and --no-dedupe (dedupe: false) searches past every merge`
}

/**
 * Actions the API refused every time they ran (a 4xx that changed nothing, each time): no state after them
 * was searched, and what only they lead to was not explored. Often the action's own mistake (a path the
 * API does not have answers 404), which a pass would hide: one of its refusals shows the request.
 */
export function refusedAlwaysLines(coverage: readonly ActionCoverage[]): string[] {
  return coverage.flatMap((c) =>
    c.taken > 0 && c.refused === c.taken
      ? [`refused every time it ran: ${c.action} ×${c.taken}${c.refusedExample ? ` (such as ${c.refusedExample})` : ''}: no state after it was searched; if the API should have taken it somewhere, check its request`]
      : [],
  )
}

/** A step of a violation's sequence as the reports list it: `add_item {"sku":"A"}`, or the action alone. */
export function sequenceStepText(step: { action: string; input?: unknown }, maxChars?: number): string {
  const input = inputText(step.input, maxChars)
  return input === undefined ? step.action : `${step.action} ${input}`
}

/**
 * A sequence as every issue and report names it: each action with its input (`refund {"amount":600} >
 * refund {"amount":600}`), joined by ` > `. By their names alone, two sequences that differ only in their
 * inputs read as one, and the input to replay by hand is not said.
 */
export function sequenceText(steps: readonly { action: string; input?: unknown }[], maxChars?: number): string {
  return steps.map((step) => sequenceStepText(step, maxChars)).join(' > ')
}

/**
 * The shrinker's limit that cut its shrinking short, as the reports name it: `its limit (500 replays)`,
 * `its limit (120 s)`; undefined when none did. One a results file holds in a shape no version wrote is
 * still a limit, unnamed (`its limit`): read as none, the sequence would be called minimal.
 */
export function shrinkLimitText(limit: ViolationResult['shrinkLimit'] | undefined): string | undefined {
  if (!limit) return undefined
  const n = typeof limit === 'object' && typeof limit.limit === 'number' && Number.isFinite(limit.limit) ? limit.limit : undefined
  if (n !== undefined && limit.reason === 'attempts') return `its limit (${n} ${n === 1 ? 'replay' : 'replays'})`
  if (n !== undefined && limit.reason === 'time') return `its limit (${n < 1000 ? `${n} ms` : `${Math.round(n / 100) / 10} s`})`
  return 'its limit'
}

export interface ActionCoverage {
  action: string
  /** Edges taken with this action. */
  taken: number
  /** States where `when` allowed it. */
  enabled: number
  /** Edges that answered 4xx and changed nothing. */
  refused: number
  /**
   * One such refusal, its request's method and path with the status (`POST /api/orders/1/refund answered
   * 404`; of several, the least in text order, the same on any number of workers): what an action refused
   * every time it ran (a wrong path) shows. Absent when none was.
   */
  refusedExample?: string
  /**
   * Its `when` or `inputs` threw, which stopped the exploration: `when() threw in the state at the root
   * (before any action): <error>`. Such an action is not listed as never enabled: nothing was asked of it.
   */
  threw?: string
}

export interface ExplorationResult {
  name: string
  description?: string
  tags: string[]
  file?: string
  /**
   * Failed when an invariant broke, the exploration could not run, or it was interrupted: as a journey cut
   * short by Ctrl-C, a search that did not finish never passed.
   */
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
  /**
   * Set, with `interrupted`, when the run was interrupted before this exploration started: nothing of it
   * ran (its stats are zero, its seed the one it was given, else 0), and it is failed as one whose search was
   * cut short, so that a run stopped early never reads as if it had only the explorations that ran.
   */
  notStarted?: boolean
  stats: {
    transitions: number
    /** Distinct states reached (fingerprints). */
    states: number
    /** Transitions that reached a state already seen at the same or a shallower depth (not expanded). */
    merged: number
    /**
     * Of those, the ones where a write the API accepted (POST, PUT, PATCH or DELETE answered 2xx) left the
     * fingerprint as it was before the action: a change to values only (an UPDATE), which row counts do not
     * see, so nothing that follows it was searched. `dedupe: false` searches past them. Absent in results
     * saved before it was counted.
     */
    mergedAfterWrite?: number
    /**
     * The same merges by the action whose write it was (`{ apply_coupon: 3 }`): where an action that changes
     * values only should set a context key, which tells the states apart. Absent in results saved before
     * it was counted.
     */
    mergedAfterWriteBy?: Record<string, number>
    /**
     * Merges of the state one input of an action reached into the state another of its inputs reached
     * first from the same state (`{ create_product: 1 }`: a product of 10 on the shelf merged into one of
     * 3, both one row): what only that input leads to (an order of 9) was not searched. A context key the
     * action sets from such an input tells the states apart; `dedupe: false` searches past them. Absent
     * when there were none, and in results saved before they were counted.
     */
    mergedAfterInputBy?: Record<string, number>
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
  /** Set when the exploration ran on several workers (`--workers`): what each one did. */
  workers?: ExplorationWorkerStats[]
}

/** One worker of an exploration on several: what it searched (its share of the totals) and sent. */
export interface ExplorationWorkerStats {
  /** 0 is the run's own app and backends; 1, 2, ... come from the workerSetup. */
  worker: number
  transitions: number
  /** Distinct states it recorded; states reached by two workers count in each. */
  states: number
  /** Requests it sent: its setup, its search (edges it took only to reach its share included), and its shrinking. */
  requests: number
  /** How long its search ran, ms. */
  searchMs: number
}

export interface RunSummary {
  /** `passed` leaves out `flaky`; `skipped` are journeys skipped on purpose or not run at all. */
  journeys: { total: number; passed: number; failed: number; skipped: number; flaky: number }
  steps: Counts['steps']
  paths: Counts['paths']
  /** Issues as the reports list them (toldOnce): a journey not run for a run issue is counted in it. */
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
    journeys: { total: journeys.length, passed: 0, failed: 0, skipped: 0, flaky: 0 },
    steps: { total: 0, passed: 0, failed: 0, skipped: 0 },
    paths: { total: 0, passed: 0, failed: 0, skipped: 0 },
    issues: { total: 0, critical: 0, high: 0, medium: 0, low: 0, info: 0 },
  }
  const issues: Issue[] = []
  for (const j of journeys) {
    if (j.status === 'passed' || j.status === 'flaky' || j.status === 'skipped') s.journeys[j.status]++
    else s.journeys.failed++
    for (const k of ['total', 'passed', 'failed', 'skipped'] as const) {
      s.steps[k] += j.counts.steps[k]
      s.paths[k] += j.counts.paths[k]
    }
    issues.push(...j.issues)
  }
  if (explorations.length) {
    const e = (s.explorations = { total: explorations.length, passed: 0, failed: 0, violations: 0, flaky: 0 })
    for (const x of explorations) {
      if (x.status === 'passed') e.passed++
      else e.failed++
      e.violations += x.violations.length
      e.flaky += x.violations.filter((v) => v.flaky).length
      issues.push(...x.issues)
    }
  }
  // Counted as the reports list them: a journey not run for a run's issue is that issue, not one more.
  for (const { issue } of toldOnce([...issues, ...runIssues])) {
    s.issues.total++
    s.issues[issue.severity]++
  }
  return s
}

/**
 * The status of a run of journeys: failed when a journey failed, one was not run (a skipped journey that
 * was interrupted; one skipped on purpose does not count), a critical issue was raised, or, with
 * `failOnFlaky`, a journey was flaky.
 */
export function runStatusOf(journeys: readonly JourneyResult[], runIssues: readonly Issue[], options: { failOnFlaky?: boolean } = {}): 'passed' | 'failed' {
  const bad = (j: JourneyResult) => j.status === 'failed' || (j.status === 'skipped' && !!j.interrupted) || (j.status === 'flaky' && !!options.failOnFlaky)
  return journeys.some(bad) || runIssues.some((i) => i.severity === 'critical') ? 'failed' : 'passed'
}

/**
 * One journey's result from all its attempts, oldest first: the last attempt, with the others kept in
 * `earlierAttempts`. A journey whose last attempt passed after an earlier one failed is `flaky`.
 */
export function settleAttempts(attempts: readonly JourneyResult[]): JourneyResult {
  const last = attempts.at(-1)
  if (!last) throw new Error('settleAttempts needs at least one attempt')
  if (attempts.length === 1) return last
  const numbered = attempts.map((a, i) => ({ ...a, attempt: i + 1 }))
  const final = numbered.at(-1)!
  const earlierAttempts = numbered.slice(0, -1)
  const flaky = final.status === 'passed' && earlierAttempts.some((a) => a.status === 'failed')
  return { ...final, status: flaky ? 'flaky' : final.status, earlierAttempts }
}

/**
 * What follows an attempt's name: ` (attempt 2)`, its number, for a journey retried within one run. A
 * journey merge-reports put together from a shard's run and its `--last-failed` reruns (see `rerun`) has
 * its attempts numbered across the runs; each is said as the run it was in: the shard's run's as they
 * were live (` (attempt 1 of 2)`, nothing when it ran once), a rerun's by it (` (--last-failed rerun)`,
 * ` (--last-failed rerun, attempt 2)`). `final` is the journey's result, whose `earlierAttempts` hold `j`.
 */
export function attemptLabel(j: JourneyResult, final: JourneyResult = j): string {
  const attempts = [...(final.earlierAttempts ?? []), final]
  if (!hasRerun(final)) return j.attempt ? ` (attempt ${j.attempt})` : ''
  const at = j === final ? attempts.length - 1 : attempts.indexOf(j)
  let start = 0
  let reruns = 0
  for (let i = 1; i <= at; i++) if (attempts[i]!.rerun) [start, reruns] = [i, reruns + 1]
  let end = start + 1
  while (end < attempts.length && !attempts[end]!.rerun) end++
  const [nth, of] = [at - start + 1, end - start]
  if (!reruns) return of > 1 ? ` (attempt ${nth} of ${of})` : ''
  const which = attempts.filter((a) => a.rerun).length > 1 ? ` ${reruns}` : ''
  return ` (--last-failed rerun${which}${of > 1 ? `, attempt ${nth}` : ''})`
}

/** How a flaky journey passed: `on attempt 2` (a retry within the run), or `in a --last-failed rerun` merged over its run. */
export function passedHow(j: JourneyResult): string {
  return hasRerun(j) ? PASSED_IN_RERUN : `on attempt ${j.attempt}`
}

/**
 * What a journey that passed after attempts that were only cut short says of them: `passed in a
 * --last-failed rerun after 1 interrupted attempt` (merge-reports puts a shard's rerun over the run a
 * SIGTERM stopped; no attempt failed on its own, so it is not flaky). Undefined for any other journey.
 */
export function passedAfterInterrupts(j: JourneyResult): string | undefined {
  if (j.status !== 'passed' || !j.earlierAttempts?.length) return undefined
  return `passed ${passedHow(j)} after ${plural(j.earlierAttempts.length, 'interrupted attempt')}`
}

/** How flaky journeys passed, said of several at once (a Flaky line): what passedHow says of one, numbers left out. */
export const PASSED_ON_RETRY = 'on a retry'
export const PASSED_IN_RERUN = 'in a --last-failed rerun'

/**
 * Whether a journey's result holds an attempt of a `--last-failed` rerun that merge-reports put over its
 * shard's run: then a report that lists its attempts by number says each one's run too (attemptLabel).
 */
export function hasRerun(j: Pick<JourneyResult, 'rerun' | 'earlierAttempts'>): boolean {
  return !!j.rerun || (j.earlierAttempts ?? []).some((a) => a.rerun)
}

/**
 * Why a journey was stopped, as every report says it after its status: `interrupted` (Ctrl-C), or
 * `--fail-fast: "j2" failed` when a failure stopped the run (see `failFastAfter`).
 */
export function stoppedHow(j: Pick<JourneyResult, 'failFastAfter'>): string {
  return typeof j.failFastAfter === 'string' ? `--fail-fast: ${JSON.stringify(j.failFastAfter)} failed` : 'interrupted'
}

/** What reporters print after a journey's name: ` (repeat #2)` for the second repetition, else nothing. */
export function repeatLabel(j: Pick<JourneyResult, 'repeatEachIndex'>): string {
  return typeof j.repeatEachIndex === 'number' ? ` (repeat #${j.repeatEachIndex + 1})` : ''
}

/**
 * A journey's issues named after its run, as its heading is: an issue holds the bare journey name, and
 * with `--repeat-each` two repetitions that fail alike would give issue lines (and anchors, and Slack
 * failures) alike. Every report takes them from here.
 */
export function journeyIssues(j: Pick<JourneyResult, 'issues' | 'repeatEachIndex'>): Issue[] {
  const label = repeatLabel(j)
  const issues = j.issues ?? []
  return label ? issues.map((i) => (i.journey ? { ...i, journey: `${i.journey}${label}` } : i)) : issues
}

/** What starts the `source` of a violation's issue (`invariant:<name>`), as `@venomqa/explore` writes it. */
export const VIOLATION_SOURCE_PREFIX = 'invariant:'

/**
 * An exploration's own issues (its setup failed, it crashed, a state backend refused), without those of its
 * violations: a violation is told with its exploration, by its invariant, and every report lists these
 * beside the journeys' issues. Every report takes them from here. Lenient about a results file read back
 * (an issue with no `source`, an exploration with no `issues`).
 */
export function explorationIssues(x: Pick<ExplorationResult, 'issues'>): Issue[] {
  return (x.issues ?? []).filter((i) => !String(i.source ?? '').startsWith(VIOLATION_SOURCE_PREFIX))
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
 * A loose check that a parsed value is a results file this version can read. An older file is upgraded
 * in place: version 1 is a run with no exploration; before version 3, the journey counts lacked skipped
 * and flaky (a skipped journey was counted as failed), so they are counted again from the journeys.
 *
 * Each journey's status is judged again from its steps, paths and issues, and the run's status and summary
 * from its journeys, explorations and issues, as a merge judges them: a file edited (or written by a broken
 * tool) to say passed over failed steps or journeys must not read green. `onMismatch` is told, naming the
 * file, when what the file said was not what it holds.
 */
export function assertRunResult(value: unknown, source = 'results', onMismatch?: (message: string) => void): asserts value is RunResult {
  const v = value as Omit<Partial<RunResult>, 'schemaVersion'> & { schemaVersion?: number }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${source}: not a VenomQA results object`)
  if (v.schemaVersion === undefined) throw new Error(`${source}: not a VenomQA results file (it has no schemaVersion)`)
  if (!READABLE_SCHEMA_VERSIONS.includes(v.schemaVersion as number)) {
    const readable = `${READABLE_SCHEMA_VERSIONS.slice(0, -1).join(', ')} and ${READABLE_SCHEMA_VERSIONS.at(-1)}`
    throw new Error(`${source}: schemaVersion ${String(v.schemaVersion)} is not supported (this version reads ${readable})`)
  }
  if (!Array.isArray(v.journeys)) throw new Error(`${source}: "journeys" must be an array`)
  if (v.explorations !== undefined && !Array.isArray(v.explorations)) throw new Error(`${source}: "explorations" must be an array`)
  checkJourneys(v.journeys, source)
  checkExplorations(v.explorations ?? [], source)
  if (v.issues === undefined) v.issues = []
  else if (!Array.isArray(v.issues)) throw new Error(`${source}: "issues" must be an array`)
  checkIssues(v.issues, `${source}: issues`)
  const version = v.schemaVersion as number
  // An interrupted exploration that met no violation was once saved as passed: it is judged as now, so
  // that `report` and `merge-reports` never show an unfinished search green.
  const cutShort = (v.explorations ?? []).filter((x) => x && typeof x === 'object' && x.interrupted && x.status === 'passed')
  for (const x of cutShort) x.status = 'failed'
  if (cutShort.length) {
    v.status = 'failed'
    if (isSummary(v.summary)) v.summary = summarize(v.journeys as JourneyResult[], v.issues, v.explorations ?? [])
  }
  // A summary that is gone or broken is made again from the journeys: a reporter would fail on it, and a
  // merge would count what it says rather than what ran.
  if (version === RESULTS_SCHEMA_VERSION && !isSummary(v.summary)) v.summary = summarize(v.journeys as JourneyResult[], v.issues, v.explorations ?? [])
  if (version !== RESULTS_SCHEMA_VERSION) upgradeCounts(v, version)
  const told = onMismatch ?? (() => {})
  // The summary is compared with the statuses as written: a journey read as failed is told once, as itself.
  const statusesAsWritten = (v.journeys as JourneyResult[]).map((j) => j.status)
  judgeJourneys(v.journeys as JourneyResult[], source, told)
  judgeAgain(v as RunResult, source, told, statusesAsWritten)
}

/**
 * Each journey's status judged again from its steps, paths, checkpoints, branches and issues, as the runner
 * judged it: one that shows a failure is failed, whatever its `status` says. A file edited to say passed
 * over a failed step must not read green, nor make the run's verdict, which is judged from these, pass.
 */
function judgeJourneys(journeys: JourneyResult[], source: string, onMismatch: (message: string) => void): void {
  for (const j of journeys) {
    if (j.status === 'failed') continue
    const why = failureShown(j)
    if (!why) continue
    onMismatch(`${source}: journey ${quoted(j.name)}${repeatLabel(j)} says ${JSON.stringify(j.status)}, but ${why}: read as failed`)
    j.status = 'failed'
  }
}

/**
 * What shows a journey failed, as the runner fails one: a failed step, path, checkpoint or branch, a
 * critical issue, or an interrupt of a journey that ran (one not run is skipped); undefined when nothing does.
 */
function failureShown(j: JourneyResult): string | undefined {
  const node = firstFailedNode(j.nodes, 'main')
  if (node) return node
  const critical = j.issues.find((i) => i && typeof i === 'object' && i.severity === 'critical')
  if (critical) return `it has a critical issue${typeof critical.step === 'string' && critical.step ? ` (${quoted(critical.step)})` : ''}`
  return j.interrupted && j.status !== 'skipped' ? 'it was interrupted' : undefined
}

/** The first failed node of a line, said with its path: `its step "pay" failed`, `its path "cancel" failed`. */
function firstFailedNode(nodes: readonly NodeResult[], path: string): string | undefined {
  const inPath = path === 'main' ? '' : ` (path ${quoted(path)})`
  for (const n of nodes) {
    if (n.kind === 'step' && n.status === 'failed') return `its step ${quoted(n.name)}${inPath} failed`
    if (n.kind === 'checkpoint' && n.status === 'failed') return `its checkpoint ${quoted(n.name)}${inPath} failed`
    if (n.kind !== 'branch') continue
    for (const p of n.paths) {
      const full = path === 'main' ? p.name : `${path} > ${p.name}`
      const inner = firstFailedNode(p.nodes, full)
      if (inner) return inner
      if (p.status === 'failed') return `its path ${quoted(full)} failed`
    }
    if (n.status === 'failed') return `its branch from ${quoted(n.checkpoint)}${inPath} failed`
  }
  return undefined
}

/** A name from a file in a message: quoted, and unable to split the line or drive a terminal. */
function quoted(name: string): string {
  return escapeControlChars(JSON.stringify(name))
}

/** A file of an older schemaVersion, with its journey counts as this version counts them. */
function upgradeCounts(v: Omit<Partial<RunResult>, 'schemaVersion'> & { schemaVersion?: number }, version: number): void {
  if (!Array.isArray(v.journeys)) return
  if (version === 1) v.explorations = []
  const counts = v.summary?.journeys as Partial<RunSummary['journeys']> | undefined
  if (counts && typeof counts === 'object') {
    const statuses = v.journeys.map((j) => (j as Partial<JourneyResult> | null)?.status)
    counts.total = statuses.length
    counts.passed = statuses.filter((x) => x === 'passed').length
    counts.skipped = statuses.filter((x) => x === 'skipped').length
    counts.flaky = 0
    counts.failed = counts.total - counts.passed - counts.skipped
  }
  v.schemaVersion = RESULTS_SCHEMA_VERSION
}

/**
 * Put the status and summary the run's contents give in place of the file's, telling `onMismatch` when
 * they differ. A failed status over a flaky journey stands: the run was judged with `--fail-on-flaky`,
 * which the file does not record. Counts a file lacks (an older version's) are no mismatch. The summary is
 * compared with the journeys' statuses as the file wrote them (`statusesAsWritten`): a journey judged again
 * is told once, by judgeJourneys, not once more as a count.
 */
function judgeAgain(run: RunResult, source: string, onMismatch: (message: string) => void, statusesAsWritten: readonly JourneyStatus[]): void {
  const explorations = (run.explorations ?? []).filter((x) => x && typeof x === 'object')
  const issues = run.issues.filter((i) => i && typeof i === 'object')
  const explorationFailed = explorations.some((x) => x.status === 'failed')
  const judged = (failOnFlaky: boolean) => (explorationFailed ? 'failed' : runStatusOf(run.journeys, issues, { failOnFlaky }))
  const status = run.status === 'failed' && judged(true) === 'failed' ? 'failed' : judged(false)
  // A file with no status at all is given one, as one with no summary is: there is nothing it says to contradict.
  if (run.status !== status) {
    if ((run.status as unknown) !== undefined)
      onMismatch(`${source}: its status says ${JSON.stringify(run.status)}, but its journeys, explorations and issues make the run ${status}: read as ${status}`)
    run.status = status
  }
  const counted = summarize(run.journeys, issues, explorations)
  // No summary at all (an older file's) is given one, with nothing to tell.
  if (!run.summary || typeof run.summary !== 'object') {
    run.summary = counted
    return
  }
  const rejudged = run.journeys.some((j, i) => j.status !== statusesAsWritten[i])
  const asWritten = rejudged ? summarize(run.journeys.map((j, i) => ({ ...j, status: statusesAsWritten[i]! })), issues, explorations) : counted
  const differences = summaryDifferences(run.summary, asWritten)
  if (differences.length) onMismatch(`${source}: its summary does not match its journeys (${differences.join(', ')}): read with the counts of its journeys`)
  if (differences.length || rejudged) run.summary = counted
}

/** `journeys.passed 8, counted 4` for each count the file's summary has that the contents do not give. */
function summaryDifferences(said: RunSummary, counted: RunSummary): string[] {
  const out: string[] = []
  for (const [group, counts] of Object.entries(counted) as [string, Record<string, number>][]) {
    const saidGroup = (said as unknown as Record<string, Record<string, unknown> | undefined>)[group]
    for (const [key, n] of Object.entries(counts)) {
      const x = saidGroup && typeof saidGroup === 'object' ? saidGroup[key] : undefined
      if (typeof x === 'number' && x !== n) out.push(`${group}.${key} ${x}, counted ${n}`)
    }
  }
  return out
}

const JOURNEY_STATUSES: readonly string[] = ['passed', 'failed', 'skipped', 'flaky']
const NODE_KINDS: readonly string[] = ['step', 'checkpoint', 'branch']

/**
 * The journeys' shape, as far as a reporter or a merge reads it: a name, a status, nodes of a known kind
 * (a branch's paths with nodes of their own), issues. Anything else is refused naming its place
 * (`journeys[0].nodes`): a merge read `nodes: "x"` as a journey with no step, and passed it.
 */
function checkJourneys(journeys: unknown[], source: string): void {
  journeys.forEach((j, i) => checkJourney(j, `${source}: journeys[${i}]`))
}

/**
 * One journey (or an earlier attempt of one): its name, status and nodes, and what reporters print of it
 * (its tags, file and description, its issues, its earlier attempts), so that a file broken there is
 * refused naming the place rather than met as a reporter's TypeError. Tags a file lacks are none.
 */
function checkJourney(j: unknown, at: string): void {
  const journey = j as Partial<JourneyResult> | null
  if (!journey || typeof journey !== 'object' || Array.isArray(journey)) throw new Error(`${at} must be an object`)
  if (typeof journey.name !== 'string') throw new Error(`${at}.name must be a string`)
  if (!JOURNEY_STATUSES.includes(journey.status as string)) throw new Error(`${at}.status must be one of ${JOURNEY_STATUSES.join(', ')}`)
  if (journey.tags === undefined) journey.tags = []
  else if (!Array.isArray(journey.tags) || journey.tags.some((t) => typeof t !== 'string')) throw new Error(`${at}.tags must be a list of strings`)
  for (const key of ['file', 'description', 'baseUrl'] as const)
    if (journey[key] !== undefined && typeof journey[key] !== 'string') throw new Error(`${at}.${key} must be a string`)
  checkNodes(journey.nodes, `${at}.nodes`)
  if (journey.issues === undefined) journey.issues = []
  else if (!Array.isArray(journey.issues)) throw new Error(`${at}.issues must be an array`)
  checkIssues(journey.issues, `${at}.issues`)
  if (journey.earlierAttempts !== undefined) {
    if (!Array.isArray(journey.earlierAttempts)) throw new Error(`${at}.earlierAttempts must be an array`)
    journey.earlierAttempts.forEach((a, k) => checkJourney(a, `${at}.earlierAttempts[${k}]`))
  }
  if (!isCounts(journey.counts)) journey.counts = countNodes(journey.nodes as NodeResult[])
}

/** Each issue an object with a known severity: what every reporter and the summary read of it. */
function checkIssues(issues: readonly unknown[], at: string): void {
  issues.forEach((i, k) => {
    const issue = i as Partial<Issue> | null
    if (!issue || typeof issue !== 'object' || Array.isArray(issue)) throw new Error(`${at}[${k}] must be an object`)
    if (!SEVERITIES.includes(issue.severity as Severity)) throw new Error(`${at}[${k}].severity must be one of ${SEVERITIES.join(', ')}`)
  })
}

function isCounts(value: unknown): boolean {
  const c = value as Partial<Counts> | null
  return !!c && typeof c === 'object' && !!c.steps && typeof c.steps === 'object' && !!c.paths && typeof c.paths === 'object'
}

/** What a summary counts of each exploration: its name, status, violations and issues. */
function checkExplorations(explorations: unknown[], source: string): void {
  explorations.forEach((x, i) => {
    const at = `${source}: explorations[${i}]`
    const exploration = x as Partial<ExplorationResult> | null
    if (!exploration || typeof exploration !== 'object' || Array.isArray(exploration)) throw new Error(`${at} must be an object`)
    if (typeof exploration.name !== 'string') throw new Error(`${at}.name must be a string`)
    if (!NODE_STATUSES.includes(exploration.status as string)) throw new Error(`${at}.status must be one of ${NODE_STATUSES.join(', ')}`)
    if (!Array.isArray(exploration.violations)) throw new Error(`${at}.violations must be an array`)
    if (exploration.issues === undefined) exploration.issues = []
    else if (!Array.isArray(exploration.issues)) throw new Error(`${at}.issues must be an array`)
    checkIssues(exploration.issues, `${at}.issues`)
  })
}

/**
 * The nodes' fields a reporter reads (a name, a status, a duration; a branch's checkpoint and paths, each
 * path's own), checked so that a broken file is refused naming the field, not met as a reporter's crash.
 */
function checkNodes(nodes: unknown, at: string): void {
  if (!Array.isArray(nodes)) throw new Error(`${at} must be an array`)
  nodes.forEach((n, k) => {
    const node = n as { kind?: unknown; paths?: unknown } | null
    const place = `${at}[${k}]`
    if (!node || typeof node !== 'object' || !NODE_KINDS.includes(node.kind as string)) throw new Error(`${place} must be a step, a checkpoint or a branch`)
    if (node.kind === 'step') checkStepExchanges(node as Record<string, unknown>, place)
    if (node.kind !== 'branch') return checkNodeFields(node, place, 'name')
    checkNodeFields(node, place, 'checkpoint')
    if (!Array.isArray(node.paths)) throw new Error(`${place}.paths must be an array`)
    node.paths.forEach((p: unknown, q: number) => {
      const pathAt = `${place}.paths[${q}]`
      if (!p || typeof p !== 'object' || Array.isArray(p)) throw new Error(`${pathAt} must be an object`)
      checkNodeFields(p as Record<string, unknown>, pathAt, 'name')
      checkNodes((p as { nodes?: unknown }).nodes, `${pathAt}.nodes`)
    })
  })
}

/**
 * A step's request and response, and each of its exchanges, where reporters read them (the method, URL,
 * status and headers a console, JUnit or HTML report prints): a file broken there (`"request": "x"`) was
 * met as a reporter's TypeError.
 */
function checkStepExchanges(step: Record<string, unknown>, at: string): void {
  const record = (value: unknown, place: string, fields: Record<string, 'string' | 'number'>): void => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${place} must be an object`)
    const v = value as Record<string, unknown>
    for (const [key, type] of Object.entries(fields)) if (typeof v[key] !== type) throw new Error(`${place}.${key} must be a ${type}`)
    if (v.headers !== undefined && (!v.headers || typeof v.headers !== 'object' || Array.isArray(v.headers))) throw new Error(`${place}.headers must be an object`)
  }
  const request = (value: unknown, place: string) => record(value, place, { method: 'string', url: 'string' })
  const response = (value: unknown, place: string) => record(value, place, { status: 'number' })
  if (step.request !== undefined) request(step.request, `${at}.request`)
  if (step.response !== undefined) response(step.response, `${at}.response`)
  if (step.requestError !== undefined && typeof step.requestError !== 'string') throw new Error(`${at}.requestError must be a string`)
  if (step.exchanges === undefined) return
  if (!Array.isArray(step.exchanges)) throw new Error(`${at}.exchanges must be an array`)
  step.exchanges.forEach((x: unknown, i: number) => {
    const place = `${at}.exchanges[${i}]`
    if (!x || typeof x !== 'object' || Array.isArray(x)) throw new Error(`${place} must be an object`)
    const exchange = x as Record<string, unknown>
    request(exchange.request, `${place}.request`)
    if (exchange.response !== undefined) response(exchange.response, `${place}.response`)
  })
}

const NODE_STATUSES: readonly string[] = ['passed', 'failed', 'skipped']

/** A node's or a path's name (a branch's checkpoint), status and duration. */
function checkNodeFields(node: Record<string, unknown>, at: string, nameKey: 'name' | 'checkpoint'): void {
  if (typeof node[nameKey] !== 'string') throw new Error(`${at}.${nameKey} must be a string`)
  if (!NODE_STATUSES.includes(node.status as string)) throw new Error(`${at}.status must be one of ${NODE_STATUSES.join(', ')}`)
  if (typeof node.durationMs !== 'number' || !Number.isFinite(node.durationMs)) throw new Error(`${at}.durationMs must be a number`)
}

function isSummary(value: unknown): boolean {
  const s = value as Partial<RunSummary> | null
  return !!s && typeof s === 'object' && (['journeys', 'steps', 'paths', 'issues'] as const).every((k) => !!s[k] && typeof s[k] === 'object')
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
