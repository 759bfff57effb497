import {
  type BackendTiming,
  attemptLabel,
  stoppedHow,
  passedHow,
  passedAfterInterrupts,
  sequenceStepText,
  hookThrewLines,
  refusedAlwaysLines,
  exploredNothing,
  EXPLORED_NOTHING_REASON,
  type RollbackTiming,
  type ExplorationResult,
  type Issue,
  type JourneyInfo,
  type JourneyResult,
  type JourneyStatus,
  type LifecycleHooks,
  type NodeResult,
  type RedactOptions,
  type Reporter,
  type ReporterFactory,
  type RunResult,
  SEVERITIES,
  type Status,
  type StepResult,
  type StepStartEvent,
  type ViolationResult,
  backendLabel,
  runBackendsText,
  curlCommand,
  escapeControlChars,
  issuePlace,
  journeyIssues,
  toldOnce,
  isJourneyOwnIssue,
  nameOnOneLine,
  plural,
  redactBody,
  redactResults,
  redactHeaders,
  redactText,
  redactUrl,
  repeatLabel,
  severityRank,
  shrinkLimitText,
  statesText,
  explorationIssues,
  mergedAfterInputText,
  mergedAfterWriteText,
} from '@venomqa/core'
import picocolors from 'picocolors'
import {
  STATUS_SYMBOL,
  bodyText,
  budgetText,
  depthOf,
  flatten,
  formatDuration,
  formatFineDuration,
  journeyWithNamesOnOneLine,
  printable,
  runWithNamesOnOneLine,
  shownNames,
  stepWithNameOnOneLine,
  waitedText,
} from './format'
import { redactFreeText, redactRun, redactingItself } from './redact-run'
import { withWorkerBoard } from './worker-board'
import { BatchedWrites } from './batched-writes'
import { requestSummary, stepRequests } from './reproduce'
import { shownRequestLine } from '../execution/step-record'
import { BEFORE_JOURNEY_CHECKPOINT } from '../execution/retries'
import { failedCheckpointOf, failedRollbackOf } from '../execution/checkpoint-issue'

export interface ConsoleReporterOptions {
  /** Where live lines go. Default process.stdout. */
  stream?: NodeJS.WritableStream
  /** Colours; default: as `colorsWanted` says for the stream (NO_COLOR, FORCE_COLOR, TTY). */
  color?: boolean
  /** A live progress line; default: on a TTY outside CI. */
  progress?: boolean
  /** Print the request and response of every step, not only failed ones. */
  verbose?: boolean
  redact?: RedactOptions
}

type Palette = Pick<ReturnType<typeof picocolors.createColors>, 'green' | 'red' | 'yellow' | 'cyan' | 'dim' | 'bold' | 'magenta'>

/**
 * Whether to colour `stream`, by picocolors' rule: NO_COLOR or --no-color turn colours off; FORCE_COLOR
 * or --color turn them on (so a CI log can have them); otherwise a TTY that is not TERM=dumb has them.
 * picocolors decides once, for process.stdout, when it loads; this asks about the stream the reporter
 * writes to, when the reporter is made. Unlike picocolors, CI alone does not turn colours on: CI output
 * often lands in files and artifacts, and FORCE_COLOR says when it should.
 */
export function colorsWanted(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv): boolean {
  if (env.NO_COLOR || argv.includes('--no-color')) return false
  if (env.FORCE_COLOR || argv.includes('--color')) return true
  return isTTY(stream) && env.TERM !== 'dumb'
}

function isCI(): boolean {
  const ci = process.env.CI
  return !!ci && ci !== 'false' && ci !== '0'
}

function isTTY(stream: NodeJS.WritableStream): boolean {
  return !!(stream as NodeJS.WriteStream).isTTY
}

/** Build the console reporter. Exported as a factory so the runner and the CLI can register it by name. */
export const consoleReporter: ReporterFactory = ({ target, options }) => createConsoleReporter({ target, ...(options as ConsoleReporterOptions) })

