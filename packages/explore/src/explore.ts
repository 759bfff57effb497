import { ConfigError, type Exploration, type ExplorationResult, type ExplorationWorkerStats, type Issue, StateError, type ViolationResult, errorMessage, makeIssue, plural, sequenceText, suggestionFor, VIOLATION_SOURCE_PREFIX } from '@venomqa/core'
import type { Lane, Runner, World } from '@venomqa/runner'
import { EnvNotMadeError, workerSetupAdvice } from '@venomqa/runner'
import type { Truncation } from './budgets'
import { emitJourney } from './emit'
import type { ExploreOptions, WrittenJourney } from './contracts'
import { Coverage } from './coverage'
import { loadDefinition } from './definition'
import { crashIssue, notSettledCrashed } from './crash'
import { appStoppedIssue } from './no-answer'
import { LaneSearch } from './lane-search'
import { type FoundOnLane, mergeFound } from './merge'
import { type ResultParts, type SearchTotals, buildResult, sumByName } from './result'
import { resolveSettings } from './settings'
import { confirmSequence, shrinkSequence } from './shrink'
import { Timings } from './timings'
import { Answers } from './transition'
import { StateRefusedAfter, stateRefusedIssue } from './state-refused'
import { NOT_SETTLED_INTERRUPTED, settleViolations, unsettledViolations } from './violations'

export const DEFAULT_EMIT_DIR = 'journeys/regressions'
/** Taken before the setup runs: the exploration leaves the system as it found it. */
const BEFORE_SETUP = 'before-setup'

/**
 * Explore: run the setup, checkpoint the root, search (dfs, bfs or random) rolling back instead of
 * replaying, check the invariants after every action, then shrink, confirm and write out each
 * violation. Definition and configuration mistakes throw (a DefinitionError, a ConfigError) before
 * anything runs; everything after that is in the result, never thrown. Ends with the system rolled back
 * to where it was before the setup, and every checkpoint released (on Ctrl-C too).
 *
 * On several workers, each worker's system is first made equal to worker 0's (the workerSetup's
 * `sync`), then every worker runs the setup and searches the part of the tree dealt to it (see Split),
 * all at the same time; what they met is merged as one search would have met it, each violation is
 * shrunk on the worker that met it, and every worker's system is rolled back to where it started.
 */
