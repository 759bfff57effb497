import { AbortedError, type ExploreAction, type TakenAction } from '@venomqa/core'
import { runAction } from './action-run'
import type { InvariantRef, SequenceRun, SequenceRunner, SequenceStepRun } from './contracts'
import { isEnabled } from './edges'
import type { Observation } from './fingerprint'
import { type ActionEffect, appliesAfter, checkInvariant } from './invariants'
import { type LaneEnv, observeAll } from './lane-env'
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
 * invariant is then judged only if the last action ran.
 */
export class LaneSequenceRunner implements SequenceRunner {
  readonly #env: SequenceEnv

  constructor(env: SequenceEnv) {
    this.#env = env
  }

  async run(sequence: readonly TakenAction[], invariant: InvariantRef): Promise<SequenceRun> {
    const env = this.#env
    const { world } = env.lane
    await world.rollback(env.root)
    const steps: SequenceStepRun[] = []
    const path: TakenAction[] = []
    let last: ActionEffect | undefined
    let before: Observation = {}
    for (const [i, taken] of sequence.entries()) {
      if (env.signal.aborted) throw new AbortedError('interrupted while replaying a sequence')
      const def = env.actions.get(taken.action)
      if (!def) throw new Error(`the sequence names "${taken.action}", which is no action of exploration "${env.exploration}"`)
      const ctxBefore = { ...world.ctx.snapshot() }
      last = undefined
      if (!safelyEnabled(def, stateView(world.ctx, path))) {
        steps.push({ ...taken, exchanges: [], ctxBefore, ctxAfter: ctxBefore, enabled: false })
        continue
      }
      if (i === sequence.length - 1) before = await observeAll(env)
      const attempt = await runAction(env, def, taken.input, 'sequence')
      path.push({ action: taken.action, input: taken.input })
      steps.push({ ...taken, exchanges: attempt.exchanges, ctxBefore, ctxAfter: { ...world.ctx.snapshot() }, enabled: true })
      last = { ...taken, def, attempt }
    }
    if (env.signal.aborted) throw new AbortedError('interrupted while replaying a sequence')
    if (!last || !appliesAfter(invariant, last.action)) return { steps, probes: [] }
    const now = await observeAll(env)
    const verdict = await checkInvariant(env, invariant, { effect: last, path, pathName: 'sequence', now, before })
    return verdict.held ? { steps, probes: verdict.probes } : { steps, violation: verdict.message, probes: verdict.probes }
  }
}

function safelyEnabled(def: ExploreAction<any>, view: ReturnType<typeof stateView>): boolean {
  try {
    return isEnabled(def, view)
  } catch {
    return false
  }
}
