import {
  attemptLabel,
  hasRerun,
  passedHow,
  stoppedHow,
  type Counts,
  type ErrorInfo,
  type ExplorationResult,
  type HttpExchange,
  type Issue,
  type JourneyResult,
  type JourneyStatus,
  type NodeResult,
  type PathResult,
  type RecordedRequest,
  type RecordedResponse,
  type RedactOptions,
  type RunResult,
  type RunSummary,
  type Severity,
  type Status,
  type StepResult,
  type TimingStats,
  type ViolationResult,
  SEVERITIES,
  EXPLORED_NOTHING_REASON,
  countNodes,
  curlText,
  exploredNothing,
  hookThrewLines,
  mergedAfterInputText,
  mergedAfterWriteText,
  refusedAlwaysLines,
  escapeControlChars,
  issuePlace,
  toldOnce,
  redactHeaders,
  redactRun,
  inputText,
  redactText,
  repeatLabel,
  shrinkLimitText,
  summarize,
  VIOLATION_SOURCE_PREFIX,
} from '@venomqa/core'
import { pageBody } from './bodies'
import type { ResolvedHtmlOptions } from './options'
import {
  PAGE_MODEL_VERSION,
  type PageAttempt,
  type PageData,
  type PageError,
  type PageExchange,
  type PageExploration,
  type PageIssue,
  type PageJourney,
  type PageNode,
  type PagePath,
  type PageRequest,
  type PageResponse,
  type PageStep,
  type PageTiming,
  type PageViolation,
} from './page-model'

/**
 * The checkpoint a restored journey (`restore`) is rolled back to once it ends: the one the runner takes
 * before the journey (BEFORE_JOURNEY_CHECKPOINT in @venomqa/runner), named as the console names it.
 */
const BEFORE_JOURNEY_CHECKPOINT = 'venomqa:before-journey'

/** Header lines are interned: a run repeats `content-type: application/json` thousands of times. */
class HeaderTable {
  readonly lines: [string, string][] = []
  private readonly index = new Map<string, number>()

  add(headers: Record<string, string>): number[] {
    const ids: number[] = []
    for (const [name, value] of Object.entries(headers)) {
      const key = `${name}\u0000${value}`
      let id = this.index.get(key)
      if (id === undefined) {
        id = this.lines.length
        this.lines.push([name, value])
        this.index.set(key, id)
      }
      ids.push(id)
    }
    return ids
  }
}

/** Origins are interned too: every request of a run goes to the same one or two. */
class OriginTable {
  readonly origins: string[] = []
  private readonly index = new Map<string, number>()

  /** The url split into an origin index and the rest, or the url whole when it has no origin. */
  split(url: string): { o?: number; u: string } {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)
    if (!m || m[0].length === url.length) return { u: url }
    let o = this.index.get(m[0])
    if (o === undefined) {
      o = this.origins.length
      this.origins.push(m[0])
      this.index.set(m[0], o)
    }
    return { o, u: url.slice(m[0].length) }
  }
}

/** Where a step is, so an issue can point at it: journey index, path label ('main' or 'a > b'), step name. */
const stepKey = (journey: number, path: string, step: string) => `${journey}\u0000${path}\u0000${step}`

class ModelBuilder {
  private readonly headers = new HeaderTable()
  private readonly origins = new OriginTable()
  private readonly redact: RedactOptions
  private nextStepId = 0
  /** stepKey -> ids of the steps there (names may repeat within a path). */
  private readonly stepsAt = new Map<string, { id: number; failed: boolean }[]>()

  constructor(private readonly options: ResolvedHtmlOptions) {
    this.redact = { extraKeys: options.redactKeys }
  }

