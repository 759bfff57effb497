import type * as Os from 'node:os'
import { type ExplorationResult, type Issue, type JourneyResult, type RedactOptions, type Reporter, type ReporterFactory, type RunResult, type StepResult, type ViolationResult, attemptLabel, hasRerun, issuePlace, passedHow, passedAfterInterrupts, stoppedHow, plural, repeatLabel, sequenceHeading, sequenceStepText, hookThrewLines, exploredNothing, severityRank, statesText, explorationIssues, lazyBuiltin, journeyIssues, toldOnce } from '@venomqa/core'
import { budgetText, exchangeLine, exchangeText, flatten, formatFineDuration, workerText } from './format'
import { redactRun } from './redact-run'
import { reproduceScript } from './reproduce'

// Loaded at first use, not when the package is imported: a run that never writes a file never loads them.
const os = lazyBuiltin<typeof Os>('node:os')

/**
 * JUnit XML in the shape Jenkins (junit-10.xsd) and GitLab read: <testsuites> with one <testsuite> per
 * journey, a <testcase> per step (main line and paths) and per path; failures carry the error, the
 * request and the response. An exploration is a <testsuite> too, with a <testcase> per invariant. Times
 * are seconds.
 */
export function renderJUnit(input: RunResult, redact?: RedactOptions): string {
  const run = redactRun(input, redact)
  const host = safeHostname()
  // A journey not run for a run's issue is that issue, an error of the run suite: its own case is skipped (toldOnce).
  const notRunForRun = new Set(toldOnce([...run.journeys.flatMap(journeyIssues), ...run.issues]).flatMap((t) => t.notRun))
  const suites = run.journeys.map((j, i) => suiteFor(j, i, host, notRunForRun.has(`${j.name}${repeatLabel(j)}`)))
  for (const x of run.explorations ?? []) suites.push(explorationSuite(x, suites.length, host))
  // A failed run whose failure no case shows (its flaky journeys under --fail-on-flaky: each a passing case)
  // gets a failed case of its own: a CI server would show the file green under a red job.
  const untold = run.status === 'failed' && !run.interrupted && !run.issues.some(failsTheRun) && suites.every((s) => !s.failures && !s.errors)
  if (run.issues.length || run.interrupted || untold) suites.push(runIssuesSuite(run, suites.length, host, untold))
  const totals = suites.reduce(
    (t, s) => ({ tests: t.tests + s.tests, failures: t.failures + s.failures, errors: t.errors + s.errors, skipped: t.skipped + s.skipped }),
    { tests: 0, failures: 0, errors: 0, skipped: 0 },
  )
  const name = run.interrupted ? 'venomqa (interrupted)' : 'venomqa'
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(name)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" time="${seconds(run.durationMs)}">`,
    ...suites.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n')
}

interface Suite {
  xml: string
  tests: number
  failures: number
  errors: number
  skipped: number
}

/** A failure of one attempt, as Maven Surefire's retry elements hold it. */
interface AttemptFailure {
  message: string
  type: string
  detail: string
  /** Written as <flakyError>/<rerunError> rather than <flakyFailure>/<rerunFailure>. */
  error?: boolean
  durationMs?: number
}

interface Case {
  name: string
  classname: string
  durationMs: number
  status: 'passed' | 'failed' | 'skipped' | 'error'
  message?: string
  type?: string
  detail?: string
  /** Failures of a journey's earlier attempts, on a case that passed on the last one (counts as passed). */
  flaky?: AttemptFailure[]
  /** On a failed case of a retried journey: the later attempts' failures (the first one is the case's own). */
  reruns?: AttemptFailure[]
}

