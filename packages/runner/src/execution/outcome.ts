import { AbortedError, type ErrorCode, type ErrorKind, type HttpExchange, StateError, type StepNode, TimeoutError, TransportError, errorKindOf, errorMessage, redactText, suggestionForError } from '@venomqa/core'
import { messageWithCauses, stackWithCauses } from '../error-causes'
import { StallError, StrayError } from '../faults'
import { AnswerCutError, RequestTimeoutError } from '../http/classify'
import { isHttpResponseLike } from '../http-client'
import { thrownAt } from './thrown-at'

/** How one attempt of a step ended. */
export type Outcome =
  | { passed: true }
  /** `suggestion`: the error's own, from its code or its `suggestion` (see suggestionForError); else the issue's comes from its kind. */
  | {
      passed: false
      kind: ErrorKind
      message: string
      stack?: string
      timedOut?: boolean
      suggestion?: string
      /** The step's own code failed before it asked the API anything (see testsOwnMistake): another attempt would too. */
      ownMistake?: true
      /** A context key no earlier step set (E_CONTEXT_MISSING): told with the step that failed before it, if one did (see runStep). */
      missingContext?: true
      /**
       * A state backend the step called (its `observe()`) found the state wrong (a proxy refused what the
       * app did): critical wherever it is met, as at a checkpoint or rollback (see StateError), since the
       * refusal is told once and the next checkpoint or rollback would then pass.
       */
      stateIsWrong?: true
    }

/** What the action did: returned a value, or threw. */
export type Settled = { threw: false; value: unknown } | { threw: true; error: unknown }

/**
 * The step outcome rule of DESIGN.md section 3: a step fails if its action throws or returns an HTTP
 * response with status >= 400, and `expectFailure` inverts that. A deadline, an interrupt, code that
 * escaped the step and a step that can never settle are never the failure a step expected; nor is a
 * request the API never answered (see notTheApisFailure), nor an error thrown after the API accepted
 * every request the step sent (see acceptedEverything).
 *
 * `exchanges`: what the step's client recorded while the action ran, in order, when the caller has them.
 */
