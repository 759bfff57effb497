import { setMaxListeners } from 'node:events'
import {
  AbortedError,
  type ActionArgs,
  type BranchNode,
  type BranchResult,
  type CheckpointResult,
  type ErrorInfo,
  type ErrorKind,
  type HttpExchange,
  type Issue,
  type Journey,
  type JourneyNode,
  type JourneyResult,
  type Logger,
  type NodeResult,
  type PathNode,
  type PathResult,
  type Ports,
  type Severity,
  StateError,
  type StepNode,
  type StepResult,
  TimeoutError,
  countNodes,
  errorKindOf,
  errorMessage,
  makeIssue,
  redactText,
} from '@venomqa/core'
import { StallError, StrayError, faults } from './faults'
import type { HookBus } from './hooks'
import { type UndiciHttpClient, isHttpResponseLike, sleep } from './http-client'
import type { World } from './world'

export interface ExecutorSettings {
  parallelPaths?: number
  stepTimeout?: number
  journeyTimeout?: number
  retries?: number
  failFast?: boolean
  debug?: boolean
}

/** Where steps run: a World, the HTTP client bound to its app, and its ports. Lane 0 is the main line. */
export interface Lane {
  index: number
  world: World
  http: UndiciHttpClient
  ports: Ports
}

/** A worker's lane for a parallel branch. `sync` puts its system at the main lane's checkpoint state. */
export interface WorkerLane extends Lane {
  sync(checkpoint: string, main: Lane): Promise<void>
}

export interface JourneyEnv {
  journey: Journey
  file?: string
  world: World
  http: UndiciHttpClient
  ports: Ports
  /** Extra lanes for parallel paths (at most `count`); absent when paths run one at a time. */
  workerLanes?: (count: number) => Promise<WorkerLane[]>
  bus: HookBus
  settings: ExecutorSettings
  /** The run's interrupt. */
  runSignal?: AbortSignal
  logger?: Logger
}

type Outcome = { passed: true } | { passed: false; kind: ErrorKind; message: string; stack?: string; timedOut?: boolean }

/** Runs one journey with the semantics of DESIGN.md §3. Never throws: a crash is a failed journey with a critical issue. */
export async function executeJourney(env: JourneyEnv): Promise<JourneyResult> {
  return new JourneyExecution(env).run()
}

class JourneyExecution {
  readonly env: JourneyEnv
  readonly issues: Issue[] = []
  readonly ac = new AbortController()
  /** Set when nothing more may run: journey timeout, interrupt, or state that can no longer be trusted. */
  halted: ErrorInfo | undefined
  interrupted = false

  readonly main: Lane

  constructor(env: JourneyEnv) {
    // Every request in flight listens to this signal; parallel paths can have many at once.
    setMaxListeners(1000, this.ac.signal)
    this.env = env
    this.main = { index: 0, world: env.world, http: env.http, ports: env.ports }
  }

  get name(): string {
    return this.env.journey.name
  }

  readonly onHookIssue = (issue: Issue): void => {
    this.issues.push(issue)
  }

  /** `issue` hooks still running; awaited before the journey's result is made, so their issues are in it. */
  readonly #issueHooks: Promise<void>[] = []

  addIssue(fields: { path: string; step: string; severity: Severity; kind: ErrorKind; error: string; source: string; request?: Issue['request']; response?: Issue['response'] }): void {
    const issue = makeIssue({ journey: this.name, ...fields })
    this.issues.push(issue)
    if (this.env.bus.has('issue')) this.#issueHooks.push(this.env.bus.emit('issue', { issue }, this.onHookIssue, { journey: this.name, path: fields.path, step: fields.step }))
  }

  /** A stray error from code a step started, arriving after that step ended: the journey fails, naming the step. */
  lateFault(pathName: string, step: string, error: unknown): void {
    this.addIssue({
      path: pathName,
      step,
      severity: 'critical',
      kind: 'stray-error',
      error: `code started by step "${step}" failed after the step had ended: ${errorMessage(error)}`,
      source: 'step',
    })
  }

  halt(kind: ErrorKind, message: string): void {
    if (!this.halted) this.halted = { kind, message }
    if (!this.ac.signal.aborted) this.ac.abort(kind === 'aborted' ? new AbortedError(message) : new TimeoutError(`journey "${this.name}"`, this.timeoutMs ?? 0))
  }

  get timeoutMs(): number | undefined {
    return this.env.journey.timeout ?? this.env.settings.journeyTimeout
  }