  build(run: RunResult): PageData {
    const journeys = list(run.journeys).map((j, i) => this.journey(j, i, run.startedAt))
    /** Each issue's journey index and repetition label, as it is placed in the page. */
    const placed = new Map<Issue, { ji: number | undefined; label: string }>()
    ;list(run.journeys).forEach((j, i) => {
      for (const issue of list(j.issues)) placed.set(issue, { ji: i, label: repeatLabel(j) })
    })
    const explorations = list(run.explorations)
      .filter((x) => !!x && typeof x === 'object')
      .map((x) => this.exploration(x))
    // A violation is shown with its exploration; the exploration's other issues (a setup that failed) join the list.
    for (const x of list(run.explorations))
      for (const issue of list(x?.issues)) if (!text(issue.source).startsWith(VIOLATION_SOURCE_PREFIX)) placed.set(issue, { ji: undefined, label: '' })
    for (const issue of list(run.issues)) placed.set(issue, { ji: this.journeyIndexOf(run, issue.journey), label: '' })
    // A journey not run for a run's issue is told with it, as every report tells it (toldOnce).
    const issues = toldOnce([...placed.keys()]).map(({ issue, notRun }) => {
      const { ji, label } = placed.get(issue)!
      const out = this.issue(issue, ji, label)
      if (notRun.length) out.nr = notRun.map((name) => redactText(text(name)))
      return out
    })
    const summary = validSummary(run.summary)
      ? run.summary
      : summarize(
          list(run.journeys).map((j, i) => ({ ...j, status: journeys[i]!.s, counts: journeys[i]!.c, issues: list(j.issues).map((x) => ({ ...x, severity: severity(x.severity) })) })),
          list(run.issues).map((x) => ({ ...x, severity: severity(x.severity) })),
        )
    if (explorations.length && !validExplorationCounts(summary.explorations)) summary.explorations = explorationCounts(explorations)
    return {
      v: PAGE_MODEL_VERSION,
      title: this.options.title,
      generatedAt: new Date().toISOString(),
      run: {
        status: run.status === 'passed' ? 'passed' : 'failed',
        interrupted: !!run.interrupted,
        startedAt: text(run.startedAt),
        finishedAt: text(run.finishedAt),
        durationMs: ms(run.durationMs),
        tool: `${text(run.tool?.name) || 'venomqa'} ${text(run.tool?.version)}`.trim(),
        backends: list(run.backends).map((b) => ({ name: text(b.name), mechanism: text(b.mechanism), parallelSafe: !!b.parallelSafe, ...(typeof b.worker === 'number' && b.worker > 0 ? { worker: b.worker } : {}) })),
        summary,
      },
      hd: this.headers.lines,
      og: this.origins.origins,
      journeys,
      explorations,
      issues,
      maxBodyChars: this.options.maxBodyChars,
    }
  }

  private journeyIndexOf(run: RunResult, name: string | undefined): number | undefined {
    if (!name) return undefined
    const i = list(run.journeys).findIndex((j) => j.name === name)
    return i < 0 ? undefined : i
  }

  private journey(j: JourneyResult, index: number, runStartedAt: string): PageJourney {
    const nodes = list(j.nodes)
    const out: PageJourney = {
      n: text(j.name),
      tags: list(j.tags).map(text),
      s: journeyStatus(j.status),
      ms: ms(j.durationMs),
      c: countsOf(j.counts, nodes),
      x: this.nodes(nodes, index, 'main', j.startedAt),
    }
    if (j.description) out.d = text(j.description)
    if (j.file) out.f = text(j.file)
    if (j.baseUrl) out.u = redactText(text(j.baseUrl))
    const t0 = offset(runStartedAt, j.startedAt)
    if (t0 !== undefined) out.t0 = t0
    if (j.interrupted) out.ir = 1
    if (j.interrupted && typeof j.failFastAfter === 'string') out.sh = stoppedHow(j)
    if (typeof j.repeatEachIndex === 'number') out.rp = ms(j.repeatEachIndex)
    if (typeof j.attempt === 'number') out.at = ms(j.attempt)
    const earlier = list(j.earlierAttempts).filter((a) => !!a && typeof a === 'object')
    // Its attempts named and its pass said in core's words, as the console and Markdown say them.
    const retried = { ...j, earlierAttempts: earlier }
    const rerun = hasRerun(retried)
    if (rerun) out.rr = 1
    const label = bare(attemptLabel(retried))
    if (label) out.al = label
    if (j.status === 'flaky') out.ph = passedHow(retried)
    if (earlier.length)
      out.ea = earlier.map((a, i) => {
        const attempt: PageAttempt = { a: typeof a.attempt === 'number' ? a.attempt : i + 1, s: status(a.status), m: redactText(failureLine(a)) }
        const place = rerun ? bare(attemptLabel(a, retried)) : ''
        if (place) attempt.l = place
        return attempt
      })
    const restored = j.restored
    if (restored && typeof restored === 'object') {
      out.rt = { cp: BEFORE_JOURNEY_CHECKPOINT, ms: ms(restored.durationMs), be: list(restored.backends).map((b) => [text(b.backend), text(b.mechanism), ms(b.durationMs)]) }
      if (restored.waitedMs !== undefined) out.rt.w = ms(restored.waitedMs)
    }
    return out
  }

