/**
 * The part of the report that needs no script: the verdict, the counts and what failed where, written into
 * <noscript>. A CI server that serves artifacts with scripts blocked (Jenkins' default policy) shows this
 * instead of an empty page; with scripts on, the browser never shows it.
 */
import { SEVERITIES, plural } from '@venomqa/core'
import { journeyLabel } from './page/format'
import type { PageData, PageIssue, PageNode, PagePath } from './page-model'

/** Issues (and failed journeys) listed before "and N more": the page with scripts has every one. */
const MAX_LISTED = 50

type EscapeHtml = (text: string) => string

function countLine(label: string, c: { total: number; passed: number; failed: number; flaky?: number; skipped?: number }): string {
  const parts = [`${c.passed} passed`, `${c.failed} failed`]
  if (c.flaky) parts.push(`${c.flaky} flaky`)
  if (c.skipped) parts.push(`${c.skipped} skipped`)
  return `${label}: ${parts.join(', ')} of ${c.total}`
}

function countLines(data: PageData): string[] {
  const s = data.run.summary
  const lines: string[] = []
  if (s.journeys.total || !s.explorations) lines.push(countLine('Journeys', s.journeys), countLine('Steps', s.steps))
  if (s.explorations) lines.push(`${countLine('Explorations', s.explorations)}, ${plural(s.explorations.violations, 'violation')}`)
  const severities = SEVERITIES.filter((k) => s.issues[k]).map((k) => `${s.issues[k]} ${k}`)
  lines.push(`Issues: ${severities.join(', ') || 'none'}`)
  return lines
}

/** Each issue, and each exploration's broken invariant, as one line: severity, place, message. */
function failureLines(data: PageData): string[] {
  const rank = (x: PageIssue) => SEVERITIES.indexOf(x.sv)
  const issues = [...data.issues].sort((a, b) => rank(a) - rank(b)).map((x) => `${x.sv} ${x.w}: ${x.e}${x.nr?.length ? ` (not run for it: ${x.nr.join(', ')})` : ''}`)
  const violations = data.explorations.flatMap((e) =>
    e.v.map((v) => `${v.sv} exploration ${e.n}, invariant "${v.inv}": ${v.m}${v.f ? ` (regression journey: ${v.f})` : ''}`),
  )
  return [...violations, ...issues]
}

/** The failed steps under `nodes`, each as `path > nested › step` (a step of the main line by its name). */
function failedSteps(nodes: readonly (PageNode | PagePath)[], path: string): string[] {
  return nodes.flatMap((n) => {
    if (n.k === 's') return n.s === 'failed' ? [path ? `${path} › ${n.n}` : n.n] : []
    if (n.k === 'p') return failedSteps(n.x, path ? `${path} > ${n.n}` : n.n)
    if (n.k === 'b') return failedSteps(n.p, path)
    return []
  })
}

/** Each failed journey, in run order, with the steps that failed in it (none: a journey not run or crashed, told in the issues). */
function failedJourneyLines(data: PageData): string[] {
  const notRun = new Set(data.issues.flatMap((x) => x.nr ?? []))
  return data.journeys.filter((j) => j.s === 'failed').map((j) => {
    const steps = failedSteps(j.x, '')
    const why = notRun.has(j.n) ? 'not run (see the issues)' : 'no step failed (see the issues)'
    return `${journeyLabel(j)}: ${steps.length ? steps.join(', ') : why}`
  })
}

/** `lines` as list items, the first MAX_LISTED of them, then how many more. */
function listItems(lines: readonly string[], escapeHtml: EscapeHtml): string {
  const listed = lines.slice(0, MAX_LISTED).map((line) => `<li>${escapeHtml(line)}</li>`)
  if (lines.length > MAX_LISTED) listed.push(`<li>and ${lines.length - MAX_LISTED} more</li>`)
  return listed.join('')
}

export function staticSummary(data: PageData, escapeHtml: EscapeHtml): string {
  const verdict = data.run.interrupted ? 'interrupted' : data.run.status
  const lines = failureLines(data)
  const failed = failedJourneyLines(data)
  return [
    '<noscript><div class="static">',
    `<header class="header"><h1>${escapeHtml(data.title)}</h1> <span class="badge ${verdict === 'passed' ? 'passed' : 'failed'} big">${verdict}</span></header>`,
    `<ul>${countLines(data)
      .map((line) => `<li>${escapeHtml(line)}</li>`)
      .join('')}</ul>`,
    failed.length ? `<h2>Failed journeys</h2><ul>${listItems(failed, escapeHtml)}</ul>` : '',
    lines.length ? `<h2>Issues</h2><ul>${listItems(lines, escapeHtml)}</ul>` : '',
    '<p>Each step, its request and response and the curl command to reproduce it need JavaScript. The results are in the JSON block with id "venomqa-data" in this file.</p>',
    '</div></noscript>',
  ].join('')
}