/** One <testsuite>: its counts worked out from its cases, its properties, cases and log. */
function testsuite(o: {
  name: string
  id: number
  host: string
  durationMs: number
  startedAt: string
  file?: string
  properties: string[][]
  cases: Case[]
  systemOut: string
}): Suite {
  const count = (s: Case['status']) => o.cases.filter((c) => c.status === s).length
  const suite = { tests: o.cases.length, failures: count('failed'), errors: count('error'), skipped: count('skipped') }
  const xml = [
    `  <testsuite name="${attr(o.name)}" id="${o.id}" package="venomqa" hostname="${attr(o.host)}" tests="${suite.tests}" failures="${suite.failures}" errors="${suite.errors}" skipped="${suite.skipped}" time="${seconds(o.durationMs)}" timestamp="${timestamp(o.startedAt)}"${o.file ? ` file="${attr(o.file)}"` : ''}>`,
    o.properties.length ? '    <properties>' : '    <properties></properties>',
    ...o.properties.map(([k, v]) => `      <property name="${attr(k!)}" value="${attr(v!)}"/>`),
    ...(o.properties.length ? ['    </properties>'] : []),
    ...o.cases.map(caseXml),
    `    <system-out>${cdata(o.systemOut)}</system-out>`,
    '    <system-err></system-err>',
    '  </testsuite>',
  ].join('\n')
  return { xml, ...suite }
}

function suiteFor(j: JourneyResult, id: number, host: string, notRunForRun: boolean): Suite {
  const cases = withEarlierAttempts(j, casesOf(j, notRunForRun))
  const earlier = j.earlierAttempts ?? []
  const properties = [
    ['tags', j.tags.join(',')],
    ['file', j.file ?? ''],
    ['baseUrl', j.baseUrl ?? ''],
    ['status', j.status],
    ['interrupted', String(!!j.interrupted)],
    ['steps', `${j.counts.steps.passed}/${j.counts.steps.total} passed`],
    ['paths', `${j.counts.paths.passed}/${j.counts.paths.total} passed`],
    ...(earlier.length ? [['attempts', String(earlier.length + 1)]] : []),
    ...(j.repeatEachIndex !== undefined ? [['repeatEachIndex', String(j.repeatEachIndex)]] : []),
  ]
  const systemOut = [
    // Its attempts said as the console and Markdown say them (core's attemptLabel and passedHow): a retry
    // within the run, or a --last-failed rerun merge-reports put over it, each earlier attempt by its run.
    `journey ${j.name}${repeatLabel(j)}${attemptLabel(j)}: ${j.status}${j.interrupted ? ` (${stoppedHow(j)})` : ''}${j.status === 'flaky' ? ` (passed ${passedHow(j)})` : ''}${passedAfterInterrupts(j) ? ` (${passedAfterInterrupts(j)})` : ''}`,
    ...earlier.map((a) => `attempt ${a.attempt}${hasRerun(j) ? attemptLabel(a, j) : ''}: ${a.status}${a.interrupted ? ` (${stoppedHow(a)})` : ''}${a.issues.length ? `: ${a.issues[0]!.error}` : ''}`),
    ...j.issues.map((i) => `[${i.severity}] ${issuePlace(i) || i.source}: ${i.error}\n  suggestion: ${i.suggestion}`),
    ...[...flatten(j.nodes)].flatMap((n) => (n.kind === 'step' ? (n.result.logs ?? []).map((l) => `[${l.level}] ${n.path} > ${n.name}: ${l.message}`) : [])),
  ].join('\n')
  return testsuite({ name: `${j.name}${repeatLabel(j)}`, id, host, durationMs: j.durationMs, startedAt: j.startedAt, file: j.file, properties, cases, systemOut })
}

/**
 * The testcases of a retried journey, as Playwright's JUnit reporter writes a retried test: its last
 * attempt's cases, where a case that failed on an earlier attempt and passed on the last is flaky
 * (passing, with a Surefire <flakyFailure> per failure), and one that still failed keeps its first
 * failure as <failure> and the later ones as <rerunFailure>. A case that failed on an earlier attempt
 * only and is not in the last one (the journey crashed there) is added the same way.
 */
