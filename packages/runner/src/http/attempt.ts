import type { ConnectionPool } from './connection-pool'
import { type TextResponse, request } from './transport'
import { type ClassifiedFailure, classifyFailure } from './classify'
import { type CutSignal, type DetachedRequests, stepStop, untilStepStops } from './detached'
import type { ExchangeOrigin } from './origin'
import type { PreparedRequest } from './prepare'

/** A response as received: the body read once, as text. */
export interface ReceivedResponse {
  readonly status: number
  /** Lower-case names; a repeated header joined with `, `. */
  readonly headers: Record<string, string>
  readonly bodyText: string
  /** A binary body's bytes (image/png, application/pdf...): its text is not what was sent. */
  readonly bodyBytes?: Uint8Array
  /** As the server sent it, for the retry policy. */
  readonly retryAfter?: string | string[]
  /** Each `Set-Cookie` as sent: joined with `, ` in `headers`, a cookie's `Expires` date would split it. */
  readonly setCookies?: readonly string[]
}

export interface AttemptOptions {
  pool: ConnectionPool
  /**
   * The request's timeout (its own, else the client's): a deadline for the whole attempt, from sending to
   * the body's last byte, connecting included, kept to the millisecond (see RequestOptions.deadlineMs).
   */
  timeoutMs: number
  stepSignal?: AbortSignal
  userSignal?: AbortSignal
  /** Where a request goes when its step stops waiting for it (see untilStepStops). */
  detached: DetachedRequests
  /** The step that sent the request, when known: named if the request is cut off (see DetachedRequests). */
  sentBy?: ExchangeOrigin
  /**
   * Told at once, with the time it waited, when the step stops waiting for the request (its deadline, the
   * journey's, an interrupt): before the step's own code goes on, so that the request, with no answer, is
   * recorded as the step's (see RunnerHttpClient.request).
   */
  onLeft?: (durationMs: number) => void
}

export type AttemptResult =
  | { ok: true; response: ReceivedResponse; durationMs: number }
  | { ok: false; failure: ClassifiedFailure; durationMs: number }

/** Send the request once. Never throws: a failure comes back classified. */
export async function sendOnce(prepared: PreparedRequest, o: AttemptOptions): Promise<AttemptResult> {
  const { method, url } = prepared.sent
  const started = performance.now()
  const link = linkSignals(o)
  const receiving = receive(prepared, o, link)
  try {
    const response = await (o.stepSignal
      ? untilStepStops(receiving, o.stepSignal, (left) => {
          o.detached.add(left, `${method} ${url}`, o.sentBy)
          o.onLeft?.(performance.now() - started)
        })
      : receiving)
    return { ok: true, response, durationMs: performance.now() - started }
  } catch (err) {
    const failure = classifyFailure(err, { method, url, timeoutMs: o.timeoutMs, stepSignal: o.stepSignal, userSignal: o.userSignal, requestSignal: link.own })
    return { ok: false, failure, durationMs: performance.now() - started }
  }
}

/**
 * The request and its body, to the end: it may outlive the step that sent it (see untilStepStops). Not an
 * async function: one runs for every request, and its state machine was among the costliest code the
 * optimising compiler met in a short run.
 */
function receive(prepared: PreparedRequest, o: AttemptOptions, link: LinkedSignal): Promise<ReceivedResponse> {
  const { method, url, headers } = prepared.sent
  let sent: Promise<TextResponse>
  try {
    sent = request(url, { method, headers, body: prepared.body, signal: link.signal, pool: o.pool, deadlineMs: o.timeoutMs })
  } catch (err) {
    link.dispose()
    return Promise.reject(err)
  }
  return sent.then(
    (res) => {
      link.dispose()
      return received(res)
    },
    (err) => {
      link.dispose()
      throw err
    },
  )
}

function received(res: TextResponse): ReceivedResponse {
  const out: { -readonly [K in keyof ReceivedResponse]: ReceivedResponse[K] } = { status: res.statusCode, headers: flattenHeaders(res.headers), bodyText: res.bodyText }
  if (res.bodyBytes) out.bodyBytes = res.bodyBytes
  const retryAfter = res.headers['retry-after']
  if (retryAfter !== undefined) out.retryAfter = retryAfter
  const setCookie = res.headers['set-cookie']
  if (setCookie !== undefined) out.setCookies = typeof setCookie === 'string' ? [setCookie] : setCookie
  return out
}

interface LinkedSignal {
  /** What the transport listens to. */
  signal?: AbortSignal | CutSignal
  /** The controller's signal when this request made one (its caller's signal). */
  own?: AbortSignal
  dispose(): void
}

const NOTHING_TO_DISPOSE = () => {}

/**
 * The signal one attempt's connection is cut by: the step's, once its grace is over (see stepStop), and the
 * caller's own, at once. The timeout is not among them: it is the deadline `request` keeps (see receive).
 * An AbortController per request costs more than anything else the client does, so one is made only when
 * the request has a signal of its own; otherwise the step's stop is passed as it is.
 */
function linkSignals(o: AttemptOptions): LinkedSignal {
  const step = o.stepSignal && stepStop(o.stepSignal)
  if (!o.userSignal) return { signal: step, dispose: NOTHING_TO_DISPOSE }
  const controller = new AbortController()
  const onStepCut = () => controller.abort(o.stepSignal?.reason)
  const onUserAbort = () => controller.abort(o.userSignal?.reason)
  let stopListening: (() => void) | undefined
  if (step?.aborted) onStepCut()
  else stopListening = step?.whenCut(onStepCut)
  if (o.userSignal?.aborted) onUserAbort()
  else o.userSignal?.addEventListener('abort', onUserAbort, { once: true })
  return {
    signal: controller.signal,
    own: controller.signal,
    dispose() {
      stopListening?.()
      o.userSignal?.removeEventListener('abort', onUserAbort)
    },
  }
}

/**
 * The transport's header object as a plain string map. It is already one unless a header came more than once
 * (an array), so it is used as it is then: a copy per response was pure overhead.
 */
export function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  for (const k in h) if (typeof h[k] !== 'string') return joinHeaders(h)
  return h as Record<string, string>
}

function joinHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k in h) {
    const v = h[k]
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v
  }
  return out
}