export function createConsoleReporter(opts: ConsoleReporterOptions & { target?: string } = {}): Reporter {
  const stream = opts.stream ?? process.stdout
  const toFile = !!opts.target && opts.target !== '-'
  const tty = !toFile && isTTY(stream)
  const colorOn = opts.color ?? (!toFile && colorsWanted(stream))
  const progressOn = !toFile && (opts.progress ?? (tty && !isCI()))
  const p: Palette = picocolors.createColors(colorOn)
  const fmt = new LineFormatter(p, opts.redact, opts.verbose ?? false)
  // Off a terminal (a CI log, a pipe, a file) the live lines are written in batches, in order with every
  // other write to stdout and stderr: a write per step was most of what the console cost a run. A terminal
  // gets each line as it is made: its progress line and worker board move the cursor.
  const out = new BatchedWrites(stream)
  const write = (text: string) => out.write(text)

  /** Set once hooks fired: render then prints only the summary, the rest was printed live. */
  let live = false
  let progressShown = false
  let journeysTotal = 0
  let journeysDone = 0
  let current = ''
  /** Paths or journeys run at once: their live lines interleave, so each line of a path names it. */
  let interleaved = false
  /** A live line of `path`, tagged with the path's name when lines interleave: indentation alone no longer tells whose it is. */
  const ofPath = (path: string, line: string) => (interleaved && path !== 'main' ? line.replace(/^( *)/, `$1${p.dim(`[${shownNames(leaf(path))}]`)} `) : line)
  /**
   * Whole journeys run at once (`workers`), not only the paths of one: the lines of several journeys
   * interleave, a failed step's error and curl block among them, and every line of a journey (its start
   * and end too) starts with the journey's name in brackets. Taken off, what is left is the line as a run
   * of one worker prints it: `grep '^\[checkout\] '` gives one journey's lines, in order.
   */
  let journeysAtOnce = false
  /**
   * The tag of the journey each worker runs now (the main system is 0), made at its start: two runs of one
   * journey at once (`--repeat-each`) have one name, and only the worker an event names tells them apart.
   */
  const runningOn = new Map<number, string>()
  /** The tag of the journey on `worker` (`[checkout] `), or '' when journeys do not run at once. */
  const tagOf = (worker: number | undefined, journey: string) => (journeysAtOnce ? `${p.dim(`[${runningOn.get(worker ?? 0) ?? shownNames(journey)}]`)} ` : '')
  /**
   * The branches started and not ended, by journey and the path each is on. Paths run in parallel start
   * with a rollback of the branch's own line (its lane is put back to the checkpoint for the workers to
   * copy), told as 'before-path' with the branch's path: a line of that path, not a path's header, and
   * said as what it is for (BEFORE_WORKERS), or it reads as a second rollback of the path after it.
   */
  const openBranches = new Map<string, number>()
  const branchKey = (journey: string, path: string) => `${journey}\u0000${path}`

  const clearProgress = () => {
    if (progressShown) {
      write('\r\x1b[2K')
      progressShown = false
    }
  }
  const print = (line: string) => {
    if (toFile) return
    clearProgress()
    write(`${line}\n`)
    drawProgress()
  }
  /**
   * A line made when it is written (see BatchedWrites.writeLine): off a terminal, a passed step's line is
   * made with the others of its batch. `make` returns the line with its newline.
   */
  const printLate = (make: () => string) => {
    if (toFile) return
    if (progressOn) print(make().slice(0, -1))
    else out.writeLine(make)
  }
  const drawProgress = () => {
    if (!progressOn || !current) return
    write(`\r\x1b[2K${p.cyan('…')} ${p.dim(`[${journeysDone}/${journeysTotal}]`)} ${current}`)
    progressShown = true
  }

  const hooks: Partial<LifecycleHooks> = {
    runStart(e) {
      live = !toFile
      interleaved = (e.workers ?? 1) > 1
      journeysAtOnce = interleaved && e.parallel === 'journeys'
      runningOn.clear()
      if (live && !tty) out.start()
      journeysTotal = e.journeys.length
      print(p.bold(`VenomQA: running ${plural(e.journeys.length, 'journey')}`))
    },
    journeyStart(e) {
      // Never to start (skip in its definition, Ctrl-C, --fail-fast): its end says so in one line; a header
      // before it read as if it ran.
      if (e.journey.interrupted || e.journey.skipped) return
      const { name, tags: tagList, file } = shownNames({ name: e.journey.name, tags: e.journey.tags, file: e.journey.file })
      current = name
      if (journeysAtOnce) runningOn.set(e.worker ?? 0, `${name}${repeatLabel(e.journey)}`)
      const tags = tagList.length ? ` ${p.dim(`[${tagList.join(', ')}]`)}` : ''
      print(`\n${tagOf(e.worker, e.journey.name)}${p.bold(`▶ ${name}${runLabel(e.journey)}`)}${tags}${file ? ` ${p.dim(file)}` : ''}`)
    },
    // Only the progress line shows a step as it starts. Without one, no stepStart hook at all: the runner
    // then makes no stepStart event, which is most of what a passed step's line costs otherwise.
    ...(progressOn
      ? {
          stepStart(e: StepStartEvent) {
            current = shownNames(`${e.journey} › ${e.path === 'main' ? '' : `${e.path} › `}${e.step}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`)
            drawProgress()
          },
        }
      : {}),
    stepRetry(e) {
      print(tagOf(e.worker, e.journey) + ofPath(e.path, `${indent(e.path)}${p.yellow('↻')} ${shownNames(e.step)} ${p.dim(`retry ${e.attempt}: ${escapeControlChars(redactFreeText(e.error))}`)}`))
    },
    stepEnd(e) {
      // A passed step shows only its name and request line: escaped and masked as text (see passedStep).
      if (!opts.verbose && e.result.status === 'passed') {
        // A step's result is finished when stepEnd fires: the line reads the same made now or at the flush.
        const { result, path } = e
        // Its tag now: by the time a batch is written, the worker may run another journey.
        const tag = tagOf(e.worker, e.journey)
        printLate(() => `${tag}${ofPath(path, fmt.passedStep(result, path))}\n`)
        return
      }
      // Any other sees the result as a report would: redacted whole (a secret from its exchange is masked in
      // its error too) and escaped, so what the API said cannot drive the terminal.
      const line = redactResults(e.result, opts.redact)
      const tag = tagOf(e.worker, e.journey)
      for (const text of fmt.step(printable(stepWithNameOnOneLine(line)), e.path, line)) print(tag + ofPath(e.path, text))
    },
    // A checkpoint that failed has no event of its own (the checkpoint hook means one was taken): its issue
    // says it, as it happens, where the journey stops.
    issue({ issue }) {
      const name = failedCheckpointOf(issue)
      if (name !== undefined) {
        const e = shownNames({ name, path: issue.path })
        for (const line of fmt.failedCheckpoint(e.name, e.path, issue.error)) print(tagOf(undefined, issue.journey) + ofPath(e.path, line))
        return
      }
      // A rollback that failed has no rollback event either: the branch stopped there, and the path it was
      // for never started (no header, no end), so without this line the journey's end came with no why.
      const rollback = failedRollbackOf(issue)
      if (!rollback) return
      // A path's own rollback goes where its header would have; the branch's line's, with that line.
      const ofPathHeader = issue.path !== 'main' && !openBranches.has(branchKey(issue.journey, issue.path))
      const e = shownNames({ checkpoint: rollback.checkpoint, path: issue.path })
      for (const line of fmt.failedRollback(e.checkpoint, rollback.restore, e.path, issue.error, ofPathHeader)) print(tagOf(undefined, issue.journey) + ofPath(e.path, line))
    },
    // Names come from journey definitions, which may be built from data: escaped like everything else.
    checkpoint(event) {
      const e = shownNames(event)
      print(tagOf(event.worker, event.journey) + ofPath(e.path, fmt.checkpoint(e.name, e.path, e.durationMs, e.backends)))
    },
    branchStart(event) {
      const key = branchKey(event.journey, event.path)
      openBranches.set(key, (openBranches.get(key) ?? 0) + 1)
      const e = shownNames(event)
      print(tagOf(event.worker, event.journey) + ofPath(e.path, fmt.branchStart(e.path, e.checkpoint, e.paths)))
    },
    branchEnd(event) {
      const key = branchKey(event.journey, event.path)
      const open = (openBranches.get(key) ?? 0) - 1
      if (open > 0) openBranches.set(key, open)
      else openBranches.delete(key)
    },
    pathStart(event) {
      print(tagOf(event.worker, event.journey) + fmt.pathStart(shownNames(event.path)))
    },
    rollback(event) {
      // A path's rollback goes with its header line, which follows it; the branch's own line's, with that line.
      const ofBranchLine = event.reason === 'before-path' && openBranches.has(branchKey(event.journey, event.path))
      const e = shownNames(event)
      print(tagOf(event.worker, event.journey) + ofPath(e.path, fmt.rollback(e.checkpoint, ofBranchLine ? BEFORE_WORKERS : e.reason, e.path, e, event.reason === 'before-path' && !ofBranchLine)))
    },
    pathEnd(e) {
      print(tagOf(e.worker, e.journey) + fmt.pathEnd(shownNames(e.path), e.result.status, e.result.durationMs))
    },
    journeyEnd(e) {
      if (!e.willRetry) journeysDone++
      current = ''
      const worker = e.result.worker ?? 0
      // One that never started has no header: its line stands apart from the journey before, as a header would.
      print(`${e.journey.interrupted || e.journey.skipped ? '\n' : ''}${tagOf(worker, e.result.name)}${fmt.journeyEnd({ ...e.result, name: shownNames(e.result.name) }, e.willRetry)}`)
      runningOn.delete(worker)
    },
    runEnd() {
      current = ''
      clearProgress()
      out.stop()
    },
  }

  return redactingItself({
    name: 'console',
    hooks: withWorkerBoard(hooks, { stream, enabled: progressOn, journeyLines: (j) => {
        const raw = redactResults(j, opts.redact)
        return fmt.journey(printable(journeyWithNamesOnOneLine(raw)), raw)
      },
    }),
    render(run) {
      // After a live run the steps were printed already: the summary needs the journeys' issues, not
      // their steps, and redacting and escaping every step again would cost as much as printing them.
      const redacted = redactRun(live ? { ...run, journeys: run.journeys.map((j) => ({ ...j, nodes: [] })) } : run, opts.redact)
      const safe = printable(runWithNamesOnOneLine(redacted))
      const lines: string[] = []
      if (!live && (safe.journeys.length || !safe.explorations?.length)) lines.push(...fmt.tree(safe, redacted))
      for (const x of safe.explorations ?? []) lines.push(...explorationSummary(x, p))
      lines.push(...fmt.summary(safe))
      return `${lines.join('\n')}\n`
    },
  })
}