export async function explore(exploration: Exploration, options: ExploreOptions): Promise<ExplorationResult> {
  const startedAt = new Date().toISOString()
  const t0 = performance.now()
  const { runner } = options
  await runner.init()
  const settings = resolveSettings(exploration, options.overrides)
  const workers = resolveWorkers(exploration, options.workers)
  const prefixReplay = !!options.prefixReplay
  const signal = options.signal ?? new AbortController().signal
  const baseUrl = exploration.baseUrl ?? options.baseUrl ?? runner.options.baseUrl
  // The definition first: a mistake in what the user wrote (or in the document it was built from) is
  // theirs to fix whatever the setup, so it is told before what the setup lacks.
  // What a source leaves out (an OpenAPI operation no valid body was made for) is said before the search and
  // kept as an issue: said only then, a report read later showed a pass with no word of what was not explored.
  const leftOut: string[] = []
  const warn = (message: string) => {
    options.logger?.warn(message)
    leftOut.push(message)
  }
  const definition = await loadDefinition(exploration, runner.registry.invariants, { root: options.root, baseUrl, signal, warn })
  requireRollback(exploration, runner, prefixReplay)
  requireWorkerSetup(exploration, runner, workers)

  const issues: Issue[] = []
  const addIssue = async (issue: Issue) => {
    issues.push(issue)
    await runner.bus.emit('issue', { issue }, (i) => issues.push(i), { journey: exploration.name })
  }
  for (const message of leftOut) await addIssue(leftOutIssue(exploration.name, message))
  if (!runner.registry.stateBackends.length) {
    const message = `exploration "${exploration.name}" runs by prefix replay with no state backend: going back to the root restores the context and HTTP headers only, not what the API stored, so each path starts from what the earlier ones left`
    options.logger?.warn(message)
    // Its own suggestion: the one of kind 'state' speaks of a backend that failed, and here there is none.
    const suggestion = 'Add a state backend that can roll back the system under test (@venomqa/state-postgres, @venomqa/state-mysql, @venomqa/adapter-redis, http-control) so that every path starts from the same state.'
    await addIssue(makeIssue({ journey: exploration.name, path: '', step: 'state', severity: 'info', kind: 'state', error: message, suggestion, source: 'explore' }))
  }

  /** The result, with what every ending shares: the definition, its settings, the time, the issues met. */
  const finish = (parts: Omit<ResultParts, 'exploration' | 'file' | 'settings' | 'startedAt' | 'durationMs' | 'issues' | 'interrupted'>) =>
    buildResult({ exploration, file: options.file, settings, startedAt, durationMs: performance.now() - t0, issues, interrupted: signal.aborted, ...parts })

  let env: Awaited<ReturnType<Runner['explorationEnv']>>
  try {
    env = await runner.explorationEnv({ baseUrl, workers, signal })
  } catch (err) {
    // A state backend that cannot connect, or a plugin whose setup hung: not the user's definition, and
    // not the end of the run either. The exploration fails with the reason, and the reports are written.
    if (!(err instanceof StateError)) throw err
    const reason = err.backend === 'runner' ? err.message.replace(/^state backend "runner": /, '') : err.message
    // The error's own advice when it has one (the app under test's, for an app that did not start), under
    // the step a run files it under: `connect <backend>`, `start app`.
    const place = err instanceof EnvNotMadeError ? { step: err.step, kind: err.kind, source: err.source } : { step: 'state', kind: 'state' as const, source: 'explore' }
    await addIssue(makeIssue({ journey: exploration.name, path: '', ...place, severity: 'critical', error: `nothing was explored: ${reason}`, suggestion: err.suggestion }))
    return finish({ searchMs: 0, requests: 0, coverage: new Coverage(definition.actions.map((a) => a.name)), rollbackTimings: new Timings(), observeTimings: new Timings(), violations: [], broken: true })
  }
  const { lane, done } = env
  const lanes: Lane[] = [lane]
  const searches: LaneSearch[] = []
  /** Every distinct state any worker recorded. */
  const states = new Set<string>()
  const progress = () => {
    const transitions = searches.reduce((t, s) => t + (s.explorer?.stats.transitions ?? 0), 0)
    const seconds = Math.max(0, ...searches.map((s) => s.budget?.elapsedMs ?? 0)) / 1000
    const depth = Math.max(0, ...searches.map((s) => s.explorer?.depth ?? 0))
    const violations = searches.reduce((t, s) => t + s.found.size, 0)
    options.onProgress?.({ transitions, states: states.size, transitionsPerSecond: seconds > 0 ? transitions / seconds : 0, violations, depth })
  }
  /** A state backend's refusal met in the replays of a lane's violations, told as the search tells one, once. */
  const refusalsTold = new Set<string>()
  const tellRefused = async (err: StateRefusedAfter, worker: number) => {
    const issue = stateRefusedIssue(exploration.name, err)
    const told = workers > 1 ? { ...issue, error: `worker ${worker}: ${issue.error}` } : issue
    if (refusalsTold.has(told.error)) return
    refusalsTold.add(told.error)
    await addIssue(told)
  }
  /** Stray errors after an action ended, each told once: a timer an action sets goes off on every path that takes it. */
  const lateFaultsTold = new Set<string>()
  const tellLateFault = (issue: Issue) => {
    const key = `${issue.path}\n${issue.error}`
    if (lateFaultsTold.has(key)) return
    lateFaultsTold.add(key)
    void addIssue(issue)
  }
  let found: FoundOnLane[] = []
  let violations: ViolationResult[] = []
  let broken = false
  let settled = false
  try {
    await lane.world.checkpoint(BEFORE_SETUP)
    if (workers > 1) await startWorkers(runner, lanes, workers, exploration.name)
    const backendNames = lane.world.backends.map((b) => b.name)
    for (const [worker, l] of lanes.entries())
      searches.push(
        new LaneSearch({
          exploration,
          actions: definition.actions,
          invariants: definition.invariants,
          settings,
          lane: l,
          backendNames,
          worker,
          workers,
          rootShare: options.rootShare,
          prefixReplay,
          signal,
          stepTimeout: runner.options.stepTimeout,
          retries: runner.options.retries,
          logger: options.logger,
          debug: runner.options.debug,
          onNewState: (fingerprint) => states.add(fingerprint),
          onTransition: progress,
          onLateFault: tellLateFault,
        }),
      )
    await Promise.all(searches.map((s) => s.run()))
    // What each worker met, in the workers' order: the same result whatever their pace.
    const told = new Set<string>()
    for (const s of searches)
      for (const { issue, key } of s.issues) {
        if (key !== undefined && told.has(key)) continue
        if (key !== undefined) told.add(key)
        await addIssue(issue)
      }
    broken = searches.some((s) => s.broken)
    found = mergeFound(
      searches.map((s) => s.found),
      settings.strategy,
      options.logger,
    )
    // Every edge refused as unauthorized: an invariant those refusals broke (status_documented with no 401
    // in the document) is reported, but a regression journey of it could show nothing but the refusal, and
    // would fail for as long as the setup's credentials do, whatever the API does behind them.
    const refusedOnly = answersOf(searches).onlyUnauthorized
    violations = await settleViolations(
      found.map((f) => {
        const { appStopped, crashed } = searches[f.lane]!
        // Every lane's own, the first one's too: without it the emitter cannot tell a request to another
        // origin from one to the API, and would send both to the journey's base URL.
        const laneBaseUrl = lanes[f.lane]!.http.baseUrl
        return { found: f.found, lane: f.lane, shape: f.shape, runner: searches[f.lane]!.sequenceRunner(), ...(laneBaseUrl ? { baseUrl: laneBaseUrl } : {}), ...(appStopped ? { appStopped } : {}), ...(crashed ? { crashed: notSettledCrashed(crashed.error) } : {}) }
      }),
      {
        exploration,
        explorationFile: options.file,
        root: options.root,
        actions: new Map(definition.actions.map((a) => [a.name, a])),
        seed: settings.seed,
        shrink: options.shrink !== false,
        emitDir: refusedOnly ? false : options.emitDir === undefined ? DEFAULT_EMIT_DIR : options.emitDir,
        writtenThisRun: journeysWritten(runner),
        signal,
        logger: options.logger,
        debug: runner.options.debug,
        shrinkFn: shrinkSequence,
        confirmFn: confirmSequence,
        emitFn: emitJourney,
        onEmitError: (message) =>
          void addIssue(
            makeIssue({
              journey: exploration.name,
              path: '',
              step: 'emit',
              severity: 'medium',
              kind: 'crash',
              error: message,
              // The kind's own suggestion speaks of an action that threw: here a file could not be written.
              suggestion: 'The violation itself is reported above. Give --emit a directory you can write to (or --no-emit), and explore again to write its journey.',
              source: 'explore',
            }),
          ),
        onAppStopped: (noAnswer, lane) => {
          const issue = appStoppedIssue(exploration.name, noAnswer, 'replays')
          void addIssue(workers > 1 ? { ...issue, error: `worker ${lane}: ${issue.error}` } : issue)
        },
        onStateRefused: (err, lane) => void tellRefused(err, lane),
      },
    )
    settled = true
    // What the last replay of each lane made the app do, a state backend may refuse only now.
    if (!signal.aborted)
      for (const [worker, s] of searches.entries())
        await s.endReplays().catch((err) => {
          if (!(err instanceof StateRefusedAfter) || signal.aborted) throw err
          return tellRefused(err, worker)
        })
  } catch (err) {
    if (!signal.aborted) {
      broken = true
      if (err instanceof WorkersNotMade)
        await addIssue(
          makeIssue({ journey: exploration.name, path: '', step: 'workers', severity: 'critical', kind: 'state', error: err.message, suggestion: WORKERS_NOT_MADE_SUGGESTION, source: 'workers' }),
        )
      else await addIssue(crashIssue(exploration.name, err))
      if (runner.options.debug && err instanceof Error && err.stack) options.logger?.error(err.stack)
    }
  } finally {
    for (const [worker, l] of lanes.entries())
      await leaveAsFound(l.world, async (step, error, severity) =>
        addIssue(makeIssue({ journey: exploration.name, path: '', step, severity, kind: 'state', error: workers > 1 ? `worker ${worker}: ${error}` : error, source: 'state' })),
      )
    done()
  }
  // Interrupted (or crashed) before the violations were settled: report them as the search met them.
  if (!settled) violations = unsettledViolations(exploration.name, found, signal.aborted ? NOT_SETTLED_INTERRUPTED : undefined)
  for (const v of violations) await addIssue(violationIssue(exploration.name, v, runner.registry.stateBackends.length > 0))

  const search = totals(searches, states, settings.budget)
  // Nothing was explored, so nothing was checked: never a pass. A shard's share of the root may be empty.
  if (search?.transitions === 0 && !signal.aborted && !broken && !options.rootShare) await addIssue(nothingExplored(exploration.name, search.truncated))
  // Nothing got past the log-in: every state behind it went unexplored, which is no pass either.
  const answers = answersOf(searches)
  if (answers.onlyUnauthorized && !signal.aborted && !broken) await addIssue(everyActionUnauthorized(exploration.name, answers))

  const coverage = new Coverage(definition.actions.map((a) => a.name))
  for (const s of searches) coverage.addAll(s.coverage)
  const rollbackTimings = Timings.ofWorkers(searches.map((s) => ({ worker: s.options.worker, timings: s.rollbackTimings })))
  const observeTimings = Timings.ofWorkers(searches.map((s) => ({ worker: s.options.worker, timings: s.env.observeTimings })))
  return finish({
    searchMs: Math.max(0, ...searches.map((s) => s.searchMs)),
    search,
    requests: lanes.reduce((t, l) => t + l.http.history.length, 0),
    coverage,
    rollbackTimings,
    observeTimings,
    violations,
    // Workers that never started (their setup failed: the crash issue says why) searched nothing.
    ...(workers > 1 && searches.length > 0 ? { workers: workerStats(searches) } : {}),
    broken,
  })
}