function withEarlierAttempts(j: JourneyResult, finalCases: Case[]): Case[] {
  // Attempts that were only cut short before it passed (passedAfterInterrupts) are no flaky failures.
  const attempts = passedAfterInterrupts(j) ? [] : [...(j.earlierAttempts ?? [])].map((a) => casesOf(a))
  if (!attempts.length) return finalCases
  const failuresOf = (name: string, list: Case[][]) => list.flatMap((cases) => cases.filter((c) => c.name === name && isFailure(c)).map(asFailure))
  const out = finalCases.map((c): Case => {
    const earlier = failuresOf(c.name, attempts)
    if (!earlier.length) return c
    if (isFailure(c)) {
      const [first, ...rest] = [...earlier, asFailure(c)]
      return { ...c, status: first!.error ? 'error' : 'failed', message: first!.message, type: first!.type, detail: first!.detail, reruns: rest }
    }
    return c.status === 'passed' ? { ...c, flaky: [...(c.flaky ?? []), ...earlier] } : c
  })
  const known = new Set(finalCases.map((c) => c.name))
  for (const cases of attempts)
    for (const c of cases)
      if (isFailure(c) && !known.has(c.name)) {
        known.add(c.name)
        out.push({ name: c.name, classname: c.classname, durationMs: 0, status: 'passed', flaky: failuresOf(c.name, attempts) })
      }
  return out
}

const isFailure = (c: Case) => c.status === 'failed' || c.status === 'error'
const asFailure = (c: Case): AttemptFailure => ({ message: c.message ?? '', type: c.type ?? (c.status === 'error' ? 'error' : 'failure'), detail: c.detail ?? c.message ?? '', error: c.status === 'error', durationMs: c.durationMs })

/** One attempt's testcases: a step (main line and paths) and a path each, and what failed on its own. */
function casesOf(j: JourneyResult, notRunForRun = false): Case[] {
  const classname = `${j.name}${repeatLabel(j)}`
  const cases: Case[] = []
  const nodes = [...flatten(j.nodes)]
  // A path's steps come before the path itself in flatten's order: where each path ran is known first.
  const workers = new Map(nodes.flatMap((n) => (n.kind === 'path' && n.worker !== undefined ? [[n.path, n.worker] as const] : [])))
  for (const n of nodes) {
    if (n.kind === 'step') cases.push({ ...stepCase(j, n.path, n.result, workerOf(workers, n.path)), classname })
    else if (n.kind === 'path') {
      const r = n.result
      // A path that failed for a step, checkpoint or path within it is that case's failure, told there: as
      // a case of its own it counted one fault twice. One that failed itself (not run) is its own case.
      if (r.status === 'failed' && cases.some((c) => isFailure(c) && (c.name.startsWith(`${n.path} > `) || c.name.startsWith(`path ${n.path} > `)))) continue
      cases.push({
        name: `path ${n.path}`,
        classname,
        durationMs: r.durationMs,
        status: r.status,
        message: r.status === 'failed' ? r.error?.message ?? `path "${n.path}" failed` : undefined,
        type: r.error?.kind ?? 'path-failed',
        detail: r.status === 'failed' ? pathFailureDetail(j, n.path, r.error?.message, n.worker) : undefined,
      })
    } else if ((n.kind === 'checkpoint' && n.result.status === 'failed') || (n.kind === 'branch' && n.result.error)) {
      // A branch is only its own testcase when it failed itself (a rollback that failed), not because a path did.
      const label = n.kind === 'checkpoint' ? `checkpoint ${n.result.name}` : `branch ${n.result.checkpoint}`
      cases.push({
        name: n.path === 'main' ? label : `${n.path} > ${label}`,
        classname,
        durationMs: n.result.durationMs,
        status: 'error',
        message: n.result.error?.message ?? `${label} failed`,
        type: n.result.error?.kind ?? 'state',
      })
    }
  }
  // A journey that failed without a failed testcase (crash, journey timeout, critical issue) must
  // still fail in CI, so its issues become one more testcase.
  if (notRunForRun) cases.push({ name: 'journey', classname, durationMs: j.durationMs, status: 'skipped', message: j.issues[0]?.error })
  else if (j.status === 'failed' && !cases.some((c) => c.status === 'failed' || c.status === 'error')) {
    cases.push({
      name: 'journey',
      classname,
      durationMs: j.durationMs,
      status: 'error',
      message: j.issues[0]?.error ?? (j.interrupted ? 'journey interrupted' : 'journey failed'),
      type: j.issues[0]?.kind ?? 'journey-failed',
      detail: j.issues.map(issueText).join('\n\n'),
    })
  }
  return cases
}

