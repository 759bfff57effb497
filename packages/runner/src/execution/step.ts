import { type ActionArgs, type ErrorKind, type HttpExchange, type Issue, type Logger, type Ports, type Severity, type StateBackend, type StepNode, type StepResult, errorMessage, redactValue, suggestionFor } from '@venomqa/core'
import { sleep } from '../http-client'
import type { JourneyEvents } from './events'
import { isoNow } from './iso-now'
import type { Lane } from './lanes'
import { type Outcome, isFaultOfTheTest } from './outcome'
import { contextForStep, portsForStep } from './outlived'
import { type UncheckedAnswer, uncheckedErrorAnswers } from '../http/server-errors'
import { type EarlierFailure, afterEarlierFailure } from './earlier-failure'
import { type AttemptResult, attemptStep } from './step-attempt'
import { blockedByBackends } from './blocked'
import { StepRecord, type StepRun } from './step-record'
import { APP_GONE_KINDS } from '../worker-app'

export interface IssueFields {
  path: string
  step: string
  severity: Severity
  kind: ErrorKind
  error: string
  /** The error's own suggestion (see suggestionForError); without one, makeIssue gives the kind's. */
  suggestion?: string
  source: string
  request?: Issue['request']
  response?: Issue['response']
}

/** What a step needs from the journey it runs in. */
export interface StepEnv {
  journey: string
  path: string
  lane: Lane
  /** The journey's signal. */
  signal: AbortSignal
  settings: { stepTimeout?: number; retries?: number; debug?: boolean; redactKeys?: string[] }
  events: JourneyEvents
  logger?: Logger
  /** True once the journey stopped: no further attempt. */
  stopped(): boolean
  /** True once another path ran before this step, from a checkpoint, and no state backend rolled it back: state may have leaked from it. */
  afterOtherPaths(): boolean
  /** The steps that failed before this one on its line (see EarlierFailure), in the order they ran. */
  failedBefore(): readonly EarlierFailure[]
  addIssue(fields: IssueFields): void
  /** Told once a step's last attempt failed, before its result is made: the journey may stop there (see BaseUrlReachability). */
  failed?(step: string, attempt: AttemptResult): Promise<void>
}

/**
 * Run a step with its retries: each attempt fires `stepStart`, a retry fires `stepRetry` and waits the
 * step's `retryDelay`; the result keeps the last attempt's outcome and every attempt's exchanges. A
 * failed step is a high issue (critical when the test itself was at fault); an interrupted one is none.
 */