  async run(): Promise<JourneyResult> {
    const { journey, bus, world } = this.env
    const startedAt = new Date().toISOString()
    const t0 = performance.now()
    const info = { name: journey.name, tags: journey.tags, description: journey.description, file: this.env.file }
    let nodes: NodeResult[] = []
    let timer: NodeJS.Timeout | undefined
    const onRunAbort = () => {
      this.interrupted = true
      this.halt('aborted', 'run interrupted')
    }
    try {
      if (this.env.runSignal?.aborted) onRunAbort()
      this.env.runSignal?.addEventListener('abort', onRunAbort, { once: true })
      const timeout = this.timeoutMs
      if (timeout) {
        timer = setTimeout(() => {
          this.halted ??= { kind: 'timeout', message: `journey "${journey.name}" timed out after ${timeout} ms` }
          this.ac.abort(new TimeoutError(`journey "${journey.name}"`, timeout))
        }, timeout)
      }
      await bus.emit('journeyStart', { journey: info, ctx: world.ctx }, this.onHookIssue, { journey: this.name })
      nodes = await this.runLine(journey.steps, 'main', this.main)
    } catch (err) {
      // Only a bug in the runner or a backend gets here: the journey fails, loudly.
      this.addIssue({ path: 'main', step: 'journey', severity: 'critical', kind: 'crash', error: `runner crashed: ${errorMessage(err)}`, source: 'runner' })
      if (this.env.settings.debug && err instanceof Error && err.stack) this.env.logger?.error(err.stack)
    } finally {
      clearTimeout(timer)
      this.env.runSignal?.removeEventListener('abort', onRunAbort)
      await this.closeCheckpoints()
    }
    while (this.#issueHooks.length) await this.#issueHooks.shift()
    if (this.halted?.kind === 'timeout')
      this.addIssue({ path: 'main', step: 'journey', severity: 'high', kind: 'timeout', error: this.halted.message, source: 'runner' })
    const counts = countNodes(nodes)
    const anyFailed = counts.steps.failed > 0 || counts.paths.failed > 0 || nodes.some((n) => n.status === 'failed')
    const critical = this.issues.some((i) => i.severity === 'critical')
    const result: JourneyResult = {
      name: journey.name,
      ...(journey.description ? { description: journey.description } : {}),
      tags: [...journey.tags],
      ...(this.env.file ? { file: this.env.file } : {}),
      baseUrl: this.env.http.baseUrl,
      status: anyFailed || critical || this.halted ? 'failed' : 'passed',
      startedAt,
      durationMs: performance.now() - t0,
      nodes,
      issues: this.issues,
      counts,
      ...(this.interrupted ? { interrupted: true } : {}),
    }
    await bus.emit('journeyEnd', { journey: info, result }, this.onHookIssue, { journey: this.name })
    return result
  }

  /** On interrupt, put the system back to the oldest open checkpoint; then release every checkpoint. */
  async closeCheckpoints(): Promise<void> {
    const { world, bus } = this.env
    const open = world.open
    if (this.interrupted && open.length && !(this.halted?.kind === 'state')) {
      const t0 = performance.now()
      try {
        const backends = await guardState(`rollback to checkpoint "${open[0]}"`, () => world.rollback(open[0]!))
        await bus.emit('rollback', { journey: this.name, path: 'main', checkpoint: open[0]!, durationMs: performance.now() - t0, backends, reason: 'interrupt' }, this.onHookIssue, { journey: this.name })
      } catch (err) {
        this.addIssue({ path: 'main', step: `rollback ${open[0]}`, severity: 'critical', kind: 'state', error: errorMessage(err), source: 'state' })
      }
    }
    const released = await guardState('releasing checkpoints', () => world.releaseAll()).catch((err: unknown) => [errorMessage(err)])
    for (const e of released)
      this.addIssue({ path: 'main', step: 'release', severity: 'medium', kind: 'state', error: e, source: 'state' })
  }

  async runLine(nodes: readonly JourneyNode[], pathName: string, lane: Lane): Promise<NodeResult[]> {
    const out: NodeResult[] = []
    let stoppedByFailFast = false
    for (const node of nodes) {
      if (this.halted || stoppedByFailFast) {
        out.push(skipped(node))
        continue
      }
      if (node.kind === 'step') {
        const r = await this.runStep(node, pathName, lane)
        out.push(r)
        if (r.status === 'failed' && this.env.settings.failFast) stoppedByFailFast = true
      } else if (node.kind === 'checkpoint') {
        out.push(await this.runCheckpoint(node.name, pathName, lane))
      } else {
        const r = await this.runBranch(node, pathName, lane)
        out.push(r)
        if (r.status === 'failed' && this.env.settings.failFast) stoppedByFailFast = true
      }
    }
    return out
  }

  async runCheckpoint(name: string, pathName: string, lane: Lane): Promise<CheckpointResult> {
    const t0 = performance.now()
    try {
      const backends = await guardState(`checkpoint "${name}"`, () => lane.world.checkpoint(name))
      const durationMs = performance.now() - t0
      await this.env.bus.emit('checkpoint', { journey: this.name, path: pathName, name, durationMs, backends }, this.onHookIssue, { journey: this.name, path: pathName })
      return { kind: 'checkpoint', name, status: 'passed', durationMs, backends }
    } catch (err) {
      const message = errorMessage(err)
      this.addIssue({ path: pathName, step: `checkpoint ${name}`, severity: 'critical', kind: 'state', error: message, source: 'state' })
      this.halted = { kind: 'state', message }
      return { kind: 'checkpoint', name, status: 'failed', durationMs: performance.now() - t0, backends: [], error: { kind: 'state', message } }
    }
  }

  /** Restore the World to the checkpoint; on failure the journey halts: no path runs on unknown state. */
  async restore(checkpoint: string, pathName: string, reason: 'before-path' | 'after-branch', lane: Lane): Promise<NonNullable<PathResult['rollback']> | ErrorInfo> {
    const t0 = performance.now()
    try {
      const backends = await guardState(`rollback to checkpoint "${checkpoint}"`, () => lane.world.rollback(checkpoint))
      const durationMs = performance.now() - t0
      await this.env.bus.emit('rollback', { journey: this.name, path: pathName, checkpoint, durationMs, backends, reason }, this.onHookIssue, { journey: this.name, path: pathName })
      return { durationMs, backends }
    } catch (err) {
      const message = `${lane.index ? `worker ${lane.index}: ` : ''}rollback to checkpoint "${checkpoint}" failed, so the branch stops here rather than run on unknown state: ${errorMessage(err)}`
      this.addIssue({ path: pathName, step: `rollback ${checkpoint}`, severity: 'critical', kind: 'state', error: message, source: err instanceof StateError ? `state:${err.backend}` : 'state' })
      this.halted = { kind: 'state', message }
      return { kind: 'state', message }
    }
  }

  async runBranch(node: BranchNode, pathName: string, lane: Lane): Promise<BranchResult> {
    const { bus } = this.env
    const t0 = performance.now()
    const where = { journey: this.name, path: pathName }
    await bus.emit('branchStart', { journey: this.name, path: pathName, checkpoint: node.checkpoint, paths: node.paths.map((p) => p.name) }, this.onHookIssue, where)
    const parallel = Math.min(this.env.settings.parallelPaths ?? 1, node.paths.length)
    // Parallel paths only from the main line: a path already running on a worker keeps its branches there.
    const paths =
      parallel > 1 && lane.index === 0 && this.env.workerLanes
        ? await this.runPathsInParallel(node, pathName, parallel)
        : await this.runPathsInOrder(node, pathName, lane)
    let error = paths.find((p) => p.error?.kind === 'state')?.error
    let finalRollback: BranchResult['finalRollback'] = null
    if (!this.halted) {
      const restored = await this.restore(node.checkpoint, pathName, 'after-branch', lane)
      if ('kind' in restored) error = restored
      else finalRollback = restored
    }
    const result: BranchResult = {
      kind: 'branch',
      checkpoint: node.checkpoint,
      status: error || paths.some((p) => p.status === 'failed') ? 'failed' : paths.every((p) => p.status === 'skipped') ? 'skipped' : 'passed',
      durationMs: performance.now() - t0,
      paths,
      finalRollback,
      ...(error ? { error } : {}),
    }
    await bus.emit('branchEnd', { journey: this.name, path: pathName, result }, this.onHookIssue, where)
    return result
  }

  async runPathsInOrder(node: BranchNode, pathName: string, lane: Lane): Promise<PathResult[]> {
    const out: PathResult[] = []
    for (const p of node.paths) out.push(await this.runPath(node, p, pathName, lane))
    return out
  }

  /**
   * Each worker lane is first made equal to the main lane at the checkpoint (its own app and database),
   * then lanes take paths from one queue; each path starts with a rollback on its own lane. Results keep
   * the definition order whatever the completion order.
   */
  async runPathsInParallel(node: BranchNode, pathName: string, parallel: number): Promise<PathResult[]> {
    const main = this.main
    const restored = await this.restore(node.checkpoint, pathName, 'before-path', main)
    if ('kind' in restored) return node.paths.map((p) => ({ ...skippedPath(p.name, p.steps, p.description), status: 'failed' as const, error: restored }))
    let lanes: Lane[] = [main]
    try {
      const workers = await this.env.workerLanes!(parallel - 1)
      await Promise.all(workers.map((w) => w.sync(node.checkpoint, main)))
      lanes = [main, ...workers]
    } catch (err) {
      const message = `could not prepare workers for the parallel paths of checkpoint "${node.checkpoint}", so the branch stops rather than run on unknown state: ${errorMessage(err)}`
      this.addIssue({ path: pathName, step: `branch ${node.checkpoint}`, severity: 'critical', kind: 'state', error: message, source: 'workers' })
      this.halted = { kind: 'state', message }
      return node.paths.map((p) => ({ ...skippedPath(p.name, p.steps, p.description), status: 'failed' as const, error: { kind: 'state' as const, message } }))
    }
    const results: PathResult[] = new Array(node.paths.length)
    let next = 0
    await Promise.all(
      lanes.map(async (lane) => {
        while (next < node.paths.length) {
          const i = next++
          results[i] = await this.runPath(node, node.paths[i]!, pathName, lane)
        }
      }),
    )
    // The workers' checkpoints end with the branch; their next sync starts afresh.
    for (const lane of lanes.slice(1))
      for (const e of await lane.world.releaseAll()) this.addIssue({ path: pathName, step: 'release', severity: 'medium', kind: 'state', error: `worker ${lane.index}: ${e}`, source: 'state' })
    return results
  }

  async runPath(node: BranchNode, p: PathNode, pathName: string, lane: Lane): Promise<PathResult> {
    const { bus } = this.env
    const childName = pathName === 'main' ? p.name : `${pathName} > ${p.name}`
    if (this.halted) return skippedPath(p.name, p.steps, p.description)
    const pt0 = performance.now()
    const restored = await this.restore(node.checkpoint, childName, 'before-path', lane)
    if ('kind' in restored) return { ...skippedPath(p.name, p.steps, p.description), status: 'failed', error: restored }
    await bus.emit('pathStart', { journey: this.name, checkpoint: node.checkpoint, path: childName }, this.onHookIssue, { journey: this.name, path: childName })
    const nodes = await this.runLine(p.steps, childName, lane)
    const failed = nodes.some((n) => n.status === 'failed')
    const result: PathResult = {
      kind: 'path',
      name: p.name,
      ...(p.description ? { description: p.description } : {}),
      status: failed || (this.halted && nodes.some((n) => n.status === 'skipped')) ? 'failed' : 'passed',
      durationMs: performance.now() - pt0,
      rollback: restored,
      nodes,
      ...(lane.index ? { worker: lane.index } : {}),
    }
    await bus.emit('pathEnd', { journey: this.name, checkpoint: node.checkpoint, path: childName, result }, this.onHookIssue, { journey: this.name, path: childName })
    return result
  }

  async runStep(node: StepNode, pathName: string, lane: Lane): Promise<StepResult> {
    const { bus, settings } = this.env
    const { world } = lane
    const timeout = node.options.timeout ?? settings.stepTimeout
    const maxAttempts = 1 + (node.options.retries ?? settings.retries ?? 0)
    const startedAt = new Date().toISOString()
    const t0 = performance.now()
    const where = { journey: this.name, path: pathName, step: node.name }
    const label = `step "${node.name}" of journey "${this.name}"${pathName === 'main' ? '' : `, path "${pathName}"`}`
    const exchanges: HttpExchange[] = []
    const logs: NonNullable<StepResult['logs']> = []
    let outcome: Outcome = { passed: false, kind: 'crash', message: 'step did not run' }
    let lastResponse: HttpExchange | undefined
    let attempt = 0
    while (attempt < maxAttempts) {
      attempt++
      if (bus.has('stepStart')) await bus.emit('stepStart', { journey: this.name, path: pathName, step: node.name, attempt, ctx: world.ctx }, this.onHookIssue, where)
      const journeySignal = this.ac.signal
      // A step without its own timeout shares the journey's signal: one AbortController less per step.
      let stepSignal = journeySignal
      let timer: NodeJS.Timeout | undefined
      let unlink: (() => void) | undefined
      if (timeout) {
        const stepAc = new AbortController()
        const onJourneyAbort = () => stepAc.abort(journeySignal.reason)
        if (journeySignal.aborted) onJourneyAbort()
        else journeySignal.addEventListener('abort', onJourneyAbort, { once: true })
        unlink = () => journeySignal.removeEventListener('abort', onJourneyAbort)
        timer = setTimeout(() => stepAc.abort(new TimeoutError(`step "${node.name}"`, timeout)), timeout)
        stepSignal = stepAc.signal
      }
      // Steps that share the journey's signal share one bound client; the step's exchanges are what the
      // history gained while it ran.
      const http = stepSignal === journeySignal ? (boundClients.get(lane) ?? bindClient(lane, journeySignal)) : lane.http.bind(stepSignal)
      const historyBefore = lane.http.history.length
      let value: unknown
      let thrown: unknown
      let threw = false
      try {
        const args = new StepArgs(http, world.ctx, lane.ports, stepSignal, logs, this.env.logger, this.name, pathName, node.name, attempt)
        value = await raceAbort(
          faults.guard(label, () => node.action(args), { onLate: (error) => this.lateFault(pathName, node.name, error) }),
          stepSignal,
        )
      } catch (err) {
        threw = true
        thrown = err
      } finally {
        clearTimeout(timer)
        unlink?.()
      }
      const attemptExchanges = lane.http.history.slice(historyBefore)
      exchanges.push(...attemptExchanges)
      outcome = judge(node, threw, thrown, value, stepSignal, settings.debug)
      lastResponse = isHttpResponseLike(value) && (value as { exchange?: HttpExchange }).exchange ? (value as { exchange: HttpExchange }).exchange : attemptExchanges[attemptExchanges.length - 1]
      // Code that escaped the step, or a step that can never finish: no retry, the state is suspect.
      if (outcome.passed || attempt >= maxAttempts || this.halted || outcome.kind === 'stray-error' || outcome.kind === 'stall') break
      await bus.emit('stepRetry', { journey: this.name, path: pathName, step: node.name, attempt, error: outcome.message }, this.onHookIssue, where)
      try {
        await sleep(node.options.retryDelay ?? 0, this.ac.signal)
      } catch {
        break
      }
    }
    const result: StepResult = {
      kind: 'step',
      name: node.name,
      status: outcome.passed ? 'passed' : 'failed',
      expectFailure: !!node.options.expectFailure,
      attempts: attempt,
      startedAt,
      durationMs: performance.now() - t0,
      ...(!outcome.passed && outcome.timedOut ? { timedOut: true } : {}),
      ...(!outcome.passed ? { error: { kind: outcome.kind, message: outcome.message, ...(outcome.stack ? { stack: outcome.stack } : {}) } } : {}),
      ...(exchanges.length > 1 ? { exchanges } : {}),
      ...(logs.length ? { logs } : {}),
    }
    if (lastResponse) {
      // Read through to the exchange, so its redacted form is only worked out if someone looks.
      const ex = lastResponse
      Object.defineProperty(result, 'request', { enumerable: true, configurable: true, get: () => ex.request })
      if ('response' in ex) Object.defineProperty(result, 'response', { enumerable: true, configurable: true, get: () => ex.response })
    }
    if (!outcome.passed && outcome.kind !== 'aborted')
      this.addIssue({
        path: pathName,
        step: node.name,
        severity: outcome.kind === 'stray-error' || outcome.kind === 'stall' ? 'critical' : 'high',
        kind: outcome.kind,
        error: attempt > 1 ? `${outcome.message} (after ${attempt} attempts)` : outcome.message,
        source: 'step',
        request: result.request,
        response: result.response,
      })
    if (bus.has('stepEnd')) await bus.emit('stepEnd', { journey: this.name, path: pathName, step: node.name, result, ctx: world.ctx }, this.onHookIssue, where)
    return result
  }
}

/** A state backend's work runs guarded: a backend promise that can never settle fails the branch instead of ending the process. */
function guardState<T>(label: string, fn: () => Promise<T>): Promise<T> {
  return faults.guard(label, fn)
}

/** Settle with the action, or reject at the abort: the runner moves on at the deadline, not when the action returns. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {})
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}

function judge(node: StepNode, threw: boolean, thrown: unknown, value: unknown, signal: AbortSignal, debug?: boolean): Outcome {
  const expectFailure = !!node.options.expectFailure
  if (threw) {
    // A deadline or an interrupt is never the failure a step expected.
    if (signal.aborted && (thrown === signal.reason || thrown instanceof TimeoutError || thrown instanceof AbortedError)) {
      const reason = signal.reason
      if (reason instanceof AbortedError) return { passed: false, kind: 'aborted', message: 'interrupted before the step finished' }
      return { passed: false, kind: 'timeout', message: errorMessage(reason), timedOut: true }
    }
    // Escaped or never-settling code is a fault of the test, never the failure a step expected.
    // Messages and stacks are redacted here already, so a result is safe before any reporter sees it.
    if (thrown instanceof StrayError)
      return { passed: false, kind: 'stray-error', message: redactText(errorMessage(thrown)), ...(debug && thrown.error instanceof Error && thrown.error.stack ? { stack: redactText(thrown.error.stack) } : {}) }
    if (thrown instanceof StallError)
      return { passed: false, kind: 'stall', message: `${errorMessage(thrown)}; give the step a timeout (step option or --timeout) so a hang fails at the deadline` }
    if (expectFailure) return { passed: true }
    return { passed: false, kind: errorKindOf(thrown), message: redactText(errorMessage(thrown)), ...(debug && thrown instanceof Error && thrown.stack ? { stack: redactText(thrown.stack) } : {}) }
  }
  if (isHttpResponseLike(value)) {
    const { status } = value
    const r = value as { method?: string; url?: string }
    if (status >= 400) {
      if (expectFailure) return { passed: true }
      return { passed: false, kind: 'http-status', message: `HTTP ${status}${r.method ? ` from ${r.method} ${r.url}` : ''}` }
    }
    if (expectFailure) return { passed: false, kind: 'expected-failure-missing', message: `expected a failure, but the API answered HTTP ${status}${r.method ? ` to ${r.method} ${r.url}` : ''}` }
    return { passed: true }
  }
  if (expectFailure) return { passed: false, kind: 'expected-failure-missing', message: 'expected a failure, but the action returned normally' }
  return { passed: true }
}

/** The bound client a lane's steps share while the journey's signal is theirs. */
const boundClients = new WeakMap<Lane, UndiciHttpClient>()
function bindClient(lane: Lane, signal: AbortSignal): UndiciHttpClient {
  const bound = lane.http.bind(signal)
  boundClients.set(lane, bound)
  return bound
}

/** An action's argument. The logger is made only if the action reads `log`. */
class StepArgs implements ActionArgs {
  #log?: Logger
  constructor(
    readonly http: ActionArgs['http'],
    readonly ctx: ActionArgs['ctx'],
    readonly ports: Ports,
    readonly signal: AbortSignal,
    private readonly logs: NonNullable<StepResult['logs']>,
    private readonly outer: Logger | undefined,
    readonly journey: string,
    readonly path: string,
    readonly step: string,
    readonly attempt: number,
  ) {}
  get log(): Logger {
    return (this.#log ??= stepLogger(this.logs, this.outer))
  }
}

function stepLogger(into: NonNullable<StepResult['logs']>, outer?: Logger): Logger {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, data?: unknown) => {
    into.push({ level, message: data === undefined ? message : `${message} ${safeJson(data)}` })
    outer?.[level](message, data)
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v)
  } catch {
    return String(v)
  }
}

function skipped(node: JourneyNode): NodeResult {
  if (node.kind === 'step')
    return { kind: 'step', name: node.name, status: 'skipped', expectFailure: !!node.options.expectFailure, attempts: 0, startedAt: new Date().toISOString(), durationMs: 0 }
  if (node.kind === 'checkpoint') return { kind: 'checkpoint', name: node.name, status: 'skipped', durationMs: 0, backends: [] }
  return { kind: 'branch', checkpoint: node.checkpoint, status: 'skipped', durationMs: 0, paths: node.paths.map((p) => skippedPath(p.name, p.steps, p.description)), finalRollback: null }
}

function skippedPath(name: string, steps: readonly JourneyNode[], description?: string): PathResult {
  return { kind: 'path', name, ...(description ? { description } : {}), status: 'skipped', durationMs: 0, rollback: null, nodes: steps.map(skipped) }
}