/** The worker a step's path ran on (see FlatPath.worker): its own path's, or the nearest enclosing one's. */
function workerOf(workers: ReadonlyMap<string, number>, path: string): number | undefined {
  for (let p = path; p !== 'main'; p = p.includes(' > ') ? p.slice(0, p.lastIndexOf(' > ')) : 'main') {
    const worker = workers.get(p)
    if (worker !== undefined) return worker
  }
  return undefined
}

function stepCase(j: JourneyResult, path: string, r: StepResult, worker?: number): Case {
  const name = path === 'main' ? r.name : `${path} > ${r.name}`
  if (r.status !== 'failed') return { name, classname: j.name, durationMs: r.durationMs, status: r.status }
  const parts = [
    r.error ? `${r.error.kind}: ${r.error.message}` : 'step failed',
    // Its requests went to that worker's app, its rows to that worker's database: the URLs alone do not say.
    worker !== undefined ? `Ran ${workerText(worker)}.` : '',
    r.timedOut ? 'The step timed out.' : '',
    r.attempts > 1 ? `Attempts: ${r.attempts}` : '',
    r.request || r.response ? `\n${exchangeText(r.request, r.response)}` : '',
    r.error?.stack ? `\n${r.error.stack}` : '',
  ]
  // Every request the step made, as curl commands to paste into a terminal (variables for redacted values).
  const script = reproduceScript(r, '->')
  if (script) parts.push(`\nReproduce with curl:\n${script}`)
  const suggestion = j.issues.find((i) => i.step === r.name && i.path === path)?.suggestion
  if (suggestion) parts.push(`\nSuggestion: ${suggestion}`)
  return {
    name,
    classname: j.name,
    durationMs: r.durationMs,
    status: 'failed',
    message: r.error?.message ?? 'step failed',
    type: r.error?.kind ?? 'failure',
    detail: parts.filter(Boolean).join('\n'),
  }
}

function pathFailureDetail(j: JourneyResult, path: string, message?: string, worker?: number): string {
  const issues = j.issues.filter((i) => i.path === path || i.path.startsWith(`${path} > `))
  return [message ?? '', worker !== undefined ? `Ran ${workerText(worker)}.` : '', ...issues.map(issueText)].filter(Boolean).join('\n\n')
}

function issueText(i: Issue): string {
  return [
    `[${i.severity}] ${issuePlace(i) || i.source}: ${i.error}`,
    i.request || i.response ? exchangeText(i.request, i.response) : '',
    `Suggestion: ${i.suggestion}`,
  ]
    .filter(Boolean)
    .join('\n')
}

/** An issue that is an error case of the run suite (see runIssuesSuite). */
const failsTheRun = (i: Issue) => i.severity !== 'info' && i.severity !== 'low'

function runIssuesSuite(run: RunResult, id: number, host: string, untold = false): Suite {
  const cases: Case[] = run.issues.map((i) => ({
    name: `${i.source}: ${runIssuePlace(i)}`,
    classname: 'venomqa.run',
    durationMs: 0,
    status: failsTheRun(i) ? 'error' : 'passed',
    message: i.error,
    type: i.kind,
    detail: issueText(i),
  }))
  // Stopped between journeys, the ones it never started are skipped and none failed: without this case a
  // CI server would show the interrupted run green.
  if (run.interrupted)
    cases.push({
      name: 'run interrupted',
      classname: 'venomqa.run',
      durationMs: 0,
      status: 'error',
      message: `the run was interrupted before it finished: ${interruptedWhat(run)}`,
      type: 'interrupted',
    })
  if (untold) cases.push({ name: 'run failed', classname: 'venomqa.run', durationMs: 0, status: 'failed', ...untoldFailure(run) })
  return testsuite({ name: 'run', id, host, durationMs: 0, startedAt: run.startedAt, properties: [], cases, systemOut: run.issues.map(issueText).join('\n\n') })
}

