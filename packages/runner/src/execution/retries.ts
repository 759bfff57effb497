import { Context, type RollbackTiming, type Issue, type JourneyResult, type StateBackend, errorMessage, makeIssue, settleAttempts } from '@venomqa/core'
import { faults } from '../faults'
import { type Restorable, type StateCalls, World } from '../world'

/**
 * The checkpoint a retried (or restored) journey's state backends take before its first attempt, and roll
 * back to before each retry, and after the journey when it is restored. Named so that no journey's own
 * checkpoint can take the name by accident.
 */
export const BEFORE_JOURNEY_CHECKPOINT = 'venomqa:before-journey'

/** What `attempt` hands the journey's executor: settle the attempt's raw result before `journeyEnd` fires. */
export type SettleAttempt = (raw: JourneyResult) => { result: JourneyResult; willRetry: boolean }

/**
 * Puts the system back to where it stood before the journey (`restore`): what the journey's last attempt
 * calls before its `journeyEnd`, so that the rollback is in its result and shown with it. Called once; a
 * rollback that fails rejects, and the system's state is then unknown.
 */
export interface Restorer {
  checkpoint: string
  /**
   * The backends' times, and the wait for requests that outlived their steps when there was one (see
   * World.rollback); `onBackend` is told of each backend once it has put its part back.
   */
  restore(onBackend?: (backend: StateBackend) => void): Promise<Omit<RollbackTiming, 'durationMs'>>
}

export interface RetryInput {
  journey: string
  /** 1 + the journey's retries. */
  maxAttempts: number
  /** Put the system back after the journey's last attempt (the journey's or the run's `restore`). */
  restore?: boolean
  /** The state could not be put back after the journey (`restore`): nothing more may run on these backends. */
  stateUnknown?(why: string): void
  /**
   * Saved with the state before the journey and put back with it, beside the backends: the tokens `useAuth`
   * keeps for the journey's API (see keptTokens), which a login during the journey added.
   */
  extras?: readonly Restorable[]
  /** The state backends of the lane the journey runs on: their state before the first attempt is restored before every retry. */
  backends: readonly StateBackend[]
  /** The run's: each backend call bounded by pluginTimeout, and none on a backend abandoned (see StateCalls). */
  calls?: StateCalls
  /** Requests an earlier attempt's steps stopped waiting for end before the rollback (see World). */
  settle?: () => Promise<void> | undefined
  /** Told after each rollback which backends stopped the app's work and undid it (see World). */
  rolledBack?: (cancelledBy: readonly string[]) => void
  /** True once the run is interrupted (or stopped by fail-fast elsewhere): no new attempt starts. */
  stopped(): boolean
  /**
   * Run attempt `n` from scratch (a fresh context and HTTP client); `settle` makes its result before
   * `journeyEnd`. `restorer`, when the journey is restored: the attempt that is the last calls it.
   */
  attempt(n: number, settle: SettleAttempt, restorer?: Restorer): Promise<JourneyResult>
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
 *
 * With `restore`, the last attempt rolls back to that checkpoint too, before its `journeyEnd` (see
 * Restorer): the journey leaves the system as it found it. One that ended without doing so (an attempt
 * that never ran, a retry promised and not run) is rolled back here. A rollback that fails is a critical
 * issue of the journey, and `stateUnknown` is told.
 */
export async function runWithRetries(input: RetryInput): Promise<JourneyResult> {
  const start = new World(input.backends, new Context(), input.extras ?? [], input.settle, input.calls, input.rolledBack)
  const stateIssue = (step: string, severity: Issue['severity'], error: string) =>
    makeIssue({ journey: input.journey, path: 'main', step, severity, kind: 'state', error, source: 'state' })
  try {
    await faults.guard('saving the state before a retried journey', () => start.checkpoint(BEFORE_JOURNEY_CHECKPOINT), { passStrays: true })
  } catch (err) {
    const because = input.maxAttempts > 1 ? 'so a retry could not start from it' : 'so it could not be put back after the journey (restore)'
    return input.notRun(stateIssue('journey', 'critical', `not run: the state before the journey could not be saved, ${because}: ${errorMessage(err)}`))
  }
  let restoreTried = false
  const putBackFailed = (err: unknown) => input.stateUnknown?.(`the state could not be put back after journey "${input.journey}" (restore): ${errorMessage(err)}`)
  const restorer: Restorer | undefined = input.restore
    ? {
        checkpoint: BEFORE_JOURNEY_CHECKPOINT,
        restore: async (onBackend) => {
          restoreTried = true
          try {
            return await faults.guard('putting the state back after a journey', () => start.rollback(BEFORE_JOURNEY_CHECKPOINT, onBackend), { passStrays: true })
          } catch (err) {
            putBackFailed(err)
            throw err
          }
        },
      }
    : undefined
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
          // The rollback after the journey would be this one again.
          if (restorer) {
            restoreTried = true
            putBackFailed(err)
          }
          break
        }
      }
      const willRetry = (r: JourneyResult) => r.status === 'failed' && n < input.maxAttempts && !r.interrupted && !input.stopped()
      let raw: JourneyResult | undefined
      const settled = await input.attempt(
        n,
        (r) => {
          raw = r
          return { result: settleAttempts([...attempts, r]), willRetry: willRetry(r) }
        },
        restorer,
      )
      const result = raw ?? settled
      attempts.push(result)
      if (!willRetry(result)) break
    }
    // The last attempt did not put the system back itself: it never ran, or it was told a retry follows.
    if (restorer && !restoreTried) {
      try {
        await restorer.restore()
      } catch (err) {
        later.push(stateIssue('restore', 'critical', `the state could not be put back to where the journey started (restore): ${errorMessage(err)}`))
      }
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
