import { type Exploration, type ExploreAction, type HttpExchange, type Issue, type Logger, type TakenAction, makeIssue, redactText, sequenceText } from '@venomqa/core'
import type { Lane } from '@venomqa/runner'
import { Budget, budgetShare } from './budgets'
import type { InvariantRef, NoAnswer, SequenceRunner } from './contracts'
import { Coverage } from './coverage'
import { ActionHookThrew } from './edges'
import { crashIssue, invariantThrewIssue } from './crash'
import { Explorer } from './explorer'
import type { LaneEnv } from './lane-env'
import { AppStoppedAnswering, BaseUrlNotAnswering, appStoppedIssue, baseUrlNotAnsweringIssue } from './no-answer'
import { PrefixReplayDiverged, divergedIssue } from './prefix-replay'
import { StateRefusedAfter, stateRefusedIssue } from './state-refused'
import { rngFor } from './rng'
import { bfs } from './search/bfs'
import { dfs } from './search/dfs'
import { randomWalks } from './search/random'
import { LaneSequenceRunner } from './sequence'
import type { SearchSettings } from './settings'
import { runSetup } from './setup'
import { Split } from './split'
import { Timings } from './timings'
import type { ActionFault } from './transition'
import { FoundViolations } from './violations'

/** The checkpoint of the root: the state after the setup, where every search and replay starts. */
export const ROOT = 'd0'

export interface LaneSearchOptions {
  exploration: Exploration
  actions: readonly ExploreAction<any>[]
  invariants: readonly InvariantRef[]
  settings: SearchSettings
  lane: Lane
  /** Worker 0's state backends' names, by place: `now` and `before` are keyed by them on every lane (see LaneEnv). */
  backendNames?: readonly string[]
  /** This lane's place among the exploration's workers (0-based), and how many there are. */
  worker: number
  workers: number
  /** This run's shard of the search (`--shard i/n`), split again among the workers. */
  rootShare?: { index: number; total: number }
  prefixReplay: boolean
  signal: AbortSignal
  stepTimeout?: number
  retries?: number
  logger?: Logger
  debug?: boolean
  /** A state recorded by this lane, for the exploration's count of distinct states. */
  onNewState(fingerprint: string): void
  onTransition(): void
  /** A stray error an action's code raised after the action ended, told as soon as it comes (see LaneEnv). */
  onLateFault?(issue: Issue): void
}

/** An issue this lane met, and for an action's fault the key it is told once by (over every lane). */
export interface LaneIssue {
  issue: Issue
  key?: string
}

/**
 * One worker's part of an exploration, on its own lane (World, HTTP client, ports): run the setup,
 * checkpoint the root, search the edges dealt to it, roll back to the root. What it met is kept for the
 * exploration to merge; its violations are replayed on this lane (`sequenceRunner`). Nothing is thrown:
 * a failed setup or a crash is one of its issues.
 */
export class LaneSearch {
  readonly options: LaneSearchOptions
  readonly env: LaneEnv
  readonly coverage: Coverage
  readonly rollbackTimings = new Timings()
  readonly found: FoundViolations
  explorer?: Explorer
  budget?: Budget
  /** How long its search ran, ms. */
  searchMs = 0
  /** Its setup failed or it crashed: the exploration did not run as defined. */
  broken = false
  /** The app stopped answering during the search, which stopped there (see AppStoppedAnswering). */
  appStopped?: NoAnswer
  /** What its search crashed on: its violations cannot be replayed, and say why (see notSettledCrashed). */
  crashed?: { error: unknown }
  #replays?: LaneSequenceRunner
  readonly #issues: LaneIssue[] = []
  readonly #faults = new Set<string>()

