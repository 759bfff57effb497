import { type ExploreAction, type StepResult, actionAsStep } from '@venomqa/core'
import { type AttemptResult, StepArgs, attemptStep } from '@venomqa/runner'
import type { LaneEnv } from './lane-env'

/**
 * Run one action of an exploration once, through the runner's own step attempt: its deadline, the
 * fault guard, recorded (redacted) exchanges and the outcome rule are those of a journey's step.
 */
export function runAction(env: LaneEnv, def: ExploreAction<any>, input: unknown, pathName: string): Promise<AttemptResult> {
  const { lane } = env
  const logs: NonNullable<StepResult['logs']> = []
  return attemptStep({
    node: { name: def.name, options: {}, action: actionAsStep(def, input) },
    lane,
    signal: env.signal,
    timeoutMs: def.options.timeout ?? env.stepTimeout,
    label: `action "${def.name}" of exploration "${env.exploration}"`,
    args: (http, signal) => new StepArgs(http, lane.world.ctx, lane.ports, signal, logs, env.logger, env.exploration, pathName, def.name, 1),
    origin: { journey: env.exploration, path: pathName },
    debug: env.debug,
  })
}
