import type { ConfirmFn, SequenceRun } from '../contracts'
import { trialVerdict } from './trials'

/**
 * Replay the minimal sequence from the root `times` times and count the replays that broke the
 * invariant, by the trial rule of the shrinker (`trialVerdict`: a replay that got no answer, or whose
 * check ran past its deadline, is no reproduction, nor is one that broke the invariant as another
 * violation than the one met does). The caller reports the violation as flaky when failures < times. The run
 * returned is the last one that broke it (what the emitter writes out), or the last one when none did.
 * When the app stops answering, the confirmation stops there and says so (`noAnswer`): the replays tell
 * nothing any more.
 */
export const confirmSequence: ConfirmFn = async ({ sequence, invariant, runner, times, failure, met }) => {
  let failures = 0
  let shown: SequenceRun | undefined
  let last: SequenceRun | undefined
  for (let i = 0; i < times; i++) {
    last = await runner.run(sequence, invariant)
    const verdict = trialVerdict(last, invariant, failure, met)
    if (verdict === 'unknown' && last.noAnswer && !last.noAnswer.appAnswers) return { attempts: i, failures, run: shown ?? last, noAnswer: last.noAnswer }
    if (verdict === 'fails') {
      failures++
      shown = last
    }
  }
  return { attempts: times, failures, run: shown ?? last ?? { steps: [], probes: [] } }
}
