import { ConfigError, type Exploration, type ExplorationResult, type Issue, type ViolationResult, errorMessage, makeIssue } from '@venomqa/core'
import type { Runner } from '@venomqa/runner'
import { emitJourney } from './emit'
import type { ExploreOptions } from './contracts'
import { Budget } from './budgets'
import { Coverage } from './coverage'
import { loadDefinition } from './definition'
import { Explorer } from './explorer'
import type { LaneEnv } from './lane-env'
import { buildResult } from './result'
import { rngFor } from './rng'
import { bfs } from './search/bfs'
import { dfs } from './search/dfs'
import { randomWalks } from './search/random'
import { LaneSequenceRunner } from './sequence'
import { type SearchSettings, resolveSettings } from './settings'
import { runSetup } from './setup'
import { confirmSequence, shrinkSequence } from './shrink'
import { Timings } from './timings'
import { FoundViolations, settleViolations, unsettledViolations } from './violations'

export const DEFAULT_EMIT_DIR = 'journeys/regressions'
/** Taken before the setup runs: the exploration leaves the system as it found it. */
const BEFORE_SETUP = 'before-setup'
const ROOT = 'd0'

/**
 * Explore: run the setup, checkpoint the root, search (dfs, bfs or random) rolling back instead of
 * replaying, check the invariants after every action, then shrink, confirm and write out each
 * violation. Definition and configuration mistakes throw (a DefinitionError, a ConfigError) before
 * anything runs; everything after that is in the result, never thrown. Ends with the system rolled back
 * to where it was before the setup, and every checkpoint released (on Ctrl-C too).
 */
export async function explore(exploration: Exploration, options: ExploreOptions): Promise<ExplorationResult> {
  const startedAt = new Date().toISOString()
  const t0 = performance.now()
  const { runner } = options
  await runner.init()
  const settings = resolveSettings(exploration, options.overrides)
  const prefixReplay = !!options.prefixReplay
  requireRollback(exploration, runner, prefixReplay)
  const signal = options.signal ?? new AbortController().signal
  const baseUrl = exploration.baseUrl ?? options.baseUrl ?? runner.options.baseUrl
  const definition = await loadDefinition(exploration, runner.registry.invariants, { root: options.root, baseUrl, signal })

  const issues: Issue[] = []
  const addIssue = async (issue: Issue) => {
    issues.push(issue)
    await runner.bus.emit('issue', { issue }, (i) => issues.push(i), { journey: exploration.name })
  }
  if (!runner.registry.stateBackends.length) {
    const message = `exploration "${exploration.name}" runs by prefix replay with no state backend: going back to the root restores the context and HTTP headers only, not what the API stored, so each path starts from what the earlier ones left`
    options.logger?.warn(message)
    await addIssue(makeIssue({ journey: exploration.name, path: '', step: 'state', severity: 'info', kind: 'state', error: message, source: 'explore' }))
  }

  const { lane, done } = await runner.explorationEnv({ baseUrl })
  const observeTimings = new Timings()
  const rollbackTimings = new Timings()
  const coverage = new Coverage(definition.actions.map((a) => a.name))
  const env: LaneEnv = { exploration: exploration.name, lane, signal, stepTimeout: runner.options.stepTimeout, logger: options.logger, debug: runner.options.debug, observeTimings }
  const found = new FoundViolations()
  const faults = new Set<string>()
  let explorer: Explorer | undefined
  let violations: ViolationResult[] = []
  let broken = false
  let settled = false
  let searchMs = 0
  try {
    await lane.world.checkpoint(BEFORE_SETUP)
    const setupFailed = await runSetup(env, exploration.setup, runner.options.retries)
    if (setupFailed && !signal.aborted) {
      broken = true
      await addIssue(setupFailed)
    } else if (!setupFailed) {
      const budget = new Budget(settings.budget)
      explorer = new Explorer({
        ...env,
        actions: definition.actions,
        invariants: definition.invariants,
        seed: settings.seed,
        maxDepth: settings.depth,
        dedupe: settings.dedupe,
        prefixReplay,
        rootShare: options.rootShare,
        budget,
        coverage,
        rollbackTimings,
        onViolation: (v) => found.add(v),
        onActionFault: (action, message, exchange) => {
          // Once per action and message: the same broken action fails the same way from every state.
          const key = `${action}\n${message}`
          if (faults.has(key)) return
          faults.add(key)
          void addIssue(
            makeIssue({ journey: exploration.name, path: '', step: action, severity: 'medium', kind: 'assertion', error: `action "${action}" failed: ${message}`, source: 'action', request: exchange?.request, response: exchange?.response }),
          )
        },
        onTransition: () => {
          const x = explorer!
          const seconds = budget.elapsedMs / 1000
          options.onProgress?.({ transitions: x.stats.transitions, states: x.states.size, transitionsPerSecond: seconds > 0 ? x.stats.transitions / seconds : 0, violations: found.size, depth: x.depth })
        },
      })
      await explorer.start()
      await search(explorer, settings).finally(() => (searchMs = budget.elapsedMs))
      await explorer.finish()
      settled = true
      violations = await settleViolations(found.list(), {
        exploration,
        explorationFile: options.file,
        root: options.root,
        actions: new Map(definition.actions.map((a) => [a.name, a])),
        runner: new LaneSequenceRunner({ ...env, actions: new Map(definition.actions.map((a) => [a.name, a])), root: ROOT }),
        seed: settings.seed,
        shrink: options.shrink !== false,
        emitDir: options.emitDir === undefined ? DEFAULT_EMIT_DIR : options.emitDir,
        signal,
        logger: options.logger,
        shrinkFn: shrinkSequence,
        confirmFn: confirmSequence,
        emitFn: emitJourney,
        onEmitError: (message) => void addIssue(makeIssue({ journey: exploration.name, path: '', step: 'emit', severity: 'medium', kind: 'crash', error: message, source: 'explore' })),
      })
    }
  } catch (err) {
    if (!signal.aborted) {
      broken = true
      await addIssue(makeIssue({ journey: exploration.name, path: '', step: 'exploration', severity: 'critical', kind: 'crash', error: `exploration crashed: ${errorMessage(err)}`, source: 'explore' }))
      if (runner.options.debug && err instanceof Error && err.stack) options.logger?.error(err.stack)
    }
  } finally {
    await leaveAsFound(lane.world, async (step, error, severity) =>
      addIssue(makeIssue({ journey: exploration.name, path: '', step, severity, kind: 'state', error, source: 'state' })),
    )
    done()
  }
  // Interrupted before the violations were settled: report them as the search met them.
  if (!settled) violations = unsettledViolations(found.list())
  for (const v of violations) await addIssue(violationIssue(exploration.name, v))
  return buildResult({
    exploration,
    file: options.file,
    settings,
    startedAt,
    durationMs: performance.now() - t0,
    searchMs,
    explorer,
    requests: lane.http.history.length,
    coverage,
    rollbackTimings,
    observeTimings,
    violations,
    issues,
    broken,
    interrupted: signal.aborted,
  })
}