export async function runStep(node: StepNode, env: StepEnv): Promise<StepResult> {
  const { events, lane } = env
  const where = { path: env.path, step: node.name }
  const maxAttempts = 1 + (node.options.retries ?? env.settings.retries ?? 0)
  const label = `step "${node.name}" of journey "${env.journey}"${env.path === 'main' ? '' : `, path "${env.path}"`}`
  const startedAt = isoNow()
  const t0 = performance.now()
  const exchanges: HttpExchange[] = []
  const logs: NonNullable<StepResult['logs']> = []
  let attempt = 0
  let last: AttemptResult
  /** How the worker's app ended, when a request of the step failed because it had. */
  let appGone: string | undefined
  for (;;) {
    attempt++
    if (events.has('stepStart')) await events.emit('stepStart', events.onWorker(lane, { journey: env.journey, path: env.path, step: node.name, attempt, ctx: lane.world.ctx }), where)
    const n = attempt
    last = await attemptStep({
      node,
      lane,
      signal: env.signal,
      timeoutMs: node.options.timeout ?? env.settings.stepTimeout,
      label,
      args: (http, signal) => new StepArgs(http, lane.world.ctx, lane.ports, signal, logs, env.logger, env.journey, env.path, node.name, n, env.settings.redactKeys, lane.world.backends),
      onLate: (error) => env.addIssue(lateFault(env.path, node.name, error)),
      origin: { journey: env.journey, path: env.path },
      debug: env.settings.debug,
    })
    exchanges.push(...last.exchanges)
    // Only a failed step on a watched worker app asks: every other step goes on without another await.
    appGone = lane.app && !last.outcome.passed ? await appEnded(lane, last) : undefined
    // Another attempt would meet no app either: the journey stops (see JourneyExecution.watchApp).
    if (appGone || !shouldRetry(last.outcome, attempt, maxAttempts, env.stopped())) break
    const error = last.outcome.passed ? '' : last.outcome.message
    await events.emit('stepRetry', events.onWorker(lane, { journey: env.journey, path: env.path, step: node.name, attempt, error }), where)
    try {
      await sleep(node.options.retryDelay ?? 0, env.signal)
    } catch {
      break
    }
  }
  // Nothing listening at the base URL stops the journey here; a worker's app that ended said so already.
  if (!appGone && !last.outcome.passed && env.failed) await env.failed(node.name, last)
  // Looked for before the result is made: what reads the exchanges after this must not count as the action's look.
  const unchecked = last.outcome.passed && !node.options.expectFailure ? uncheckedErrorAnswers(last.exchanges, last.returned, last.startedAt) : []
  const outcome = afterEarlierFailure(last.outcome, env.failedBefore())
  const result = stepResult(node, outcome, { attempt, startedAt, durationMs: performance.now() - t0, exchanges, logs, shown: last.shown })
  if (!outcome.passed && outcome.kind !== 'aborted') {
    const message = attempt > 1 ? `${outcome.message} (after ${attempt} attempts)` : outcome.message
    const blocked = appGone ? undefined : await blockedByBackends(outcome.kind, lane.world.backends)
    env.addIssue({
      path: env.path,
      step: node.name,
      severity: isFaultOfTheTest(outcome) ? 'critical' : 'high',
      kind: outcome.kind,
      // Nothing answered because the worker's app had ended: said so, and never blamed on the base URL.
      error: appGone ? `${message} (${appGone})` : message,
      suggestion: appGone
        ? lane.app!.suggestion()
        : (blocked ?? outcome.suggestion ?? suggestionFor(outcome.kind, result.response?.status, { afterOtherPaths: env.afterOtherPaths(), url: result.request?.url })),
      source: 'step',
      request: result.request,
      response: result.response,
    })
  }
  for (const x of unchecked) env.addIssue(uncheckedErrorAnswer(env.path, node.name, x))
  for (const what of last.unawaited ?? []) env.addIssue(unawaitedRequest(env.path, node.name, what))
  if (events.has('stepEnd')) await events.emit('stepEnd', events.onWorker(lane, { journey: env.journey, path: env.path, step: node.name, result, ctx: lane.world.ctx }), where)
  return result
}

/**
 * A step passed, but the API answered one of its requests with an error (4xx, 5xx) whose status the action
 * never looked at, nor returned the response: it went on with an error body as if it were the answer, or
 * (most often a block body with no `return`) never saw the refusal at all. The step's outcome stays the
 * rule's (DESIGN.md: only a returned response is judged); the issue says what the pass may hide, where a
 * later step's failure would point elsewhere, or none would.
 */
function uncheckedErrorAnswer(path: string, step: string, { exchange: x, used }: UncheckedAnswer): IssueFields {
  const what = used ? 'the action read its body without checking its status (assertStatus, res.status or res.ok) or returning it' : 'the action neither returned the response nor checked its status (assertStatus, res.status or res.ok)'
  return {
    path,
    step,
    severity: 'high',
    kind: 'http-status',
    error: `step "${step}" passed, but ${x.request.method} ${x.request.url} answered HTTP ${x.response!.status}, and ${what}`,
    suggestion: used
      ? 'Return the response, or check its status, so that an error answer fails the step where it happened.'
      : 'Return the response (`return http.post(...)`, or an arrow function without braces: `({ http }) => http.post(...)`), or check its status, so that an error answer fails the step where it happened.',
    source: 'step',
    request: x.request,
    response: x.response,
  }
}