/**
 * Where a run issue happened, for its case's name: the journey, path and step it names, joined as the
 * console's list of issues and the Markdown report place it (the main path left out); an issue that names
 * no journey (a plugin's warning, a request of no step) says its step, or its kind.
 */
function runIssuePlace(i: Issue): string {
  return issuePlace(i) || i.kind
}

/** Why a run failed when none of its cases does: its flaky journeys (--fail-on-flaky), else its verdict alone. */
function untoldFailure(run: RunResult): { message: string; type: string } {
  const flaky = run.journeys.filter((j) => j.status === 'flaky').map((j) => j.name)
  if (!flaky.length) return { message: 'the run failed, though none of its testcases did', type: 'run' }
  return { message: `${plural(flaky.length, 'journey')} ${flaky.length === 1 ? 'is' : 'are'} flaky (${flaky.join(', ')}), and the run fails on a flaky journey (--fail-on-flaky)`, type: 'flaky' }
}

/**
 * What an interrupted run left unfinished, in the words of what it ran: `venomqa explore` runs no journey,
 * and its explorations cut short or never started are failed, never skipped.
 */
function interruptedWhat(run: RunResult): string {
  const journeys = 'the journeys it never started are skipped'
  const explorations = 'an exploration cut short searched only part of its tree, and one it never started is not run'
  if (!run.explorations?.length) return journeys
  return run.journeys.length ? `${journeys}; ${explorations}` : explorations
}

/** What JUnit says of an exploration the run never started (`notStarted`), and of each of its invariants. */
const NOT_STARTED = 'not run: the run was interrupted before it started'
const EXPLORED_NOTHING = 'not checked: the exploration failed before its first action (see its issues)'

/** The invariants every exploration checks, whatever its definition names. */
const BUILTIN_INVARIANTS = ['no_5xx', 'request_error']

/**
 * An exploration: a <testcase> per invariant (the built-ins and every one a violation names), failed with
 * each violation's minimal sequence, its reproduction count and the regression journey written for it. A
 * flaky violation fails its case too: it fails the exploration and the exit code (a bug that shows only
 * sometimes is still there), unlike a flaky journey, which passed on a retry. As a Surefire <flakyFailure>
 * in a passing case, the exploration's suite read green under a red job, and, alone in the run, only a
 * case saying that none had failed showed the run red.
 */
function explorationSuite(x: ExplorationResult, id: number, host: string): Suite {
  const classname = `explore.${x.name}`
  const invariants = [...new Set([...BUILTIN_INVARIANTS, ...x.violations.map((v) => v.invariant)])]
  const cases: Case[] = invariants.map((invariant) => {
    const violations = x.violations.filter((v) => v.invariant === invariant)
    const name = `invariant ${invariant}`
    if (violations.length) {
      // A confirmed one first: the case's message is the most certain violation's.
      const first = violations.find((v) => !v.flaky) ?? violations[0]!
      return {
        name,
        classname,
        durationMs: 0,
        status: 'failed',
        message: first.flaky ? `flaky, reproduced ${first.reproduced.failures}/${first.reproduced.attempts}: ${first.message}` : first.message,
        type: 'invariant',
        // A case holds one <failure>: every violation of the invariant is listed in it.
        detail: violations.map(violationText).join('\n\n'),
      }
    }
    // Interrupted, an invariant that no violation broke held only on the part searched: not a pass, which a
    // CI dashboard would count as green.
    if (x.notStarted) return { name, classname, durationMs: 0, status: 'skipped', message: NOT_STARTED }
    // Failed before its first transition (its setup, nothing listening at the base URL): nothing was checked.
    if (exploredNothing(x)) return { name, classname, durationMs: 0, status: 'skipped', message: EXPLORED_NOTHING }
    if (x.interrupted) return { name, classname, durationMs: 0, status: 'skipped', message: 'the exploration was interrupted before its search finished: this invariant held on the part it searched' }
    return { name, classname, durationMs: 0, status: 'passed' }
  })
  // The most severe first: the case's message is the one that failed the exploration, not an info note before it.
  const others = [...explorationIssues(x)].sort((a, b) => severityRank(a.severity) - severityRank(b.severity))
  // An exploration that could not run (a failed setup, a crash) broke no invariant but must fail in CI.
  if (x.status === 'failed' && !x.violations.length)
    cases.push({
      name: 'exploration',
      classname,
      durationMs: x.durationMs,
      status: 'error',
      message: others[0]?.error ?? (x.notStarted ? `exploration ${NOT_STARTED}` : x.interrupted ? 'exploration interrupted' : 'exploration failed'),
      type: others[0]?.kind ?? 'exploration-failed',
      detail: others.map(issueText).join('\n\n'),
    })
  const s = x.stats
  const properties = [
    ['kind', 'exploration'],
    ['tags', x.tags.join(',')],
    ['file', x.file ?? ''],
    ['status', x.status],
    ['interrupted', String(!!x.interrupted)],
    ...(x.notStarted ? [['notStarted', 'true']] : []),
    ['seed', String(x.seed)],
    ['strategy', x.strategy],
    ['depth', String(x.depth)],
    ['dedupe', String(x.dedupe)],
    ['truncated', x.truncated ? budgetText(x.truncated) : 'false'],
    ['transitions', String(s.transitions)],
    ['states', String(s.states)],
    ['requests', String(s.requests)],
  ]
  // Nothing of it ran: settings it never used and zero counts would read as a search that found nothing.
  const systemOut = x.notStarted
    ? `exploration ${x.name}: ${x.status} (interrupted)\n${NOT_STARTED}`
    : explorationText(x, others)
  return testsuite({ name: `explore ${x.name}`, id, host, durationMs: x.durationMs, startedAt: x.startedAt, file: x.file, properties, cases, systemOut })
}