/**
 * What the console says the rollback of a branch's own line was for, when its paths run on workers. The
 * event says 'before-path', as each path's own rollback does; printed so, it read as a second rollback of
 * the path that runs on the main line, and no reader could count the rollbacks that ran.
 */
const BEFORE_WORKERS = 'before the workers copy it'

/** An issue's mark: a failure's cross for critical and high, a warning's `!` for medium and low, `i` for what only informs. */
const SEVERITY_MARK: Record<Issue['severity'], string> = { critical: '✗', high: '✗', medium: '!', low: '!', info: 'i' }

/** The colour of an issue's mark and severity: red for a failure, yellow for a warning, cyan for what informs. */
function severityColour(severity: Issue['severity'], p: Palette): (text: string) => string {
  if (severity === 'critical' || severity === 'high') return p.red
  return severity === 'info' ? p.cyan : p.yellow
}

/**
 * A journey that never started: skipped in its definition (`journey.skip`), or stopped before it started by
 * Ctrl-C or --fail-fast (then `interrupted` too). A journey that started never ends skipped, so the status
 * tells it, in results saved before this was asked of them as well.
 */
function neverStarted(j: JourneyResult): boolean {
  return j.status === 'skipped'
}

/** After a journey's name as it starts: which repetition, which attempt of how many, skipped. */
function runLabel(j: JourneyInfo): string {
  const attempt = j.attempt && j.maxAttempts && j.maxAttempts > 1 ? ` (attempt ${j.attempt} of ${j.maxAttempts})` : ''
  return `${repeatLabel(j)}${attempt}${j.skipped ? ' (skipped)' : ''}${j.notRun ? ' (not run)' : ''}`
}

/** After a journey's name in its result: which repetition and which attempt (see attemptLabel; `final` holds `j` among its attempts). */
function resultLabel(j: JourneyResult, final: JourneyResult = j): string {
  return `${repeatLabel(j)}${attemptLabel(j, final)}`
}