/**
 * A request the action sent without awaiting it (its promise dropped), still under way when the action
 * returned. The step waited for it (see waitForUnawaited), so it is recorded as the step's and no rollback
 * runs under it; but nothing judged its answer, and code after it in the action ran before it was done.
 */
function unawaitedRequest(path: string, step: string, what: string): IssueFields {
  return {
    path,
    step,
    severity: 'medium',
    kind: 'assertion',
    error: `step "${step}" returned while ${what} was still under way: its promise was neither awaited nor returned, so nothing checked its answer (the step waited for it before going on)`,
    suggestion: 'Await the request (`await http.get(...)`) or return it (`return http.get(...)`, or an arrow function without braces), so that its answer is judged and the step ends with it.',
    source: 'step',
  }
}

/**
 * How the lane's worker app ended, when the attempt failed on a request to it that got no answer (refused,
 * reset) because the app had ended; undefined otherwise (see AppWatch.confirm).
 */
async function appEnded(lane: Lane, last: AttemptResult): Promise<string | undefined> {
  const { outcome } = last
  if (!lane.app || outcome.passed || !APP_GONE_KINDS.has(outcome.kind) || !lane.app.serves(last.shown?.request.url)) return undefined
  return lane.app.confirm()
}

/** Another attempt only for a plain failure, with attempts left, while the journey runs: never for the test's own mistake. */
function shouldRetry(outcome: Outcome, attempt: number, maxAttempts: number, stopped: boolean): boolean {
  return !outcome.passed && attempt < maxAttempts && !stopped && !isFaultOfTheTest(outcome) && !outcome.ownMistake
}

function stepResult(node: StepNode, outcome: Outcome, run: StepRun): StepResult {
  return new StepRecord(node.name, !!node.options.expectFailure, outcome, run)
}

/** A stray error from code a step started, arriving after that step ended: the journey fails, naming the step. */
function lateFault(path: string, step: string, error: unknown): IssueFields {
  return {
    path,
    step,
    severity: 'critical',
    kind: 'stray-error',
    error: `code started by step "${step}" failed after the step had ended: ${errorMessage(error)}`,
    source: 'step',
  }
}

/** An action's argument. The logger is made only if the action reads `log`. */
export class StepArgs implements ActionArgs {
  #log?: Logger
  #observe?: () => Promise<Record<string, unknown>>
  /** The context, whose writes are refused once the step's signal aborted (see ./outlived). */
  readonly ctx: ActionArgs['ctx']
  /** The ports, each refusing calls once the step's signal aborted (see ./outlived). */
  readonly ports: Ports
  constructor(
    readonly http: ActionArgs['http'],
    ctx: ActionArgs['ctx'],
    ports: Ports,
    readonly signal: AbortSignal,
    private readonly logs: NonNullable<StepResult['logs']>,
    private readonly outer: Logger | undefined,
    readonly journey: string,
    readonly path: string,
    readonly step: string,
    readonly attempt: number,
    private readonly redactKeys?: string[],
    private readonly backends: readonly StateBackend[] = [],
  ) {
    // Own properties, made now rather than on first read: a step that hands on `{ ...args, extra }` keeps
    // them (a getter on the prototype is not spread), and never the unguarded objects behind them.
    this.ctx = contextForStep(ctx, signal)
    this.ports = portsForStep(ports, signal)
  }
  get log(): Logger {
    return (this.#log ??= stepLogger(this.logs, this.outer && stepSink(this.outer, { journey: this.journey, path: this.path, step: this.step }), this.redactKeys))
  }
  /**
   * Every state backend's `observe()`, keyed by name; backends without one say nothing. Made when first
   * read, as `log` is (a step on the hot path reads neither), and bound: `({ observe })` works.
   */
  get observe(): () => Promise<Record<string, unknown>> {
    return (this.#observe ??= async () => {
      const out: Record<string, unknown> = {}
      for (const backend of this.backends) if (backend.observe) out[backend.name] = await backend.observe()
      return out
    })
  }
}