  private nodes(nodes: readonly NodeResult[], journey: number, path: string, journeyStartedAt: string): PageNode[] {
    return nodes.map((n): PageNode => {
      if (n.kind === 'step') return this.step(n, journey, path, journeyStartedAt)
      if (n.kind === 'checkpoint') {
        const cp: PageNode = {
          k: 'c',
          n: text(n.name),
          s: status(n.status),
          ms: ms(n.durationMs),
          be: list(n.backends).map((b) => [text(b.backend), text(b.mechanism), ms(b.durationMs)]),
        }
        if (n.error) cp.e = this.error(n.error)
        return cp
      }
      const branch: PageNode = {
        k: 'b',
        cp: text(n.checkpoint),
        s: status(n.status),
        ms: ms(n.durationMs),
        p: list(n.paths).map((p) => this.path(p, journey, path === 'main' ? p.name : `${path} > ${p.name}`, journeyStartedAt, !!n.rollbackBeforeWorkers)),
      }
      if (n.finalRollback) branch.fr = n.finalRollback.durationMs
      if (n.finalRollback?.waitedMs !== undefined) branch.fw = ms(n.finalRollback.waitedMs)
      if (n.rollbackBeforeWorkers) branch.wr = n.rollbackBeforeWorkers.durationMs
      if (n.error) branch.e = this.error(n.error)
      return branch
    })
  }

  /** `onWorkers`: its branch ran its paths on workers, where a path without `worker` ran on worker 0. */
  private path(p: PathResult, journey: number, label: string, journeyStartedAt: string, onWorkers: boolean): PagePath {
    const out: PagePath = { k: 'p', n: text(p.name), s: status(p.status), ms: ms(p.durationMs), x: this.nodes(list(p.nodes), journey, label, journeyStartedAt) }
    if (p.description) out.d = text(p.description)
    // Its requests went to that worker's app and its rows to that worker's database: a failure there is read
    // against that system, which the relative URLs of its steps do not name.
    if (onWorkers) out.w = typeof p.worker === 'number' && Number.isInteger(p.worker) && p.worker > 0 ? p.worker : 0
    if (p.rollback) out.rb = ms(p.rollback.durationMs)
    if (p.rollback?.waitedMs !== undefined) out.rw = ms(p.rollback.waitedMs)
    if (p.error) out.e = this.error(p.error)
    return out
  }

  private step(s: StepResult, journey: number, path: string, journeyStartedAt: string): PageStep {
    const id = this.nextStepId++
    const key = stepKey(journey, path, text(s.name))
    const at = this.stepsAt.get(key) ?? []
    at.push({ id, failed: s.status === 'failed' })
    this.stepsAt.set(key, at)

    const out: PageStep = { k: 's', id, n: text(s.name), s: status(s.status), ms: ms(s.durationMs) }
    const t0 = offset(journeyStartedAt, s.startedAt)
    if (t0 !== undefined) out.t0 = t0
    if (s.expectFailure) out.xf = 1
    if (typeof s.attempts === 'number' && s.attempts > 1) out.a = s.attempts
    if (s.timedOut) out.to = 1
    if (s.error) out.e = this.error(s.error)
    // A failed step's requests carry the curl command that sends each again.
    const failed = s.status === 'failed'
    if (s.request) out.rq = this.request(s.request, this.options.maxBodyChars, failed)
    if (s.response) out.rs = this.response(s.response, this.options.maxBodyChars)
    else if (s.request && typeof s.requestError === 'string' && s.requestError) out.re = redactText(s.requestError)
    const earlier = this.earlierExchanges(s, failed)
    if (earlier.length) out.ex = earlier
    if (list(s.logs).length) out.lg = list(s.logs).map((l) => [text(l.level), redactText(text(l.message))])
    return out
  }