/** Why an attempt failed, in one line: its first failed step, or else its first issue. */
function firstFailure(j: JourneyResult): string {
  for (const n of flatten(j.nodes)) if (n.kind === 'step' && n.result.status === 'failed') return `${n.path === 'main' ? '' : `${n.path} › `}${n.name}: ${n.result.error?.message ?? 'failed'}`
  return j.issues[0]?.error ?? 'failed'
}

function indent(path: string, shift = 0): string {
  return '  '.repeat(Math.max(0, depthOf(path) + 1 + shift))
}

function leaf(path: string): string {
  const parts = path.split(' > ')
  return parts[parts.length - 1] ?? path
}

/**
 * A message of several lines (an assertion that quotes a mail body, an API's error page), each line after
 * the first indented as the first is: at column 0, they broke the tree of steps and the Issues list.
 */
function underEachOther(text: string, pad: string): string {
  return text.includes('\n') ? text.replace(/\n/g, `\n${pad}`) : text
}

function backendsText(backends: readonly BackendTiming[]): string {
  return backends.map((b) => `${backendLabel(b.backend, b.mechanism)} ${formatDuration(b.durationMs)}`).join(', ')
}

/**
 * The frames of a stack (`at fn (file:line:column)`), without the message it starts with: the console
 * prints the message just above them. The stack is a step's under `--debug` (the runner keeps none else).
 * The first line of each cause and inner error the runner added (`Caused by: ...`) is kept, above its frames.
 */
function stackFrames(stack: string): string[] {
  return stack
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at ') || line.startsWith('Caused by: ') || line.startsWith('Inner error: '))
}

/** Transport headers that say nothing about why a request failed; left out of terminal output. */
const NOISY_RESPONSE_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'])

/** Turns results and events into lines; shared by the live hooks and the after-the-fact tree. */
class LineFormatter {
  constructor(
    private readonly p: Palette,
    private readonly redact: RedactOptions | undefined,
    private readonly verbose: boolean,
  ) {}

  status(s: JourneyStatus, text: string = STATUS_SYMBOL[s] ?? '?'): string {
    return s === 'passed' ? this.p.green(text) : s === 'failed' ? this.p.red(text) : this.p.yellow(text)
  }

  /**
   * The live line of a passed step, when not verbose: a check mark, `name METHOD url`, an arrow and
   * `status 12 ms`, as step() would print it, made straight from the result. Only the name, method and URL are shown, so only they are
   * escaped, and the name and URL are masked as text (a name made from data can hold a token): the
   * secrets of its exchange were remembered when it was sent and received, so its headers and bodies,
   * which this line never shows, are not redacted on every step.
   * This runs once per step of every run, so it stays one small function.
   */
  passedStep(r: StepResult, path: string): string {
    // A result made by this runner knows its exchange; one from elsewhere (a file, a plugin) has plain fields.
    const shown = shownRequestLine(r) ?? (r.request && { method: r.request.method, url: r.request.url, status: r.response?.status })
    const http = shown
      ? ` ${this.p.dim(`${escapeControlChars(shown.method)} ${redactUrl(escapeControlChars(shown.url), this.redact)}${shown.status !== undefined ? ` → ${shown.status}` : ''}`)}`
      : ''
    const flags = r.expectFailure ? (r.attempts > 1 ? `expected failure, ${r.attempts} attempts` : 'expected failure') : r.attempts > 1 ? `${r.attempts} attempts` : ''
    return `${indent(path)}${this.status('passed')} ${nameOnOneLine(redactText(r.name))}${http} ${this.p.dim(formatDuration(r.durationMs))}${flags ? ` ${this.p.yellow(`(${flags})`)}` : ''}`
  }

  /** `raw` is the result before escaping, for the curl commands of a failed step (see stepRequests). */
  step(r: StepResult, path: string, raw?: StepResult): string[] {
    const pad = indent(path)
    const http = r.request ? ` ${this.p.dim(`${r.request.method} ${redactText(r.request.url)}${r.response ? ` → ${r.response.status}` : ''}`)}` : ''
    const flags = [r.expectFailure ? 'expected failure' : '', r.attempts > 1 ? `${r.attempts} attempts` : '', r.timedOut ? 'timed out' : '']
      .filter(Boolean)
      .join(', ')
    const lines = [`${pad}${this.status(r.status)} ${r.name}${http} ${this.p.dim(formatDuration(r.durationMs))}${flags ? ` ${this.p.yellow(`(${flags})`)}` : ''}`]
    if (r.status === 'failed' && r.error) lines.push(`${pad}  ${this.p.red(underEachOther(redactFreeText(r.error.message), `${pad}  `))}`)
    if (r.status === 'failed' && this.verbose && r.error?.stack) lines.push(...stackFrames(r.error.stack).map((frame) => this.p.dim(`${pad}    ${redactFreeText(frame)}`)))
    if (r.status === 'failed' || this.verbose) lines.push(...this.exchange(r, `${pad}  `))
    if (r.status === 'failed' && raw) lines.push(...this.reproduce(raw, `${pad}  `))
    return lines
  }

