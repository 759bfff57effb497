import { setMaxListeners } from 'node:events'
import {
  AbortedError,
  type BranchNode,
  type BranchResult,
  type CheckpointResult,
  type ErrorInfo,
  type Issue,
  type Journey,
  type JourneyNode,
  type JourneyResult,
  type Logger,
  type NodeResult,
  type PathNode,
  type PathResult,
  type Ports,
  type StateBackend,
  StateError,
  type StepNode,
  type StepResult,
  TimeoutError,
  countNodes,
  errorMessage,
  makeIssue,
  suggestionForError,
} from '@venomqa/core'
import { faults } from '../faults'
import type { HookBus } from '../hooks'
import type { RunnerHttpClient } from '../http-client'
import type { AppWatch } from '../worker-app'
import type { ReleaseProblem, World } from '../world'
import type { EarlierFailure } from './earlier-failure'
import { JourneyEvents } from './events'
import { failFastAfterOf } from './fail-fast'
import { type Lane, type WorkerLane, runOnLanes } from './lanes'
import type { PutBackProgress } from '../types'
import type { Restorer, SettleAttempt } from './retries'
import { skipped, skippedPath } from './skipped'
import { type IssueFields, type StepEnv, runStep } from './step'
import { checkpointStep, restoreStep, rollbackStep } from './checkpoint-issue'
import type { AttemptResult } from './step-attempt'
import type { BaseUrlReachability, UnreachableBaseUrl } from './unreachable'

export interface ExecutorSettings {
  parallelPaths?: number
  stepTimeout?: number
  journeyTimeout?: number
  retries?: number
  failFast?: boolean
  debug?: boolean
  /** The run's own secret keys (`redactKeys`): masked in what a step logs, as in its exchanges. */
  redactKeys?: string[]
}

export interface JourneyEnv {
  journey: Journey
  file?: string
  world: World
  http: RunnerHttpClient
  ports: Ports
  /** Extra lanes for parallel paths (at most `count`); absent when paths run one at a time. */
  workerLanes?: (count: number) => Promise<WorkerLane[]>
  bus: HookBus
  settings: ExecutorSettings
  /** The run's interrupt. */
  runSignal?: AbortSignal
  /** The worker running this journey, when journeys run in parallel. */
  worker?: number
  /** That worker's app, watched: when it ends on its own, the journey stops, saying so. */
  app?: AppWatch
  logger?: Logger
  /** Which repetition (`--repeat-each`) and which attempt (journey retries) this run of the journey is. */
  run?: { repeatEachIndex?: number; attempt?: number; maxAttempts?: number }
  /** Makes the result `journeyEnd` reports and `executeJourney` returns from this attempt's own (retries). */
  settle?: SettleAttempt
  /**
   * The journey is restored (`restore`): this attempt, when it is the last, puts the system back to where
   * it stood before the journey, before its `journeyEnd`. Any other attempt is followed by a retry's rollback
   * to that same state.
   */
  restorer?: Restorer
  /** Told as the journey is put back when it stopped or is restored (see PutBackProgress). */
  putBack?: (progress: PutBackProgress) => void
  /** The run's base URLs that nothing listens at: a step refused there stops the journey (see BaseUrlReachability). */
  reachability?: BaseUrlReachability
}


/** Not the state backends' suggestion: what failed is making the workers, before any state was touched. */
const WORKERS_SUGGESTION =
  "The workers for the branch's parallel paths could not be made as the worker setup says, so the branch stopped rather than run its paths at once on one system: read the error, and see docs/parallel.md."

/**
 * Why nothing more of a journey may run. `interrupt`: the run was interrupted (Ctrl-C, fail-fast in
 * another worker); `timeout`: the journey's deadline; `state`: a checkpoint or rollback of the run's own
 * system failed, so its state is unknown; `workers`: a worker could not be made, or its checkpoint or
 * rollback failed (the run's own system is still known); `unreachable`: nothing listens at the journey's
 * base URL (see BaseUrlReachability), so every step after would be refused too.
 */
export interface StopReason {
  kind: 'interrupt' | 'timeout' | 'state' | 'workers' | 'unreachable'
  message: string
  /** For `unreachable`: what the run found, and whether a step of this journey found it (else another journey did). */
  unreachable?: { found: UnreachableBaseUrl; here: boolean }
}

