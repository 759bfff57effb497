import { TimeoutError, TransportError, VenomError } from '@venomqa/core'
import { CLOSED_UNDER, DEADLINE_EXCEEDED, FailedAfterHeaders, INVALID_REQUEST } from './transport'

/**
 * An HTTP request that got no answer in time (the client's timeout or the request's own): a TimeoutError
 * like any other, told apart so that a step which expects a failure is not given this one (see outcome.ts).
 */
export class RequestTimeoutError extends TimeoutError {
  constructor(what: string, timeoutMs: number) {
    super(what, timeoutMs)
    // Still a TimeoutError to a step that catches it by name.
    this.name = 'TimeoutError'
  }
}

/**
 * The connection failed after the API answered: its status and headers came, the whole body did not. A
 * transport failure still (the action has no response to use), but one the message and the step's
 * outcome tell apart from a request the API never got.
 */
export class AnswerCutError extends TransportError {
  readonly status: number
  constructor(method: string, url: string, status: number, reason: string, cause: unknown) {
    super('connection-reset', method, url, `the connection closed after the API answered HTTP ${status}, before the whole body came (${reason})`, { cause })
    this.status = status
  }
}

/** The signals a request listens to, most specific last: the step's, the caller's own, the request's. */
export interface FailureContext {
  method: string
  url: string
  /** The request's timeout (its own, else the client's), named in the error when it runs out. */
  timeoutMs: number
  /** The step's (or the run's) signal: its reason wins, so a deadline reads as the deadline. */
  stepSignal?: AbortSignal
  /** A signal the caller passed with the request. */
  userSignal?: AbortSignal
  /** The signal linking the two above, when the request made one. */
  requestSignal?: AbortSignal
}

export interface ClassifiedFailure {
  error: Error
  /** Whether sending the request again may succeed: a network fault may, an abort or a timeout may not. */
  retryable: boolean
}

/**
 * The one place that decides what a failed request means: which error the action sees, and whether a
 * retry may help. Used before sending (a step already aborted), and for whatever the transport throws.
 */
export function classifyFailure(err: unknown, ctx: FailureContext): ClassifiedFailure {
  const { method, url } = ctx
  // An abort names its cause; the step's deadline (or the run's interrupt) is the cause users act on.
  if (ctx.stepSignal?.aborted) return final(abortError(ctx.stepSignal, method, url))
  if (ctx.userSignal?.aborted) return final(new TransportError('aborted', method, url, 'request aborted by its signal'))
  if (ctx.requestSignal?.aborted) return final(abortError(ctx.requestSignal, method, url))
  const e = err as { code?: string; message?: string; cause?: { code?: string } } | undefined
  const code = e?.code ?? e?.cause?.code ?? ''
  const msg = e?.message ?? String(err)
  if (err instanceof FailedAfterHeaders) {
    const status = err.statusCode
    // The deadline (see request's deadlineMs): the body did not come in time.
    if (code === DEADLINE_EXCEEDED) return final(new RequestTimeoutError(`the body of the HTTP ${status} answer to ${method} ${url}`, ctx.timeoutMs))
    return { error: new AnswerCutError(method, url, status, code ? `${code}: ${msg}` : msg, err.error), retryable: true }
  }
  // Node refused to send what the step wrote (a header value with a line break, a method or header name
  // with a space, a URL that is not http): the step's mistake, which a retry would only repeat. Node's
  // message names the header, not its value.
  if (REFUSED_TO_SEND.has(code)) return final(new VenomError('E_HTTP_REQUEST', `${method} ${url} cannot be sent: ${msg}`, { cause: err }))
  // Sent again after a kept-alive connection closed under it: that is told too, whatever ended the request.
  const first = (err as { [CLOSED_UNDER]?: Error } | undefined)?.[CLOSED_UNDER]
  const then = first ? `, after a kept-alive connection closed under its first sending (${first.message})` : ''
  const transport = (kind: TransportError['kind'], message: string) => ({ error: new TransportError(kind, method, url, message + then, { cause: err }), retryable: true })
  if (code === 'ECONNREFUSED') return transport('connection-refused', `connection refused (${code})`)
  if (code === 'ECONNRESET' || code === 'EPIPE') return transport('connection-reset', `connection reset: ${msg}`)
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return transport('dns', `host not found (${code})`)
  if (/CERT|SSL|TLS/i.test(code) || /certificate|ssl|tls/i.test(msg)) return transport('tls', msg)
  // The server took longer than the client waits: sending it again would wait as long once more.
  if (code === DEADLINE_EXCEEDED || code === 'ETIMEDOUT') return final(new RequestTimeoutError(`${method} ${url}`, ctx.timeoutMs))
  return transport('transport', `${code ? `${code}: ` : ''}${msg}`)
}

/** Node's codes for a request it will not send as written, and the transport's own for a URL it cannot send to. */
const REFUSED_TO_SEND = new Set([INVALID_REQUEST, 'ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN', 'ERR_UNESCAPED_CHARACTERS', 'ERR_HTTP_INVALID_HEADER_VALUE', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE'])

function final(error: Error): ClassifiedFailure {
  return { error, retryable: false }
}

/** An aborted signal's own reason when it is an error (a TimeoutError, an interrupt), else a plain abort. */
function abortError(signal: AbortSignal, method: string, url: string): Error {
  const reason = signal.reason
  return reason instanceof Error ? reason : new TransportError('aborted', method, url, 'request aborted')
}