  exchange(r: { request?: StepResult['request']; response?: StepResult['response'] }, pad: string): string[] {
    const out: string[] = []
    if (r.request) {
      out.push(this.p.dim(`${pad}> ${r.request.method} ${redactText(r.request.url)}`))
      for (const [k, v] of Object.entries(redactHeaders(r.request.headers ?? {}, this.redact))) out.push(this.p.dim(`${pad}> ${k}: ${v}`))
      const body = bodyText(redactBody(r.request.body, this.redact), 500)
      // Escaped again after formatting: re-serialising JSON turns escapes back into raw C1 characters.
      if (body) for (const l of escapeControlChars(body).split('\n')) out.push(this.p.dim(`${pad}> ${l}`))
    }
    if (r.response) {
      out.push(this.p.dim(`${pad}< HTTP ${r.response.status}`))
      for (const [k, v] of Object.entries(redactHeaders(r.response.headers ?? {}, this.redact)))
        if (!NOISY_RESPONSE_HEADERS.has(k)) out.push(this.p.dim(`${pad}< ${k}: ${v}`))
      const body = bodyText(redactBody(r.response.body, this.redact), 500)
      if (body) for (const l of escapeControlChars(body).split('\n')) out.push(this.p.dim(`${pad}< ${l}`))
    }
    return out
  }

  /**
   * Every request of a failed step, each with its status and the curl command that sends it again (the
   * variables a redacted value needs, as comments above it). On one line each, so it pastes as it is.
   */
  reproduce(raw: StepResult, pad: string): string[] {
    const requests = stepRequests(raw)
    if (!requests.length) return []
    const several = requests.length > 1
    const out = [this.p.dim(`${pad}${several ? `${requests.length} requests; reproduce each with curl:` : 'reproduce with curl:'}`)]
    requests.forEach((x, i) => {
      const { command, comments } = curlCommand(x.request)
      const inner = several ? `${pad}   ` : pad
      if (several) out.push(`${pad}${i + 1}. ${requestSummary(x)}`)
      for (const c of comments) out.push(this.p.dim(`${inner}${escapeControlChars(c)}`))
      out.push(`${inner}${command}`)
    })
    return out
  }

  checkpoint(name: string, path: string, durationMs: number, backends: readonly BackendTiming[]): string {
    const detail = backends.length ? `: ${backendsText(backends)}` : ''
    return `${indent(path)}${this.p.cyan('◆')} checkpoint ${this.p.bold(name)} ${this.p.dim(`${formatDuration(durationMs)}${detail}`)}`
  }

  /**
   * A checkpoint that could not be taken, and why: the journey stopped there. Live, its issue tells it
   * (no duration); after the fact, its result. It had no line at all, and the journey's next line was its
   * end, failed, after as long as the checkpoint had waited.
   */
  failedCheckpoint(name: string, path: string, message: string, durationMs?: number): string[] {
    const pad = indent(path)
    const took = durationMs === undefined ? '' : ` ${this.p.dim(formatDuration(durationMs))}`
    return [`${pad}${this.status('failed')} checkpoint ${this.p.bold(name)} ${this.p.red('failed')}${took}`, `${pad}  ${this.p.red(underEachOther(escapeControlChars(redactFreeText(message)), `${pad}  `))}`]
  }

  /** A rollback that failed, and why: the branch (or the journey's restore) stopped there. */
  failedRollback(checkpoint: string, restore: boolean, path: string, message: string, withPathHeader: boolean): string[] {
    const pad = withPathHeader ? indent(path, -1) : indent(path)
    const what = `rollback to ${this.p.bold(checkpoint)}${restore ? ' (restore)' : ''}`
    return [`${pad}${this.status('failed')} ${what} ${this.p.red('failed')}`, `${pad}  ${this.p.red(underEachOther(escapeControlChars(redactFreeText(message)), `${pad}  `))}`]
  }

  /** `withPathHeader`: a rollback before a path, which belongs with the path's header line that follows it. */
  rollback(checkpoint: string, reason: string, path: string, timing: RollbackTiming, withPathHeader = reason === 'before-path'): string {
    const { durationMs, backends, waitedMs } = timing
    // The wait is no backend's: said as such, or a path after another journey's timed-out step looked slow.
    const parts = [...(backends.length ? [backendsText(backends)] : []), ...waitedText(waitedMs)]
    const detail = parts.length ? `: ${parts.join(', ')}` : ''
    const pad = withPathHeader ? indent(path, -1) : indent(path)
    return `${pad}${this.p.cyan('↺')} rollback to ${this.p.bold(checkpoint)} ${this.p.dim(`(${reason}) ${formatDuration(durationMs)}${detail}`)}`
  }

  branchStart(path: string, checkpoint: string, paths: readonly string[]): string {
    return `${indent(path)}${this.p.magenta('⑂')} branch from ${this.p.bold(checkpoint)} ${this.p.dim(`(${plural(paths.length, 'path')}: ${paths.join(', ')})`)}`
  }

  pathStart(path: string): string {
    return `${indent(path, -1)}${this.p.magenta('├')} path ${this.p.bold(leaf(path))}`
  }

  pathEnd(path: string, status: Status, durationMs: number): string {
    return `${indent(path, -1)}${this.p.magenta('└')} path ${leaf(path)} ${this.status(status, status)} ${this.p.dim(formatDuration(durationMs))}`
  }

