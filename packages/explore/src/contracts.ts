import type { Exploration, ExplorationResult, ExploreAction, HttpExchange, Invariant, Logger, Rng, TakenAction, ViolationResult } from '@venomqa/core'
import type { Runner } from '@venomqa/runner'

/**
 * The contracts between the parts of the engine: the search (search/), the sequence runner every part
 * replays through (sequence.ts), the shrinker (shrink/) and the journey emitter (emit/).
 */

/** How `explore()` is run. */
export interface ExploreOptions {
  /** An initialised runner: its plugins are set up, its registry holds the state backends, ports and invariants. */
  runner: Runner
  /** The project root: emitted files and action sources resolve from here. */
  root: string
  /** The exploration file, relative to the root, for reports and the emitted journey's imports. */
  file?: string
  baseUrl?: string
  /** Interrupts the exploration (Ctrl-C): roll back to the root, release, return a partial result marked interrupted. */
  signal?: AbortSignal
  /** Command-line overrides of the definition's settings. */
  overrides?: Partial<Pick<Exploration, 'depth' | 'strategy' | 'seed' | 'dedupe' | 'budget'>>
  /** Shrink violations (default true). */
  shrink?: boolean
  /** Where regression journeys are written, relative to the root (default `journeys/regressions`); false: none. */
  emitDir?: string | false
  /**
   * Reset to the root and replay the path's prefix before every edge instead of rolling back: what
   * fuzzers without rollback do. Slow; for comparison (bench/explore) and for systems with no
   * rollback-capable backend, when asked for explicitly.
   */
  prefixReplay?: boolean
  logger?: Logger
  onProgress?: (progress: ExploreProgress) => void
  /**
   * Explore only this share of the root's subtrees (`venomqa explore --shard 2/3`): of the edges out of
   * the root, in their order (fixed by the seed), edge k is taken when k mod total is index - 1. The
   * other shards take the rest, on other machines.
   */
  rootShare?: { index: number; total: number }
  /**
   * Explore on this many workers at once (`venomqa explore --workers N`; default the definition's
   * `workers`, else 1). Worker 0 is the runner's own app and backends; the others come from the runner's
   * `workerSetup`, each a system of its own, synced to worker 0's before the setup runs on each. The
   * search tree is shared among them as among shards (see `rootShare`), and a shard's part among its
   * workers. Violations are shrunk on the worker that met them; the result is one, as one worker's.
   */
  workers?: number
}

export interface ExploreProgress {
  transitions: number
  states: number
  transitionsPerSecond: number
  violations: number
  depth: number
}

/** One action of a sequence with what it did, as the sequence runner reports it. */
export interface SequenceStepRun extends TakenAction {
  exchanges: HttpExchange[]
  /** The context after the action, for the emitter (ids flowing through `ctx`). */
  ctxAfter: Record<string, unknown>
  /** The context before it. */
  ctxBefore: Record<string, unknown>
  /** False when the action's `when` did not allow it in the state it reached (the shrinker drops such edges). */
  enabled: boolean
}

/** What running a sequence of actions from the root showed. */
export interface SequenceRun {
  steps: SequenceStepRun[]
  /** The invariant's verdict after the last action: the violation message, or undefined when it held. */
  violation?: string
  probes: HttpExchange[]
  /**
   * The headers the HTTP client sent on every request at the root, by itself (the config's, the setup's
   * log-in), redacted: a journey that runs the same setup on the same config sends them too. A request's
   * other headers are the actions' own, and the journey writes them. Unknown for a run built by hand:
   * the emitter then takes the headers every request of the run sent for the client's own.
   */
  rootHeaders?: Record<string, string>
  /**
   * A request of the run (an action's or the invariant's probe) that got no answer: the run says nothing
   * sure about the invariant (see `trialVerdict`). A run stops at the first action that met one.
   */
  noAnswer?: NoAnswer
  /**
   * The invariant's check ran past its deadline and was cut there, whether or not a request of it was
   * still waiting: `violation` is the deadline's message, not the check's verdict, so the run says nothing
   * sure about the invariant (see `trialVerdict`).
   */
  checkTimedOut?: true
}

/** A request that got no answer from the API: refused, reset, timed out. */
export interface NoAnswer {
  /** Whose request: the sequence's last action (`request_error` judges it), an earlier one, the invariant's probe. */
  at: 'last' | 'earlier' | 'probe'
  /** For messages: `action "refund" after create_order`. */
  where: string
  /** `POST http://127.0.0.1:3000/api/orders: connection refused (ECONNREFUSED)`. */
  message: string
  /** The failure without one run's ids (see `failureOf`): `request_error` reproduces only the same one. */
  failure: string
  /**
   * False when the app stopped answering: the request's origin answered before and answers nothing now
   * (a request to its `/` gets no answer either); false too when nothing ever answered at the base URL
   * (`neverAnswered`). True when it still answers, or is another origin that never did.
   */
  appAnswers: boolean
  /** Nothing ever answered at the base URL on this lane, nor does now: the API is not there at all. */
  neverAnswered?: boolean
}

