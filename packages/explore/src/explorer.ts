import { type ExploreAction, type HttpExchange, type TakenAction, sequenceStepText, sequenceText } from '@venomqa/core'
import { runAction } from './action-run'
import type { Budget, Truncation } from './budgets'
import type { InvariantRef, NoAnswer } from './contracts'
import type { Coverage } from './coverage'
import { type Edge, edgesAt, pathKey } from './edges'
import type { Observation } from './fingerprint'
import { type ActionEffect, appliesAfter, checkInvariant, invariantName } from './invariants'
import { type LaneEnv, fingerprintHere, observeAll } from './lane-env'
import { AppStoppedAnswering, BaseUrlNotAnswering, failureOf, noAnswerAt, unanswered } from './no-answer'
import { type EdgeAnswer, PrefixReplayDiverged, answerOf, sameAnswer } from './prefix-replay'
import { type Group, Split } from './split'
import type { Timings } from './timings'
import { type ActionFault, Answers, actionFault, classifyEdge } from './transition'
import { refusalsOf } from './state-refused'
import { stateView } from './view'

/** A violation as the search first met it, before shrinking. */
export interface FoundViolation {
  invariant: InvariantRef
  sequence: TakenAction[]
  message: string
  /**
   * Each action's requests, as the search made them (one list per action of `sequence`): what a
   * violation not replayed since (interrupted, the app stopped answering) is reported with.
   */
  exchanges: HttpExchange[][]
  probes: HttpExchange[]
  /** For `request_error`: how the last action's request failed (see `failureOf`); its replays must fail so. */
  failure?: string
  /**
   * Where it was met: the index of each edge of the sequence among every edge out of its state. The same
   * in every explorer of a split, and in the order a depth-first search meets places.
   */
  position: number[]
}

export interface ExplorerEnv extends LaneEnv {
  actions: readonly ExploreAction<any>[]
  /** Every invariant checked after each action: the built-in ones by name, then the defined ones. */
  invariants: readonly InvariantRef[]
  seed: number
  maxDepth: number
  dedupe: boolean
  /** Reset to the root and replay the path instead of rolling back to its last checkpoint. */
  prefixReplay: boolean
  budget: Budget
  coverage: Coverage
  rollbackTimings: Timings
  onViolation(found: FoundViolation): void
  /**
   * The action's own code failed (not the API): worth telling, not a violation. `path`: the sequence that
   * took the action, the action itself last.
   */
  onActionFault(action: string, fault: ActionFault, exchange: HttpExchange | undefined, path: readonly TakenAction[]): void
  /**
   * An invariant's own check threw (see CheckThrew): a mistake in the test, not the API. `path`: the
   * sequence after which it threw.
   */
  onInvariantThrew(invariant: string, message: string, path: readonly TakenAction[]): void
  onTransition?(): void
  /** A state this explorer records was reached for the first time (its fingerprint). */
  onNewState?(fingerprint: string): void
  /** Take only the edges dealt to this explorer (shards, workers); default the whole tree. */
  split?: Split
}

/**
 * What taking an edge led to. Only `expand` may be descended into: the others are a state seen at the
 * same or a shallower depth (`merged`), an edge the API refused, one that failed or broke an invariant,
 * or the end of the exploration (`interrupted`).
 */
export type TakeResult = 'expand' | 'merged' | 'refused' | 'failed' | 'violated' | 'interrupted'

interface Frame {
  taken?: TakenAction
  /** The path to here by each action with its input (core's sequenceText), made once per edge taken. */
  sequence?: string
  /** The requests of the edge taken to get here, as the search made them. */
  exchanges?: HttpExchange[]
  /** How that edge went: a prefix replay must go the same way (see PrefixReplayDiverged). */
  answer?: EdgeAnswer
  /** The index of the edge taken to get here, among its state's edges. */
  index?: number
  observation: Observation
  fingerprint: string
  /** The explorers this state belongs to (see Split). */
  group: Group
  edges?: Edge[]
}

