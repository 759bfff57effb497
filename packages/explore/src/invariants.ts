import { type ExploreAction, type HttpExchange, type HttpResponse, type Invariant, type InvariantArgs, type ResponseView, type TakenAction, errorKindOf, errorMessage, redactText } from '@venomqa/core'
import { type AttemptResult, attemptStep, exchangeStatus } from '@venomqa/runner'
import { withLateExchanges } from './action-run'
import type { BuiltinInvariantName, InvariantRef } from './contracts'
import type { Observation } from './fingerprint'
import type { LaneEnv } from './lane-env'
import { readonlyContext } from './view'

/** What one action did, as the invariants judge it. */
export interface ActionEffect extends TakenAction {
  def: ExploreAction<any>
  attempt: AttemptResult
}

/** Where an invariant is checked: after `effect`, the last action of `path`. */
export interface CheckPoint {
  effect: ActionEffect
  /** Every action since the root, the last one included. */
  path: readonly TakenAction[]
  pathName: string
  now: Observation
  before: Observation
}

/**
 * `timedOut`: the check ran past its deadline and was cut there. Its verdict is the deadline's, not the
 * check's: the search reports it, but a replay cut so reproduces nothing (see `SequenceRun.checkTimedOut`).
 */
export type Verdict =
  | { held: true; probes: HttpExchange[] }
  | { held: false; message: string; probes: HttpExchange[]; timedOut?: true; checkThrew?: undefined }
  | CheckThrew

/**
 * The check's own code threw (a TypeError reading a context key no action has set yet): no verdict on
 * the API at all, but a mistake in the test, told once (see onInvariantThrew), never a violation: shrunk
 * and written out as a journey, it would be one regression journey per last action for one mistake.
 */
export interface CheckThrew {
  held: false
  checkThrew: true
  message: string
  probes: HttpExchange[]
}

/** The outcome kinds that are a transport failure or a timeout: `request_error`. */
const TRANSPORT_KINDS = new Set(['timeout', 'connection-refused', 'connection-reset', 'dns', 'tls', 'transport'])

export function invariantName(ref: InvariantRef): string {
  return typeof ref === 'string' ? ref : ref.name
}

export function severityOf(ref: InvariantRef): NonNullable<Invariant['options']['severity']> {
  return typeof ref === 'string' ? 'high' : (ref.options.severity ?? 'high')
}

/** An invariant with `after` is checked only after those actions; the built-in ones after every action. */
export function appliesAfter(ref: InvariantRef, action: string): boolean {
  if (typeof ref === 'string') return true
  const after = ref.options.after
  return !after?.length || after.includes(action)
}

/** The built-ins by name: cheap, judged from what the action did, no request of their own. */
export function checkBuiltin(name: BuiltinInvariantName, effect: ActionEffect): string | undefined {
  return name === 'no_5xx' ? serverError(effect) : requestError(effect)
}

/** A response of 500 or more that the action's `allowStatus` does not allow (default: status < 500). */
function serverError({ def, attempt }: ActionEffect): string | undefined {
  const allowed = def.options.allowStatus ?? ((status: number) => status < 500)
  // The status as received: the redacted response is worked out only for the message of a violation.
  const bad = attempt.exchanges.find((e) => {
    const status = exchangeStatus(e)
    return status !== undefined && !allowed(status)
  })
  if (!bad) return undefined
  return `${def.name}: HTTP ${exchangeStatus(bad)} from ${bad.request.method} ${redactText(bad.request.url)}`
}

/** The action failed on a transport error or ran past its deadline. */
function requestError({ def, attempt }: ActionEffect): string | undefined {
  const { outcome } = attempt
  if (outcome.passed || !TRANSPORT_KINDS.has(outcome.kind)) return undefined
  return `${def.name}: ${outcome.message}`
}

/**
 * Check one invariant after the last action. A built-in one judges the action; `invariant.response` the
 * last response; any other runs its check like a step (deadline, fault guard), its requests recorded
 * as probes. A violation is a thrown error, `false`, or a string.
 */
