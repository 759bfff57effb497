import type { Logger } from '@venomqa/core'
import type { Lane } from '@venomqa/runner'
import { fingerprintOf, type Observation } from './fingerprint'
import type { Timings } from './timings'

/** What running actions and checks needs, for the search and the sequence runner alike. */
export interface LaneEnv {
  exploration: string
  lane: Lane
  /** The exploration's signal: Ctrl-C. */
  signal: AbortSignal
  /** Deadline of an action or an invariant without a timeout of its own, ms. */
  stepTimeout?: number
  logger?: Logger
  debug?: boolean
  observeTimings: Timings
}

/** Every state backend's `observe()`, timed per backend. Backends without one say nothing. */
export async function observeAll(env: LaneEnv): Promise<Observation> {
  const out: Observation = {}
  for (const backend of env.lane.world.backends) {
    if (!backend.observe) continue
    const t0 = performance.now()
    out[backend.name] = await backend.observe()
    env.observeTimings.add(backend.name, performance.now() - t0)
  }
  return out
}

/** The fingerprint of the state the lane is in, given what the backends observed. */
export function fingerprintHere(env: LaneEnv, observation: Observation): string {
  return fingerprintOf(observation, env.lane.world.ctx.keys(), env.lane.http.snapshotHeaders().authorization)
}