/** Runs one journey with the semantics of DESIGN.md §3. Never throws: a crash is a failed journey with a critical issue. */
export async function executeJourney(env: JourneyEnv): Promise<JourneyResult> {
  return new JourneyExecution(env).run()
}

/** Walks a journey's line, checkpoints, branches and paths, on the main lane and on worker lanes. */
class JourneyExecution {
  readonly env: JourneyEnv
  readonly issues: Issue[] = []
  readonly events: JourneyEvents
  readonly main: Lane
  /** Aborted by the one stop rule; every step's signal and request hangs off it. */
  readonly #ac = new AbortController()
  /** `issue` hooks still running; awaited before the journey's result is made, so their issues are in it. */
  readonly #issueHooks: Promise<void>[] = []
  /** The first reason the journey stopped, if it did. */
  stopped: StopReason | undefined
  /** The run was interrupted while this journey ran (even if something else stopped it first). */
  interrupted = false
  /**
   * A branch's paths are running on the workers. A branch inside one of those paths runs its own paths
   * one after another on its path's lane: the workers are taken, and one worker running two paths at
   * once would have each undo the other's state.
   */
  #workersBusy = false
  /**
   * Paths that ran to their end so far. Until one has, no step can have met state another path left
   * (see SuggestionPlace): a 409 before then is not state leaking between paths.
   */
  #pathsRun = 0
  /** What failed on a branch's line before its checkpoint, by branch: where each of its paths' lines starts (see runLine). */
  readonly #failedAtCheckpoint = new WeakMap<BranchNode, readonly EarlierFailure[]>()
  /**
   * A checkpoint or rollback of the run's own system failed, whatever stopped the journey first (a
   * timeout, a worker): its state is unknown, and the journey's end must not roll it back again.
   */
  #mainStateUnknown = false