/** The checkpoint of the state at depth k. */
const checkpointName = (k: number) => `d${k}`

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Did the action write something the API accepted (a 2xx to a method other than a read)? */
function acceptedWrite(exchanges: readonly HttpExchange[]): boolean {
  return exchanges.some((e) => !READS.has(e.request.method.toUpperCase()) && !!e.response && e.response.status >= 200 && e.response.status < 300)
}

/**
 * The rollback timing of the wait for requests the app never answered (an action's timeout let them go):
 * they must end before their work is undone. No backend spends it, and it is no restoring of the context.
 */
export const UNANSWERED_WAIT = 'unanswered requests'

/**
 * The search space as the strategies see it: a stack of states from the root (d0) to the current one,
 * each with its checkpoint. An edge is taken from the current state; the state it reaches becomes the
 * current one only by `descend` (a checkpoint); `backTo(k)` rolls back to dk, dropping every later one
 * (checkpoints are a stack in every backend). With `prefixReplay`, no checkpoint but the root is taken:
 * going back resets to the root and replays the path.
 */
export class Explorer {
  readonly env: ExplorerEnv
  /** What this explorer records; a transition it takes only to reach its share of a split is not counted. */
  // mergedAfterWriteBy and mergedAfterInputBy have no prototype: an action may be named `constructor`.
  readonly stats = {
    transitions: 0,
    merged: 0,
    mergedAfterWrite: 0,
    mergedAfterWriteBy: Object.create(null) as Record<string, number>,
    mergedAfterInputBy: Object.create(null) as Record<string, number>,
    maxDepthReached: 0,
  }
  /** How the API took the edges this explorer recorded (see Answers). */
  readonly answers = new Answers()
  /** Every distinct fingerprint this explorer recorded reaching. */
  readonly states = new Set<string>()
  readonly #split: Split
  truncated?: Truncation
  interrupted = false
  #frames: Frame[] = []
  /** The state an edge reached, until `descend` makes it current. */
  #pending?: Frame
  /** The group each dealt edge leads into. */
  #groups = new WeakMap<Edge, Group>()
  /** False once an edge ran from the current state: the system is then past it. */
  #atFrame = true
  /** Fingerprint -> the shallowest depth it was reached at, in this pass. */
  #seen = new Map<string, number>()
  /** Fingerprint -> the edge that reached it first, and the state it left (see mergedAfterInputBy). */
  #firstReached = new Map<string, { from: number; action: string; index: number }>()
  /** A number per visited state, for #firstReached (which holds no frame, and so none of its requests). */
  #frameIds = new WeakMap<Frame, number>()
  #nextFrameId = 0
  #violations = 0
  /** The path whose last action the app ran last: what a state backend's refusal met after it is put down to. */
  #acted: TakenAction[] = []
  /** What `view.count` checks a name against (see stateView). */
  readonly #actionNames: ReadonlySet<string>

  constructor(env: ExplorerEnv) {
    this.env = env
    this.#actionNames = new Set(env.actions.map((a) => a.name))
    this.#split = env.split ?? new Split([])
  }

  get depth(): number {
    return this.#frames.length - 1
  }

  get maxDepth(): number {
    return this.env.maxDepth
  }

  get violationsFound(): number {
    return this.#violations
  }

  get path(): TakenAction[] {
    return this.#frames.slice(1).map((f) => f.taken!)
  }