/** The regression journeys each run wrote, by its runner (one per run, shared by its explorations). */
const written = new WeakMap<Runner, Map<string, WrittenJourney>>()

function journeysWritten(runner: Runner): Map<string, WrittenJourney> {
  let files = written.get(runner)
  if (!files) written.set(runner, (files = new Map()))
  return files
}

/**
 * Why an exploration took no action. A budget used up before the first one (`--time 1ms`) is said as
 * such: blaming the actions' `when` sent the user looking for a mistake that was not there.
 */
function nothingExplored(name: string, cut: SearchTotals['truncated']): Issue {
  const ranOut = cut && `its ${cut.reason} budget of ${cut.reason === 'time' ? `${cut.limit} ms` : cut.limit} was used up before the first one`
  return makeIssue({
    journey: name,
    path: '',
    step: 'exploration',
    severity: 'critical',
    kind: 'assertion',
    error: `exploration "${name}" took no action: ${ranOut ?? 'none could run in the state after the setup'}, so no invariant was checked`,
    suggestion: ranOut
      ? `Give it a larger ${cut.reason} budget (${cut.reason === 'time' ? '--time, or budget.timeMs' : `budget.${cut.reason}`}): the setup and the first action must fit in it.`
      : "Check each action's `when` against the state the setup leaves (the context keys it sets), and that its path parameters can be bound; the coverage lists the actions never enabled.",
    source: 'explore',
  })
}