function search(explorer: Explorer, settings: SearchSettings): Promise<unknown> {
  if (settings.strategy === 'bfs') return bfs(explorer)
  if (settings.strategy === 'random') return randomWalks(explorer, rngFor(settings.seed, 'walks'))
  return dfs(explorer)
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

/** Roll back to before the setup and release every checkpoint; what fails is told, never thrown. */
async function leaveAsFound(world: import('@venomqa/runner').World, report: (step: string, error: string, severity: 'critical' | 'medium') => Promise<void>): Promise<void> {
  if (world.open.includes(BEFORE_SETUP)) {
    try {
      await world.rollback(BEFORE_SETUP)
    } catch (err) {
      await report('rollback', `could not roll the system back to where it was before the exploration: ${errorMessage(err)}`, 'critical')
    }
  }
  for (const problem of await world.releaseAll()) await report('release', problem, 'medium')
}

function violationIssue(exploration: string, v: ViolationResult): Issue {
  const last = v.sequence.at(-1)?.exchanges.at(-1)
  const reproduced = v.reproduced.attempts ? ` (reproduced ${v.reproduced.failures}/${v.reproduced.attempts}${v.flaky ? ', flaky' : ''})` : ''
  return makeIssue({
    journey: exploration,
    path: v.sequence.map((s) => s.action).join(' > '),
    step: v.invariant,
    severity: v.severity,
    kind: 'assertion',
    error: `invariant "${v.invariant}" broken after ${v.sequence.length} action${v.sequence.length === 1 ? '' : 's'}${reproduced}: ${v.message}`,
    source: `invariant:${v.invariant}`,
    request: last?.request,
    response: last?.response,
  })
}