  /** Every exchange but the one already shown as the step's request and response. */
  private earlierExchanges(s: StepResult, withCurl: boolean): PageExchange[] {
    const all = list(s.exchanges).filter((x) => x?.request)
    if (all.length === 0) return []
    const last = all[all.length - 1]!
    const lastIsShown = !!s.request && sameExchange(last, s.request, s.response)
    const rest = lastIsShown ? all.slice(0, -1) : all
    // Earlier attempts matter for their status and error; their bodies get a quarter of the budget.
    const budget = Math.max(200, Math.floor(this.options.maxBodyChars / 4))
    return rest.map((x) => {
      const out: PageExchange = { a: ms(x.attempt), ms: ms(x.durationMs), rq: this.request(x.request, budget, withCurl) }
      if (x.response) out.rs = this.response(x.response, budget)
      if (x.error) out.e = redactText(x.error)
      if (x.fromCache) out.c = 1
      return out
    })
  }

  private exploration(x: ExplorationResult): PageExploration {
    const st = (x.stats ?? {}) as Partial<ExplorationResult['stats']>
    const timings = (byBackend: Record<string, TimingStats> | undefined): PageTiming[] =>
      Object.entries(byBackend && typeof byBackend === 'object' ? byBackend : {}).map(([backend, t]) => [text(backend), ms(t?.count), ms(t?.p50), ms(t?.p95), ms(t?.max)])
    const out: PageExploration = {
      n: text(x.name),
      tags: list(x.tags).map(text),
      s: status(x.status),
      ms: ms(x.durationMs),
      seed: ms(x.seed),
      st: text(x.strategy),
      dp: ms(x.depth),
      dd: !!x.dedupe,
      stats: {
        transitions: ms(st.transitions),
        states: ms(st.states),
        merged: ms(st.merged),
        requests: ms(st.requests),
        perSecond: ms(st.transitionsPerSecond),
        deepest: ms(st.maxDepthReached),
      },
      rb: timings(x.timings?.rollback),
      ob: timings(x.timings?.observe),
      cov: list(x.coverage).map((c) => [text(c.action), ms(c.taken), ms(c.enabled), ms(c.refused)]),
      ne: list(x.neverEnabled).map(text),
      v: list(x.violations).map((v) => this.violation(v)),
    }
    if (x.description) out.d = text(x.description)
    if (x.file) out.f = text(x.file)
    if (x.truncated && typeof x.truncated.reason === 'string') out.tr = [x.truncated.reason, ms(x.truncated.limit)]
    if (x.interrupted) out.ir = 1
    if (x.notStarted) out.nr = 1
    if (exploredNothing({ status: out.s, stats: st as ExplorationResult['stats'], notStarted: !!x.notStarted })) out.xn = EXPLORED_NOTHING_REASON
    const threw = hookThrewLines(list(x.coverage).filter((c) => typeof c?.threw === 'string')).map((line) => redactText(text(line)))
    if (threw.length) out.th = threw
    // Where the search did not go (merges that may hide a bug, actions the API always refused): said as the console says it.
    const dedupe = !!x.dedupe
    const notes = [
      mergedAfterWriteText({ dedupe, stats: st as ExplorationResult['stats'] }),
      mergedAfterInputText({ dedupe, stats: st as ExplorationResult['stats'] }),
      ...refusedAlwaysLines(list(x.coverage).filter((c) => typeof c?.taken === 'number' && typeof c?.refused === 'number')),
    ].flatMap((line) => (line === undefined ? [] : [redactText(text(line))]))
    if (notes.length) out.nt = notes
    return out
  }