/** What an exploration that ran did, for its suite's system-out. */
function explorationText(x: ExplorationResult, others: readonly Issue[]): string {
  const s = x.stats
  const timings = (label: string, byBackend: ExplorationResult['timings']['rollback']) =>
    Object.entries(byBackend).map(([backend, t]) => `${label} ${backend}: p50 ${formatFineDuration(t.p50)}, p95 ${formatFineDuration(t.p95)}, max ${formatFineDuration(t.max)} (${t.count})`)
  return [
    `exploration ${x.name}: ${x.status}${x.interrupted ? ' (interrupted)' : ''} (${x.strategy}, depth ${x.depth}, seed ${x.seed}${x.dedupe ? '' : ', no dedupe'})`,
    // Invariants that held did so only on what was explored: a CI reader must see that the search stopped short.
    x.truncated ? `truncated: the ${budgetText(x.truncated)} ran out before the search covered depth ${x.depth}; the rest was skipped` : '',
    x.interrupted ? 'interrupted: the search was stopped before it finished' : '',
    `${plural(s.transitions, 'transition')}, ${statesText(s.states, x.dedupe)}${x.dedupe ? `, ${s.merged} merged` : ''}, ${plural(s.requests, 'request')}, ${s.transitionsPerSecond} transitions/s, deepest path ${s.maxDepthReached}`,
    ...x.coverage.map((c) => `action ${c.action}: taken ${c.taken}, enabled ${c.enabled}, refused ${c.refused}`),
    ...hookThrewLines(x.coverage),
    x.neverEnabled.length ? `never enabled${x.truncated || x.interrupted ? ' in the states reached before the search was cut short' : ''}: ${x.neverEnabled.join(', ')}` : '',
    ...timings('rollback', x.timings.rollback),
    ...timings('observe', x.timings.observe),
    ...others.map((i) => `[${i.severity}] ${i.step}: ${i.error}\n  suggestion: ${i.suggestion}`),
  ]
    .filter(Boolean)
    .join('\n')
}

