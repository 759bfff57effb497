import {
  type BranchResult,
  attemptLabel,
  stoppedHow,
  passedAfterInterrupts,
  hasRerun,
  PASSED_IN_RERUN,
  PASSED_ON_RETRY,
  type ExplorationResult,
  type ToldIssue,
  toldOnce,
  type JourneyResult,
  type JourneyStatus,
  type RedactOptions,
  type Reporter,
  type ReporterFactory,
  type RollbackTiming,
  type RunResult,
  SEVERITIES,
  type ViolationResult,
  backendLabel,
  escapeControlChars,
  issuePlace,
  journeyIssues,
  nameOnOneLine,
  plural,
  repeatLabel,
  inputText,
  hookThrewLines,
  refusedAlwaysLines,
  exploredNothing,
  EXPLORED_NOTHING_REASON,
  sequenceHeading,
  explorationIssues,
  mergedAfterInputText,
  mergedAfterWriteText,
} from '@venomqa/core'
import {
  budgetText,
  exchangeLine,
  exchangeText,
  flatten,
  formatDuration,
  formatFineDuration,
  printable,
  runWithNamesOnOneLine,
  waitedText,
  workerText,
} from './format'
import { redactRun } from './redact-run'
import { reproduceScript } from './reproduce'
import { BEFORE_JOURNEY_CHECKPOINT } from '../execution/retries'

const ICON: Record<JourneyStatus, string> = { passed: '✅', failed: '❌', skipped: '⏭️', flaky: '⚠️' }

/**
 * A Markdown report for pull requests and CI summaries: a summary table, one section per journey with
 * its steps and paths, one per exploration with its violations, then the issues grouped by severity with
 * their suggestions.
 */
