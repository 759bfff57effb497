import { type Issue, type JourneyNode, type StepNode, type StepResult, makeIssue, suggestionFor } from '@venomqa/core'
import { StepArgs, attemptStep } from '@venomqa/runner'
import type { LaneEnv } from './lane-env'

/**
 * Run the exploration's setup steps once, in order, as a journey runs steps (deadline, retries,
 * outcome rule). Returns the issue of the first step that failed, if one did: nothing can be explored
 * from a root that is not what the setup meant it to be.
 */
export async function runSetup(env: LaneEnv, steps: readonly JourneyNode[], retriesDefault = 0): Promise<Issue | undefined> {
  for (const node of steps as StepNode[]) {
    const logs: NonNullable<StepResult['logs']> = []
    const attempts = 1 + (node.options.retries ?? retriesDefault)
    for (let attempt = 1; ; attempt++) {
      const result = await attemptStep({
        node,
        lane: env.lane,
        signal: env.signal,
        timeoutMs: node.options.timeout ?? env.stepTimeout,
        label: `setup step "${node.name}" of exploration "${env.exploration}"`,
        args: (http, signal) => new StepArgs(http, env.lane.world.ctx, env.lane.ports, signal, logs, env.logger, env.exploration, 'setup', node.name, attempt),
        origin: { journey: env.exploration, path: 'setup' },
        debug: env.debug,
      })
      const { outcome } = result
      if (outcome.passed) break
      if (attempt < attempts && !env.signal.aborted && outcome.kind !== 'stray-error' && outcome.kind !== 'stall') continue
      return makeIssue({
        journey: env.exploration,
        path: 'setup',
        step: node.name,
        severity: outcome.kind === 'aborted' ? 'info' : 'critical',
        kind: outcome.kind,
        error: `setup step "${node.name}" failed, so nothing was explored: ${outcome.message}`,
        // The setup runs once, before any path: a conflict there is never state another path left.
        suggestion: outcome.suggestion ?? suggestionFor(outcome.kind, result.shown?.response?.status, { afterOtherPaths: false, url: result.shown?.request.url }),
        source: 'step',
        request: result.shown?.request,
        response: result.shown?.response,
      })
    }
  }
  return undefined
}