/** A violation as a CI log shows it: the minimal sequence line by line, then the request that broke it. */
function violationText(v: ViolationResult): string {
  const shrunk = v.foundLength > v.sequence.length ? `, shrunk from ${v.foundLength}` : ''
  const notShrunk = v.notShrunk ? `; ${v.notShrunk}` : ''
  const lines = [`invariant "${v.invariant}" [${v.severity}]${v.flaky ? ' FLAKY' : ''}: ${v.message}`, `${sequenceHeading(v)}${notShrunk} (${plural(v.sequence.length, 'action')}${shrunk}):`]
  v.sequence.forEach((step, i) => {
    const [first, ...more] = step.exchanges
    lines.push(`  ${i + 1}. ${sequenceStepText(step)}: ${first ? exchangeLine(first) : '(no request)'}`)
    for (const e of more) lines.push(`     ${exchangeLine(e)}`)
  })
  if (v.probes.length) lines.push('Probes after the last action:', ...v.probes.map((e) => `  ${exchangeLine(e)}`))
  const r = v.reproduced
  lines.push(r.attempts ? `Reproduced ${r.failures} of ${r.attempts} attempts from the root${v.flaky ? (r.failures ? ' (flaky)' : ' (flaky: only the search broke it, no replay did)') : ''}.` : 'Not confirmed from the root.')
  if (v.emittedFile) lines.push(`Regression journey: ${v.emittedFile}`)
  const last = v.sequence.at(-1)?.exchanges.at(-1)
  if (last) lines.push('', 'Last request and response:', exchangeText(last.request, last.response))
  return lines.join('\n')
}

function caseXml(c: Case): string {
  const open = `    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="${seconds(c.durationMs)}"`
  if (c.status === 'passed' && c.flaky?.length) {
    // Maven Surefire's element for a failure that did not repeat, as Playwright writes a flaky test: the
    // case passes, and Jenkins and GitLab list it as flaky rather than failed.
    return `${open}>\n${c.flaky.map((f) => retryXml('flaky', f)).join('\n')}\n    </testcase>`
  }
  if (c.status === 'passed') return `${open}/>`
  if (c.status === 'skipped') return `${open}>\n      <skipped${c.message ? ` message="${attr(c.message)}"` : ''}/>\n    </testcase>`
  const tag = c.status === 'error' ? 'error' : 'failure'
  const own = `      <${tag} message="${attr(c.message ?? '')}" type="${attr(c.type ?? tag)}">${cdata(c.detail ?? c.message ?? '')}</${tag}>`
  // A retried journey that still failed: the retries' failures as Surefire's rerun elements, as Playwright writes them.
  const reruns = (c.reruns ?? []).map((f) => `\n${retryXml('rerun', f)}`).join('')
  return `${open}>\n${own}${reruns}\n    </testcase>`
}

/** <flakyFailure>, <flakyError>, <rerunFailure> or <rerunError>, with its text in a <stackTrace>. */
function retryXml(kind: 'flaky' | 'rerun', f: AttemptFailure): string {
  const tag = `${kind}${f.error ? 'Error' : 'Failure'}`
  const time = f.durationMs !== undefined ? ` time="${seconds(f.durationMs)}"` : ''
  return `      <${tag} message="${attr(f.message)}" type="${attr(f.type)}"${time}>\n        <stackTrace>${cdata(f.detail)}</stackTrace>\n      </${tag}>`
}

/** XML 1.0 cannot carry most control characters at all, even escaped: drop them. */
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

export function xmlText(s: string): string {
  return s.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function attr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;')
}

/** Text in CDATA keeps request bodies readable in CI; a `]]>` inside is split across two sections. */
function cdata(s: string): string {
  if (!s) return ''
  return `<![CDATA[${s.replace(INVALID_XML, '').replace(/]]>/g, ']]]]><![CDATA[>')}]]>`
}

function seconds(ms: number): string {
  return (Math.max(0, ms || 0) / 1000).toFixed(3)
}

/** junit-10.xsd wants an ISO 8601 date-time without zone or fraction (UTC here). */
function timestamp(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString().slice(0, 19) : d.toISOString().slice(0, 19)
}

function safeHostname(): string {
  try {
    return os().hostname() || 'localhost'
  } catch {
    return 'localhost'
  }
}

export const junitReporter: ReporterFactory = ({ options }) => createJUnitReporter(options as { redact?: RedactOptions })

export function createJUnitReporter(options: { redact?: RedactOptions } = {}): Reporter {
  return {
    name: 'junit',
    defaultFile: 'venomqa-junit.xml',
    render: (run) => renderJUnit(run, options.redact),
  }
}