  /**
   * `then`: what came after this attempt, which failed: the run retried the journey (`retried`, or `true`
   * from the live hook), or a `--last-failed` rerun, a run of its own, ran it again (`rerun`).
   */
  journeyEnd(j: JourneyResult, then?: boolean | 'retried' | 'rerun', final: JourneyResult = j): string {
    const notes = [
      // Why it stopped: Ctrl-C, or a failure under --fail-fast (core's stoppedHow).
      j.interrupted ? this.p.yellow(`(${stoppedHow(j)})`) : '',
      j.status === 'flaky' ? this.p.yellow(`(passed ${passedHow(j)} after ${plural(j.earlierAttempts?.length ?? 0, 'failed attempt')})`) : '',
      // Interrupted, then passed in a --last-failed rerun: said, though it is no flaky journey.
      passedAfterInterrupts(j) ? this.p.dim(`(${passedAfterInterrupts(j)})`) : '',
      then === 'rerun'
        ? this.p.yellow('(run again by a --last-failed rerun)')
        : then
          ? this.p.yellow('(retrying from scratch: a fresh context, any state backend rolled back)')
          : '',
    ].filter(Boolean)
    // Never started (journey.skip, Ctrl-C, --fail-fast): one line, with no header before it, and no time of its own.
    if (neverStarted(j)) return `${this.status(j.status)} ${this.p.bold(`${j.name}${resultLabel(j, final)}`)} ${this.status(j.status, j.status)}${notes.length ? ` ${notes.join(' ')}` : ''}`
    // Not run: no time of its own to show, and "failed" alone read as if its steps had run and failed.
    if (j.notRun) return `${this.status(j.status)} ${this.p.bold(`${j.name}${resultLabel(j, final)}`)} ${this.p.red('not run')}${notes.length ? ` ${notes.join(' ')}` : ''}`
    return `${this.status(j.status)} ${this.p.bold(`${j.name}${resultLabel(j, final)}`)} ${this.status(j.status, j.status)} ${this.p.dim(formatDuration(j.durationMs))}${notes.length ? ` ${notes.join(' ')}` : ''}`
  }

  /** The whole run as the live hooks would have printed it, for `venomqa report` and file targets. */
  tree(run: RunResult, raw?: RunResult): string[] {
    const lines: string[] = [this.p.bold(`VenomQA: ${plural(run.journeys.length, 'journey')}`)]
    run.journeys.forEach((j, i) => lines.push('', ...this.journey(j, raw?.journeys[i])))
    return lines
  }

  /** One journey as the live hooks would have printed it. */
  journey(j: JourneyResult, raw?: JourneyResult, attempt: 'earlier' | 'rerun' | 'last' | 'only' = 'only', final: JourneyResult = j): string[] {
    // A retried journey: each earlier attempt first, as it was printed live, then the last one.
    if (j.earlierAttempts?.length && attempt === 'only') {
      const attempts = [...j.earlierAttempts, j]
      // Each earlier attempt ends saying what came after it: a retry within the run, or a later rerun.
      return [
        ...j.earlierAttempts.flatMap((a, i) => [...this.journey(a, raw?.earlierAttempts?.[i], attempts[i + 1]?.rerun ? 'rerun' : 'earlier', j), '']),
        ...this.journey(j, raw, 'last'),
      ]
    }
    // As it was printed live: its end alone.
    if (neverStarted(j)) return [this.journeyEnd(j, attempt === 'earlier' ? 'retried' : attempt === 'rerun' ? 'rerun' : undefined, final)]
    const lines = [`${this.p.bold(`▶ ${j.name}${resultLabel(j, final)}${j.notRun ? ' (not run)' : ''}`)}${j.tags.length ? ` ${this.p.dim(`[${j.tags.join(', ')}]`)}` : ''}${j.file ? ` ${this.p.dim(j.file)}` : ''}`]
    // The same tree before escaping, node for node: failed steps take their curl commands from it.
    this.nodeLines(lines, j.nodes, raw?.nodes, 'main', j.issues)
    // A restored journey is put back after it ends, as it was printed live.
    if (j.restored) lines.push(this.rollback(BEFORE_JOURNEY_CHECKPOINT, 'restore', 'main', j.restored))
    lines.push(this.journeyEnd(j, attempt === 'earlier' ? 'retried' : attempt === 'rerun' ? 'rerun' : undefined, final))
    return lines
  }

  /**
   * The lines of one line of a journey (the main line, a path) in the order the live hooks printed them:
   * a branch, then for each path its rollback to the checkpoint, its header, its own lines and its end,
   * then the rollback after the last path. `raw` is the same line before escaping, for the curl commands
   * of failed steps. A path that never started (the journey stopped first, its rollback failed) had no
   * header live, and gets none: only its end says what became of it.
   */
  /** `issues`: the journey's, for a rollback that failed, which has a path result but no timing to show (see failedRollbackOf). */
  nodeLines(lines: string[], nodes: readonly NodeResult[], raw: readonly NodeResult[] | undefined, path: string, issues: readonly Issue[] = []): void {
    for (const [i, n] of nodes.entries()) {
      const r = raw?.[i]
      if (n.kind === 'step') {
        lines.push(...this.step(n, path, r?.kind === 'step' ? r : undefined))
        // Live, a step's log lines went to stderr as they came; the text of the whole run keeps them under it.
        for (const log of n.logs ?? []) lines.push(this.p.dim(`${indent(path)}  [${log.level}] ${log.message}`))
      } else if (n.kind === 'checkpoint')
        lines.push(...(n.status === 'failed' ? this.failedCheckpoint(n.name, path, n.error?.message ?? 'failed', n.durationMs) : [this.checkpoint(n.name, path, n.durationMs, n.backends)]))
      else {
        lines.push(this.branchStart(path, n.checkpoint, n.paths.map((x) => x.name)))
        // Paths on workers: the branch's own line was put back first, for the workers to copy (a line of it).
        const own = n.rollbackBeforeWorkers
        if (own) lines.push(this.rollback(n.checkpoint, BEFORE_WORKERS, path, own, false))
        const rawPaths = r?.kind === 'branch' ? r.paths : undefined
        for (const [k, p] of n.paths.entries()) {
          const full = path === 'main' ? p.name : `${path} > ${p.name}`
          if (p.rollback) lines.push(this.rollback(n.checkpoint, 'before-path', full, p.rollback), this.pathStart(full))
          else {
            // Its rollback failed, so it never started: said where its rollback line would be, as it was live.
            const failed = issues.find((i) => i.path === full && failedRollbackOf(i)?.checkpoint === n.checkpoint)
            if (failed) lines.push(...this.failedRollback(n.checkpoint, false, full, failed.error, true))
          }
          this.nodeLines(lines, p.nodes, rawPaths?.[k]?.nodes, full, issues)
          lines.push(this.pathEnd(full, p.status, p.durationMs))
        }
        if (n.finalRollback) lines.push(this.rollback(n.checkpoint, 'after-branch', path, n.finalRollback, false))
      }
    }
  }