/**
 * Names a step's argument is read by that it does not have, each with the one meant: `({ context })` in a
 * `.journey.mjs` (no type to catch it) was `undefined`, and the step failed later with `Cannot read
 * properties of undefined (reading 'set')` and the advice to read the stack. Getters on the prototype, so
 * that spreading the argument (`{ ...args, extra }`) never reads them.
 */
const MEANT: Readonly<Record<string, keyof StepArgs>> = { context: 'ctx', client: 'http', request: 'http', logger: 'log', port: 'ports' }
for (const [wrong, meant] of Object.entries(MEANT))
  Object.defineProperty(StepArgs.prototype, wrong, {
    configurable: true,
    get(): never {
      // A ReferenceError: a name the step's code got wrong, the test's own mistake, never retried (see outcome.ts).
      throw new ReferenceError(`the step's argument has no \`${wrong}\`: use \`${meant}\` (it has http, ctx, ports, signal, log, observe, journey, path, step and attempt)`)
    },
  })

/** Where a step's own log line comes from, and the label that says so (`checkout › pay`, `checkout › a > b › pay`). */
export interface StepPlace {
  journey: string
  path: string
  step: string
  label: string
}

/**
 * A logger that can show a step's own lines (what its action writes through `log`) apart from the tool's
 * messages: `forStep` gives the logger for one step. The CLI's prints `  [checkout › pay] message`.
 */
export interface StepAwareLogger extends Logger {
  forStep?(place: StepPlace): Logger
}

/** The run's logger for one step's lines: its own `forStep`, else every message prefixed with `[label]`. */
function stepSink(outer: StepAwareLogger, where: Omit<StepPlace, 'label'>): Logger {
  const place: StepPlace = { ...where, label: `${where.journey} › ${where.path === 'main' ? '' : `${where.path} › `}${where.step}` }
  if (outer.forStep) return outer.forStep(place)
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, data?: unknown) => outer[level](`[${place.label}] ${message}`, data)
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/**
 * A step's logger: each line kept in the step's result and passed on. Its data is masked by key first,
 * the run's own `redactKeys` included: once made text, only the built-in secret names can be found in it.
 */
function stepLogger(into: NonNullable<StepResult['logs']>, outer?: Logger, redactKeys?: string[]): Logger {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (given: string, raw?: unknown) => {
    // A journey in JavaScript may log an object (`log.info(res.json())`) where a message goes: kept as it
    // was, its secret fields reached the results unmasked. It is data, masked by key, then text.
    const message = typeof given === 'string' ? given : String(safeJson(maskLogData(given, redactKeys)) ?? given)
    // An Error is passed on as it is: the loggers print its message (masked as text) and stack.
    const data = raw === undefined || raw instanceof Error ? raw : maskLogData(raw, redactKeys)
    into.push({ level, message: data === undefined ? message : `${message} ${safeJson(data)}` })
    outer?.[level](message, data)
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/**
 * What a step logged, masked by key. An object is kept as its JSON shows it (a Date its ISO text, a URL
 * its href, an Error its name, message and own fields): masked as it was given, a Date or a URL would have
 * become `{}`, since key masking copies an object's own fields and those have none. Anything JSON cannot
 * take (a cycle, a BigInt) is masked as given; anything else (a string, a number) as before.
 */
function maskLogData(raw: unknown, redactKeys?: string[]): unknown {
  const options = redactKeys?.length ? { extraKeys: redactKeys } : undefined
  if (!raw || typeof raw !== 'object') return redactValue(raw, options)
  try {
    const text = JSON.stringify(raw, (_key, v) => (v instanceof Error ? { ...v, name: v.name, message: v.message } : v))
    return redactValue(text === undefined ? raw : JSON.parse(text), options)
  } catch {
    return redactValue(raw, options)
  }
}

function safeJson(v: unknown): string | undefined {
  try {
    return JSON.stringify(v)
  } catch {
    return String(v)
  }
}