/** How the API took the edges, over every worker. */
function answersOf(searches: readonly LaneSearch[]): Answers {
  const all = new Answers()
  for (const s of searches) if (s.explorer) all.addAll(s.explorer.answers)
  return all
}

/**
 * Every edge refused with a 401 or 403 and none accepted: the search never got past the log-in (a setup
 * whose log-in failed without failing its step, a token that expired), so nothing behind it was checked.
 * A pass would say the API keeps its invariants where it was never asked; `--openapi` tries its token for
 * the same reason. An issue that fails the exploration, not a violation: no invariant broke. An invariant
 * the refusals themselves broke is still reported, with no regression journey: it could show nothing but
 * the refusal.
 */
function everyActionUnauthorized(name: string, answers: Answers): Issue {
  const first = answers.firstUnauthorized!
  return makeIssue({
    journey: name,
    path: '',
    step: 'exploration',
    severity: 'critical',
    kind: 'http-status',
    error:
      `exploration "${name}": every action was refused as unauthorized and none was accepted (${plural(answers.refused, 'refusal')}, each a 401 or 403): ` +
      `${first.action} (${first.request}) answered ${first.status}. The setup's log-in probably failed, so nothing behind it was explored, and no regression journey was written`,
    suggestion:
      "Check the exploration's setup: make its log-in fail when it is refused (assertStatus(res, 200)) and give the client the token it gets (http.setAuthToken), then explore again. With `venomqa explore --openapi`, check openapi.auth in the config: its bearer token, or its login and credentials.",
    source: 'explore',
  })
}

