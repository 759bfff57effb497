import {
  type Issue,
  type JourneyResult,
  type RedactOptions,
  type Reporter,
  type ReporterFactory,
  type RunResult,
  SEVERITIES,
  type Status,
  escapeControlChars,
} from '@venomqa/core'
import { exchangeText, flatten, formatDuration, printable } from './format'
import { redactRun } from './redact-run'

const ICON: Record<Status, string> = { passed: '✅', failed: '❌', skipped: '⏭️' }

/**
 * A Markdown report for pull requests and CI summaries: a summary table, one section per journey with
 * its steps and paths, then the issues grouped by severity with their suggestions.
 */
export function renderMarkdown(input: RunResult, redact?: RedactOptions): string {
  // Escaped as well as redacted: a Markdown file is read with `cat` in a terminal as often as on GitHub.
  const run = printable(redactRun(input, redact))
  const s = run.summary
  const out: string[] = []
  const verdict = run.interrupted ? '⚠️ interrupted' : run.status === 'passed' ? '✅ passed' : '❌ failed'
  out.push('# VenomQA report', '')
  out.push(`**Result:** ${verdict} · ${run.journeys.length} journey${run.journeys.length === 1 ? '' : 's'} · ${formatDuration(run.durationMs)} · ${run.startedAt} · ${run.tool.name} ${run.tool.version}`, '')
  out.push('| | Total | Passed | Failed | Skipped |', '|---|---:|---:|---:|---:|')
  out.push(`| Journeys | ${s.journeys.total} | ${s.journeys.passed} | ${s.journeys.failed} | - |`)
  out.push(`| Steps | ${s.steps.total} | ${s.steps.passed} | ${s.steps.failed} | ${s.steps.skipped} |`)
  out.push(`| Paths | ${s.paths.total} | ${s.paths.passed} | ${s.paths.failed} | ${s.paths.skipped} |`, '')
  out.push(`**Issues:** ${s.issues.total ? SEVERITIES.filter((v) => s.issues[v]).map((v) => `${s.issues[v]} ${v}`).join(', ') : 'none'}`, '')
  if (run.backends.length)
    out.push(`**State backends:** ${run.backends.map((b) => `${cell(b.name)} (${cell(b.mechanism)}${b.parallelSafe ? ', parallel-safe' : ''})`).join(', ')}`, '')

  if (run.journeys.length) {
    out.push('## Journeys', '', '| Journey | Status | Steps | Paths | Issues | Duration |', '|---|---|---:|---:|---:|---:|')
    for (const j of run.journeys)
      out.push(
        `| [${cell(j.name)}](#${anchor(j)}) | ${ICON[j.status]} ${j.status}${j.interrupted ? ' (interrupted)' : ''} | ${j.counts.steps.passed}/${j.counts.steps.total} | ${j.counts.paths.passed}/${j.counts.paths.total} | ${j.issues.length} | ${formatDuration(j.durationMs)} |`,
      )
    out.push('')
    for (const j of run.journeys) out.push(...journeySection(j))
  }

  const issues = [...run.journeys.flatMap((j) => j.issues), ...run.issues]
  if (issues.length) {
    out.push('## Issues', '')
    for (const sev of SEVERITIES) {
      const group = issues.filter((i) => i.severity === sev)
      if (!group.length) continue
      out.push(`### ${sev[0]!.toUpperCase()}${sev.slice(1)} (${group.length})`, '')
      for (const i of group) out.push(...issueSection(i))
    }
    const suggestions = [...new Set(issues.map((i) => i.suggestion))]
    out.push('### Suggestions', '', ...suggestions.map((x) => `- ${inline(x)}`), '')
  }
  return `${out.join('\n')}\n`
}

function journeySection(j: JourneyResult): string[] {
  const out = [`### ${ICON[j.status]} ${heading(j.name)}`, '']
  const meta = [
    j.description ? inline(j.description) : '',
    j.tags.length ? `Tags: ${j.tags.map((t) => `\`${t.replace(/`/g, '')}\``).join(' ')}` : '',
    j.file ? `File: \`${j.file.replace(/`/g, '')}\`` : '',
    j.baseUrl ? `Base URL: ${inline(j.baseUrl)}` : '',
  ].filter(Boolean)
  if (meta.length) out.push(meta.join(' · '), '')
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
      out.push(`| ${cell(n.path)} | ⑂ branch from **${cell(n.result.checkpoint)}** (${n.result.paths.length} paths) | ${ICON[n.result.status]} | | ${formatDuration(n.result.durationMs)} |`)
    else
      out.push(`| ${cell(n.path)} | path **${cell(n.path)}** ${n.result.rollback ? `(rollback ${formatDuration(n.result.rollback.durationMs)})` : ''} | ${ICON[n.result.status]} ${n.result.status} | | ${formatDuration(n.result.durationMs)} |`)
  }
  out.push('')
  return out
}

function issueSection(i: Issue): string[] {
  const out = [`#### ${heading([i.journey, i.path, i.step].filter(Boolean).join(' › '))}`, '']
  out.push(`- **Error** (${i.kind}, from ${inline(i.source)}): ${inline(i.error)}`)
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

/** GitHub's heading anchor for a journey section (`### ✅ name`): emoji and punctuation dropped, spaces to hyphens. */
function anchor(j: JourneyResult): string {
  return `${ICON[j.status]} ${heading(j.name)}`
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
