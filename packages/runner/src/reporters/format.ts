import {
  type ExplorationResult,
  type HttpExchange,
  type Issue,
  type JourneyResult,
  type JourneyStatus,
  type NodeResult,
  type RecordedRequest,
  type RecordedResponse,
  type RunResult,
  type StepResult,
  escapeControlChars,
  nameOnOneLine,
  redactText,
} from '@venomqa/core'

/**
 * A value (a run, a step result) with every string escaped for a terminal: text that came from the API
 * (bodies, headers, error messages) can then be printed without driving the terminal it lands on. A copy
 * when anything needed escaping, else the value itself: never change what it returns.
 */
export function printable<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return escapeControlChars(value) as T
  if (depth > 50 || !value || typeof value !== 'object') return value
  // The usual case: nothing to escape, and the value as it is will do (no copy per printed line).
  if (depth === 0 && !hasControlChars(value)) return value
  if (Array.isArray(value)) return value.map((v) => printable(v, depth + 1)) as T
  const out: Record<string, unknown> = {}
  const exchange = isRecordedMessage(value)
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    // A recorded body is left as it is: its printers escape it once formatted (bodyText, then
    // escapeControlChars). Escaped here first, `"x\u0001y"` came out as `"x\\x01y"`, a backslash the API never got.
    out[escapeControlChars(k)] = exchange && k === 'body' ? v : printable(v, depth + 1)
  return out as T
}

/**
 * A name the console shows as the run goes (a journey, checkpoint, path or step, its tags and file), and
 * every string of a small event of them: escaped, and masked as text. Names may be built from data, and a
 * value known to be secret (a password a step sent) is masked wherever it turns up later, as every report
 * file masks it.
 */
export function shownNames<T>(value: T, depth = 0): T {
  // Masked, then escaped: a secret is found in the name as it is (`Bearer<TAB>token`), not in its escapes (`\t`).
  if (typeof value === 'string') return nameOnOneLine(redactText(value)) as T
  if (depth > 10 || !value || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => shownNames(v, depth + 1)) as T
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, shownNames(v, depth + 1)])) as T
}

/**
 * A run as a report prints it, with every name in it on one line (see nameOnOneLine): its journeys', steps',
 * checkpoints', paths' and tags' names, its issues' places, its explorations', actions' and invariants'
 * names. A newline in a step's name split its line in the console, its second half a line of its own. A
 * copy: the run itself is left as it is. printable escapes the rest, which keeps its line breaks.
 */
export function runWithNamesOnOneLine(run: RunResult): RunResult {
  return {
    ...run,
    journeys: run.journeys.map(journeyWithNamesOnOneLine),
    issues: run.issues.map(issueWithPlaceOnOneLine),
    ...(run.explorations ? { explorations: run.explorations.map(explorationWithNamesOnOneLine) } : {}),
  }
}

/** A journey with its names on one line (see runWithNamesOnOneLine), its earlier attempts' too. */
export function journeyWithNamesOnOneLine(j: JourneyResult): JourneyResult {
  return {
    ...j,
    name: oneLine(j.name),
    tags: j.tags.map(oneLine),
    ...(j.file !== undefined ? { file: oneLine(j.file) } : {}),
    nodes: j.nodes.map(nodeWithNamesOnOneLine),
    issues: j.issues.map(issueWithPlaceOnOneLine),
    ...(j.earlierAttempts ? { earlierAttempts: j.earlierAttempts.map(journeyWithNamesOnOneLine) } : {}),
  }
}

/** A step with its name on one line. */
export function stepWithNameOnOneLine(step: StepResult): StepResult {
  return { ...step, name: oneLine(step.name) }
}

function nodeWithNamesOnOneLine(node: NodeResult): NodeResult {
  if (node.kind === 'step') return stepWithNameOnOneLine(node)
  if (node.kind === 'checkpoint') return { ...node, name: oneLine(node.name) }
  return { ...node, checkpoint: oneLine(node.checkpoint), paths: node.paths.map((p) => ({ ...p, name: oneLine(p.name), nodes: p.nodes.map(nodeWithNamesOnOneLine) })) }
}