/**
 * What a source of actions or invariants left out of the search, as its warning says it (the operation, why,
 * what to change). Not a failure: nothing broke, and the rest was explored; but a pass must not read as if
 * it had been checked.
 */
function leftOutIssue(name: string, message: string): Issue {
  return makeIssue({
    journey: name,
    path: '',
    step: 'definition',
    severity: 'medium',
    kind: 'assertion',
    error: message,
    // The kind's own suggestion speaks of a check that failed in a step: here something was not explored at all.
    suggestion: 'What the message names was left out of the search, so nothing of it was checked: change what it says (or leave it out on purpose: openapi.exclude for an OpenAPI operation), and explore again.',
    source: 'explore',
  })
}

/** Workers from the command line or the API, else the definition's, else 1. */
function resolveWorkers(e: Exploration, given: number | undefined): number {
  const workers = given ?? e.workers ?? 1
  if (!Number.isInteger(workers) || workers < 1) throw new ConfigError(`workers must be a whole number of 1 or more, got ${String(workers)}`, { where: 'workers' })
  return workers
}

/**
 * Add workers 1..n-1 from the runner's workerSetup to `lanes` (which holds worker 0), each synced to
 * worker 0's system as it stands before the setup (checkpoint `before-setup` there), so every worker
 * starts from the same data and ends rolled back to it. A setup without `sync` leaves each worker's
 * system as its `create` made it. Each is added once synced, so a failure leaves those before it to be
 * rolled back.
 */
/**
 * The workerSetup could not give the workers their own system (its create refused the config, as
 * postgresWorkers refuses the proxy mechanism; an app that did not start; a sync that failed). Reported as
 * `venomqa run --workers` reports a worker that could not be made: a critical state issue pointing at the
 * worker setup, not a crash of the tool.
 */
class WorkersNotMade extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause })
    this.name = 'WorkersNotMade'
  }
}

/** As `venomqa run` says it of a worker that could not be made (see the runner's workerFailed). */
const WORKERS_NOT_MADE_SUGGESTION =
  'The worker setup failed to give the workers their own app and state, so nothing was explored: read the error (a setup that refuses the config names the fix), and see docs/parallel.md.'

async function startWorkers(runner: Runner, lanes: Lane[], workers: number, exploration: string): Promise<void> {
  const main = lanes[0]!
  let made: Awaited<ReturnType<Runner['explorationWorkerLanes']>>
  try {
    made = await runner.explorationWorkerLanes(workers - 1, exploration)
  } catch (err) {
    throw new WorkersNotMade(`its ${workers - 1} extra worker${workers === 2 ? '' : 's'} could not be started: ${errorMessage(err)}`, err)
  }
  for (const l of made) {
    try {
      await l.sync(BEFORE_SETUP, main)
    } catch (err) {
      throw new WorkersNotMade(`worker ${l.index} could not be made equal to worker 0 before the setup: ${errorMessage(err)}`, err)
    }
    lanes.push(l)
  }
}

/** The search's counts over every worker; none when no worker got as far as the root. */
function totals(searches: readonly LaneSearch[], states: ReadonlySet<string>, budget: Exploration['budget']): SearchTotals | undefined {
  const explorers = searches.flatMap((s) => (s.explorer ? [s.explorer] : []))
  if (!explorers.length) return undefined
  const cut = explorers.find((x) => x.truncated)?.truncated
  return {
    transitions: explorers.reduce((t, x) => t + x.stats.transitions, 0),
    states: states.size,
    merged: explorers.reduce((t, x) => t + x.stats.merged, 0),
    mergedAfterWrite: explorers.reduce((t, x) => t + x.stats.mergedAfterWrite, 0),
    mergedAfterWriteBy: sumByName(explorers.map((x) => x.stats.mergedAfterWriteBy)),
    mergedAfterInputBy: sumByName(explorers.map((x) => x.stats.mergedAfterInputBy)),
    maxDepthReached: Math.max(...explorers.map((x) => x.stats.maxDepthReached)),
    // A worker ends on its share of a budget; the result names the exploration's whole budget.
    ...(cut ? { truncated: { reason: cut.reason, limit: budgetLimit(budget, cut.reason) ?? cut.limit } } : {}),
  }
}

