import { type HttpClient, type HttpExchange, type Issue, makeIssue, plainRequest, redactText } from '@venomqa/core'
import type { AttemptResult } from '@venomqa/runner'
import type { NoAnswer } from './contracts'

/** How long the app has to answer "are you there?" after a request of it got no answer, ms. */
export const PING_TIMEOUT_MS = 5_000

/**
 * The request among `exchanges` that got no answer in the end: every attempt at it failed (connection
 * refused or reset, a timeout, ...). An attempt that failed and was retried with an answer is not one.
 */
export function unanswered(exchanges: readonly HttpExchange[]): HttpExchange | undefined {
  return exchanges.find(
    (e, i) =>
      !e.response &&
      !exchanges.slice(i + 1).some((later) => later.response && later.attempt > e.attempt && later.request.method === e.request.method && later.request.url === e.request.url),
  )
}

/**
 * Does the app that `url` is on answer anything (any status, even 404) right now? Asked when a request
 * got no answer, to tell a request that failed (the app still answers others: `request_error`) from an
 * app that stopped answering altogether (it crashed or was stopped): nothing learnt after that is about
 * the invariant. A plain request to the origin's `/`, outside the lane's client: it is not part of any
 * sequence, journey or HAR. Not the global fetch: it refuses the fetch standard's "bad ports" (6665-6669,
 * 10080, ...), and an app there that answered every request was taken for one that stopped answering.
 */
export async function appAnswers(url: string, timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
  try {
    const res = await plainRequest(new URL('/', url), { follow: 0, signal: AbortSignal.timeout(timeoutMs) })
    await res.discard()
    return true
  } catch {
    return false
  }
}

/**
 * What failed, without the ids of one run (`refund timeout POST /api/orders/{n}/refunds`): the same
 * failure in every replay of a sequence. A `request_error` trial reproduces only this.
 */
export function failureOf(action: string, attempt: AttemptResult): string {
  const e = unanswered(attempt.exchanges) ?? attempt.shown
  const kind = attempt.outcome.passed ? 'no answer' : attempt.outcome.kind
  return `${action} ${kind}${e ? ` ${e.request.method} ${pathTemplate(e.request.url)}` : ''}`
}

function pathTemplate(url: string): string {
  let path = url
  try {
    path = new URL(url).pathname
  } catch {
    // A relative URL: as it is.
  }
  return path
    .split('/')
    .map((segment) => (/^\d+$|^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(segment) ? '{n}' : segment))
    .join('/')
}

/**
 * A request that got no answer, where it was made. The app stopped answering (`appAnswers` false) when
 * the origin the request went to answered on this lane before and answers nothing now. An origin that
 * never answered has not stopped: at the base URL, the API is not there at all (`neverAnswered`: nothing
 * listens, or the base URL is wrong); elsewhere (a URL nothing listens on), that request is
 * `request_error`'s alone.
 */
export async function noAnswerAt(exchange: HttpExchange, at: NoAnswer['at'], where: string, failure: string, http: Pick<HttpClient, 'baseUrl' | 'history'>): Promise<NoAnswer> {
  const origin = originOf(exchange.request.url) ?? originOf(http.baseUrl)
  const answeredBefore = origin !== undefined && http.history.some((e) => e.response !== undefined && originOf(e.request.url) === origin)
  const atBaseUrl = origin !== undefined && origin === originOf(http.baseUrl)
  const answers = origin === undefined || !(answeredBefore || atBaseUrl) || (await appAnswers(origin))
  return {
    at,
    where,
    message: exchange.error ?? `${exchange.request.method} ${exchange.request.url}: no answer`,
    failure,
    appAnswers: answers,
    ...(!answers && !answeredBefore ? { neverAnswered: true } : {}),
  }
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}

/**
 * The app stopped answering during the search: no request of it gets an answer any more. The search
 * stops there; nothing it would learn after that is about the app's behaviour.
 */
export class AppStoppedAnswering extends Error {
  readonly noAnswer: NoAnswer
  constructor(noAnswer: NoAnswer) {
    super(appStoppedMessage(noAnswer))
    this.name = 'AppStoppedAnswering'
    this.noAnswer = noAnswer
  }
}

/**
 * Nothing answers at the base URL, and nothing ever did on this lane: the API is not there (not started,
 * or the base URL is wrong). Every action would fail the same way, each a `request_error` saying nothing
 * of the API, so the search stops at the first such request and says so once.
 */
export class BaseUrlNotAnswering extends Error {
  readonly noAnswer: NoAnswer
  constructor(noAnswer: NoAnswer, baseUrl: string) {
    super(baseUrlNotAnsweringMessage(noAnswer, baseUrl))
    this.name = 'BaseUrlNotAnswering'
    this.noAnswer = noAnswer
  }
}

function baseUrlNotAnsweringMessage(n: NoAnswer, baseUrl: string): string {
  return `nothing answers at the base URL ${redactText(baseUrl)}: ${n.message} (${n.where}), and a request to its / got no answer either. The exploration stopped there: nothing of the API was explored`
}

/**
 * The exploration's critical issue when the API was never there. Its kind gives it the suggestion
 * `venomqa run` gives a step that met no listener: start the API, or fix the base URL.
 */
export function baseUrlNotAnsweringIssue(journey: string, err: BaseUrlNotAnswering): Issue {
  return makeIssue({
    journey,
    path: '',
    step: 'exploration',
    severity: 'critical',
    kind: 'connection-refused',
    error: err.message,
    source: 'explore',
  })
}

export function appStoppedMessage(n: NoAnswer): string {
  return `the app stopped answering: ${n.message} (${n.where}), and it answers nothing since`
}

/** Appended to the message of a violation that could not be shrunk or confirmed for that reason. */
export const NOT_CONFIRMED = 'not shrunk or confirmed: the app stopped answering'

/**
 * The exploration's critical issue when the app stopped answering: during the search (which stopped
 * there) or while the violations were replayed to shrink and confirm them.
 */
export function appStoppedIssue(journey: string, n: NoAnswer, during: 'search' | 'replays'): Issue {
  const then =
    during === 'search'
      ? 'the exploration stopped there. The violations met before it are reported as the search met them, neither shrunk nor confirmed, and no regression journey was written for them'
      : 'while the violations were replayed to shrink and confirm them. Those not confirmed by then are reported as the search met them, and no regression journey was written for them'
  return makeIssue({
    journey,
    path: '',
    step: 'exploration',
    severity: 'critical',
    kind: 'transport',
    error: `${appStoppedMessage(n)}: ${then}`,
    suggestion: "Look at the app's log: it crashed, ran out of memory, or was stopped. Start it again and explore again; a request that brings the app down is a bug of its own.",
    source: 'explore',
  })
}