/** An issue's place (its journey, path and step), on one line as its heading is printed. */
function issueWithPlaceOnOneLine(issue: Issue): Issue {
  return { ...issue, journey: oneLine(issue.journey), path: oneLine(issue.path), step: oneLine(issue.step) }
}

function explorationWithNamesOnOneLine(x: ExplorationResult): ExplorationResult {
  return {
    ...x,
    name: oneLine(x.name),
    tags: x.tags.map(oneLine),
    ...(x.file !== undefined ? { file: oneLine(x.file) } : {}),
    issues: x.issues.map(issueWithPlaceOnOneLine),
    violations: x.violations.map((v) => ({ ...v, invariant: oneLine(v.invariant), sequence: v.sequence.map((s) => ({ ...s, action: oneLine(s.action) })) })),
    coverage: x.coverage.map((c) => ({ ...c, action: oneLine(c.action) })),
    neverEnabled: x.neverEnabled.map(oneLine),
  }
}

/** nameOnOneLine for a field a results file may hold as something else than a string: that is left as it is. */
function oneLine(name: string): string {
  return typeof name === 'string' ? nameOnOneLine(name) : name
}

/** A recorded request (`method` and `url`) or response (a numeric `status`), whose `body` is printed by bodyText. */
function isRecordedMessage(value: object): boolean {
  const v = value as { body?: unknown; method?: unknown; url?: unknown; status?: unknown }
  return 'body' in v && ((typeof v.method === 'string' && typeof v.url === 'string') || typeof v.status === 'number')
}

/** Whether printable would change anything in `value`: a string (a key or a value) with a control character. */
function hasControlChars(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return escapeControlChars(value) !== value
  if (depth > 50 || !value || typeof value !== 'object') return false
  if (Array.isArray(value)) return value.some((v) => hasControlChars(v, depth + 1))
  for (const k in value) if (hasControlChars(k) || hasControlChars((value as Record<string, unknown>)[k], depth + 1)) return true
  return false
}

/**
 * A rollback's wait for requests that outlived their steps (RollbackTiming.waitedMs), as the console and the
 * Markdown report say it beside the backends' times; none when it did not wait.
 */
export function waitedText(waitedMs: number | undefined): string[] {
  return waitedMs === undefined ? [] : [`${formatDuration(waitedMs)} waiting for requests that outlived their steps`]
}

/** `12 ms`, `1.24 s`, `2 m 05 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  const m = Math.floor(ms / 60_000)
  const s = Math.round((ms % 60_000) / 1000)
  return `${m} m ${String(s).padStart(2, '0')} s`
}

export const STATUS_SYMBOL: Record<JourneyStatus, string> = { passed: '✓', failed: '✗', skipped: '↷', flaky: '⚠' }

/** The request line of a recorded exchange: `POST /api/todos -> 201`. Path only when the host is the base. */
export function requestLine(request?: RecordedRequest, response?: RecordedResponse): string | undefined {
  if (!request) return undefined
  return `${request.method} ${request.url}${response ? ` -> ${response.status}` : ''}`
}

/** A timing of a few milliseconds (a rollback, an observation): `3.1 ms`, where `3 ms` would hide the difference. */
export function formatFineDuration(ms: number): string {
  return Number.isFinite(ms) && ms >= 0 && ms < 10 ? `${ms.toFixed(1)} ms` : formatDuration(ms)
}

/** The budget that ended an exploration early: `time budget of 60.00 s`, `transitions budget of 5000`. */
export function budgetText(t: NonNullable<ExplorationResult['truncated']>): string {
  return `${t.reason} budget of ${t.reason === 'time' ? formatDuration(t.limit) : t.limit}`
}

