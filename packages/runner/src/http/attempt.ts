import { TimeoutError } from '@venomqa/core'
import { EventEmitter } from 'node:events'
import { type Dispatcher, request } from 'undici'
import { type ClassifiedFailure, classifyFailure } from './classify'
import type { PreparedRequest } from './prepare'

/** A response as received: the body read once, as text. */
export interface ReceivedResponse {
  readonly status: number
  /** Lower-case names; a repeated header joined with `, `. */
  readonly headers: Record<string, string>
  readonly bodyText: string
  /** As the server sent it, for the retry policy. */
  readonly retryAfter?: string | string[]
}

export interface AttemptOptions {
  dispatcher: Dispatcher
  /** How long undici waits for headers and for the body (the client's timeout). */
  timeoutMs: number
  /** A timeout of this request's own, enforced with an abort like the step's deadline. */
  requestTimeoutMs?: number
  stepSignal?: AbortSignal
  userSignal?: AbortSignal
}

export type AttemptResult =
  | { ok: true; response: ReceivedResponse; durationMs: number }
  | { ok: false; failure: ClassifiedFailure; durationMs: number }

/** Send the request once. Never throws: a failure comes back classified. */
export async function sendOnce(prepared: PreparedRequest, o: AttemptOptions): Promise<AttemptResult> {
  const { method, url, headers } = prepared.sent
  const started = performance.now()
  const link = linkSignals(o, method, url)
  try {
    const res = await request(url, { method, headers, body: prepared.body, signal: link.signal, dispatcher: o.dispatcher, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs })
    const bodyText = method === 'HEAD' ? '' : await res.body.text()
    const retryAfter = res.headers['retry-after']
    const response: ReceivedResponse = { status: res.statusCode, headers: flattenHeaders(res.headers), bodyText, ...(retryAfter !== undefined ? { retryAfter } : {}) }
    return { ok: true, response, durationMs: performance.now() - started }
  } catch (err) {
    const failure = classifyFailure(err, { method, url, timeoutMs: o.timeoutMs, stepSignal: o.stepSignal, userSignal: o.userSignal, requestSignal: link.own })
    return { ok: false, failure, durationMs: performance.now() - started }
  } finally {
    link.dispose()
  }
}

interface LinkedSignal {
  /** What undici listens to. */
  signal?: AbortSignal | EventEmitter
  /** The controller's signal when this request made one (its own timeout or its caller's signal). */
  own?: AbortSignal
  dispose(): void
}

const NOTHING_TO_DISPOSE = () => {}

/**
 * The signal one attempt is sent with. An AbortController per request costs more than anything else the
 * client does, so one is made only when the request has its own timeout or signal; otherwise the step's
 * signal is passed as it is and the client-wide timeout is left to undici's own timers.
 */
function linkSignals(o: AttemptOptions, method: string, url: string): LinkedSignal {
  if (o.requestTimeoutMs === undefined && !o.userSignal) return { signal: o.stepSignal && abortEmitter(o.stepSignal), dispose: NOTHING_TO_DISPOSE }
  const controller = new AbortController()
  const sources = [o.stepSignal, o.userSignal].filter((s): s is AbortSignal => s !== undefined)
  const onAbort = function (this: AbortSignal) {
    controller.abort(this.reason)
  }
  for (const source of sources) {
    if (source.aborted) controller.abort(source.reason)
    else source.addEventListener('abort', onAbort, { once: true })
  }
  const timeoutMs = o.requestTimeoutMs
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(new TimeoutError(`${method} ${url}`, timeoutMs)), timeoutMs)
  return {
    signal: controller.signal,
    own: controller.signal,
    dispose() {
      clearTimeout(timer)
      for (const source of sources) source.removeEventListener('abort', onAbort)
    },
  }
}

/**
 * undici's header object as a plain string map. It is already one unless a header came more than once
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

/**
 * The step's signal as undici sees it: an emitter that says 'abort' when the signal does. A step's signal
 * lives for the whole journey; undici adds and removes a listener on it for every request, and on an
 * AbortSignal (an EventTarget) that costs a few times what the rest of the client does per request, most
 * of it in garbage collection. undici accepts an EventEmitter with `aborted` and `reason` just as well.
 */
const emitters = new WeakMap<AbortSignal, EventEmitter>()
function abortEmitter(signal: AbortSignal): EventEmitter & { aborted: boolean; reason: unknown } {
  let emitter = emitters.get(signal)
  if (!emitter) {
    const made = new EventEmitter()
    made.setMaxListeners(0)
    Object.defineProperties(made, { aborted: { get: () => signal.aborted }, reason: { get: () => signal.reason } })
    if (!signal.aborted) signal.addEventListener('abort', () => made.emit('abort'), { once: true })
    emitters.set(signal, made)
    emitter = made
  }
  return emitter as EventEmitter & { aborted: boolean; reason: unknown }
}