export function judge(node: Pick<StepNode, 'options'>, settled: Settled, signal: AbortSignal, debug?: boolean, exchanges?: readonly HttpExchange[]): Outcome {
  const expectFailure = !!node.options.expectFailure
  const statuses = expectedStatuses(node.options.expectFailure)
  if (settled.threw) {
    const thrown = settled.error
    if (signal.aborted && (thrown === signal.reason || thrown instanceof TimeoutError || thrown instanceof AbortedError)) {
      const reason = signal.reason
      if (reason instanceof AbortedError)
        return { passed: false, kind: 'aborted', message: reason.message === 'run interrupted' ? 'interrupted before the step finished' : `stopped before the step finished: ${reason.message}` }
      return { passed: false, kind: 'timeout', message: errorMessage(reason), timedOut: true }
    }
    // Messages and stacks are redacted here already, so a result is safe before any reporter sees it.
    if (thrown instanceof StrayError)
      return { passed: false, kind: 'stray-error', message: redactText(errorMessage(thrown)), ...stackOf(thrown.error, debug) }
    if (thrown instanceof StallError)
      return { passed: false, kind: 'stall', message: `${errorMessage(thrown)}; give the step a timeout (step option or --timeout) so a hang fails at the deadline` }
    const ownMistake = testsOwnMistake(thrown)
    const notTheApis = expectFailure ? (notTheApisFailure(thrown, ownMistake) ?? acceptedEverything(exchanges) ?? refusedOtherwise(statuses, exchanges)) : undefined
    if (expectFailure && !notTheApis) return { passed: true }
    // The error's own suggestion is the action's text, masked as its message is; a slip of the step's
    // code (a TypeError) is placed at its line, which its message does not name.
    const at = thrownAt(thrown)
    const suggestion = suggestionForError(thrown) ?? (at && `The step's code threw a ${(thrown as Error).name} at ${at}: fix that line (run with --debug for the whole stack).`)
    // With its causes: `fetch failed` alone does not say why (see messageWithCauses).
    const message = redactText(messageWithCauses(thrown)) + (notTheApis ? `; the step expects the API to answer with a failure, and ${notTheApis}` : '')
    return {
      passed: false,
      kind: errorKindOf(thrown),
      message,
      ...stackOf(thrown, debug),
      ...(suggestion ? { suggestion: redactText(suggestion) } : {}),
      ...(ownMistake ? { ownMistake: true } : {}),
      ...(codeOf(thrown) === 'E_CONTEXT_MISSING' ? { missingContext: true } : {}),
      ...(thrown instanceof StateError && thrown.stateIsWrong ? { stateIsWrong: true } : {}),
    }
  }
  const value = settled.value
  if (isHttpResponseLike(value)) {
    const { status } = value
    const r = value as { method?: string; url?: string; exchange?: { request?: { url?: string } } }
    // The URL as recorded: masked, `redactKeys` included (a message is only masked as free text later).
    // Read only for a message: reading `request` works out the whole redacted request, a cost per step.
    const url = () => r.exchange?.request?.url ?? r.url
    if (status >= 400) {
      if (expectFailure && (!statuses || statuses.includes(status))) return { passed: true }
      // Refused, but not as the step expects: judged as the refusal it is, so its suggestion fits the status.
      if (expectFailure) return { passed: false, kind: 'http-status', message: `expected HTTP ${statusList(statuses!)}, but the API answered HTTP ${status}${r.method ? ` to ${r.method} ${url()}` : ''}` }
      return { passed: false, kind: 'http-status', message: `HTTP ${status}${r.method ? ` from ${r.method} ${url()}` : ''}` }
    }
    if (expectFailure) return { passed: false, kind: 'expected-failure-missing', message: `expected a failure, but the API answered HTTP ${status}${r.method ? ` to ${r.method} ${url()}` : ''}` }
    return { passed: true }
  }
  if (expectFailure) return { passed: false, kind: 'expected-failure-missing', message: 'expected a failure, but the action returned normally' }
  return { passed: true }
}

/**
 * Why a thrown error is not the failure an `expectFailure` step expects, or undefined when it is one.
 *
 * An HTTP request of the step's client that got no answer: refused, reset, a host not found, a TLS
 * failure, a timeout. An API that is down, or that never received the request, refuses nothing, and a
 * suite of negative tests must not pass against it. An answer cut short after its headers is not one
 * either: a broken response is not a refusal. Any other timeout the step throws (waiting for a mail that
 * should not come) is its own failure.
 *
 * Nor is an error of the test's own making that stopped it before any request was sent: no base URL for
 * a relative request, a request HTTP cannot carry, a context key an earlier step never set, a port no
 * plugin provides, a name the step's code does not define (ReferenceError). A negative test that cannot
 * reach the API showed nothing about it; counted as its expected failure, a suite run with no base URL
 * was green.
 */
function notTheApisFailure(thrown: unknown, ownMistake: boolean): string | undefined {
  if (thrown instanceof AnswerCutError) return `its answer (HTTP ${thrown.status}) was cut short`
  if (thrown instanceof TransportError || thrown instanceof RequestTimeoutError) return 'it never answered'
  if (ownMistake) return "the step's own code failed before it asked the API anything"
  if (thrown instanceof StateError && thrown.stateIsWrong) return 'a state backend found the state wrong, which is no answer of the API'
  return undefined
}

/**
 * Why an error the step threw is not the refusal it expected when the API accepted every request the step
 * sent: the error came from the step's own checks of a success (`assertEqual(res.json().field, ...)`
 * after a 201), and a negative test whose request the API took showed the opposite of what it claims.
 * Counted as the expected failure, a validation the API had dropped stayed green. Undefined when a
 * request was refused (a status >= 400), when none was answered, or when the step sent none (an error
 * of its own check then stands for the failure: a mail that should not come, waited for in vain).
 * A request the client retried counts by its last attempt: a 503 it retried into a 201 was accepted.
 */
