import { hostname } from 'node:os'
import type { Issue, JourneyResult, RedactOptions, Reporter, ReporterFactory, RunResult, StepResult } from '@venomqa/core'
import { exchangeText, flatten } from './format'
import { redactRun } from './redact-run'

/**
 * JUnit XML in the shape Jenkins (junit-10.xsd) and GitLab read: <testsuites> with one <testsuite> per
 * journey, a <testcase> per step (main line and paths) and per path; failures carry the error, the
 * request and the response. Times are seconds.
 */
export function renderJUnit(input: RunResult, redact?: RedactOptions): string {
  const run = redactRun(input, redact)
  const host = safeHostname()
  const suites = run.journeys.map((j, i) => suiteFor(j, i, host))
  if (run.issues.length) suites.push(runIssuesSuite(run, suites.length, host))
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

interface Case {
  name: string
  classname: string
  durationMs: number
  status: 'passed' | 'failed' | 'skipped' | 'error'
  message?: string
  type?: string
  detail?: string
}

function suiteFor(j: JourneyResult, id: number, host: string): Suite {
  const cases: Case[] = []
  for (const n of flatten(j.nodes)) {
    if (n.kind === 'step') cases.push(stepCase(j, n.path, n.result))
    else if (n.kind === 'path') {
      const r = n.result
      cases.push({
        name: `path ${n.path}`,
        classname: j.name,
        durationMs: r.durationMs,
        status: r.status,
        message: r.status === 'failed' ? r.error?.message ?? `path "${n.path}" failed` : undefined,
        type: r.error?.kind ?? 'path-failed',
        detail: r.status === 'failed' ? pathFailureDetail(j, n.path, r.error?.message) : undefined,
      })
    } else if ((n.kind === 'checkpoint' && n.result.status === 'failed') || (n.kind === 'branch' && n.result.error)) {
      // A branch is only its own testcase when it failed itself (a rollback that failed), not because a path did.
      const label = n.kind === 'checkpoint' ? `checkpoint ${n.result.name}` : `branch ${n.result.checkpoint}`
      cases.push({
        name: n.path === 'main' ? label : `${n.path} > ${label}`,
        classname: j.name,
        durationMs: n.result.durationMs,
        status: 'error',
        message: n.result.error?.message ?? `${label} failed`,
        type: n.result.error?.kind ?? 'state',
      })
    }
  }
  // A journey that failed without a failed testcase (crash, journey timeout, critical issue) must
  // still fail in CI, so its issues become one more testcase.
  if (j.status === 'failed' && !cases.some((c) => c.status === 'failed' || c.status === 'error')) {
    cases.push({
      name: 'journey',
      classname: j.name,
      durationMs: j.durationMs,
      status: 'error',
      message: j.issues[0]?.error ?? (j.interrupted ? 'journey interrupted' : 'journey failed'),
      type: j.issues[0]?.kind ?? 'journey-failed',
      detail: j.issues.map(issueText).join('\n\n'),
    })
  }
  const count = (s: Case['status']) => cases.filter((c) => c.status === s).length
  const suite = { tests: cases.length, failures: count('failed'), errors: count('error'), skipped: count('skipped') }
  const properties = [
    ['tags', j.tags.join(',')],
    ['file', j.file ?? ''],
    ['baseUrl', j.baseUrl ?? ''],
    ['status', j.status],
    ['interrupted', String(!!j.interrupted)],
    ['steps', `${j.counts.steps.passed}/${j.counts.steps.total} passed`],
    ['paths', `${j.counts.paths.passed}/${j.counts.paths.total} passed`],
  ]
  const systemOut = [
    `journey ${j.name}: ${j.status}${j.interrupted ? ' (interrupted)' : ''}`,
    ...j.issues.map((i) => `[${i.severity}] ${i.path} > ${i.step}: ${i.error}\n  suggestion: ${i.suggestion}`),
    ...[...flatten(j.nodes)].flatMap((n) => (n.kind === 'step' ? (n.result.logs ?? []).map((l) => `[${l.level}] ${n.path} > ${n.name}: ${l.message}`) : [])),
  ].join('\n')
  const xml = [
    `  <testsuite name="${attr(j.name)}" id="${id}" package="venomqa" hostname="${attr(host)}" tests="${suite.tests}" failures="${suite.failures}" errors="${suite.errors}" skipped="${suite.skipped}" time="${seconds(j.durationMs)}" timestamp="${timestamp(j.startedAt)}"${j.file ? ` file="${attr(j.file)}"` : ''}>`,
    '    <properties>',
    ...properties.map(([k, v]) => `      <property name="${attr(k!)}" value="${attr(v!)}"/>`),
    '    </properties>',
    ...cases.map(caseXml),
    `    <system-out>${cdata(systemOut)}</system-out>`,
    '    <system-err></system-err>',
    '  </testsuite>',
  ].join('\n')
  return { xml, ...suite }
}

function stepCase(j: JourneyResult, path: string, r: StepResult): Case {
  const name = path === 'main' ? r.name : `${path} > ${r.name}`
  if (r.status !== 'failed') return { name, classname: j.name, durationMs: r.durationMs, status: r.status }
  const parts = [
    r.error ? `${r.error.kind}: ${r.error.message}` : 'step failed',
    r.timedOut ? 'The step timed out.' : '',
    r.attempts > 1 ? `Attempts: ${r.attempts}` : '',
    r.request || r.response ? `\n${exchangeText(r.request, r.response)}` : '',
    r.error?.stack ? `\n${r.error.stack}` : '',
  ]
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

function pathFailureDetail(j: JourneyResult, path: string, message?: string): string {
  const issues = j.issues.filter((i) => i.path === path || i.path.startsWith(`${path} > `))
  return [message ?? '', ...issues.map(issueText)].filter(Boolean).join('\n\n')
}

function issueText(i: Issue): string {
  return [
    `[${i.severity}] ${i.path} > ${i.step}: ${i.error}`,
    i.request || i.response ? exchangeText(i.request, i.response) : '',
    `Suggestion: ${i.suggestion}`,
  ]
    .filter(Boolean)
    .join('\n')
}

function runIssuesSuite(run: RunResult, id: number, host: string): Suite {
  const cases: Case[] = run.issues.map((i) => ({
    name: `${i.source}: ${i.step || i.kind}`,
    classname: 'venomqa.run',
    durationMs: 0,
    status: i.severity === 'info' || i.severity === 'low' ? 'passed' : 'error',
    message: i.error,
    type: i.kind,
    detail: issueText(i),
  }))
  const count = (s: Case['status']) => cases.filter((c) => c.status === s).length
  const suite = { tests: cases.length, failures: 0, errors: count('error'), skipped: 0 }
  const xml = [
    `  <testsuite name="run" id="${id}" package="venomqa" hostname="${attr(host)}" tests="${suite.tests}" failures="0" errors="${suite.errors}" skipped="0" time="0.000" timestamp="${timestamp(run.startedAt)}">`,
    '    <properties></properties>',
    ...cases.map(caseXml),
    `    <system-out>${cdata(run.issues.map(issueText).join('\n\n'))}</system-out>`,
    '    <system-err></system-err>',
    '  </testsuite>',
  ].join('\n')
  return { xml, ...suite }
}

function caseXml(c: Case): string {
  const open = `    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="${seconds(c.durationMs)}"`
  if (c.status === 'passed') return `${open}/>`
  if (c.status === 'skipped') return `${open}>\n      <skipped/>\n    </testcase>`
  const tag = c.status === 'error' ? 'error' : 'failure'
  return `${open}>\n      <${tag} message="${attr(c.message ?? '')}" type="${attr(c.type ?? tag)}">${cdata(c.detail ?? c.message ?? '')}</${tag}>\n    </testcase>`
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
    return hostname() || 'localhost'
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
