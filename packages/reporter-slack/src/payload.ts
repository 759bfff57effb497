import {
  type ExplorationResult,
  type Issue,
  type JourneyResult,
  PASSED_IN_RERUN,
  PASSED_ON_RETRY,
  hasRerun,
  type RunResult,
  type Severity,
  SEVERITIES,
  curlText,
  issuePlace,
  issuePlaceParts,
  journeyIssues,
  plural,
  statesText,
  redactRun,
  redactText,
  repeatLabel,
  runBackendsText,
  severityRank,
  suggestionFor,
  summarize,
  walkSteps,
  explorationIssues,
} from '@venomqa/core'
import { type Block, LIMITS, type SlackPayload, escapeMrkdwn, fitMrkdwn, fitPlain, mrkdwn, plain } from './block-kit'
import { type SlackReporterOptions, isHttpUrl, resolveSlackOptions } from './options'

/** One line of "what failed", from an issue or from a failed step that raised none. */
export interface Failure {
  journey: string
  path: string
  step: string
  /** Who raised it (`step`, `state`, `plugin:<name>`): what names a failure of no journey, path or step. */
  source: string
  severity: Severity
  error: string
  suggestion: string
  status?: number
  /** The failing request as a curl command (comments and command), when there was one. */
  curl?: string
}

const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':large_blue_circle:',
  info: ':white_circle:',
}

const isFailed = (run: RunResult) => run.status !== 'passed' || !!run.interrupted

/**
 * Failing steps, worst first: issues but info ones by severity (in run order within a severity), then
 * failed steps that raised no issue. Secrets in error text are masked again; a results file may come from anywhere.
 */
