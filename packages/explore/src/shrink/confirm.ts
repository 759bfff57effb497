import type { ConfirmFn, SequenceRun } from '../contracts'

/**
 * Replay the minimal sequence from the root `times` times and count the replays that broke the
 * invariant. The caller reports the violation as flaky when failures < times. The run returned is the
 * last one that broke it (what the emitter writes out), or the last one when none did.
 */
export const confirmSequence: ConfirmFn = async ({ sequence, invariant, runner, times }) => {
  let failures = 0
  let shown: SequenceRun | undefined
  let last: SequenceRun | undefined
  for (let i = 0; i < times; i++) {
    last = await runner.run(sequence, invariant)
    if (last.violation !== undefined) {
      failures++
      shown = last
    }
  }
  return { attempts: times, failures, run: shown ?? last ?? { steps: [], probes: [] } }
}