  constructor(env: JourneyEnv) {
    // Every request in flight listens to this signal; parallel paths can have many at once.
    setMaxListeners(1000, this.#ac.signal)
    this.env = env
    this.events = new JourneyEvents(env.bus, env.journey.name, (issue) => this.issues.push(issue), env.worker)
    this.main = { index: 0, world: env.world, http: env.http, ports: env.ports, ...(env.app ? { app: env.app } : {}) }
  }

  get name(): string {
    return this.env.journey.name
  }

  get signal(): AbortSignal {
    return this.#ac.signal
  }

  get timeoutMs(): number | undefined {
    return this.env.journey.timeout ?? this.env.settings.journeyTimeout
  }

  /**
   * The one stop rule: the first reason wins and is what the result reports; every step still running
   * is aborted through the journey's signal; nothing more starts. An interrupt is remembered whatever
   * stopped the journey first, since it decides the rollback on the way out.
   */
  stop(reason: StopReason): void {
    if (reason.kind === 'interrupt') this.interrupted = true
    if (this.stopped) return
    this.stopped = reason
    this.#ac.abort(reason.kind === 'timeout' ? new TimeoutError(`journey "${this.name}"`, this.timeoutMs ?? 0) : new AbortedError(reason.message))
  }

  /**
   * While `lane` runs this journey's steps, its worker's app ending on its own stops the journey: one
   * critical issue says how it ended (exit code or signal, its last stderr and stdout lines), rather than each step
   * after it failing on a refused connection and blaming the base URL. Returns the unsubscribe.
   */
  watchApp(lane: Lane, path: string, step: string): () => void {
    const app = lane.app
    if (!app) return () => {}
    return app.onGone(() => {
      if (this.stopped) return
      const message = `${app.gone()} while the journey ran: the journey stopped there${app.consequence()}${app.lastLines()}`
      this.addIssue({ path, step, severity: 'critical', kind: 'crash', error: message, source: app.worker === 0 ? 'app' : 'workers', suggestion: app.suggestion() })
      this.stop({ kind: 'workers', message })
    })
  }

  addIssue(fields: IssueFields): void {
    const issue = makeIssue({ journey: this.name, ...fields })
    this.issues.push(issue)
    if (this.events.has('issue')) {
      const pending = this.events.emit('issue', { issue }, { path: fields.path, step: fields.step })
      if (pending) this.#issueHooks.push(pending)
    }
  }

  async run(): Promise<JourneyResult> {
    const { journey, world } = this.env
    const startedAt = new Date().toISOString()
    const t0 = performance.now()
    const info = { name: journey.name, tags: journey.tags, description: journey.description, file: this.env.file, ...this.env.run }
    let nodes: NodeResult[] = []
    let timer: NodeJS.Timeout | undefined
    const onRunAbort = () => this.stop({ kind: 'interrupt', message: 'run interrupted' })
    let unwatch = () => {}
    try {
      if (this.env.runSignal?.aborted) onRunAbort()
      unwatch = this.watchApp(this.main, 'main', 'journey')
      this.env.runSignal?.addEventListener('abort', onRunAbort, { once: true })
      const timeout = this.timeoutMs
      if (timeout) timer = setTimeout(() => this.stop({ kind: 'timeout', message: `journey "${journey.name}" timed out after ${timeout} ms` }), timeout)
      await this.events.emit('journeyStart', { journey: info, ctx: world.ctx, ...(this.env.worker ? { worker: this.env.worker } : {}) })
      nodes = await this.runLine(journey.steps, 'main', this.main)
    } catch (err) {
      // Only a bug in the runner or a backend gets here: the journey fails, loudly.
      this.addIssue({ path: 'main', step: 'journey', severity: 'critical', kind: 'crash', error: `runner crashed: ${errorMessage(err)}`, source: 'runner' })
      if (this.env.settings.debug && err instanceof Error && err.stack) this.env.logger?.error(err.stack)
    } finally {
      clearTimeout(timer)
      this.env.runSignal?.removeEventListener('abort', onRunAbort)
      unwatch()
      await this.closeCheckpoints()
    }
    if (this.stopped?.unreachable) {
      const { found, here } = this.stopped.unreachable
      const { steps } = countNodes(nodes)
      this.addIssue(unreachableIssue(found, here ? 'here' : steps.passed + steps.failed ? 'stopped' : 'not run'))
    }
    while (this.#issueHooks.length) await this.#issueHooks.shift()
    if (this.stopped?.kind === 'timeout') this.addIssue({ path: 'main', step: 'journey', severity: 'high', kind: 'timeout', error: this.stopped.message, source: 'runner' })
    const counts = countNodes(nodes)
    const anyFailed = counts.steps.failed > 0 || counts.paths.failed > 0 || nodes.some((n) => n.status === 'failed')
    const critical = this.issues.some((i) => i.severity === 'critical')
    const repeatEachIndex = this.env.run?.repeatEachIndex
    const own: JourneyResult = {
      name: journey.name,
      ...(journey.description ? { description: journey.description } : {}),
      tags: [...journey.tags],
      ...(this.env.file ? { file: this.env.file } : {}),
      baseUrl: this.env.http.baseUrl,
      status: anyFailed || critical || this.stopped ? 'failed' : nothingRan(counts) ? 'skipped' : 'passed',
      startedAt,
      durationMs: performance.now() - t0,
      nodes,
      issues: this.issues,
      counts,
      ...(this.interrupted ? { interrupted: true, ...failFastAfterOf(this.env.runSignal) } : {}),
      ...(repeatEachIndex !== undefined ? { repeatEachIndex } : {}),
      // Set before journeyEnd fires: a live reporter places the journey's end by its worker.
      ...(this.env.worker ? { worker: this.env.worker } : {}),
    }
    // A retried journey's attempt is reported as what it makes of the journey so far (flaky, say).
    const { result, willRetry } = this.env.settle ? this.env.settle(own) : { result: own, willRetry: false }
    if (this.env.restorer && !willRetry) await this.restoreAfter(this.env.restorer, own, result)
    const issuesBeforeEnd = this.issues.length
    await this.events.emit('journeyEnd', { journey: info, result, ...(willRetry ? { willRetry } : {}) })
    failOnLateCritical(this.issues.slice(issuesBeforeEnd), own, result)
    return result
  }

  /**
   * The journey is over and restored (`restore`): put the system back to where it stood before it. Its
   * result (`own`, and `settled`, what journeyEnd is told) says how long that took, or fails with a
   * critical issue when the rollback failed: the system's state is then unknown.
   */
  async restoreAfter(restorer: Restorer, own: JourneyResult, settled: JourneyResult): Promise<void> {
    const t0 = performance.now()
    try {
      // Timed once the rollback is over: an object literal reads its fields in order, and `durationMs`
      // first was read before the await, always about 0 ms.
      const told = this.#putBack(restorer.checkpoint, 'restore')
      const rolledBack = await restorer.restore(told?.onBackend).catch((err: unknown) => {
        told?.failed()
        throw err
      })
      const restored = { durationMs: performance.now() - t0, ...rolledBack }
      own.restored = restored
      settled.restored = restored
      await this.events.emit('rollback', this.events.onWorker(this.main, { journey: this.name, path: 'main', checkpoint: restorer.checkpoint, reason: 'restore' as const, ...restored }), { path: 'main' })
    } catch (err) {
      const suggestion = suggestionForError(err)
      this.addIssue({
        path: 'main',
        step: restoreStep(),
        severity: 'critical',
        kind: 'state',
        error: `the state could not be put back to where the journey started (restore), so no later journey runs on it: ${errorMessage(err)}`,
        source: err instanceof StateError ? `state:${err.backend}` : 'state',
        ...(suggestion ? { suggestion } : {}),
      })
      // Both share the journey's issues (settleAttempts copies the result, not its lists).
      own.status = 'failed'
      settled.status = 'failed'
    }
    while (this.#issueHooks.length) await this.#issueHooks.shift()
  }

  /**
   * The journey is being put back to `checkpoint`: the run's watchers are told now, then after each backend
   * (`onBackend`, for the rollback to call), and if it failed (`failed`). Undefined when nobody watches.
   */
  #putBack(checkpoint: string, reason: PutBackProgress['reason']): { onBackend: (backend: StateBackend) => void; failed: () => void } | undefined {
    const tell = this.env.putBack
    if (!tell) return undefined
    const done: string[] = []
    const worker = this.env.worker ? { worker: this.env.worker } : {}
    const progress = (failed?: true) => tell({ journey: this.name, checkpoint, reason, done: [...done], ...(failed ? { failed } : {}), ...worker })
    progress()
    return {
      onBackend: (backend) => {
        done.push(backend.name)
        progress()
      },
      failed: () => progress(true),
    }
  }

  /**
   * When the journey was stopped (interrupted, out of time, or its workers failed), put the system back to
   * the oldest open checkpoint: a path cut short never had its branch's rollback, and its writes must not
   * outlive the journey. Not when the system's own checkpoint or rollback failed: its state is unknown,
   * and rolling back again could make it worse. Not when the journey is restored (`restore`): it is rolled
   * back further than that after it ends, to before it started (or before its retry), and one rollback does.
   * Then release every checkpoint.
   */
  async closeCheckpoints(): Promise<void> {
    const { world } = this.env
    const open = world.open
    const stop = this.stopped?.kind
    if (stop && stop !== 'state' && !this.#mainStateUnknown && open.length && !this.env.restorer) {
      const t0 = performance.now()
      const reason = stop === 'workers' || stop === 'unreachable' ? 'stopped' : stop
      const told = this.#putBack(open[0]!, reason)
      try {
        const timing = await guardState(`rollback to checkpoint "${open[0]}"`, () => world.rollback(open[0]!, told?.onBackend, reason))
        await this.events.emit('rollback', this.events.onWorker(this.main, { journey: this.name, path: 'main', checkpoint: open[0]!, durationMs: performance.now() - t0, reason, ...timing }), { path: 'main' })
      } catch (err) {
        told?.failed()
        const suggestion = suggestionForError(err)
        this.addIssue({ path: 'main', step: rollbackStep(open[0]!), severity: 'critical', kind: 'state', error: errorMessage(err), source: 'state', ...(suggestion ? { suggestion } : {}) })
      }
    }
    const problems = await guardState('releasing checkpoints', () => world.releaseAll()).catch((err: unknown): ReleaseProblem[] => [{ error: errorMessage(err), severity: 'medium' }])
    for (const p of problems) this.addIssue({ path: 'main', step: 'release', severity: p.severity, kind: 'state', error: p.error, source: 'state' })
  }

  /**
   * A line of nodes. After a failure under failFast (the run's or the journey's own), the rest of this line
   * is skipped (not the journey).
   */
  async runLine(nodes: readonly JourneyNode[], pathName: string, lane: Lane, failedBefore: readonly EarlierFailure[] = []): Promise<NodeResult[]> {
    const out: NodeResult[] = []
    const failFast = this.env.settings.failFast || this.env.journey.failFast === true
    let failedFast = false
    // The steps of this line that failed, after those of the line its checkpoint came from: a step that
    // misses a context key is told which of them may have left it unset (see afterEarlierFailure).
    const failed = [...failedBefore]
    const atCheckpoint = new Map<string, readonly EarlierFailure[]>()
    // What every step of this line runs in: made once for the line, not again for each of its steps.
    let stepEnv: StepEnv | undefined
    for (const node of nodes) {
      if (!this.stopped && !failedFast) this.#stopIfKnownUnreachable(lane)
      if (this.stopped || failedFast) {
        out.push(skipped(node))
        continue
      }
      // A path starts from its checkpoint's context: what failed after the checkpoint is undone for it.
      if (node.kind === 'checkpoint') atCheckpoint.set(node.name, [...failed])
      if (node.kind === 'branch') this.#failedAtCheckpoint.set(node, atCheckpoint.get(node.checkpoint) ?? failed)
      const result = await this.runNode(node, pathName, lane, () => (stepEnv ??= this.stepEnv(pathName, lane, () => failed)))
      out.push(result)
      if (result.status === 'failed' && node.kind === 'step') failed.push({ step: node.name, path: pathName })
      if (result.status === 'failed' && node.kind !== 'checkpoint' && failFast) failedFast = true
    }
    return out
  }

  /** One node of a line; `stepEnv` gives what a step runs in (the line's, see runLine). */
  runNode(node: JourneyNode, pathName: string, lane: Lane, stepEnv: () => StepEnv): Promise<NodeResult> {
    if (node.kind === 'step' && node.mode === 'skip') return this.skipStep(node, pathName, lane)
    if (node.kind === 'step') return runStep(node, stepEnv())
    if (node.kind === 'checkpoint') return this.runCheckpoint(node.name, pathName, lane)
    return this.runBranch(node, pathName, lane)
  }

  /**
   * After a step's last attempt failed: when nothing listens at the lane's base URL (see
   * BaseUrlReachability), the journey stops there, and the run knows not to use that address again.
   */
  async afterStepFailed(pathName: string, step: string, lane: Lane, attempt: AttemptResult): Promise<void> {
    const reach = this.env.reachability
    if (!reach || this.stopped) return
    const where = { journey: this.name, path: pathName, step }
    const found = await reach.afterFailure(lane.http.baseUrl, attempt, where)
    if (!found || this.stopped) return
    // Found by this step, or by another journey's at the same time (on another worker).
    const here = found.journey === where.journey && found.path === where.path && found.step === where.step
    this.stop({ kind: 'unreachable', message: unreachableMessage(found, here), unreachable: { found, here } })
  }

  /**
   * Another journey (on another worker), or a path of this one on another lane, found nothing listening
   * at this lane's base URL: the journey stops before its next step, rather than be refused there too.
   */
  #stopIfKnownUnreachable(lane: Lane): void {
    const found = this.env.reachability?.known(lane.http.baseUrl)
    if (found) this.stop({ kind: 'unreachable', message: unreachableMessage(found, false), unreachable: { found, here: false } })
  }

  /** What a step of `pathName` needs from this journey (see StepEnv). */
  stepEnv(pathName: string, lane: Lane, failedBefore: () => readonly EarlierFailure[] = () => []): StepEnv {
    return {
      journey: this.name,
      path: pathName,
      lane,
      signal: this.signal,
      settings: this.env.settings,
      events: this.events,
      logger: this.env.logger,
      stopped: () => !!this.stopped,
      // Paths its lane's state backends rolled back left nothing behind: a 409 there is no leak of theirs.
      afterOtherPaths: () => this.#pathsRun > 0 && lane.world.backends.length === 0,
      failedBefore,
      addIssue: (fields) => this.addIssue(fields),
      ...(this.env.reachability ? { failed: (step: string, attempt: AttemptResult) => this.afterStepFailed(pathName, step, lane, attempt) } : {}),
    }
  }

  /** A step defined with `step.skip`: reported as skipped (with a `stepEnd`, so live reporters show it), never run. */
  async skipStep(node: StepNode, pathName: string, lane: Lane): Promise<NodeResult> {
    const result = skipped(node) as StepResult
    if (this.events.has('stepEnd'))
      await this.events.emit('stepEnd', this.events.onWorker(lane, { journey: this.name, path: pathName, step: node.name, result, ctx: lane.world.ctx }), { path: pathName, step: node.name })
    return result
  }

  async runCheckpoint(name: string, pathName: string, lane: Lane): Promise<CheckpointResult> {
    const t0 = performance.now()
    try {
      const backends = await guardState(`checkpoint "${name}"`, () => lane.world.checkpoint(name))
      const durationMs = performance.now() - t0
      await this.events.emit('checkpoint', this.events.onWorker(lane, { journey: this.name, path: pathName, name, durationMs, backends }), { path: pathName })
      return { kind: 'checkpoint', name, status: 'passed', durationMs, backends }
    } catch (err) {
      const message = errorMessage(err)
      // A context value that cannot be copied is the test's mistake, with its own suggestion, not the backends'.
      const suggestion = suggestionForError(err)
      this.addIssue({ path: pathName, step: checkpointStep(name), severity: 'critical', kind: 'state', error: message, source: 'state', ...(suggestion ? { suggestion } : {}) })
      if (!lane.index) this.#mainStateUnknown = true
      this.stop({ kind: lane.index ? 'workers' : 'state', message })
      return { kind: 'checkpoint', name, status: 'failed', durationMs: performance.now() - t0, backends: [], error: { kind: 'state', message } }
    }
  }

  /** Restore the World to the checkpoint; on failure the journey stops: no path runs on unknown state. */
  async restore(checkpoint: string, pathName: string, reason: 'before-path' | 'after-branch', lane: Lane): Promise<NonNullable<PathResult['rollback']> | ErrorInfo> {
    const t0 = performance.now()
    try {
      const timing = await guardState(`rollback to checkpoint "${checkpoint}"`, () => lane.world.rollback(checkpoint))
      const rollback = { durationMs: performance.now() - t0, ...timing }
      await this.events.emit('rollback', this.events.onWorker(lane, { journey: this.name, path: pathName, checkpoint, reason, ...rollback }), { path: pathName })
      return rollback
    } catch (err) {
      const message = `${lane.index ? `worker ${lane.index}: ` : ''}rollback to checkpoint "${checkpoint}" failed, so the branch stops here rather than run on unknown state: ${errorMessage(err)}`
      // A backend that knows why (DDL run inside a path) gives advice of its own, which wins over the kind's.
      const suggestion = suggestionForError(err)
      this.addIssue({
        path: pathName,
        step: rollbackStep(checkpoint),
        severity: 'critical',
        kind: 'state',
        error: message,
        source: err instanceof StateError ? `state:${err.backend}` : 'state',
        ...(suggestion ? { suggestion } : {}),
      })
      if (!lane.index) this.#mainStateUnknown = true
      this.stop({ kind: lane.index ? 'workers' : 'state', message })
      return { kind: 'state', message }
    }
  }

  async runBranch(node: BranchNode, pathName: string, lane: Lane): Promise<BranchResult> {
    const t0 = performance.now()
    const where = { path: pathName }
    await this.events.emit('branchStart', this.events.onWorker(lane, { journey: this.name, path: pathName, checkpoint: node.checkpoint, paths: node.paths.map((p) => p.name) }), where)
    const parallel = Math.min(this.env.settings.parallelPaths ?? 1, node.paths.length)
    // Parallel paths only from the main lane, and only while no branch has the workers (see #workersBusy):
    // a branch inside a path keeps its paths on that path's lane.
    const { paths, rollbackBeforeWorkers } =
      parallel > 1 && lane.index === 0 && this.env.workerLanes && !this.#workersBusy
        ? await this.runPathsInParallel(node, pathName, parallel)
        : { paths: await runOnLanes([lane], node.paths, (p, l) => this.runPath(node, p, pathName, l)), rollbackBeforeWorkers: undefined }
    let error = paths.find((p) => p.error?.kind === 'state')?.error
    let finalRollback: BranchResult['finalRollback'] = null
    if (!this.stopped) {
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
      ...(rollbackBeforeWorkers ? { rollbackBeforeWorkers } : {}),
      ...(error ? { error } : {}),
    }
    await this.events.emit('branchEnd', this.events.onWorker(lane, { journey: this.name, path: pathName, result }), where)
    return result
  }

  /**
   * Each worker lane is first made equal to the main lane at the checkpoint (its own app and database),
   * then lanes take paths from one queue; each path starts with a rollback on its own lane.
   */
  async runPathsInParallel(node: BranchNode, pathName: string, parallel: number): Promise<ParallelPaths> {
    this.#workersBusy = true
    try {
      return await this.#runPathsOnWorkers(node, pathName, parallel)
    } finally {
      this.#workersBusy = false
    }
  }

  async #runPathsOnWorkers(node: BranchNode, pathName: string, parallel: number): Promise<ParallelPaths> {
    const restored = await this.restore(node.checkpoint, pathName, 'before-path', this.main)
    if ('kind' in restored) return { paths: failedPaths(node, restored) }
    const failAll = (error: ErrorInfo) => ({ paths: failedPaths(node, error), rollbackBeforeWorkers: restored })
    let workers: WorkerLane[]
    try {
      workers = await this.env.workerLanes!(parallel - 1)
      await Promise.all(workers.map((w) => w.sync(node.checkpoint, this.main)))
    } catch (err) {
      // Ctrl-C while the workers were being made (their apps still starting): the paths never started.
      if (this.env.runSignal?.aborted) return { paths: node.paths.map((p) => skippedPath(p.name, p.steps, p.description)), rollbackBeforeWorkers: restored }
      const message = `could not prepare workers for the parallel paths of checkpoint "${node.checkpoint}", so the branch stops rather than run on unknown state: ${errorMessage(err)}`
      this.addIssue({ path: pathName, step: `branch ${node.checkpoint}`, severity: 'critical', kind: 'state', error: message, source: 'workers', suggestion: WORKERS_SUGGESTION })
      this.stop({ kind: 'workers', message })
      return failAll({ kind: 'state', message })
    }
    const unwatch = workers.map((w) => this.watchApp(w, pathName, `branch ${node.checkpoint}`))
    let results: PathResult[]
    try {
      results = await runOnLanes([this.main, ...workers], node.paths, (p, lane) => this.runPath(node, p, pathName, lane))
    } finally {
      for (const u of unwatch) u()
    }
    // The workers' checkpoints end with the branch; their next sync starts afresh.
    for (const w of workers)
      for (const p of await w.world.releaseAll()) this.addIssue({ path: pathName, step: 'release', severity: p.severity, kind: 'state', error: `worker ${w.index}: ${p.error}`, source: 'state' })
    return { paths: results, rollbackBeforeWorkers: restored }
  }

