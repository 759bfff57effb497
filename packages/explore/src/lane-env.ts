import type { Issue, Logger } from '@venomqa/core'
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
  /** The Authorization header at the root (the setup's login), once the search has started. */
  rootAuthorization?: string
  /**
   * The names of worker 0's state backends, by place: what `now` and `before` are keyed by on every lane.
   * A worker's backends have names of their own (`postgres:app_w1`); keyed by those, an invariant that
   * reads `now['postgres:app']` threw on every worker but the first, and each throw was a violation.
   */
  backendNames?: readonly string[]
  /** Told of a stray error that code an action started raised after the action ended (see runAction). */
  onLateFault?: (issue: Issue) => void
}

/**
 * Every state backend's `observe()`, keyed as on worker 0 (what invariants read), and timed under the
 * backend's own name, as rollbacks are: each worker's timings apart. Backends without one say nothing.
 */
export async function observeAll(env: LaneEnv): Promise<Observation> {
  const out: Observation = {}
  for (const [place, backend] of env.lane.world.backends.entries()) {
    if (!backend.observe) continue
    const name = observedName(env, place)
    const t0 = performance.now()
    out[name] = await backend.observe()
    env.observeTimings.add(backend.name, performance.now() - t0)
  }
  return out
}

/** What observeAll keys the backend at `place` by: its name on worker 0. */
function observedName(env: LaneEnv, place: number): string {
  return env.backendNames?.[place] ?? env.lane.world.backends[place]!.name
}

/** Stands for the root's Authorization header in fingerprints. */
const ROOT_LOGIN = '\u0000the setup login'

/**
 * The fingerprint of the state the lane is in, given what the backends observed. The backends are named
 * by their place and the setup's login as such, not by value: each worker of an exploration has
 * backends and a token of its own, and the same state must have the same fingerprint on all of them.
 * Within one lane this tells apart exactly the states the names and values do.
 */
export function fingerprintHere(env: LaneEnv, observation: Observation): string {
  const byPlace: Observation = {}
  for (const k of env.lane.world.backends.keys()) {
    const name = observedName(env, k)
    if (name in observation) byPlace[k] = observation[name]
  }
  const authorization = env.lane.http.snapshotHeaders().authorization
  return fingerprintOf(byPlace, env.lane.world.ctx.keys(), authorization !== undefined && authorization === env.rootAuthorization ? ROOT_LOGIN : authorization)
}
