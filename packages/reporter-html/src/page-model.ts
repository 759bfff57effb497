/**
 * The data embedded in the page. Keys are short on purpose: a run of 200 journeys x 50 steps holds 10 000
 * steps, and every byte per step costs 10 kB. Everything here has been redacted and truncated already.
 */
import type { Counts, ErrorKind, JourneyStatus, RunSummary, Severity, Status } from '@venomqa/core'

export const PAGE_MODEL_VERSION = 1

/** A body: `j` a JSON value, or `t` text. `cut` is the original length when the text was truncated. */
export type PageBody = { j: unknown } | { t: string; cut?: number }

export interface PageRequest {
  /** method */
  m: string
  /** url, without its origin when `o` is set */
  u: string
  /** the url's origin, as an index into PageData.og */
  o?: number
  /** header lines, as indexes into PageData.hd */
  h: number[]
  b?: PageBody
  /** a failed step's request as curl: `# set ...` lines, then the command (whole, never cut) */
  cu?: string
}

export interface PageResponse {
  /** status code */
  s: number
  h: number[]
  b?: PageBody
}

export interface PageError {
  k: ErrorKind
  m: string
  st?: string
}

/** An earlier request of the same step (another attempt, or an earlier call). */
export interface PageExchange {
  /** the HTTP client's try of this request (HttpExchange.attempt: 2 for a GET it retried), not the step's attempt */
  a: number
  ms: number
  rq: PageRequest
  rs?: PageResponse
  e?: string
  c?: 1
}

export interface PageStep {
  k: 's'
  /** unique in the page; issues point at it */
  id: number
  n: string
  s: Status
  ms: number
  /** ms since the journey started */
  t0?: number
  /** expectFailure */
  xf?: 1
  /** attempts, when more than one */
  a?: number
  /** timed out */
  to?: 1
  e?: PageError
  rq?: PageRequest
  rs?: PageResponse
  /** Why the request shown got no response (connection refused, timed out), masked. */
  re?: string
  ex?: PageExchange[]
  lg?: [string, string][]
}

export interface PageCheckpoint {
  k: 'c'
  n: string
  s: Status
  ms: number
  /** [backend, mechanism, ms] */
  be: [string, string, number][]
  e?: PageError
}

export interface PagePath {
  k: 'p'
  n: string
  d?: string
  s: Status
  ms: number
  /** the worker it ran on, when its branch ran its paths on workers (0: the run's own app) */
  w?: number
  /** rollback before the path, ms */
  rb?: number
  /** of `rb`, the wait for requests that outlived their steps, ms (RollbackTiming.waitedMs) */
  rw?: number
  x: PageNode[]
  e?: PageError
}

export interface PageBranch {
  k: 'b'
  /** checkpoint */
  cp: string
  s: Status
  ms: number
  p: PagePath[]
  /** the rollback after the last path, ms */
  fr?: number
  /** of `fr`, the wait for requests that outlived their steps, ms */
  fw?: number
  /** paths on workers: the rollback of the branch's own line before the workers copied it, ms */
  wr?: number
  e?: PageError
}

export type PageNode = PageStep | PageCheckpoint | PageBranch

/** An earlier attempt of a retried journey: its number, its status, why it failed (one line). */
export interface PageAttempt {
  a: number
  s: Status
  m: string
  /** the run it was in, when merged from a --last-failed rerun (core's attemptLabel, without its brackets) */
  l?: string
}

export interface PageJourney {
  n: string
  d?: string
  tags: string[]
  f?: string
  u?: string
  /** `flaky`: failed, then passed on a retry or in a --last-failed rerun (see `ph`) */
  s: JourneyStatus
  /** repetition, 0-based (`--repeat-each`) */
  rp?: number
  /** which attempt the steps are, when the journey was retried */
  at?: number
  /** that attempt as every report names it (core's attemptLabel, without its brackets): `attempt 2`, `--last-failed rerun` */
  al?: string
  /** how a flaky journey passed (core's passedHow): `on attempt 2`, `in a --last-failed rerun` */
  ph?: string
  /** merged from a --last-failed rerun (core's hasRerun): each attempt is named by its run */
  rr?: 1
  /** the attempts before it */
  ea?: PageAttempt[]
  /** ms since the run started */
  t0?: number
  ms: number
  c: Counts
  x: PageNode[]
  ir?: 1
  /** why it was stopped, when --fail-fast stopped the run, not Ctrl-C (core's stoppedHow): `--fail-fast: "j2" failed` */
  sh?: string
  /** restored (`restore`): the rollback after the journey ended, to where the system stood before it */
  rt?: PageRestore
}