  summary(run: RunResult): string[] {
    const p = this.p
    const s = run.summary
    // `flaky` only for journeys: an exploration's flaky count is of its violations, said after them.
    const counts = (c: { passed: number; failed: number; skipped?: number; total: number }, flaky = 0) =>
      `${[p.green(`${c.passed} passed`), c.failed ? p.red(`${c.failed} failed`) : '', flaky ? p.yellow(`${flaky} flaky`) : '', c.skipped ? p.yellow(`${c.skipped} skipped`) : '']
        .filter(Boolean)
        .join(', ')} ${p.dim(`of ${c.total}`)}`
    const issues = SEVERITIES.filter((sev) => s.issues[sev] > 0).map((sev) => `${s.issues[sev]} ${sev}`)
    const lines = ['', p.dim('─'.repeat(60))]
    // A run of explorations only has no journey to count.
    if (s.journeys.total || !s.explorations) {
      lines.push(`${'Journeys'.padEnd(10)}${counts(s.journeys, s.journeys.flaky)}`)
      lines.push(`${'Steps'.padEnd(10)}${counts(s.steps)}`)
    }
    // A budget that ran out passes what was explored, and says so above the result, not only in its
    // exploration's header: "passed" there covers less than the depth it was asked for.
    const truncated = (run.explorations ?? []).filter((x) => x.truncated).length
    if (s.explorations)
      lines.push(
        `${'Explored'.padEnd(10)}${counts(s.explorations)}, ${s.explorations.violations} violation${s.explorations.violations === 1 ? '' : 's'}${s.explorations.flaky ? ` (${s.explorations.flaky} flaky)` : ''}${truncated ? p.yellow(`, ${truncated} cut short by a budget`) : ''}`,
      )
    if (s.paths.total) lines.push(`${'Paths'.padEnd(10)}${counts(s.paths)}`)
    lines.push(`${'Issues'.padEnd(10)}${issues.length ? issues.join(', ') : p.dim('none')}`)
    if (run.backends.length) lines.push(`${'State'.padEnd(10)}${runBackendsText(run.backends)}`)
    lines.push(`${'Duration'.padEnd(10)}${formatDuration(run.durationMs)}`)
    // Flaky journeys pass, so they are easy to miss: each is named, with the failures that came first.
    const flaky = run.journeys.filter((j) => j.status === 'flaky')
    if (flaky.length) {
      lines.push('', p.bold(p.yellow('Flaky')))
      for (const j of flaky) {
        lines.push(`  ${p.yellow(STATUS_SYMBOL.flaky)} ${p.bold(`${j.name}${repeatLabel(j)}`)} passed ${passedHow(j)}`)
        for (const a of j.earlierAttempts ?? []) lines.push(`      attempt ${a.attempt} failed: ${redactFreeText(firstFailure(a))}`)
      }
    }

    const all: Issue[] = [...run.journeys.flatMap(journeyIssues), ...(run.explorations ?? []).flatMap(explorationIssues), ...run.issues].sort((a, b) => severityRank(a.severity) - severityRank(b.severity))
    if (all.length) {
      lines.push('', p.bold('Issues'))
      for (const { issue: i, journeys, notRun } of alikeFolded(all)) {
        const colour = severityColour(i.severity, p)
        const where = journeys.length > 1 ? journeysPlace(journeys) : issuePlace(i)
        lines.push(`  ${colour(SEVERITY_MARK[i.severity])} ${p.bold(where || i.source)} [${colour(i.severity)}] ${p.dim(i.source)}`)
        lines.push(`      ${underEachOther(redactFreeText(i.error), '      ')}`)
        if (notRun.length) lines.push(`      not run for it: ${notRun.length > 1 ? journeysPlace(notRun) : notRun[0]}`)
        // A failed step's exchange was printed with the step already; other issues show theirs here.
        if (i.request && i.source !== 'step') lines.push(...this.exchange({ request: i.request, response: i.response }, '      '))
        lines.push(`      ${p.cyan('Suggestion:')} ${i.suggestion}`)
      }
    }
    const verdict = run.interrupted ? p.yellow(p.bold('INTERRUPTED')) : run.status === 'passed' ? p.green(p.bold('PASSED')) : p.red(p.bold('FAILED'))
    lines.push('', `Result: ${verdict}`)
    return lines
  }
}

/**
 * The summary's issues, those of several journeys that say one thing told once: a journey not run for the
 * run's reason (nothing listens at the base URL) has the same issue as every other, and forty of them were
 * forty entries alike. Only a journey's own issue (its step `journey`, on its main line, with no request) is
 * folded, into the first one's place; every report file keeps each. A journey not run for a run's issue is
 * already told with that issue (toldOnce, as every report tells it).
 */
