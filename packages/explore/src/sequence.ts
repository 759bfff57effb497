import { AbortedError, type ExploreAction, type TakenAction, redactHeaders, sequenceText } from '@venomqa/core'
import { runAction } from './action-run'
import type { InvariantRef, NoAnswer, SequenceRun, SequenceRunner, SequenceStepRun } from './contracts'
import { isEnabled } from './edges'
import type { Observation } from './fingerprint'
import { type ActionEffect, appliesAfter, checkInvariant } from './invariants'
import { type LaneEnv, observeAll } from './lane-env'
import { failureOf, noAnswerAt, unanswered } from './no-answer'
import { refusalsOf } from './state-refused'
import { stateView } from './view'

export interface SequenceEnv extends LaneEnv {
  actions: ReadonlyMap<string, ExploreAction<any>>
  /** The root checkpoint every run starts from. */
  root: string
}

/**
 * Runs a sequence from the root and checks one invariant after its last action: what the shrinker and
 * the confirmation replay through. Each run first rolls back to the root. An action whose `when` does
 * not allow it where the sequence got to is not run (and marked, so the shrinker drops it); the
 * invariant is then judged only if the last action ran. A request that got no answer is told in the run
 * (`noAnswer`, with whether the app still answers at all); after an action that met one, the run stops:
 * the state it reached is not known. A state backend's refusal of what the app did (at an observe, or at
 * the rollback that starts the next run) is thrown as the search throws it (StateRefusedAfter), put down
 * to the actions the app last ran, in this run or the one before it.
 */
export class LaneSequenceRunner implements SequenceRunner {
  readonly #env: SequenceEnv
  /** The actions of the run whose last action the app ran last: what a refusal met after it is put down to. */
  #acted: TakenAction[] = []

  constructor(env: SequenceEnv) {
    this.#env = env
  }

  /**
   * Once the replays are over: back to the root, so that a refusal of what the last run made the app do
   * (in its invariant's check, or after an action no observe followed) is met here, put down to its
   * actions, rather than by the rollback to where the system was before the exploration.
   */
  async finish(): Promise<void> {
    if (!this.#acted.length) return
    await refusalsOf(() => this.#acted, () => this.#env.lane.world.rollback(this.#env.root))
    this.#acted = []
  }

  async run(sequence: readonly TakenAction[], invariant: InvariantRef): Promise<SequenceRun> {
    const env = this.#env
    const { world } = env.lane
    await refusalsOf(() => this.#acted, () => world.rollback(env.root))
    // Rolled back, the client sends the root's headers again (a checkpoint saves them).
    const rootHeaders = redactHeaders(env.lane.http.snapshotHeaders())
    const done = (fields: Omit<SequenceRun, 'rootHeaders'>): SequenceRun => ({ ...fields, rootHeaders })
    const steps: SequenceStepRun[] = []
    const path: TakenAction[] = []
    let last: ActionEffect | undefined
    let before: Observation = {}
    let noAnswer: NoAnswer | undefined
    for (const [i, taken] of sequence.entries()) {
      if (env.signal.aborted) throw new AbortedError('interrupted while replaying a sequence')
      const def = env.actions.get(taken.action)
      if (!def) throw new Error(`the sequence names "${taken.action}", which is no action of exploration "${env.exploration}"`)
      const ctxBefore = { ...world.ctx.snapshot() }
      last = undefined
      if (!safelyEnabled(def, stateView(world.ctx, path, env.actions))) {
        steps.push({ ...taken, exchanges: [], ctxBefore, ctxAfter: ctxBefore, enabled: false })
        continue
      }
      if (i === sequence.length - 1) before = await refusalsOf(() => this.#acted, () => observeAll(env))
      path.push({ action: taken.action, input: taken.input })
      const attempt = await runAction(env, def, taken.input, 'sequence', sequenceText(path))
      this.#acted = [...path]
      steps.push({ ...taken, exchanges: attempt.exchanges, ctxBefore, ctxAfter: { ...world.ctx.snapshot() }, enabled: true })
      last = { ...taken, def, attempt }
      const missed = unanswered(attempt.exchanges)
      if (missed) {
        if (env.signal.aborted) throw new AbortedError('interrupted while replaying a sequence')
        const lastStep = i === sequence.length - 1
        const where = `action "${taken.action}"${path.length > 1 ? ` after ${path.slice(0, -1).map((t) => t.action).join(' > ')}` : ''}`
        noAnswer = await noAnswerAt(missed, lastStep ? 'last' : 'earlier', where, failureOf(taken.action, attempt), env.lane.http)
        if (!lastStep) return done({ steps, probes: [], noAnswer })
      }
    }
    if (env.signal.aborted) throw new AbortedError('interrupted while replaying a sequence')
    if (!last || !appliesAfter(invariant, last.action)) return done({ steps, probes: [], ...(noAnswer ? { noAnswer } : {}) })
    // After a request with no answer only the checks that judge the action itself say anything (request_error).
    if (noAnswer && typeof invariant !== 'string' && !invariant.response) return done({ steps, probes: [], noAnswer })
    const now = await refusalsOf(() => this.#acted, () => observeAll(env))
    const verdict = await checkInvariant(env, invariant, { effect: last, path, pathName: 'sequence', now, before })
    const probeMissed = noAnswer ? undefined : unanswered(verdict.probes)
    if (probeMissed) {
      if (env.signal.aborted) throw new AbortedError('interrupted while replaying a sequence')
      const name = typeof invariant === 'string' ? invariant : invariant.name
      noAnswer = await noAnswerAt(probeMissed, 'probe', `invariant "${name}" after ${path.map((t) => t.action).join(' > ')}`, `probe ${probeMissed.request.method}`, env.lane.http)
    }
    const cut = !verdict.held && !verdict.checkThrew && verdict.timedOut ? { checkTimedOut: true as const } : {}
    // A check that threw said nothing of the state: no violation, so no reproduction of one either.
    const broken = !verdict.held && !verdict.checkThrew
    return done({ steps, probes: verdict.probes, ...(broken ? { violation: verdict.message } : {}), ...cut, ...(noAnswer ? { noAnswer } : {}) })
  }
}

function safelyEnabled(def: ExploreAction<any>, view: ReturnType<typeof stateView>): boolean {
  try {
    return isEnabled(def, view)
  } catch {
    return false
  }
}