/** One request of an exploration's sequence: `POST http://host/api/x -> 201`, or why no response came. */
export function exchangeLine(e: HttpExchange): string {
  return `${e.request.method} ${e.request.url} -> ${e.response ? e.response.status : `failed: ${e.error ?? 'no response'}`}`
}

/** A body as text for a report: JSON pretty-printed, cut at `max` characters. */
export function bodyText(body: unknown, max = 2000): string | undefined {
  if (body === undefined || body === null || body === '') return undefined
  let text: string
  if (typeof body === 'string') {
    const t = body.trim()
    text = body
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        text = JSON.stringify(JSON.parse(t), null, 2)
      } catch {
        /* keep the raw text */
      }
    }
  } else {
    try {
      text = JSON.stringify(body, null, 2)
    } catch {
      text = String(body)
    }
  }
  return text.length > max ? `${text.slice(0, max)}\n... (${text.length - max} more characters)` : text
}

/** The exchange as HTTP-like text: request line, headers, body, then the response the same way. */
export function exchangeText(request?: RecordedRequest, response?: RecordedResponse, maxBody = 2000): string {
  const lines: string[] = []
  if (request) {
    lines.push(`${request.method} ${request.url}`)
    for (const [k, v] of Object.entries(request.headers ?? {})) lines.push(`${k}: ${v}`)
    const body = bodyText(request.body, maxBody)
    if (body) lines.push('', body)
  }
  if (response) {
    if (lines.length) lines.push('')
    lines.push(`HTTP ${response.status}`)
    for (const [k, v] of Object.entries(response.headers ?? {})) lines.push(`${k}: ${v}`)
    const body = bodyText(response.body, maxBody)
    if (body) lines.push('', body)
  }
  return lines.join('\n')
}

/** Every step of a line with its path, and every path, in the order they ran. */
export interface FlatStep {
  kind: 'step'
  path: string
  name: string
  result: Extract<NodeResult, { kind: 'step' }>
}
export interface FlatPath {
  kind: 'path'
  /** The enclosing path ('main' or 'a > b'). */
  parent: string
  checkpoint: string
  path: string
  result: Extract<NodeResult, { kind: 'branch' }>['paths'][number]
  /**
   * The worker it ran on, when its branch ran its paths on workers (0: the run's own app and database);
   * absent otherwise. Its requests went to that worker's app: a failure is read against that system.
   */
  worker?: number
}
export interface FlatCheckpoint {
  kind: 'checkpoint'
  path: string
  result: Extract<NodeResult, { kind: 'checkpoint' }>
}
export interface FlatBranch {
  kind: 'branch'
  path: string
  result: Extract<NodeResult, { kind: 'branch' }>
}
export type FlatNode = FlatStep | FlatPath | FlatCheckpoint | FlatBranch

export function* flatten(nodes: readonly NodeResult[], pathName = 'main'): Generator<FlatNode> {
  for (const n of nodes ?? []) {
    if (n.kind === 'step') yield { kind: 'step', path: pathName, name: n.name, result: n }
    else if (n.kind === 'checkpoint') yield { kind: 'checkpoint', path: pathName, result: n }
    else {
      yield { kind: 'branch', path: pathName, result: n }
      for (const p of n.paths ?? []) {
        const full = pathName === 'main' ? p.name : `${pathName} > ${p.name}`
        yield* flatten(p.nodes, full)
        const worker = n.rollbackBeforeWorkers ? (Number.isInteger(p.worker) && p.worker! > 0 ? p.worker : 0) : undefined
        yield { kind: 'path', parent: pathName, checkpoint: n.checkpoint, path: full, result: p, ...(worker !== undefined ? { worker } : {}) }
      }
    }
  }
}

/** Where a path ran, when its branch ran its paths on workers: `on worker 2`, `on worker 0 (the run's own app)`. */
export function workerText(worker: number): string {
  return worker === 0 ? "on worker 0 (the run's own app)" : `on worker ${worker}`
}

export function depthOf(path: string): number {
  return path === 'main' || !path ? 0 : path.split(' > ').length
}