/** The rollback that put the system back after a restored journey. */
export interface PageRestore {
  /** the checkpoint rolled back to */
  cp: string
  ms: number
  /** [backend, mechanism, ms] */
  be: [string, string, number][]
  /** of `ms`, the wait for requests that outlived their steps */
  w?: number
}

export interface PageIssue {
  /** journey name, and its index in `journeys` when the issue belongs to one */
  j: string
  ji?: number
  p: string
  st: string
  /** where it is, as every report says it (issuePlace, the journey's repetition named), or its source when it names no place */
  w: string
  sv: Severity
  k: ErrorKind
  e: string
  sg: string
  src: string
  /** a run's issue: the journeys not run for it (their own `not run: …` issues are told with it, not apart) */
  nr?: string[]
  /** the step it is about, when it is in the page: its request and response are shown there, not repeated */
  ref?: number
  rq?: PageRequest
  rs?: PageResponse
}

/** An action of a violation's minimal sequence: its name, its input as JSON text, what it sent. */
export interface PageSequenceStep {
  a: string
  in?: string
  ex: PageExchange[]
}

export interface PageViolation {
  /** invariant */
  inv: string
  sv: Severity
  m: string
  seq: PageSequenceStep[]
  /** the invariant's probe requests after the last action */
  pr: PageExchange[]
  /** length when first found, before shrinking */
  fl: number
  /** reproduced: [failures, attempts] */
  rp: [number, number]
  fk?: 1
  /** why the sequence was not shrunk (it is the one the search met) */
  ns?: string
  /** the shrinker's limit that cut its shrinking short (`its limit (500 replays)`): it may not be minimal */
  sl?: string
  /** the regression journey written for it */
  f?: string
}

/** [backend, count, p50, p95, max] */
export type PageTiming = [string, number, number, number, number]

export interface PageExploration {
  n: string
  d?: string
  tags: string[]
  f?: string
  s: Status
  ms: number
  seed: number
  st: string
  dp: number
  dd: boolean
  /** truncated: the budget and its limit */
  tr?: [string, number]
  ir?: 1
  /** not started: the run was interrupted before this exploration's turn, nothing of it ran */
  nr?: 1
  stats: { transitions: number; states: number; merged: number; requests: number; perSecond: number; deepest: number }
  rb: PageTiming[]
  ob: PageTiming[]
  /** [action, taken, enabled, refused] */
  cov: [string, number, number, number][]
  /** The actions whose when() or inputs threw, each as `<action>'s when() threw in ...: <error>` */
  th?: string[]
  /** where the search did not go: merges that may hide a bug, actions the API refused every time */
  nt?: string[]
  ne: string[]
  /** explored nothing: why it has no counts (it stopped before its first action) */
  xn?: string
  v: PageViolation[]
}

export interface PageData {
  v: typeof PAGE_MODEL_VERSION
  title: string
  generatedAt: string
  run: {
    status: 'passed' | 'failed'
    interrupted: boolean
    startedAt: string
    finishedAt: string
    durationMs: number
    tool: string
    /** `worker`: the worker whose setup gave it; absent for the run's own. */
    backends: { name: string; mechanism: string; parallelSafe: boolean; worker?: number }[]
    summary: RunSummary
  }
  /** Header lines [name, value], shared: most requests repeat the same few. */
  hd: [string, string][]
  /** URL origins (scheme://host:port), shared the same way. */
  og: string[]
  journeys: PageJourney[]
  explorations: PageExploration[]
  issues: PageIssue[]
  maxBodyChars: number
}