  constructor(options: LaneSearchOptions) {
    this.options = options
    const o = options
    this.env = {
      exploration: o.exploration.name,
      lane: o.lane,
      signal: o.signal,
      stepTimeout: o.stepTimeout,
      logger: o.logger,
      debug: o.debug,
      observeTimings: new Timings(),
      backendNames: o.backendNames,
      onLateFault: (issue) => o.onLateFault?.(this.#onWorker(issue)),
    }
    this.coverage = new Coverage(o.actions.map((a) => a.name))
    this.found = new FoundViolations(o.logger)
  }

  get issues(): readonly LaneIssue[] {
    return this.#issues
  }

  /**
   * Replays sequences from this lane's root; none when the lane crashed (its state is not known). One for
   * every violation of the lane: it knows what the app last ran, in the replay of another violation too.
   */
  sequenceRunner(): SequenceRunner | undefined {
    if (this.crashed) return undefined
    this.#replays ??= new LaneSequenceRunner({ ...this.env, actions: new Map(this.options.actions.map((a) => [a.name, a])), root: ROOT })
    return this.#replays
  }

  /** After the replays of its violations: back to its root, a refusal met there thrown as StateRefusedAfter. */
  async endReplays(): Promise<void> {
    await this.#replays?.finish()
  }

  async run(): Promise<void> {
    const o = this.options
    try {
      const setupFailed = await runSetup(this.env, o.exploration.setup, o.retries)
      if (setupFailed) {
        if (!o.signal.aborted) {
          this.broken = true
          this.#issues.push({ issue: this.#onWorker(setupFailed) })
        }
        return
      }
      // A budget is the whole exploration's: dealt among the shards (on other machines), so that the shards
      // merged take the budget and not n times it, then a shard's share among its workers, as the tree is.
      const shardBudget = o.rootShare ? budgetShare(o.settings.budget, o.rootShare.index - 1, o.rootShare.total) : o.settings.budget
      const budget = (this.budget = new Budget(budgetShare(shardBudget, o.worker, o.workers)))
      const levels = [...(o.rootShare ? [o.rootShare] : []), ...(o.workers > 1 ? [{ index: o.worker + 1, total: o.workers }] : [])]
      const explorer = (this.explorer = new Explorer({
        ...this.env,
        actions: o.actions,
        invariants: o.invariants,
        seed: o.settings.seed,
        maxDepth: o.settings.depth,
        dedupe: o.settings.dedupe,
        prefixReplay: o.prefixReplay,
        split: new Split(levels),
        budget,
        coverage: this.coverage,
        rollbackTimings: this.rollbackTimings,
        onViolation: (v) => this.found.add(v),
        onActionFault: (action, fault, exchange, path) => this.#fault(action, fault, exchange, path),
        onInvariantThrew: (invariant, message, path) => this.#invariantThrew(invariant, message, path),
        onTransition: o.onTransition,
        onNewState: o.onNewState,
      }))
      await explorer.start()
      await search(explorer, o.settings).finally(() => (this.searchMs = budget.elapsedMs))
      await explorer.finish()
    } catch (err) {
      if (o.signal.aborted) return
      this.broken = true
      this.crashed = { error: err }
      if (err instanceof AppStoppedAnswering) {
        this.appStopped = err.noAnswer
        this.#issues.push({ issue: this.#onWorker(appStoppedIssue(o.exploration.name, err.noAnswer, 'search')) })
        return
      }
      if (err instanceof BaseUrlNotAnswering) {
        this.#issues.push({ issue: this.#onWorker(baseUrlNotAnsweringIssue(o.exploration.name, err)) })
        return
      }
      if (err instanceof StateRefusedAfter) {
        this.#issues.push({ issue: this.#onWorker(stateRefusedIssue(o.exploration.name, err)) })
        return
      }
      if (err instanceof PrefixReplayDiverged) {
        this.#issues.push({ issue: this.#onWorker(divergedIssue(o.exploration.name, err.divergence, o.lane.world.backends.length > 0)) })
        return
      }
      if (err instanceof ActionHookThrew) this.coverage.threw(err.action, redactText(err.what))
      const issue = crashIssue(o.exploration.name, err)
      this.#issues.push({ issue: this.#onWorker(issue) })
      if (o.debug && err instanceof Error && err.stack) o.logger?.error(err.stack)
    }
  }

  /**
   * Once per action and message: the same broken action fails the same way from every state. Critical:
   * an edge the exploration could not take as defined was never explored, so a run that met one cannot
   * pass (an assertion the action makes is a finding, as a step's is in a journey; a crash is the test's).
   */
  #fault(action: string, fault: ActionFault, exchange: HttpExchange | undefined, path: readonly TakenAction[]): void {
    const key = `${action}\n${fault.message}`
    if (this.#faults.has(key)) return
    this.#faults.add(key)
    const issue = makeIssue({
      journey: this.options.exploration.name,
      // The first sequence that met it: where to look, and what to replay by hand.
      path: sequenceText(path),
      step: action,
      severity: 'critical',
      kind: fault.kind,
      error: `action "${action}" failed: ${fault.message}`,
      source: 'action',
      request: exchange?.request,
      response: exchange?.response,
      ...(fault.suggestion ? { suggestion: fault.suggestion } : {}),
    })
    this.#issues.push({ issue, key })
  }

  /**
   * Once per invariant, at the first sequence it threw after (in depth-first order): one mistake in the
   * check, however many states it threw in. Critical: the invariant was never checked where it threw,
   * so a run that met it cannot pass.
   */
  #invariantThrew(invariant: string, message: string, path: readonly TakenAction[]): void {
    const key = `invariant\n${invariant}`
    if (this.#faults.has(key)) return
    this.#faults.add(key)
    this.#issues.push({ issue: invariantThrewIssue(this.options.exploration.name, invariant, message, path), key })
  }

  /** With several workers, a lane's own failure says which worker it happened on. */
  #onWorker(issue: Issue): Issue {
    return this.options.workers > 1 ? { ...issue, error: `worker ${this.options.worker}: ${issue.error}` } : issue
  }
}

function search(explorer: Explorer, settings: SearchSettings): Promise<unknown> {
  if (settings.strategy === 'bfs') return bfs(explorer)
  if (settings.strategy === 'random') return randomWalks(explorer, rngFor(settings.seed, 'walks'))
  return dfs(explorer)
}
