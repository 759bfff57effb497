import { type ExploreAction, type Issue, type StepResult, actionAsStep, errorMessage, makeIssue } from '@venomqa/core'
import { type AttemptResult, type Lane, type LateAttribution, StepArgs, attemptStep } from '@venomqa/runner'
import type { LaneEnv } from './lane-env'

/**
 * Run one action of an exploration once, through the runner's own step attempt: its deadline, the
 * fault guard, recorded (redacted) exchanges and the outcome rule are those of a journey's step.
 * `pathName` is the sequence by its actions' names, as the action's `path` and its log lines say it;
 * `sequence`, by each action with its input (core's sequenceText), as every issue names it: what the
 * runner tells of the action's own place (a request cut off after it stopped) names it so too, and two
 * sequences that differ only in their inputs are told apart.
 */
export async function runAction(env: LaneEnv, def: ExploreAction<any>, input: unknown, pathName: string, sequence: string): Promise<AttemptResult> {
  const { lane } = env
  const logs: NonNullable<StepResult['logs']> = []
  const from = lane.http.history.length
  const attempt = await attemptStep({
    node: { name: def.name, options: {}, action: actionAsStep(def, input) },
    lane,
    signal: env.signal,
    timeoutMs: def.options.timeout ?? env.stepTimeout,
    label: `action "${def.name}" of exploration "${env.exploration}"`,
    args: (http, signal) => new StepArgs(http, lane.world.ctx, lane.ports, signal, logs, env.logger, env.exploration, pathName, def.name, 1),
    origin: { journey: env.exploration, path: sequence },
    debug: env.debug,
    // A stray met while nothing runs is this action's too when it ended last: between actions the engine
    // runs none of the user's code, and told as the run's, the fault named no sequence to reproduce it by.
    lateWhenIdle: true,
    onLate: (error, _origin, attribution) => env.onLateFault?.(lateFaultIssue(env.exploration, def.name, sequence, error, attribution)),
  })
  return attempt.outcome.passed || !attempt.outcome.timedOut ? attempt : withLateExchanges(attempt, lane, from)
}

/**
 * At its deadline a step stops waiting at once, and the request it was waiting for is recorded a moment
 * later, when that request's own wait is cut: after the attempt took the step's exchanges. It is the
 * step's own request all the same, the one that hung: `request_error` is about it, the failure names it,
 * and the regression journey replays it (without it, the step would be written as one that made no
 * request, and the journey's check would judge another step's). An invariant's probe that hung is its
 * check's in the same way: without it, the trial rule would take the deadline for the invariant's verdict.
 * Its record is made in the same turn of the event loop as the deadline, so it is there once that turn is
 * over.
 */
export async function withLateExchanges(attempt: AttemptResult, lane: Lane, from: number): Promise<AttemptResult> {
  await new Promise((resolve) => setImmediate(resolve))
  const exchanges = lane.http.history.slice(from)
  return { ...attempt, exchanges, shown: attempt.returned ?? exchanges[exchanges.length - 1] }
}

/** A stray error of code the action started, told after the action ended, with its sequence and how it was put down to it. */
export function lateFaultIssue(exploration: string, action: string, sequence: string, error: unknown, attribution: LateAttribution): Issue {
  const why = attribution === 'started' ? 'its code started the callback that failed' : 'it is the action that ended last before the error came, its most likely source'
  return makeIssue({
    journey: exploration,
    path: sequence,
    step: action,
    severity: 'critical',
    kind: 'stray-error',
    source: 'action',
    error: `code started by action "${action}" failed after the action had ended: ${errorMessage(error)} (attributed to this sequence: ${why})`,
  })
}