export function failuresOf(run: RunResult): Failure[] {
  // An info issue ("no state backend: nothing is rolled back") tells, it does not fail: listed among the
  // failing steps, it pushed a real one out of the top and read as a failure.
  // A journey's issues named after its run, as the console names them: two repetitions (--repeat-each)
  // that fail alike are two failures, each with its repetition, not one.
  // An exploration's own issues (its setup failed, it crashed) in the console's order: after the journeys'.
  const issues = failingWorstFirst([...(run.journeys ?? []).flatMap(journeyIssues), ...(run.explorations ?? []).flatMap(explorationIssues), ...(run.issues ?? [])])
  const seen = new Set<string>()
  const out: Failure[] = []
  for (const issue of issues) {
    const key = `${issue.journey}\u0000${issue.path}\u0000${issue.step}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({
      journey: String(issue.journey ?? ''),
      path: String(issue.path ?? 'main'),
      step: String(issue.step ?? ''),
      source: String(issue.source ?? ''),
      severity: SEVERITIES.includes(issue.severity) ? issue.severity : 'medium',
      error: redactText(String(issue.error ?? '')),
      suggestion: redactText(String(issue.suggestion ?? '')),
      status: issue.response?.status,
      ...(issue.request ? { curl: curlText(issue.request) } : {}),
    })
  }
  for (const j of run.journeys ?? []) {
    const journey = `${j.name}${repeatLabel(j)}`
    for (const { step, path } of walkSteps(j.nodes ?? [])) {
      if (step.status !== 'failed' || seen.has(`${journey}\u0000${path}\u0000${step.name}`)) continue
      seen.add(`${journey}\u0000${path}\u0000${step.name}`)
      const kind = step.error?.kind ?? 'crash'
      out.push({
        journey,
        path,
        step: step.name,
        source: 'step',
        severity: 'high',
        error: redactText(step.error?.message ?? 'failed'),
        suggestion: suggestionFor(kind, step.response?.status),
        status: step.response?.status,
        ...(step.request ? { curl: curlText(step.request) } : {}),
      })
    }
  }
  return out
}

/** Issues named on an exploration's line; the others are counted, the whole list is among the failures and in the report. */
const ISSUES_ON_LINE = 3

/**
 * Why an exploration failed other than by a violation (its setup failed, it crashed): its issues but info
 * ones, worst first, each placed within the exploration (its name opens the line) with its error cut short.
 */
function explorationIssuesText(x: ExplorationResult): string {
  const issues = failingWorstFirst(explorationIssues(x))
  if (!issues.length) return ''
  const named = issues.slice(0, ISSUES_ON_LINE).map((i) => {
    const parts = issuePlaceParts(i)
    const within = parts[0] === x.name ? parts.slice(1) : parts
    const place = (within.length ? within : [String(i.source ?? 'exploration')]).map((w) => `*${fitMrkdwn(w, 100)}*`).join(' \u203a ')
    // Masked again as a failure's error is: a results file may come from anywhere.
    const error = oneLine(redactText(String(i.error ?? '')))
    return error ? `${place}: ${fitMrkdwn(error, 160)}` : place
  })
  const more = issues.length - named.length
  return `${plural(issues.length, 'issue')}: ${named.join('; ')}${more ? ` and ${plural(more, 'more issue', 'more issues')}` : ''}`
}

/**
 * The first failure as the fallback text names it, its place and why: that text is what a phone's
 * notification and a screen reader show, where the place alone said which step failed but not how. Raw
 * text (the whole fallback text is escaped once), on one line, its error cut short; already redacted.
 */
function firstFailure(f: Failure): string {
  const why = oneLine(f.error)
  return `${issuePlace(f) || f.source}${why ? `: ${fitPlain(why, FIRST_ERROR_MAX)}` : ''}`
}

/** How much of the first failure's error the fallback text keeps. */
const FIRST_ERROR_MAX = 200

/**
 * Issues that fail, worst first: info ones left out (they tell, they do not fail), run order kept within a
 * severity (the sort is stable).
 */
function failingWorstFirst(issues: Issue[]): Issue[] {
  return issues.filter((i) => i.severity !== 'info').sort((a, b) => rank(a.severity) - rank(b.severity))
}

/** An error on one line, for a line that names several, or a notification. */
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim()

function rank(s: Severity): number {
  const r = severityRank(s)
  return r < 0 ? SEVERITIES.length : r
}

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '?'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

/** The run's flaky journeys, by how they passed (core's words): on a retry within the run, then in a --last-failed rerun. */
function flakyByHow(run: RunResult): { how: string; journeys: JourneyResult[] }[] {
  const flaky = (run.journeys ?? []).filter((j) => j.status === 'flaky')
  return [PASSED_ON_RETRY, PASSED_IN_RERUN]
    .map((how) => ({ how, journeys: flaky.filter((j) => hasRerun(j) === (how === PASSED_IN_RERUN)) }))
    .filter((g) => g.journeys.length)
}

/** How the run's flaky journeys passed, for the headline: `passed on a retry`, or each way counted when both. */
function howFlakyPassed(run: RunResult): string {
  const groups = flakyByHow(run)
  if (groups.length < 2) return `passed ${groups[0]?.how ?? PASSED_ON_RETRY}`
  return groups.map((g, i) => `${g.journeys.length}${i ? '' : ' passed'} ${g.how}`).join(', ')
}

function headline(run: RunResult, s: RunResult['summary'], title: string): { emoji: string; text: string } {
  // A run of `venomqa explore` has no journey: its verdict is about explorations.
  const [c, noun] = s.explorations && !s.journeys.total ? [s.explorations, 'exploration'] : [s.journeys, 'journey']
  // A flaky journey passed on a retry or in a --last-failed rerun: it counts as passed, and is named, not hidden (--fail-on-flaky fails the run for it).
  const flaky = noun === 'journey' ? s.journeys.flaky : 0
  const andFlaky = flaky ? `, ${flaky} flaky` : ''
  if (run.interrupted) return { emoji: ':warning:', text: `${title}: run interrupted, ${c.failed} of ${plural(c.total, noun)} failed${andFlaky}` }
  if (run.status === 'passed')
    return { emoji: ':white_check_mark:', text: `${title}: ${c.total === 1 ? `the ${noun}` : `all ${c.total} ${noun}s`} passed${flaky ? ` (${flaky} flaky: ${howFlakyPassed(run)})` : ''}` }
  // Failed with no failed journey: for its flaky ones (--fail-on-flaky), unless the run itself had an issue
  // of its own (a stray error, a backend that could not disconnect), which is then what failed it.
  const runIssues = (run.issues ?? []).filter((i) => i.severity === 'critical' || i.severity === 'high').length
  if (!c.failed && runIssues) return { emoji: ':x:', text: `${title}: the run failed: ${plural(runIssues, 'issue')} of the run itself${andFlaky}` }
  if (!c.failed && flaky) return { emoji: ':x:', text: `${title}: ${flaky} of ${plural(c.total, noun)} flaky, which fails the run (--fail-on-flaky)` }
  return { emoji: ':x:', text: `${title}: ${c.failed} of ${plural(c.total, noun)} failed${andFlaky}` }
}

/** One line per exploration: its verdict, violations (flaky ones counted), and a search that stopped short. */
function explorationLine(x: ExplorationResult): string {
  const flaky = x.violations.filter((v) => v.flaky).length
  const emoji = x.interrupted ? ':warning:' : x.status === 'passed' ? ':white_check_mark:' : ':x:'
  // "No violation" and zero counts would read as a search that found nothing.
  if (x.notStarted) return `${emoji} *${fitMrkdwn(x.name, 150)}* \u00b7 not run: the run was interrupted before it started`
  const found = x.violations.length ? `${plural(x.violations.length, 'violation')}${flaky ? ` (${flaky} flaky)` : ''}` : 'no violation'
  const invariants = [...new Set(x.violations.map((v) => v.invariant))]
  const parts = [
    `${emoji} *${fitMrkdwn(x.name, 150)}*`,
    invariants.length ? `${found}: ${invariants.slice(0, 5).map((i) => `\`${fitMrkdwn(i.replace(/`/g, "'"), 100)}\``).join(', ')}${invariants.length > 5 ? ` and ${invariants.length - 5} more` : ''}` : found,
    `${plural(x.stats.transitions, 'transition')}, ${statesText(x.stats.states, x.dedupe)}`,
  ]
  if (x.truncated) parts.push(`truncated (${x.truncated.reason} budget)`)
  if (x.interrupted) parts.push('interrupted')
  // Last, being the longest: a failed exploration with no violation said nothing of why it failed.
  const issues = explorationIssuesText(x)
  if (issues) parts.push(issues)
  return parts.join(' \u00b7 ')
}

function counts(c: { passed: number; failed: number; skipped?: number; flaky?: number; total: number }): string {
  const parts = [`${c.passed} passed`, `${c.failed} failed`]
  if (c.flaky) parts.push(`${c.flaky} flaky`)
  if (c.skipped) parts.push(`${c.skipped} skipped`)
  return `${parts.join(' \u00b7 ')} (of ${c.total})`
}

function failureSection(f: Failure): Block {
  // Placed as the console places an issue (see issuePlace), each part in bold; one of no place by its source.
  const parts = issuePlaceParts(f)
  const location = (parts.length ? parts : [f.source]).map((w) => `*${fitMrkdwn(w, 150)}*`).join(' \u203a ')
  const status = f.status !== undefined ? ` \`${f.status}\`` : ''
  const lines = [`${SEVERITY_EMOJI[f.severity]} ${location}${status}`]
  if (f.error) lines.push(`>${fitMrkdwn(f.error.replace(/\s+/g, ' '), 1200)}`)
  if (f.suggestion) lines.push(`_${fitMrkdwn(f.suggestion.replace(/\s+/g, ' '), 800)}_`)
  // The request as curl, only whole (a command cut short reproduces nothing) and only where it fits the block.
  const curl = f.curl && !f.curl.includes('```') ? `\`\`\`${escapeMrkdwn(f.curl)}\`\`\`` : undefined
  if (curl && lines.join('\n').length + curl.length + 1 <= LIMITS.sectionText) lines.push(curl)
  return { type: 'section', text: mrkdwn(lines.join('\n')) }
}