export async function checkInvariant(env: LaneEnv, ref: InvariantRef, at: CheckPoint): Promise<Verdict> {
  if (typeof ref === 'string') {
    const message = checkBuiltin(ref, at.effect)
    return message === undefined ? { held: true, probes: [] } : { held: false, message, probes: [] }
  }
  if (ref.response) return checkResponse(ref, at.effect)
  const from = env.lane.http.history.length
  const checked = await attemptStep({
    node: { name: ref.name, options: {}, action: async (args) => ({ verdict: await ref.check(args as unknown as InvariantArgs) }) },
    lane: env.lane,
    signal: env.signal,
    timeoutMs: env.stepTimeout,
    deadlineName: `invariant "${ref.name}"`,
    label: `invariant "${ref.name}" of exploration "${env.exploration}"`,
    args: (http, signal) => invariantArgs(env, at, http, signal) as never,
    debug: env.debug,
  })
  // A probe still waiting at the check's deadline got no answer: it must be among the probes, as one cut
  // by its own timeout is, so that the replay counts as no reproduction rather than as a broken invariant.
  const attempt = checked.outcome.passed || !checked.outcome.timedOut ? checked : await withLateExchanges(checked, env.lane, from)
  const probes = attempt.exchanges
  if (attempt.settled.threw) {
    if (env.signal.aborted) return { held: true, probes }
    const { outcome } = attempt
    if (outcome.passed) return { held: false, message: errorMessage(attempt.settled.error), probes }
    if (outcome.kind === 'crash') return { held: false, checkThrew: true, message: redactText(outcome.message || errorMessage(attempt.settled.error)), probes }
    return { held: false, message: outcome.message, probes, ...(outcome.timedOut ? { timedOut: true as const } : {}) }
  }
  return verdictOf((attempt.settled.value as { verdict: unknown }).verdict, probes)
}

function invariantArgs(env: LaneEnv, at: CheckPoint, http: InvariantArgs['http'], signal: AbortSignal): InvariantArgs {
  const shown = at.effect.attempt.shown
  return {
    http,
    ctx: readonlyContext(env.lane.world.ctx),
    ports: env.lane.ports,
    last: { action: at.effect.action, input: at.effect.input, request: shown?.request, response: shown?.response },
    path: at.path,
    now: at.now,
    before: at.before,
    signal,
  }
}

function checkResponse(ref: Invariant, effect: ActionEffect): Verdict {
  const view = responseView(effect)
  if (!view) return { held: true, probes: [] }
  try {
    return verdictOf(ref.response!(view), [])
  } catch (err) {
    const message = redactText(errorMessage(err))
    return errorKindOf(err) === 'crash' ? { held: false, checkThrew: true, message, probes: [] } : { held: false, message, probes: [] }
  }
}

/** The last response as a response invariant sees it: the one the action returned, else its last one. */
function responseView(effect: ActionEffect): ResponseView | undefined {
  const { settled, shown } = effect.attempt
  const returned = !settled.threw && isResponse(settled.value) ? settled.value : undefined
  const recorded = shown?.response
  if (!returned && !recorded) return undefined
  const text = returned ? returned.bodyText : typeof recorded!.body === 'string' ? recorded!.body : recorded!.body === undefined ? '' : JSON.stringify(recorded!.body)
  return {
    status: returned?.status ?? recorded!.status,
    headers: returned?.headers ?? recorded!.headers,
    text,
    json: () => {
      try {
        return JSON.parse(text)
      } catch {
        return undefined
      }
    },
    request: shown?.request,
    action: effect.action,
    input: effect.input,
  }
}

function isResponse(value: unknown): value is HttpResponse {
  return !!value && typeof value === 'object' && typeof (value as HttpResponse).status === 'number' && typeof (value as HttpResponse).bodyText === 'string'
}

function verdictOf(value: unknown, probes: HttpExchange[]): Verdict {
  if (value === false) return { held: false, message: 'the check returned false', probes }
  if (typeof value === 'string') return { held: false, message: redactText(value), probes }
  return { held: true, probes }
}