function acceptedEverything(exchanges: readonly HttpExchange[] | undefined): string | undefined {
  let lastAnswered: HttpExchange | undefined
  for (let i = 0; i < (exchanges?.length ?? 0); i++) {
    const exchange = exchanges![i]!
    const retried = exchanges![i + 1]?.attempt === exchange.attempt + 1
    if (retried || !exchange.response) continue
    if (exchange.response.status >= 400) return undefined
    lastAnswered = exchange
  }
  if (!lastAnswered) return undefined
  const { method, url } = lastAnswered.request
  return `the API accepted every request the step sent (HTTP ${lastAnswered.response!.status} to ${method} ${url}): the error came from the step's own checks of a success`
}

/** The statuses an `expectFailure` step accepts as its refusal; undefined for `true` (any refusal). */
function expectedStatuses(expectFailure: StepNode['options']['expectFailure']): readonly number[] | undefined {
  if (typeof expectFailure === 'number') return [expectFailure]
  return Array.isArray(expectFailure) ? expectFailure : undefined
}

const statusList = (statuses: readonly number[]) => statuses.join(' or ')

/**
 * Why an error the step threw is not the refusal it expects when it names the statuses it expects
 * (`expectFailure: 422`): the API refused with another (a 401 of an expired token, a 404 of a mistyped
 * path), or the step sent no request the API refused. Undefined when the last refusal, by the request's
 * last attempt, has one of the statuses, or when the step names none.
 */
function refusedOtherwise(statuses: readonly number[] | undefined, exchanges: readonly HttpExchange[] | undefined): string | undefined {
  if (!statuses) return undefined
  let refusal: HttpExchange | undefined
  for (let i = 0; i < (exchanges?.length ?? 0); i++) {
    const exchange = exchanges![i]!
    const retried = exchanges![i + 1]?.attempt === exchange.attempt + 1
    if (!retried && exchange.response && exchange.response.status >= 400) refusal = exchange
  }
  if (!refusal) return `no request of the step was refused with HTTP ${statusList(statuses)}`
  if (statuses.includes(refusal.response!.status)) return undefined
  return `it answered HTTP ${refusal.response!.status} to ${refusal.request.method} ${refusal.request.url}, not HTTP ${statusList(statuses)}`
}

/**
 * The test's own mistake, which the API had no part in: no base URL, a request HTTP cannot carry, a
 * context key or port that is not there, a name that is not defined. It is no expected failure, and a
 * step's retries would only make it again.
 */
function testsOwnMistake(thrown: unknown): boolean {
  return thrown instanceof ReferenceError || TESTS_OWN_ERRORS.has(codeOf(thrown) as ErrorCode)
}

/** A VenomQA error's code, by its shape: the step's `@venomqa/core` may be another copy of the runner's. */
function codeOf(thrown: unknown): unknown {
  return thrown instanceof Error ? (thrown as { code?: unknown }).code : undefined
}

/**
 * VenomQA's errors that say the test itself could not send what it meant to (see testsOwnMistake): E_CONFIG
 * too, a ConfigError from the step's own code (a document it reads is gone, a plugin's options are wrong),
 * whose input is as wrong at the next attempt.
 */
const TESTS_OWN_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['E_BASE_URL', 'E_HTTP_REQUEST', 'E_CONTEXT_MISSING', 'E_PORT_MISSING', 'E_CONFIG'])

/**
 * A fault of the test itself (not of the API), or a state a backend found wrong: critical, and never
 * retried, since the state is suspect.
 */
export function isFaultOfTheTest(outcome: Outcome): boolean {
  return !outcome.passed && (outcome.kind === 'stray-error' || outcome.kind === 'stall' || !!outcome.stateIsWrong)
}

/** Under --debug, the error's stack and its causes' (see stackWithCauses), masked. */
function stackOf(error: unknown, debug?: boolean): { stack?: string } {
  if (!debug || !(error instanceof Error)) return {}
  const stack = stackWithCauses(error)
  return stack ? { stack: redactText(stack) } : {}
}