  private violation(v: ViolationResult): PageViolation {
    const exchange = (x: HttpExchange): PageExchange => {
      const out: PageExchange = { a: ms(x.attempt), ms: ms(x.durationMs), rq: this.request(x.request, this.options.maxBodyChars) }
      if (x.response) out.rs = this.response(x.response, this.options.maxBodyChars)
      if (x.error) out.e = redactText(text(x.error))
      return out
    }
    const out: PageViolation = {
      inv: text(v.invariant),
      sv: severity(v.severity),
      m: redactText(text(v.message)),
      seq: list(v.sequence).map((step) => {
        const s = { a: text(step.action), ex: list(step.exchanges).filter((x) => x?.request).map(exchange) } as PageViolation['seq'][number]
        // Longer than a line of text allows: the page wraps it.
        const input = inputText(step.input, 500)
        if (input) s.in = input
        return s
      }),
      pr: list(v.probes).filter((x) => x?.request).map(exchange),
      fl: ms(v.foundLength),
      rp: [ms(v.reproduced?.failures), ms(v.reproduced?.attempts)],
    }
    if (v.flaky) out.fk = 1
    if (v.notShrunk) out.ns = redactText(text(v.notShrunk))
    const limit = shrinkLimitText(v.shrinkLimit)
    if (limit) out.sl = limit
    if (v.emittedFile) out.f = text(v.emittedFile)
    return out
  }

  private request(r: RecordedRequest, maxChars: number, withCurl = false): PageRequest {
    const url = redactText(text(r.url))
    const { o, u } = this.origins.split(url)
    const headers = redactHeaders(r.headers ?? {}, this.redact)
    const out: PageRequest = { m: text(r.method), u, h: this.headers.add(headers) }
    if (o !== undefined) out.o = o
    const b = pageBody(r.body, maxChars, this.redact)
    if (b) out.b = b
    // From the whole body, not the page's cut of it: a command that sends part of a body reproduces nothing.
    if (withCurl) out.cu = curlText({ method: text(r.method), url, headers, ...(r.body !== undefined ? { body: r.body } : {}) })
    return out
  }

  private response(r: RecordedResponse, maxChars: number): PageResponse {
    const out: PageResponse = { s: ms(r.status), h: this.headers.add(redactHeaders(r.headers ?? {}, this.redact)) }
    const b = pageBody(r.body, maxChars, this.redact)
    if (b) out.b = b
    return out
  }

  private error(e: ErrorInfo): PageError {
    const out: PageError = { k: text(e.kind) as PageError['k'], m: redactText(text(e.message)) }
    if (e.stack) out.st = redactText(text(e.stack))
    return out
  }

  /** An issue of the page; `label` names a journey's repetition in its place, as the console names a journey's issues. */
  private issue(i: Issue, journeyIndex: number | undefined, label = ''): PageIssue {
    const j = text(i.journey)
    const p = text(i.path) || 'main'
    const st = text(i.step)
    const out: PageIssue = {
      j,
      p,
      st,
      w: issuePlace({ journey: j && `${j}${label}`, path: p, step: st }) || text(i.source),
      sv: severity(i.severity),
      k: text(i.kind) as PageIssue['k'],
      e: redactText(text(i.error)),
      sg: redactText(text(i.suggestion)),
      src: text(i.source),
    }
    if (journeyIndex !== undefined) {
      out.ji = journeyIndex
      const candidates = this.stepsAt.get(stepKey(journeyIndex, out.p, out.st))
      const target = candidates?.find((c) => c.failed) ?? candidates?.[0]
      if (target) out.ref = target.id
    }
    // The step shows its own request and response; an issue repeats them only when it has no step to point at.
    if (out.ref === undefined) {
      if (i.request) out.rq = this.request(i.request, this.options.maxBodyChars)
      if (i.response) out.rs = this.response(i.response, this.options.maxBodyChars)
    }
    return out
  }
}