export function renderMarkdown(input: RunResult, redact?: RedactOptions): string {
  // Escaped as well as redacted: a Markdown file is read with `cat` in a terminal as often as on GitHub.
  const redacted = redactRun(input, redact)
  const run = printable(runWithNamesOnOneLine(redacted))
  const s = run.summary
  const out: string[] = []
  const verdict = run.interrupted ? '⚠️ interrupted' : run.status === 'passed' ? '✅ passed' : '❌ failed'
  out.push('# VenomQA report', '')
  const explorations = run.explorations ?? []
  // A run of explorations only has no journey, step or path to count.
  const journeysToo = run.journeys.length > 0 || !explorations.length
  const what = [journeysToo ? plural(run.journeys.length, 'journey') : '', explorations.length ? plural(explorations.length, 'exploration') : ''].filter(Boolean).join(' · ')
  out.push(`**Result:** ${verdict} · ${what} · ${formatDuration(run.durationMs)} · ${run.startedAt} · ${run.tool.name} ${run.tool.version}`, '')
  out.push('| | Total | Passed | Failed | Skipped |', '|---|---:|---:|---:|---:|')
  if (journeysToo) {
    out.push(`| Journeys | ${s.journeys.total} | ${s.journeys.passed}${s.journeys.flaky ? ` (+${s.journeys.flaky} flaky)` : ''} | ${s.journeys.failed} | ${s.journeys.skipped ?? '-'} |`)
    out.push(`| Steps | ${s.steps.total} | ${s.steps.passed} | ${s.steps.failed} | ${s.steps.skipped} |`)
    out.push(`| Paths | ${s.paths.total} | ${s.paths.passed} | ${s.paths.failed} | ${s.paths.skipped} |`)
  }
  if (s.explorations) out.push(`| Explorations | ${s.explorations.total} | ${s.explorations.passed} | ${s.explorations.failed} | - |`)
  out.push('')
  if (s.explorations) out.push(`**Violations:** ${s.explorations.violations}${s.explorations.flaky ? ` (${s.explorations.flaky} flaky)` : ''}`, '')
  // Flaky journeys count as passed: named here, as they would not be in a count of failures.
  // Said apart: a retry within the run, or a `--last-failed` rerun merge-reports put over the shard's run.
  const flaky = run.journeys.filter((j) => j.status === 'flaky')
  for (const how of [PASSED_ON_RETRY, PASSED_IN_RERUN]) {
    const these = flaky.filter((j) => hasRerun(j) === (how === PASSED_IN_RERUN))
    if (these.length) out.push(`**Flaky:** ${plural(these.length, 'journey')} failed, then passed ${how}: ${these.map((j) => `[${cell(journeyTitle(j))}](#${anchor(j)})`).join(', ')}`, '')
  }
  out.push(`**Issues:** ${s.issues.total ? SEVERITIES.filter((v) => s.issues[v]).map((v) => `${s.issues[v]} ${v}`).join(', ') : 'none'}`, '')
  if (run.backends.length)
    out.push(`**State backends:** ${run.backends.map((b) => `${cell(b.name)} (${cell(b.mechanism)}${b.parallelSafe ? ', parallel-safe' : ''}${b.worker ? `, worker ${b.worker}` : ''})`).join(', ')}`, '')

  if (run.journeys.length) {
    out.push('## Journeys', '', '| Journey | Status | Steps | Paths | Issues | Duration |', '|---|---|---:|---:|---:|---:|')
    for (const j of run.journeys)
      out.push(
        `| [${cell(journeyTitle(j))}](#${anchor(j)}) | ${ICON[j.status] ?? ''} ${j.status}${j.interrupted ? ` (${stoppedHow(j)})` : ''}${j.notRun ? ' (not run)' : ''} | ${j.counts.steps.passed}/${j.counts.steps.total} | ${j.counts.paths.passed}/${j.counts.paths.total} | ${j.issues.length} | ${formatDuration(j.durationMs)} |`,
      )
    out.push('')
    run.journeys.forEach((j, i) => out.push(...journeySection(j, redacted.journeys[i])))
  }

  if (explorations.length) {
    out.push('## Explorations', '', '| Exploration | Status | Violations | Transitions | States | Duration |', '|---|---|---:|---:|---:|---:|')
    for (const x of explorations) {
      const flaky = x.violations.filter((v) => v.flaky).length
      const nothing = exploredNothing(x)
      const notes = [x.truncated ? 'truncated' : '', x.interrupted ? 'interrupted' : '', x.notStarted ? 'not run' : '', nothing ? 'explored nothing' : ''].filter(Boolean).join(', ')
      const counts = nothing ? '- | -' : `${x.stats.transitions} | ${x.stats.states}`
      out.push(`| ${cell(x.name)} | ${ICON[x.status]} ${x.status}${notes ? ` (${notes})` : ''} | ${x.violations.length}${flaky ? ` (${flaky} flaky)` : ''} | ${counts} | ${formatDuration(x.durationMs)} |`)
    }
    out.push('')
    for (const x of explorations) out.push(...explorationSection(x))
  }

  // A violation is shown with its exploration; the exploration's other issues (a setup that failed) are listed here.
  const ownIssues = explorations.flatMap(explorationIssues)
  // A journey not run for a run's issue is told with it, as the summary counts it (toldOnce).
  const issues = toldOnce([...run.journeys.flatMap(journeyIssues), ...ownIssues, ...run.issues])
  if (issues.length) {
    out.push('## Issues', '')
    for (const sev of SEVERITIES) {
      const group = issues.filter((i) => i.issue.severity === sev)
      if (!group.length) continue
      out.push(`### ${sev[0]!.toUpperCase()}${sev.slice(1)} (${group.length})`, '')
      for (const i of group) out.push(...issueSection(i))
    }
    const suggestions = [...new Set(issues.map((i) => i.issue.suggestion))]
    out.push('### Suggestions', '', ...suggestions.map((x) => `- ${inline(x)}`), '')
  }
  return `${out.join('\n')}\n`
}

/** `raw` is the journey before escaping, for the curl commands of its failed steps. */
function journeySection(j: JourneyResult, raw?: JourneyResult): string[] {
  const out = [`### ${ICON[j.status] ?? ''} ${heading(journeyTitle(j))}`, '']
  const meta = [
    j.description ? inline(j.description) : '',
    j.tags.length ? `Tags: ${j.tags.map(codeSpan).join(' ')}` : '',
    j.file ? `File: ${codeSpan(j.file)}` : '',
    j.baseUrl ? `Base URL: ${inline(j.baseUrl)}` : '',
  ].filter(Boolean)
  if (meta.length) out.push(meta.join(' · '), '')
  out.push(...attemptsList(j))
  out.push('| Path | Step | Status | Request | Duration |', '|---|---|---|---|---:|')
  for (const n of flatten(j.nodes)) {
    if (n.kind === 'step') {
      const r = n.result
      const req = r.request ? `\`${code(`${r.request.method} ${r.request.url}${r.response ? ` → ${r.response.status}` : ''}`)}\`` : ''
      const note = [r.expectFailure ? 'expected failure' : '', r.attempts > 1 ? `${r.attempts} attempts` : '', r.timedOut ? 'timed out' : ''].filter(Boolean).join(', ')
      out.push(`| ${cell(n.path)} | ${cell(r.name)}${note ? ` _(${note})_` : ''} | ${ICON[r.status]} ${r.status} | ${req} | ${formatDuration(r.durationMs)} |`)
    } else if (n.kind === 'checkpoint')
      out.push(`| ${cell(n.path)} | ◆ checkpoint **${cell(n.result.name)}** | ${ICON[n.result.status]} | ${cell(n.result.backends.map((b) => `${b.backend}: ${b.mechanism}`).join(', '))} | ${formatDuration(n.result.durationMs)} |`)
    else if (n.kind === 'branch')
      out.push(`| ${cell(n.path)} | ⑂ branch from **${cell(n.result.checkpoint)}** (${branchText(n.result)}) | ${ICON[n.result.status]} | | ${formatDuration(n.result.durationMs)} |`)
    else {
      // A path with an error never ran its steps (its rollback failed): its row says why, as the console
      // says it above them, where the table showed only skipped steps and the why sat in the issues.
      const notes = [n.worker !== undefined ? workerText(n.worker) : '', n.result.rollback ? rollbackText(n.result.rollback) : '', n.result.error ? `not run: ${cell(n.result.error.message)}` : '']
        .filter(Boolean)
        .join(', ')
      out.push(`| ${cell(n.path)} | path **${cell(n.path)}** ${notes ? `(${notes})` : ''} | ${ICON[n.result.status]} ${n.result.status} | | ${formatDuration(n.result.durationMs)} |`)
    }
  }
  // A restored journey (`restore`) is put back after it ends, as the console shows it: a rollback that
  // failed is a critical issue of the journey and leaves no `restored`.
  if (j.restored)
    out.push(
      `| main | ↺ rollback to **${BEFORE_JOURNEY_CHECKPOINT}** (restore) | ${ICON.passed} | ${cell([...j.restored.backends.map((b) => `${backendLabel(b.backend, b.mechanism)} ${formatDuration(b.durationMs)}`), ...waitedText(j.restored.waitedMs)].join(', '))} | ${formatDuration(j.restored.durationMs)} |`,
    )
  out.push('')
  if (raw) out.push(...reproduceSections(raw))
  return out
}

/**
 * Each failed step's requests as curl commands, in a block to paste into a terminal: the variables a
 * redacted value needs are named in comments above each command.
 */
function reproduceSections(j: JourneyResult): string[] {
  const out: string[] = []
  for (const n of flatten(j.nodes)) {
    if (n.kind !== 'step' || n.result.status !== 'failed') continue
    const script = reproduceScript(n.result)
    if (!script) continue
    const where = [n.path === 'main' ? '' : n.path, n.result.name].filter(Boolean).join(' › ')
    const fence = '`'.repeat(Math.max(3, longestRun(script, '`') + 1))
    out.push(`**Reproduce ${cell(nameOnOneLine(where))}** with curl:`, '', `${fence}sh`, script, fence, '')
  }
  return out
}

function explorationSection(x: ExplorationResult): string[] {
  const out = [`### ${ICON[x.status]} Exploration ${heading(x.name)}`, '']
  const meta = [
    x.description ? inline(x.description) : '',
    x.tags.length ? `Tags: ${x.tags.map(codeSpan).join(' ')}` : '',
    x.file ? `File: ${codeSpan(x.file)}` : '',
  ].filter(Boolean)
  if (meta.length) out.push(meta.join(' · '), '')
  // Nothing of it ran: no settings used, no counts, and no "No invariant was broken".
  if (x.notStarted) return [...out, '> ⚠️ **Not run:** the run was interrupted before this exploration started.', '']
  out.push(`**Settings:** seed \`${x.seed}\` · strategy \`${x.strategy}\` · depth ${x.depth} · dedupe ${x.dedupe ? 'on' : 'off'}`, '')
  const s = x.stats
  // It checked nothing: zero counts would read as a search, and no broken invariant as a pass.
  const nothing = exploredNothing(x)
  if (nothing) out.push(`> ❌ **Explored nothing:** ${EXPLORED_NOTHING_REASON}.`, '')
  else {
    out.push('| Transitions | States | Merged | Requests | Transitions/s | Deepest path | Duration |', '|---:|---:|---:|---:|---:|---:|---:|')
    out.push(`| ${s.transitions} | ${s.states} | ${s.merged} | ${s.requests} | ${s.transitionsPerSecond} | ${s.maxDepthReached} | ${formatDuration(x.durationMs)} |`, '')
  }
  // What held, held only on what was explored: say so where a reader would take the section as a pass.
  if (x.truncated) out.push(`> ⚠️ **Truncated:** the ${budgetText(x.truncated)} ran out before the search covered depth ${x.depth}; the invariants held only on what was explored.`, '')
  if (x.interrupted) out.push('> ⚠️ **Interrupted:** the search was stopped before it finished.', '')
  const afterWrite = mergedAfterWriteText(x)
  if (afterWrite) out.push(`> ⚠️ **Merged after a write:** ${afterWrite}`, '')
  const afterInput = mergedAfterInputText(x)
  if (afterInput) out.push(`> ⚠️ **Merged after an input:** ${afterInput}`, '')

  if (x.violations.length) {
    out.push(`#### Violations (${x.violations.length})`, '')
    for (const v of x.violations) out.push(...violationSection(v))
  } else if (!nothing) out.push('No invariant was broken.', '')

  if (x.coverage.length) {
    out.push('#### Action coverage', '', '| Action | Taken | Enabled | Refused |', '|---|---:|---:|---:|')
    for (const c of x.coverage) out.push(`| ${cell(c.action)} | ${c.taken} | ${c.enabled} | ${c.refused} |`)
    out.push('')
  }
  for (const threw of hookThrewLines(x.coverage)) out.push(`**Not explored:** ${inline(threw)}`, '')
  for (const refused of refusedAlwaysLines(x.coverage)) out.push(`> ⚠️ ${inline(refused)}`, '')
  if (x.neverEnabled.length)
    out.push(`**Never enabled:** ${x.neverEnabled.map((a) => `\`${code(a)}\``).join(', ')} (their \`when\` allowed them in no state the search reached${x.truncated || x.interrupted ? ' before it was cut short' : ''})`, '')

  const timings = [
    ...Object.entries(x.timings.rollback).map(([backend, t]) => ['Rollback', backend, t] as const),
    ...Object.entries(x.timings.observe).map(([backend, t]) => ['Observe', backend, t] as const),
  ]
  if (timings.length) {
    out.push('#### Timings', '', '| Timing | Backend | Count | p50 | p95 | Max |', '|---|---|---:|---:|---:|---:|')
    for (const [kind, backend, t] of timings) out.push(`| ${kind} | ${cell(backend)} | ${t.count} | ${formatFineDuration(t.p50)} | ${formatFineDuration(t.p95)} | ${formatFineDuration(t.max)} |`)
    out.push('')
  }
  return out
}

function violationSection(v: ViolationResult): string[] {
  const r = v.reproduced
  // A cross for a flaky one too: it fails its exploration and the run, as the console and JUnit say.
  const out = [`##### ❌ \`${code(v.invariant)}\` (${v.severity})${v.flaky ? ' · **flaky**' : ''}`, '', inline(v.message), '']
  const facts = [
    r.attempts ? `Reproduced ${r.failures} of ${r.attempts} attempts from the root${v.flaky ? ` (flaky: ${r.failures ? 'it broke on some attempts only' : 'only the search broke it, no replay did'})` : ''}` : 'Not confirmed from the root',
    v.foundLength > v.sequence.length ? `shrunk from ${v.foundLength} actions to ${v.sequence.length}` : '',
    v.notShrunk ? `not shrunk: ${inline(v.notShrunk)}` : '',
    v.emittedFile ? `regression journey \`${code(v.emittedFile)}\`` : '',
  ].filter(Boolean)
  out.push(`${facts.join(' · ')}`, '')
  out.push(`${sequenceHeading(v)}:`, '')
  v.sequence.forEach((step, i) => {
    const requests = step.exchanges.map((e) => `\`${code(exchangeLine(e).replace(/ -> /, ' → '))}\``).join(', ')
    const input = inputText(step.input)
    out.push(`${i + 1}. **${cell(step.action)}**${input === undefined ? '' : ` \`${code(input)}\``} ${requests || '_(no request)_'}`)
  })
  out.push('')
  if (v.probes.length) out.push(`Probes after the last action: ${v.probes.map((e) => `\`${code(exchangeLine(e).replace(/ -> /, ' → '))}\``).join(', ')}`, '')
  const exchanges = [...v.sequence.flatMap((s) => s.exchanges), ...v.probes]
  if (exchanges.length) {
    // Again after formatting: re-serialising a JSON body turns its escapes back into raw C1 characters.
    const text = escapeControlChars(exchanges.map((e) => exchangeText(e.request, e.response) + (e.error ? `\n(${e.error})` : '')).join('\n\n---\n\n'))
    const fence = '`'.repeat(Math.max(3, longestRun(text, '`') + 1))
    out.push('<details><summary>Requests and responses</summary>', '', `${fence}http`, text, fence, '', '</details>', '')
  }
  return out
}

function issueSection({ issue: i, notRun }: ToldIssue): string[] {
  const out = [`#### ${heading(issuePlace(i) || i.source)}`, '']
  out.push(`- **Error** (${i.kind}, from ${inline(i.source)}): ${inline(i.error)}`)
  if (notRun.length) out.push(`- **Not run for it:** ${notRun.map(inline).join(', ')}`)
  out.push(`- **Suggestion:** ${inline(i.suggestion)}`)
  if (i.request || i.response) {
    // Again after formatting: re-serialising a JSON body turns its escapes back into raw C1 characters.
    const text = escapeControlChars(exchangeText(i.request, i.response))
    const fence = '`'.repeat(Math.max(3, longestRun(text, '`') + 1))
    out.push('', '<details><summary>Request and response</summary>', '', `${fence}http`, text, fence, '', '</details>')
  }
  out.push('')
  return out
}

/** A retried journey's earlier attempts, each with why it failed; the table below is the last attempt. */
function attemptsList(j: JourneyResult): string[] {
  const earlier = j.earlierAttempts ?? []
  if (!earlier.length) return []
  // Merged from a --last-failed rerun, each attempt also says the run it was in (see attemptLabel).
  const place = (a: JourneyResult) => (hasRerun(j) ? attemptLabel(a, j) : '')
  const out = [`Ran ${plural(earlier.length + 1, 'time')}; the steps below are attempt ${j.attempt}${place(j)}${j.status === 'flaky' ? ', which passed: **flaky**' : passedAfterInterrupts(j) ? ', which passed: the attempts before it were interrupted, none failed, so it is not flaky' : ''}.`, '']
  for (const a of earlier) out.push(`- Attempt ${a.attempt}${place(a)}: ${ICON[a.status] ?? ''} ${a.status}${a.interrupted ? ` (${stoppedHow(a)})` : ''}: ${inline(failureOf(a))}`)
  out.push('')
  return out
}

/** Why an attempt failed, in one line: its first failed step, or else its first issue. */
function failureOf(j: JourneyResult): string {
  for (const n of flatten(j.nodes)) if (n.kind === 'step' && n.result.status === 'failed') return `${n.path === 'main' ? '' : `${n.path} › `}${n.name}: ${n.result.error?.message ?? 'failed'}`
  return j.issues[0]?.error ?? 'failed'
}

/** A journey's name with its repetition and attempt, when it has them. */
function journeyTitle(j: JourneyResult): string {
  return `${j.name}${repeatLabel(j)}${attemptLabel(j)}`
}

function longestRun(text: string, ch: string): number {
  let best = 0
  let cur = 0
  for (const c of text) {
    cur = c === ch ? cur + 1 : 0
    best = Math.max(best, cur)
  }
  return best
}

/** Text inside a table cell: no line breaks, pipes escaped, HTML neutralised. */
function cell(s: string): string {
  return inline(s).replace(/\|/g, '\\|')
}

/** One line of Markdown from API text: HTML tags cannot open, newlines become spaces. */
function inline(s: string): string {
  return String(s).replace(/\r?\n/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function heading(s: string): string {
  return inline(s).replace(/#/g, '\\#')
}

function code(s: string): string {
  return s.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

/** A name as inline code on one line (a tag, a file): a line break in it cannot end the span and start raw HTML. */
function codeSpan(s: string): string {
  return `\`${code(s).replace(/\r/g, ' ')}\``
}

/**
 * GitHub's heading anchor for a journey section (`### ✅ name`): emoji and punctuation dropped, spaces to
 * hyphens. Made from the heading's text as GitHub shows it: `&lt;` in the Markdown is a `<` there, and
 * dropped, where made from the escaped text the link pointed to `#-checkout-ltampgt`, which no heading has.
 */
function anchor(j: JourneyResult): string {
  return `${ICON[j.status] ?? ''} ${journeyTitle(j).replace(/\r?\n/g, ' ')}`
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

export const markdownReporter: ReporterFactory = ({ options }) => createMarkdownReporter(options as { redact?: RedactOptions })

export function createMarkdownReporter(options: { redact?: RedactOptions } = {}): Reporter {
  return {
    name: 'markdown',
    defaultFile: 'venomqa-report.md',
    render: (run) => renderMarkdown(run, options.redact),
  }
}

/** A path's rollback, and the part of it that waited for requests that outlived their steps, which no backend took. */
function rollbackText({ durationMs, waitedMs }: RollbackTiming, label = 'rollback'): string {
  return [`${label} ${formatDuration(durationMs)}`, ...waitedText(waitedMs)].join(', ')
}

/**
 * A branch's paths and its own rollbacks, as the console and the HTML report show them: with paths on
 * workers, the one of its line before the workers copied it, then the one after its last path. Without
 * them the table listed only the paths' rollbacks, and a reader could not count those that ran.
 */
function branchText(b: BranchResult): string {
  const own = [
    ...(b.rollbackBeforeWorkers ? [rollbackText(b.rollbackBeforeWorkers, 'rollback before the workers')] : []),
    ...(b.finalRollback ? [rollbackText(b.finalRollback, 'final rollback')] : []),
  ]
  return [plural(b.paths.length, 'path'), ...own].join('; ')
}