/**
 * Runs a sequence of actions from the root (rolls back to the root first) and checks one invariant
 * after the last action: what the shrinker and the confirmation (3 times from the root) replay through.
 */
export interface SequenceRunner {
  run(sequence: readonly TakenAction[], invariant: Invariant | BuiltinInvariantName): Promise<SequenceRun>
}

export type BuiltinInvariantName = 'no_5xx' | 'request_error'

/** The invariant a sequence is checked against: a defined one, or a built-in one by name. */
export type InvariantRef = Invariant | BuiltinInvariantName

/**
 * What tells a violation met by the search from another of the same invariant: the action it broke the
 * invariant after, and its message (compared by shape, see `sameViolation`).
 */
export interface MetViolation {
  /** The last action of the sequence it was met with. */
  action: string
  message: string
}

/**
 * Shrink a sequence that breaks `invariant` to a minimal one (EXPLORATION.md section 4): every attempt
 * replays from the root through `runner`; phases, each until no progress: drop edges whose `when` was
 * false, delta debugging over the sequence, then simpler inputs (from the action's own `inputs`).
 */
export type ShrinkFn = (input: {
  sequence: readonly TakenAction[]
  invariant: InvariantRef
  actions: ReadonlyMap<string, ExploreAction<any>>
  runner: SequenceRunner
  rng: Rng
  limits: { attempts: number; timeMs: number }
  /** For `request_error`: the failure the search met (see `failureOf`); a trial must fail the same way. */
  failure?: string
  /**
   * The violation as the search met it: a trial reproduces it only when it breaks the invariant after the
   * same last action with a message of the same shape (see `sameViolation`). Unset: any message will do.
   */
  met?: MetViolation
}) => Promise<{
  sequence: TakenAction[]
  attempts: number
  /** The app stopped answering: shrinking stopped there, and `sequence` is not known to be minimal or failing. */
  noAnswer?: NoAnswer
  /** Why shrinking did not start (the first replay did not break the invariant): `sequence` is the one given. */
  notShrunk?: string
  /** The limit that cut shrinking short with candidates left untried: `sequence` is the smallest found by then. */
  shrinkLimit?: ViolationResult['shrinkLimit']
}>

/**
 * Replay a sequence from the root `times` times: how many broke the invariant, and the last run that did.
 * A replay that got no answer from the app is no reproduction (see `trialVerdict`).
 */
export type ConfirmFn = (input: {
  sequence: readonly TakenAction[]
  invariant: InvariantRef
  runner: SequenceRunner
  times: number
  /** As for ShrinkFn. */
  failure?: string
  /** As for ShrinkFn: the confirmation judges its replays by the rule the shrinker does. */
  met?: MetViolation
}) => Promise<{
  attempts: number
  failures: number
  run: SequenceRun
  /** The app stopped answering: the confirmation stopped there and says nothing. */
  noAnswer?: NoAnswer
}>

/**
 * Write the regression journey for a violation; returns the file written, relative to the root. The
 * same (invariant, sequence) always gives the same file name and content.
 */
export type EmitFn = (input: {
  exploration: Exploration
  /** The exploration file, relative to the root (the journey imports the invariant from it). */
  explorationFile?: string
  root: string
  dir: string
  invariant: string
  /** Stable id of (exploration, invariant, minimal sequence); the file is `<invariant>-<short id>.journey.ts`. */
  id: string
  run: SequenceRun
  /** The confirming replays did not all break the invariant: the journey may pass while the bug exists. */
  flaky?: boolean
  /** Why the sequence was not shrunk (see ViolationResult.notShrunk): the journey may make requests the bug does not need. */
  notShrunk?: string
  /** The limit that cut shrinking short (see ViolationResult.shrinkLimit): the journey may make requests the bug does not need. */
  shrinkLimit?: ViolationResult['shrinkLimit']
  /** The base URL the requests were made against, stripped from their URLs (default: the exploration's, else each URL's origin). */
  baseUrl?: string
  /**
   * The journeys written earlier in this run, by absolute file: shared by the run's explorations, so
   * that none of them replaces a journey another one wrote (the second is refused with an EmitError).
   */
  writtenThisRun?: Map<string, WrittenJourney>
}) => Promise<string>

/** A regression journey a run wrote: its text, and for whom. */
export interface WrittenJourney {
  text: string
  exploration: string
  invariant: string
}

/** The result of `explore()`. */
export type { ExplorationResult }