// A results file may come from anywhere: the page only ever sees the shapes it expects.
const STATUSES = new Set<string>(['passed', 'failed', 'skipped'])
const status = (s: unknown): Status => (typeof s === 'string' && STATUSES.has(s) ? (s as Status) : 'failed')
/** attemptLabel's ` (attempt 2)` as the page shows it, beside the name or the attempt's number: `attempt 2`. */
const bare = (label: string): string => label.replace(/^ \((.*)\)$/, '$1')

const journeyStatus = (s: unknown): JourneyStatus => (s === 'flaky' ? 'flaky' : status(s))

/** Why an attempt failed, in one line: its first failed step, or else its first issue. */
function failureLine(j: JourneyResult): string {
  const walk = (nodes: readonly NodeResult[], path: string): string | undefined => {
    for (const n of list(nodes)) {
      if (n?.kind === 'step' && n.status === 'failed') return `${path === 'main' ? '' : `${path} \u203a `}${text(n.name)}: ${text(n.error?.message) || 'failed'}`
      if (n?.kind === 'branch')
        for (const p of list(n.paths)) {
          const found = walk(p.nodes, path === 'main' ? text(p.name) : `${path} > ${text(p.name)}`)
          if (found) return found
        }
    }
    return undefined
  }
  return walk(j.nodes, 'main') ?? (text(list(j.issues)[0]?.error) || 'failed')
}
const severity = (s: unknown): Severity => (typeof s === 'string' && (SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : 'medium')
/**
 * A value of the run as text for the page. Control characters are shown as escapes, as on the console: a
 * bidirectional override (U+202E) in a journey name reversed the text after it in the page, the issue's
 * kind and step included, so the page read otherwise than the run.
 */
const text = (s: unknown): string => escapeControlChars(typeof s === 'string' ? s : s === undefined || s === null ? '' : String(s))
const ms = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) ? n : 0)
const list = <T>(a: readonly T[] | undefined | null): readonly T[] => (Array.isArray(a) ? a : [])

const isCount = (c: unknown): boolean =>
  !!c && typeof c === 'object' && ['total', 'passed', 'failed'].every((k) => typeof (c as Record<string, unknown>)[k] === 'number')

function countsOf(counts: Counts | undefined, nodes: readonly NodeResult[]): Counts {
  if (counts && isCount(counts.steps) && isCount(counts.paths)) return counts
  try {
    return countNodes(nodes)
  } catch {
    return countNodes([])
  }
}

function validSummary(s: RunSummary | undefined): s is RunSummary {
  return !!s && isCount(s.journeys) && isCount(s.steps) && isCount(s.paths) && !!s.issues && typeof s.issues.total === 'number'
}

function validExplorationCounts(e: RunSummary['explorations']): boolean {
  return isCount(e) && typeof e!.violations === 'number' && typeof e!.flaky === 'number'
}

function explorationCounts(xs: readonly PageExploration[]): NonNullable<RunSummary['explorations']> {
  const passed = xs.filter((x) => x.s === 'passed').length
  const violations = xs.flatMap((x) => x.v)
  return { total: xs.length, passed, failed: xs.length - passed, violations: violations.length, flaky: violations.filter((v) => v.fk).length }
}

function sameExchange(x: HttpExchange, request: RecordedRequest, response: RecordedResponse | undefined): boolean {
  return x.request.method === request.method && x.request.url === request.url && x.response?.status === response?.status
}

function offset(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) return undefined
  const d = Date.parse(to) - Date.parse(from)
  return Number.isFinite(d) ? Math.max(0, d) : undefined
}

export function buildPageModel(run: RunResult, options: ResolvedHtmlOptions): PageData {
  // The whole run first, with the same code as every other reporter: a secret found in a header or body
  // is then masked in every error, log and issue too. The per-field redaction below stays as a second net.
  return new ModelBuilder(options).build(redactRun(run, { extraKeys: options.redactKeys }))
}