function budgetLimit(budget: Exploration['budget'], reason: Truncation['reason']): number | undefined {
  return reason === 'time' ? budget.timeMs : budget[reason]
}

function workerStats(searches: readonly LaneSearch[]): ExplorationWorkerStats[] {
  return searches.map((s) => ({
    worker: s.options.worker,
    transitions: s.explorer?.stats.transitions ?? 0,
    states: s.explorer?.states.size ?? 0,
    requests: s.options.lane.http.history.length,
    searchMs: Math.round(s.searchMs),
  }))
}

/** No rollback, no exploration: the search branches by rolling back. Prefix replay must be asked for. */
function requireRollback(e: Exploration, runner: Runner, prefixReplay: boolean): void {
  if (runner.registry.stateBackends.length || prefixReplay) return
  throw new ConfigError(
    `exploration "${e.name}" needs a state backend that can roll back the system under test: the search branches from the states it reached by rolling back to them. ` +
      `Add one to plugins (e.g. ['@venomqa/state-postgres', { url: '\${DATABASE_URL}' }], @venomqa/state-mysql, @venomqa/adapter-redis, or http-control for an app with a reset endpoint), ` +
      `or ask for slow prefix replay explicitly (venomqa explore --prefix-replay), which replays every path from the root and cannot undo what the API stored`,
    { where: 'plugins' },
  )
}

/** Workers search at the same time, each rolling back its own system: each needs one of its own. */
function requireWorkerSetup(e: Exploration, runner: Runner, workers: number): void {
  if (workers === 1 || runner.options.workerSetup) return
  throw new ConfigError(
    `exploration "${e.name}" would run on ${workers} workers, but no workerSetup is configured: workers search at the same time and each rolls back the system it explores, so each needs a system of its own. ` +
      `Add a workerSetup to the config (${workerSetupAdvice(runner.registry.plugins.map((p) => p.name), runner.backendOwners())}, see docs/parallel.md), or explore on 1 worker`,
    { where: 'workers' },
  )
}

/** Roll back to before the setup and release every checkpoint; what fails is told, never thrown. */
async function leaveAsFound(world: World, report: (step: string, error: string, severity: 'critical' | 'medium') => Promise<void>): Promise<void> {
  if (world.open.includes(BEFORE_SETUP)) {
    try {
      await world.rollback(BEFORE_SETUP)
    } catch (err) {
      await report('rollback', `could not roll the system back to where it was before the exploration: ${errorMessage(err)}`, 'critical')
    }
  }
  for (const problem of await world.releaseAll()) await report('release', problem.error, problem.severity)
}

/**
 * A broken invariant, with the answer to the last action's last request. A 409 there is put down to what
 * the sequence made when every sequence started from a restored checkpoint (`rollsBack`): it replays from
 * the start, so no other path's state was there; with no state backend an earlier path's may have been.
 */
function violationIssue(exploration: string, v: ViolationResult, rollsBack: boolean): Issue {
  const last = v.sequence.at(-1)?.exchanges.at(-1)
  const reproduced = v.reproduced.attempts ? ` (reproduced ${v.reproduced.failures}/${v.reproduced.attempts}${v.flaky ? ', flaky' : ''})` : ''
  return makeIssue({
    journey: exploration,
    path: sequenceText(v.sequence),
    step: v.invariant,
    severity: v.severity,
    kind: 'assertion',
    error: `invariant "${v.invariant}" broken after ${v.sequence.length} action${v.sequence.length === 1 ? '' : 's'}${reproduced}: ${v.message}`,
    source: `${VIOLATION_SOURCE_PREFIX}${v.invariant}`,
    request: last?.request,
    response: last?.response,
    suggestion: suggestionFor('assertion', last?.response?.status, { afterOtherPaths: !rollsBack, exploredSequence: true, url: last?.request.url }),
  })
}

