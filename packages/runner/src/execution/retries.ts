import { Context, type Issue, type JourneyResult, type StateBackend, errorMessage, makeIssue, settleAttempts } from '@venomqa/core'
import { faults } from '../faults'
import { type StateCalls, World } from '../world'

/**
 * The checkpoint a retried journey's state backends take before its first attempt, and roll back to
 * before each retry. Named so that no journey's own checkpoint can take the name by accident.
 */
export const BEFORE_JOURNEY_CHECKPOINT = 'venomqa:before-journey'

/** What `attempt` hands the journey's executor: settle the attempt's raw result before `journeyEnd` fires. */
export type SettleAttempt = (raw: JourneyResult) => { result: JourneyResult; willRetry: boolean }

export interface RetryInput {
  journey: string
  /** 1 + the journey's retries. */
  maxAttempts: number
  /** The state backends of the lane the journey runs on: their state before the first attempt is restored before every retry. */
  backends: readonly StateBackend[]
  /** The run's: each backend call bounded by pluginTimeout, and none on a backend abandoned (see StateCalls). */
  calls?: StateCalls
  /** Requests an earlier attempt's steps stopped waiting for end before the rollback (see World). */
  settle?: () => Promise<void> | undefined
  /** True once the run is interrupted (or stopped by fail-fast elsewhere): no new attempt starts. */
  stopped(): boolean
  /** Run attempt `n` from scratch (a fresh context and HTTP client); `settle` makes its result before `journeyEnd`. */
  attempt(n: number, settle: SettleAttempt): Promise<JourneyResult>
  /** The result of a journey that could not start (its state could not be saved), failed with `issue`, once told to live reporters. */
  notRun(issue: Issue): Promise<JourneyResult>
  /**
   * Tell the journey's final result when its last `journeyEnd` promised a retry that did not come (the
   * state could not be put back for it): live reporters would otherwise wait for it forever.
   */
  ended(result: JourneyResult): Promise<void>
}

/**
 * Run a journey up to `maxAttempts` times, until an attempt does not fail. Before the first attempt the
 * state backends take a checkpoint; before each retry they are rolled back to it, so a retry starts from
 * the state the first attempt started from, never from what a failed attempt left behind. The result is
 * the last attempt's, with the earlier ones in `earlierAttempts`; one that failed and then passed is
 * `flaky` (see settleAttempts).
 */
export async function runWithRetries(input: RetryInput): Promise<JourneyResult> {
  const start = new World(input.backends, new Context(), [], input.settle, input.calls)
  const stateIssue = (step: string, severity: Issue['severity'], error: string) =>
    makeIssue({ journey: input.journey, path: 'main', step, severity, kind: 'state', error, source: 'state' })
  try {
    await faults.guard('saving the state before a retried journey', () => start.checkpoint(BEFORE_JOURNEY_CHECKPOINT), { passStrays: true })
  } catch (err) {
    return input.notRun(
      stateIssue(
        'journey',
        'critical',
        `not run: the state before the journey could not be saved, so a retry could not start from it: ${errorMessage(err)}`,
      ),
    )
  }
  const attempts: JourneyResult[] = []
  const later: Issue[] = []
  /** The last attempt's journeyEnd said a retry follows, and none did. */
  let retryPromised = false
  try {
    for (let n = 1; n <= input.maxAttempts; n++) {
      if (n > 1) {
        try {
          await faults.guard('rolling back before a journey retry', () => start.rollback(BEFORE_JOURNEY_CHECKPOINT), { passStrays: true })
        } catch (err) {
          later.push(stateIssue('journey', 'critical', `not retried: the state could not be put back to where the journey started, so attempt ${n} would run on unknown state: ${errorMessage(err)}`))
          retryPromised = true
          break
        }
      }
      const willRetry = (r: JourneyResult) => r.status === 'failed' && n < input.maxAttempts && !r.interrupted && !input.stopped()
      let raw: JourneyResult | undefined
      const settled = await input.attempt(n, (r) => {
        raw = r
        return { result: settleAttempts([...attempts, r]), willRetry: willRetry(r) }
      })
      const result = raw ?? settled
      attempts.push(result)
      if (!willRetry(result)) break
    }
  } finally {
    for (const p of await start.releaseAll()) later.push(stateIssue('release', p.severity, p.error))
  }
  const final = settleAttempts(attempts)
  if (later.length) {
    final.issues = [...final.issues, ...later]
    if (later.some((i) => i.severity === 'critical')) final.status = 'failed'
  }
  if (retryPromised) await input.ended(final)
  return final
}