function alikeFolded(issues: readonly Issue[]): { issue: Issue; journeys: string[]; notRun: string[] }[] {
  const out: { issue: Issue; journeys: string[]; notRun: string[] }[] = []
  const byText = new Map<string, { issue: Issue; journeys: string[]; notRun: string[] }>()
  for (const { issue, notRun } of toldOnce(issues)) {
    const key = isJourneyOwnIssue(issue) ? JSON.stringify([issue.severity, issue.kind, issue.source, issue.error, issue.suggestion]) : undefined
    const same = key === undefined ? undefined : byText.get(key)
    if (same) {
      same.journeys.push(issue.journey)
      continue
    }
    const entry = { issue, journeys: [issue.journey], notRun }
    if (key !== undefined) byText.set(key, entry)
    out.push(entry)
  }
  return out
}

/** Where an issue of several journeys is: `3 journeys: a, b, c`, the first five named, then how many more. */
function journeysPlace(journeys: readonly string[]): string {
  const shown = journeys.slice(0, 5).join(', ')
  return `${journeys.length} journeys: ${shown}${journeys.length > 5 ? ` and ${journeys.length - 5} more` : ''}`
}

/**
 * One exploration: how far the search went, how fast, what it covered, and each violation with its
 * minimal sequence, reproduction count and the regression journey written for it.
 */
function explorationSummary(x: ExplorationResult, p: Palette): string[] {
  const verdict = x.interrupted ? p.yellow('interrupted') : x.status === 'passed' ? p.green('passed') : p.red('failed')
  // Its settings and counts would read as a search that found nothing.
  if (x.notStarted) return ['', `${p.bold(`◇ exploration ${x.name}`)} ${verdict} ${p.yellow('not run: the run was interrupted before it started')}`]
  const truncated = x.truncated ? p.yellow(` (truncated: ${budgetText(x.truncated)} used up)`) : ''
  const lines = ['', `${p.bold(`◇ exploration ${x.name}`)} ${verdict} ${p.dim(`${x.strategy}, depth ${x.depth}, seed ${x.seed}${x.dedupe ? '' : ', no dedupe'}`)}${truncated}`]
  const s = x.stats
  if (exploredNothing(x)) lines.push(p.red(`  explored nothing: ${EXPLORED_NOTHING_REASON}`))
  else lines.push(
    `  ${plural(s.transitions, 'transition')}, ${statesText(s.states, x.dedupe)}${x.dedupe ? ` (${s.merged} merged: states with one fingerprint are one state)` : ''}, ${plural(s.requests, 'request')}, ${s.transitionsPerSecond} transitions/s, deepest path ${s.maxDepthReached}`,
  )
  const timing = (label: string, byBackend: Record<string, { p50: number; p95: number }>) => {
    const parts = Object.entries(byBackend).map(([name, t]) => `${name} p50 ${formatFineDuration(t.p50)} p95 ${formatFineDuration(t.p95)}`)
    if (parts.length) lines.push(p.dim(`  ${label}: ${parts.join(', ')}`))
  }
  const afterWrite = mergedAfterWriteText(x)
  if (afterWrite) lines.push(p.yellow(`  ${afterWrite}`))
  const afterInput = mergedAfterInputText(x)
  if (afterInput) lines.push(p.yellow(`  ${afterInput}`))
  timing('rollback', x.timings.rollback)
  timing('observe', x.timings.observe)
  // `×`: how many times each action ran, which a bare number after a name read as (an HTTP status, `create 404`).
  lines.push(p.dim(`  coverage: ${x.coverage.map((c) => `${c.action} ×${c.taken}${c.refused ? ` (${c.refused} refused)` : ''}`).join(', ')}`))
  // A search cut short reached fewer states: an action not enabled in them may be reachable further on.
  for (const threw of hookThrewLines(x.coverage)) lines.push(p.red(`  ${threw}`))
  for (const refused of refusedAlwaysLines(x.coverage)) lines.push(p.yellow(`  ${refused}`))
  if (x.neverEnabled.length) lines.push(p.yellow(`  never enabled${cutShort(x) ? ' in the states reached before the search was cut short' : ''}: ${x.neverEnabled.join(', ')}`))
  for (const v of x.violations) {
    const reproduced = v.reproduced.attempts ? `reproduced ${v.reproduced.failures}/${v.reproduced.attempts}` : 'not confirmed'
    lines.push(`  ${p.red('✗')} ${p.bold(v.invariant)} [${v.severity}] ${v.flaky ? p.yellow(`flaky, ${reproduced}`) : p.dim(reproduced)}`)
    lines.push(`      ${v.sequence.map((step) => sequenceStepText(step)).join(' → ')}${shrinkingNote(v, p)}`)
    lines.push(`      ${underEachOther(redactFreeText(v.message), '      ')}`)
    if (v.emittedFile) lines.push(`      ${p.cyan('regression journey:')} ${v.emittedFile}`)
  }
  return lines
}

/** After a violation's sequence: whether it was shrunk, and when a limit cut that short, which one. */
function shrinkingNote(v: ViolationResult, p: Palette): string {
  if (v.notShrunk) return p.yellow(` (not shrunk: ${v.notShrunk})`)
  const from = v.foundLength !== v.sequence.length ? ` from ${v.foundLength}` : ''
  const limit = shrinkLimitText(v.shrinkLimit)
  if (limit) return p.yellow(` (shrunk${from} until ${limit}, may not be minimal)`)
  return from ? p.dim(` (shrunk${from})`) : ''
}

/** The search stopped before it covered its depth: a budget ran out, or it was interrupted. */
function cutShort(x: ExplorationResult): boolean {
  return !!x.truncated || !!x.interrupted
}
