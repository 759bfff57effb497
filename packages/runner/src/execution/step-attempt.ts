import { type Action, type ActionArgs, type HttpExchange, type StepNode, TimeoutError } from '@venomqa/core'
import { type GuardOptions, faults } from '../faults'
import { type RunnerHttpClient, isHttpResponseLike } from '../http-client'
import { untilStepStops } from '../http/detached'
import { moment } from '../http/server-errors'
import { withExchangeOrigin } from '../http/origin'
import type { Lane } from './lanes'
import { type Outcome, type Settled, judge } from './outcome'

export interface AttemptInput {
  /** The step's options (expectFailure) and name (for the deadline's message). */
  node: Pick<StepNode, 'name' | 'options' | 'action'>
  lane: Lane
  /** The journey's signal: interrupt, journey timeout, a stop. The attempt's own deadline is linked to it. */
  signal: AbortSignal
  timeoutMs?: number
  /** What the deadline's message names (`invariant "stock"`); default `step "<name>"`. */
  deadlineName?: string
  /** Names the attempt in a stray-error or stall message: `step "pay" of journey "checkout"`. */
  label: string
  /** The action's argument, made for the client and signal of this attempt. */
  args(http: RunnerHttpClient, signal: AbortSignal): ActionArgs
  /** A stray error from code this attempt started, arriving after it ended (see GuardOptions.onLate). */
  onLate?: GuardOptions['onLate']
  /** Take a stray met while nothing runs, when this attempt ended last (see GuardOptions.lateWhenIdle). */
  lateWhenIdle?: boolean
  /** Where the step runs, told with each of its exchanges to the client's exchange hook (a HAR names the step). */
  origin?: { journey: string; path: string }
  debug?: boolean
}

export interface AttemptResult {
  outcome: Outcome
  settled: Settled
  /** Every exchange the lane's client recorded while the action ran. */
  exchanges: HttpExchange[]
  /** The exchange the step is shown with: the response the action returned, else its last request. */
  shown?: HttpExchange
  /** The exchange of the response the action returned, if it returned one: the outcome rule judged it. */
  returned?: HttpExchange
  /** When the attempt began, on the `moment()` scale: requests sent before it are not its own. */
  startedAt: number
  /** Requests the action sent but did not wait for, still under way when it returned (`GET <url>`): the attempt waited for them. */
  unawaited?: string[]
}

/**
 * Run a step's action once: with its deadline (linked to the journey's signal, so an interrupt or a
 * journey timeout ends it too), inside a fault guard (code it starts but does not await still counts as
 * its own), moving on at the deadline even if the action ignores its signal, and judged by the outcome
 * rule. Never throws. This is the unit a journey and an exploration both run steps with.
 */
export async function attemptStep(input: AttemptInput): Promise<AttemptResult> {
  const { lane, node } = input
  const deadline = input.timeoutMs ? linkedDeadline(input.signal, input.timeoutMs, input.deadlineName ?? `step "${node.name}"`) : undefined
  const signal = deadline?.signal ?? input.signal
  const http = signal === input.signal ? sharedClient(lane, signal) : lane.http.bind(signal)
  const place = input.origin ? { ...input.origin, step: node.name } : undefined
  // A request of the step cut off after it stopped is told naming it (see RunnerHttpClient.servesStep).
  http.servesStep(place)
  const historyBefore = lane.http.history.length
  const startedAt = moment()
  let settled: Settled
  try {
    const args = input.args(http, signal)
    const act = () => node.action(args as Parameters<Action>[0])
    // Only when something records the exchanges: following the step through its awaits is not free.
    const origin = place && lane.http.reportsExchanges ? place : undefined
    // The runner moves on at the deadline, not when the action returns.
    const value = await untilStepStops(faults.guard(input.label, origin ? () => withExchangeOrigin(origin, act) : act, { onLate: input.onLate, lateWhenIdle: input.lateWhenIdle }), signal, letGo)
    settled = { threw: false, value }
  } catch (error) {
    settled = { threw: true, error }
  }
  // Before the step ends: what they do is its own, recorded as its, and no checkpoint or rollback runs under them.
  // Asked before any await: a step with nothing left under way (nearly every one) pays no extra tick.
  const running = signal.aborted ? undefined : http.underWay()
  const unawaited = running ? await waitForUnawaited(http, signal, running) : undefined
  deadline?.dispose()
  const exchanges = lane.http.history.slice(historyBefore)
  const returned = !settled.threw && isHttpResponseLike(settled.value) ? (settled.value as { exchange?: HttpExchange }).exchange : undefined
  return { outcome: judge(node, settled, signal, input.debug, exchanges), settled, exchanges, shown: returned ?? exchanges[exchanges.length - 1], ...(returned ? { returned } : {}), startedAt, ...(unawaited ? { unawaited } : {}) }
}

/**
 * Wait for the requests an action sent without awaiting them (`http.get(...)` in a block body, its promise
 * dropped), still under way when it returned: until they end (each has its own timeout), or the step's
 * signal aborts, which leaves them as a deadline leaves any request (recorded as the step's, waited for
 * before a rollback, cut off after the grace: see untilStepStops). Round after round: a dropped promise's
 * `.then` may send the next one. `first`: what was under way as the action returned (the caller asks, so
 * that a step with none pays no await).
 */
async function waitForUnawaited(http: RunnerHttpClient, signal: AbortSignal, first: NonNullable<ReturnType<RunnerHttpClient['underWay']>>): Promise<string[]> {
  let running: ReturnType<RunnerHttpClient['underWay']> = first
  const what: string[] = []
  while (running) {
    what.push(...running.what)
    try {
      await untilStepStops(running.ended, signal, letGo)
    } catch {
      break
    }
    // A macrotask: callbacks chained on the dropped promise run first, and may send more.
    await new Promise<void>((resolve) => setImmediate(resolve))
    running = http.underWay()
  }
  return what
}

/** A signal that aborts at `timeoutMs`, or when `parent` does. */
function linkedDeadline(parent: AbortSignal, timeoutMs: number, what: string): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController()
  const onParentAbort = () => ac.abort(parent.reason)
  if (parent.aborted) onParentAbort()
  else parent.addEventListener('abort', onParentAbort, { once: true })
  const timer = setTimeout(() => ac.abort(new TimeoutError(what, timeoutMs)), timeoutMs)
  return {
    signal: ac.signal,
    dispose() {
      clearTimeout(timer)
      parent.removeEventListener('abort', onParentAbort)
    },
  }
}

/**
 * Steps without a deadline of their own share the journey's signal, and so one bound client per lane:
 * one AbortController and one client less per step. Keyed by the signal too, since a worker's lane
 * serves the journeys of a run one after another, each with its own signal.
 */
const sharedClients = new WeakMap<Lane, { signal: AbortSignal; client: RunnerHttpClient }>()
function sharedClient(lane: Lane, signal: AbortSignal): RunnerHttpClient {
  const cached = sharedClients.get(lane)
  if (cached?.signal === signal) return cached.client
  const client = lane.http.bind(signal)
  sharedClients.set(lane, { signal, client })
  return client
}

/** An action the step no longer waits for: what it ends with is no one's concern (the fault guard sees its strays). */
function letGo(action: Promise<unknown>): void {
  action.catch(() => {})
}