  async runPath(node: BranchNode, p: PathNode, pathName: string, lane: Lane): Promise<PathResult> {
    const childName = pathName === 'main' ? p.name : `${pathName} > ${p.name}`
    if (this.stopped) return skippedPath(p.name, p.steps, p.description)
    const t0 = performance.now()
    const restored = await this.restore(node.checkpoint, childName, 'before-path', lane)
    if ('kind' in restored) return { ...skippedPath(p.name, p.steps, p.description), status: 'failed', error: restored }
    const where = { path: childName }
    await this.events.emit('pathStart', this.events.onWorker(lane, { journey: this.name, checkpoint: node.checkpoint, path: childName }), where)
    const nodes = await this.runLine(p.steps, childName, lane, this.#failedAtCheckpoint.get(node))
    this.#pathsRun++
    const failed = nodes.some((n) => n.status === 'failed')
    const result: PathResult = {
      kind: 'path',
      name: p.name,
      ...(p.description ? { description: p.description } : {}),
      // A path whose every step was skipped (`step.skip`) tested nothing: skipped, as such a journey is.
      status: failed || (this.stopped && nodes.some((n) => n.status === 'skipped')) ? 'failed' : nothingRan(countNodes(nodes)) ? 'skipped' : 'passed',
      durationMs: performance.now() - t0,
      rollback: restored,
      nodes,
      ...(lane.index ? { worker: lane.index } : {}),
    }
    await this.events.emit('pathEnd', this.events.onWorker(lane, { journey: this.name, checkpoint: node.checkpoint, path: childName, result }), where)
    return result
  }
}

/** The paths of a branch run on workers, and the rollback of the branch's own line before the workers copied it. */
interface ParallelPaths {
  paths: PathResult[]
  rollbackBeforeWorkers?: NonNullable<BranchResult['rollbackBeforeWorkers']>
}

/** Every path of the branch failed with one error: none could run. */
function failedPaths(node: BranchNode, error: ErrorInfo): PathResult[] {
  return node.paths.map((p) => ({ ...skippedPath(p.name, p.steps, p.description), status: 'failed' as const, error }))
}

/**
 * Why a journey stopped, or did not start, at a base URL nothing listens at or whose host is not found (see
 * BaseUrlReachability). `here`: this journey's own step met it; else another journey's did, and this one was not sent there.
 */
export function unreachableMessage(found: UnreachableBaseUrl, here: boolean): string {
  const step = `step "${found.step}"${found.path === 'main' ? '' : ` of path "${found.path}"`}`
  if (found.reason === 'not-found') {
    const host = new URL(found.origin).hostname
    if (here) return `the host of the base URL ${found.baseUrl} is not found: ${step} got no address for ${host} (ENOTFOUND), and a new lookup found none either`
    return `the host of the base URL ${found.baseUrl} is not found: ${step} of journey "${found.journey}" got no address for ${host} (ENOTFOUND)`
  }
  // The address, when the base URL says more than it (a path): what refused is the host and port.
  const to = found.baseUrl.replace(/\/+$/, '') === found.origin ? '' : ` to ${found.origin}`
  if (here) return `nothing listens at the base URL ${found.baseUrl}: ${step} was refused a connection${to}, and a new connection was refused too`
  return `nothing listens at the base URL ${found.baseUrl}: ${step} of journey "${found.journey}" was refused a connection${to}`
}

/**
 * The journey's one issue about it: what was refused, and that nothing more of the journey, nor any later
 * journey of the run on that base URL, was sent there. `here`: a step of this journey met the refusal;
 * `stopped`: another journey did while this one ran (on another worker), and it stopped before its next
 * step; `not run`: it did not start.
 */
export function unreachableIssue(found: UnreachableBaseUrl, journey: 'here' | 'stopped' | 'not run'): IssueFields {
  const error =
    journey === 'not run'
      ? `not run: ${unreachableMessage(found, false)}`
      : journey === 'stopped'
        ? `${unreachableMessage(found, false)}. The journey stopped before its next step: the rest of it was not run`
        : `${unreachableMessage(found, true)}. The journey stopped there: its remaining steps were not run, nor is any later journey of this run that uses this base URL`
  return found.reason === 'not-found'
    ? { path: 'main', step: 'journey', severity: 'critical', kind: 'dns', error, suggestion: HOST_NOT_FOUND_SUGGESTION, source: 'runner' }
    : { path: 'main', step: 'journey', severity: 'critical', kind: 'connection-refused', error, suggestion: UNREACHABLE_SUGGESTION, source: 'runner' }
}

/** The advice for what was not run because the base URL's host name is not found. */
export const HOST_NOT_FOUND_SUGGESTION =
  'Nothing was sent to a host name no lookup finds: check its spelling in baseUrl / --base-url (or the environment variable the config reads it from, API_URL in the one `venomqa init` writes), then run again; `venomqa run --last-failed` runs only what failed or did not run.'

/** The advice for what was not run because nothing listens at the base URL. */
export const UNREACHABLE_SUGGESTION =
  'Nothing was sent to an address that refuses connections: start the API (`venomqa doctor` checks that it answers), or fix baseUrl / --base-url (or the environment variable the config reads it from, API_URL in the one `venomqa init` writes), then run again; `venomqa run --last-failed` runs only what failed or did not run.'

/**
 * Every step of the journey was skipped (`step.skip`), none passed or failed: it tested nothing, and is
 * `skipped` as a `journey.skip` is, not a green `passed`.
 */
function nothingRan(counts: JourneyResult['counts']): boolean {
  return counts.steps.passed === 0 && counts.steps.failed === 0 && counts.steps.skipped > 0
}

/**
 * A state backend's work runs guarded: a backend promise that can never settle fails the branch instead of
 * ending the process. The deadline (pluginTimeout) is not here but on each backend call inside the World
 * (see StateCalls), so that a call given up on can never change the World's checkpoints when it settles.
 */
function guardState<T>(label: string, fn: () => Promise<T>): Promise<T> {
  return faults.guard(label, fn, { passStrays: true })
}

/**
 * A critical issue that a `journeyEnd` hook raised (it hung past pluginTimeout, or on a promise nothing
 * settles) comes after the verdict the hook was told, and fails the journey all the same: a critical issue
 * never leaves a journey passed, flaky or skipped.
 */
export function failOnLateCritical(late: readonly Issue[], ...results: JourneyResult[]): void {
  if (!late.some((i) => i.severity === 'critical')) return
  for (const r of results) r.status = 'failed'
}