  /** Each edge's requests along the path, as the search made them. */
  get #pathExchanges(): HttpExchange[][] {
    return this.#frames.slice(1).map((f) => f.exchanges ?? [])
  }

  /** The indices of the path's edges (see FoundViolation.position). */
  get #position(): number[] {
    return this.#frames.slice(1).map((f) => f.index!)
  }

  /** Checkpoint the root (after setup): d0. */
  async start(): Promise<void> {
    await this.env.lane.world.checkpoint(checkpointName(0))
    // Fingerprints name the login the setup made as such, so the same state has one fingerprint on
    // every worker, whose setups logged in with tokens of their own.
    this.env.rootAuthorization = this.env.lane.http.snapshotHeaders().authorization
    const observation = await refusalsOf(() => [], () => observeAll(this.env))
    const fingerprint = fingerprintHere(this.env, observation)
    const group = this.#split.root()
    this.#frames = [{ observation, fingerprint, group }]
    if (this.#split.records(group)) this.#newState(fingerprint)
    this.beginPass()
  }

  /** A new pass of iterative deepening: states are expanded again, to the new depth. */
  beginPass(): void {
    this.#seen = new Map([[this.#frames[0]!.fingerprint, 0]])
    this.#firstReached = new Map()
  }

  /** True once Ctrl-C or a budget ends the search; says which, the first time. */
  stopped(): boolean {
    if (this.interrupted || this.truncated) return true
    if (this.env.signal.aborted) return (this.interrupted = true)
    const used = this.env.budget.exhausted({ transitions: this.stats.transitions, states: this.states.size })
    if (used) this.truncated = used
    return !!used
  }

  /** The edges out of the current state dealt to this explorer (worked out once per state). */
  edges(): Edge[] {
    const frame = this.#frames[this.depth]!
    if (!frame.edges) {
      const path = this.path
      const records = this.#split.records(frame.group)
      const all = edgesAt(this.env.actions, stateView(this.env.lane.world.ctx, path, this.#actionNames), this.env.seed, pathKey(path), (a) => this.env.coverage.enabled(a, records))
      const groups = this.#split.deal(frame.group, all.length)
      frame.edges = all.filter((edge, k) => {
        this.#groups.set(edge, groups[k]!)
        return this.#split.mine(groups[k]!)
      })
    }
    return frame.edges
  }

  /** Take an edge from the current state: run the action, observe, check the invariants. */
  async take(edge: Edge): Promise<TakeResult> {
    const { env } = this
    const k = this.depth
    const parent = this.#frames[k]!
    if (!this.#atFrame) throw new Error('an edge must start from the current state: call backTo() first')
    this.#atFrame = false
    this.#pending = undefined
    const group = this.#groups.get(edge) ?? parent.group
    // An edge this explorer takes only to reach its share below is run and judged all the same (its
    // outcome decides where the search goes), but counted by the explorer that records it.
    const records = this.#split.records(group)
    if (records) {
      this.stats.transitions++
      env.coverage.taken(edge.action)
    }
    const taken: TakenAction = { action: edge.action, input: edge.input }
    const path = [...this.path, taken]
    const pathName = path.map((t) => t.action).join(' > ')
    const sequence = parent.sequence ? `${parent.sequence} > ${sequenceStepText(taken)}` : sequenceStepText(taken)
    this.#acted = path
    const attempt = await runAction(env, edge.def, edge.input, pathName, sequence)
    if (env.signal.aborted) return this.#interrupted()
    try {
      await this.#stopIfAppStopped(attempt.exchanges, `action "${edge.action}"${path.length > 1 ? ` after ${pathName.slice(0, pathName.lastIndexOf(' > '))}` : ''}`, 'last', failureOf(edge.action, attempt))
    } catch (err) {
      // Nothing ever answered at the base URL: the action reached no state of the API, so it is no
      // transition, and an exploration that stopped at its first action explored nothing (as it says).
      if (records && err instanceof BaseUrlNotAnswering) {
        this.stats.transitions--
        env.coverage.untaken(edge.action)
      }
      throw err
    }
    const effect: ActionEffect = { ...taken, def: edge.def, attempt }
    const observation = await refusalsOf(() => path, () => observeAll(env))
    const fingerprint = fingerprintHere(env, observation)
    if (records) this.#newState(fingerprint)
    this.stats.maxDepthReached = Math.max(this.stats.maxDepthReached, k + 1)
    const kind = classifyEdge(effect, fingerprint !== parent.fingerprint)
    if (records && kind === 'refused') env.coverage.refused(edge.action, attempt.shown)
    if (records) this.answers.add(kind, edge.action, attempt.shown)
    const fault = actionFault(effect)
    if (records && fault !== undefined) env.onActionFault(edge.action, fault, attempt.shown, path)

    let violated = false
    for (const invariant of env.invariants) {
      // An invariant that looks at the system has no known state to look at after a transport failure,
      // a 5xx or a broken action. The built-in ones and response invariants judge the action itself.
      if (typeof invariant !== 'string' && !invariant.response && kind === 'failed') continue
      if (!appliesAfter(invariant, edge.action)) continue
      const verdict = await checkInvariant(env, invariant, { effect, path, pathName, now: observation, before: parent.observation })
      if (env.signal.aborted) return this.#interrupted()
      await this.#stopIfAppStopped(verdict.probes, `invariant "${invariantName(invariant)}" after ${pathName}`, 'probe', 'probe')
      if (verdict.held) continue
      if (verdict.checkThrew) {
        // No verdict on the state: the search goes on through it as if the invariant held.
        if (records) env.onInvariantThrew(invariantName(invariant), verdict.message, path)
        continue
      }
      violated = true
      if (!records) continue
      this.#violations++
      const failure = invariant === 'request_error' ? { failure: failureOf(edge.action, attempt) } : {}
      env.onViolation({
        invariant,
        sequence: path,
        message: verdict.message,
        exchanges: [...this.#pathExchanges, attempt.exchanges],
        probes: verdict.probes,
        position: [...this.#position, edge.index],
        ...failure,
      })
    }
    if (records) env.onTransition?.()
    if (violated) return 'violated'
    if (kind !== 'ok') return kind
    this.#pending = { taken, sequence, exchanges: attempt.exchanges, answer: answerOf(attempt), index: edge.index, observation, fingerprint, group }
    if (env.dedupe) {
      const seenAt = this.#seen.get(fingerprint)
      if (seenAt !== undefined && seenAt <= k + 1) {
        if (records) {
          this.stats.merged++
          if (fingerprint === parent.fingerprint && acceptedWrite(attempt.exchanges)) {
            this.stats.mergedAfterWrite++
            this.stats.mergedAfterWriteBy[edge.action] = (this.stats.mergedAfterWriteBy[edge.action] ?? 0) + 1
          } else {
            // The state another input of this action reached from this same state: what follows this
            // input (an order of every unit, not one) is searched from there, with the other's values.
            const first = this.#firstReached.get(fingerprint)
            if (first && first.from === this.#frameIds.get(parent) && first.action === edge.action && first.index !== edge.index) {
              this.stats.mergedAfterInputBy[edge.action] = (this.stats.mergedAfterInputBy[edge.action] ?? 0) + 1
            }
          }
        }
        return 'merged'
      }
      this.#seen.set(fingerprint, k + 1)
      let from = this.#frameIds.get(parent)
      if (from === undefined) this.#frameIds.set(parent, (from = this.#nextFrameId++))
      this.#firstReached.set(fingerprint, { from, action: edge.action, index: edge.index })
    }
    return 'expand'
  }

  /** Make the state the last edge reached the current one (checkpoint d(k+1)). */
  async descend(): Promise<void> {
    const next = this.#pending
    if (!next) throw new Error('descend() without an edge that may be expanded')
    if (!this.env.prefixReplay) await refusalsOf(() => this.#acted, () => this.env.lane.world.checkpoint(checkpointName(this.depth + 1)))
    this.#frames.push(next)
    this.#pending = undefined
    this.#atFrame = true
  }

  /** Put the system back to the state at depth k. */
  async backTo(k: number): Promise<void> {
    if (k > this.depth) throw new Error(`backTo(${k}) from depth ${this.depth}`)
    if (k === this.depth && this.#atFrame) return
    this.#frames.length = k + 1
    this.#pending = undefined
    if (this.env.prefixReplay) {
      await this.#rollback(0)
      await this.#replay(this.#frames.slice(1))
    } else await this.#rollback(k)
    this.#atFrame = true
  }

  /** Roll back to the root, whatever happened: how the search ends, and how Ctrl-C leaves the system. */
  async finish(): Promise<void> {
    if (!this.#frames.length) return
    this.#frames.length = 1
    this.#pending = undefined
    await this.#rollback(0)
    this.#atFrame = true
  }

  async #rollback(k: number): Promise<void> {
    const t0 = performance.now()
    const { backends, waitedMs } = await refusalsOf(() => this.#acted, () => this.env.lane.world.rollback(checkpointName(k)))
    if (waitedMs !== undefined) this.env.rollbackTimings.add(UNANSWERED_WAIT, waitedMs)
    const total = performance.now() - t0
    let spent = waitedMs ?? 0
    for (const b of backends) {
      this.env.rollbackTimings.add(b.backend, b.durationMs)
      spent += b.durationMs
    }
    // What the World restores itself: the context and the HTTP client's headers.
    this.env.rollbackTimings.add('context', Math.max(0, total - spent))
  }

  /**
   * Prefix replay: run the path's actions again from the root, with no checks (they held the first
   * time). Each must go as it went when the search took it; the first that does not stops the search,
   * named (see PrefixReplayDiverged): every action after it would run on another state and fail for it.
   */
  async #replay(frames: readonly Frame[]): Promise<void> {
    const taken = frames.map((f) => f.taken!)
    const path = taken.map((t) => t.action)
    for (const [i, frame] of frames.entries()) {
      if (this.env.signal.aborted) return
      const t = frame.taken!
      const def = this.env.actions.find((a) => a.name === t.action)!
      const attempt = await runAction(this.env, def, t.input, path.slice(0, i + 1).join(' > '), frame.sequence ?? sequenceText(taken.slice(0, i + 1)))
      if (this.env.signal.aborted) return
      const where = `action "${t.action}" replayed${i ? ` after ${path.slice(0, i).join(' > ')}` : ''}`
      await this.#stopIfAppStopped(attempt.exchanges, where, 'earlier', failureOf(t.action, attempt))
      const replayed = answerOf(attempt)
      if (frame.answer && !sameAnswer(frame.answer, replayed))
        throw new PrefixReplayDiverged({
          path: taken,
          index: i,
          recorded: frame.answer,
          replayed,
          ...(attempt.outcome.passed ? {} : { failure: attempt.outcome.message }),
          ...(attempt.shown ? { exchange: attempt.shown } : {}),
        })
    }
  }

  /**
   * A request that got no answer, from an app that answered this lane before and answers nothing now
   * (see `noAnswerAt`): the app stopped (it crashed, or was stopped). Nothing the search learns after
   * that is about the app, so it stops here, saying where (AppStoppedAnswering). So it does when nothing
   * ever answered at the base URL (BaseUrlNotAnswering): the API is not there. A request that failed
   * while the app still answers is the `request_error` invariant's to judge.
   */
  async #stopIfAppStopped(exchanges: readonly HttpExchange[], where: string, at: NoAnswer['at'], failure: string): Promise<void> {
    const missed = unanswered(exchanges)
    if (!missed) return
    const noAnswer = await noAnswerAt(missed, at, where, failure, this.env.lane.http)
    if (noAnswer.appAnswers || this.env.signal.aborted) return
    throw noAnswer.neverAnswered ? new BaseUrlNotAnswering(noAnswer, this.env.lane.http.baseUrl) : new AppStoppedAnswering(noAnswer)
  }

  #interrupted(): TakeResult {
    this.interrupted = true
    return 'interrupted'
  }

  #newState(fingerprint: string): void {
    if (this.states.has(fingerprint)) return
    this.states.add(fingerprint)
    this.env.onNewState?.(fingerprint)
  }
}