/** The Block Kit message for a run: status, counts, the worst failing steps with suggestions, a report link. */
export function buildSlackPayload(input: RunResult, options: SlackReporterOptions = {}): SlackPayload {
  // Redacted whole, like every report: a cookie or token from an exchange is masked in every error it
  // shows, and the saved copy of the payload is this same object.
  const run = redactRun(input)
  const o = resolveSlackOptions(options)
  const s = run.summary ?? summarize(run.journeys ?? [], run.issues ?? [], run.explorations ?? [])
  const head = headline(run, s, o.title)
  const blocks: Block[] = [{ type: 'header', text: plain(`${head.emoji} ${head.text}`, LIMITS.headerText) }]

  const severities = SEVERITIES.filter((k) => s.issues[k]).map((k) => `${s.issues[k]} ${k}`)
  const explorations = run.explorations ?? []
  const fields = s.journeys.total || !s.explorations ? [mrkdwn(`*Journeys*\n${counts(s.journeys)}`), mrkdwn(`*Steps*\n${counts(s.steps)}`), mrkdwn(`*Paths*\n${s.paths.total ? counts(s.paths) : 'none'}`)] : []
  if (s.explorations) {
    const e = s.explorations
    fields.push(mrkdwn(`*Explorations*\n${counts({ passed: e.passed, failed: e.failed, total: e.total })}`), mrkdwn(`*Violations*\n${e.violations}${e.flaky ? ` (${e.flaky} flaky)` : ''}`))
  }
  fields.push(mrkdwn(`*Issues*\n${severities.length ? severities.join(' \u00b7 ') : 'none'}`))
  blocks.push({ type: 'section', fields })
  if (explorations.length) {
    const lines = explorations.map(explorationLine)
    // One section holds 3000 characters: the lines that do not fit are counted, not cut mid-line.
    let text = ''
    let shown = 0
    for (const line of lines) {
      const next = text ? `${text}\n${line}` : line
      if (next.length > LIMITS.sectionText - 80) break
      text = next
      shown++
    }
    if (shown < lines.length) text += `\n\u2026 and ${plural(lines.length - shown, 'more exploration', 'more explorations')} in the report.`
    blocks.push({ type: 'section', text: mrkdwn(text) })
  }

  // Flaky journeys by name, pass or fail: each failed before it passed, and a retry can hide a real bug.
  // A line for those that passed on a retry within the run, one for those merged from a --last-failed rerun.
  const flakyLines = flakyByHow(run).map(({ how, journeys }) => {
    const names = journeys.map((j) => `*${fitMrkdwn(j.name, 150)}*`)
    return `:warning: Flaky (failed, then passed ${how}): ${names.slice(0, 10).join(', ')}${names.length > 10 ? ` and ${names.length - 10} more` : ''}`
  })
  if (flakyLines.length) blocks.push({ type: 'context', elements: [mrkdwn(fitMrkdwn(flakyLines.join('\n'), LIMITS.sectionText))] })

  const failures = isFailed(run) ? failuresOf(run) : []
  const shown = failures.slice(0, o.maxFailures)
  if (shown.length) {
    blocks.push({ type: 'divider' })
    blocks.push({ type: 'section', text: mrkdwn(`*Top failing steps* (${shown.length} of ${failures.length})`) })
    for (const f of shown) blocks.push(failureSection(f))
    if (failures.length > shown.length)
      blocks.push({ type: 'context', elements: [mrkdwn(`\u2026 and ${failures.length - shown.length} more. The full list is in the report.`)] })
  }

  if (o.reportUrl && isHttpUrl(o.reportUrl) && o.reportUrl.length <= LIMITS.buttonUrl)
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: plain('Open the HTML report', LIMITS.buttonText), url: o.reportUrl, action_id: 'venomqa_open_report', ...(isFailed(run) ? { style: 'danger' as const } : {}) }],
    })

  const backends = runBackendsText(run.backends ?? [])
  const context = [`Duration *${fmtMs(run.durationMs)}*`, `started ${escapeMrkdwn(run.startedAt)}`, escapeMrkdwn(`${run.tool?.name ?? 'venomqa'} ${run.tool?.version ?? ''}`.trim())]
  if (backends) context.push(`state: ${fitMrkdwn(backends, 500)}`)
  blocks.push({ type: 'context', elements: [mrkdwn(context.join(' \u00b7 '))] })

  const text = fitMrkdwn(
    `${head.text}: ${s.explorations ? `${plural(s.explorations.violations, 'violation')}, ` : ''}${s.journeys.total || !s.explorations ? `${plural(s.steps.failed, 'failed step')}, ` : ''}${plural(s.issues.total, 'issue')}, ${fmtMs(run.durationMs)}${failures[0] ? `. First: ${firstFailure(failures[0])}` : ''}`,
    LIMITS.fallbackText,
  )
  return { text, blocks: blocks.slice(0, LIMITS.blocks) }
}
