/** The one transport-error classifier: what error an action sees and whether a retry may help. */
import { TimeoutError, TransportError } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { classifyFailure } from '../../src/http/classify'

const ctx = { method: 'GET', url: 'http://api.test/x', timeoutMs: 5000 }
const sysError = (code: string, message = code) => Object.assign(new Error(message), { code })
const aborted = (reason?: unknown) => {
  const ac = new AbortController()
  ac.abort(reason)
  return ac.signal
}

describe('classifyFailure', () => {
  it.each([
    ['ECONNREFUSED', 'connection-refused'],
    ['ECONNRESET', 'connection-reset'],
    ['EPIPE', 'connection-reset'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['EHOSTUNREACH', 'transport'],
  ])('%s is a retryable %s error naming the request', (code, kind) => {
    const { error, retryable } = classifyFailure(sysError(code), ctx)
    expect(error).toBeInstanceOf(TransportError)
    expect(error).toMatchObject({ kind, method: 'GET', url: ctx.url })
    expect(error.message).toContain('GET http://api.test/x')
    expect(retryable).toBe(true)
  })

  it.each(['ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN', 'ERR_UNESCAPED_CHARACTERS', 'VENOM_INVALID_REQUEST'])('a request Node refuses to send (%s) is E_HTTP_REQUEST, not retryable', (code) => {
    const { error, retryable } = classifyFailure(sysError(code, 'Invalid character in header content ["x-a"]'), ctx)
    expect(error).not.toBeInstanceOf(TransportError)
    expect(error).toMatchObject({ code: 'E_HTTP_REQUEST', message: 'GET http://api.test/x cannot be sent: Invalid character in header content ["x-a"]' })
    expect(retryable).toBe(false)
  })

  it('reads the code from the cause, where an error wraps a socket error', () => {
    const err = new TypeError('fetch failed', { cause: sysError('ECONNREFUSED') })
    expect(classifyFailure(err, ctx).error).toMatchObject({ kind: 'connection-refused' })
  })

  it('recognises TLS trouble by its message when the code says nothing', () => {
    expect(classifyFailure(new Error('self-signed certificate in chain'), ctx).error).toMatchObject({ kind: 'tls' })
  })

  it.each(['VENOM_DEADLINE_EXCEEDED', 'ETIMEDOUT'])('%s is a timeout with the client timeout, not retried', (code) => {
    const { error, retryable } = classifyFailure(sysError(code), ctx)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.message).toBe('GET http://api.test/x timed out after 5000 ms')
    expect(retryable).toBe(false)
  })

  it("gives the step signal's reason first: a deadline reads as the deadline", () => {
    const deadline = new TimeoutError('step "pay"', 100)
    const r = classifyFailure(sysError('ECONNRESET'), { ...ctx, stepSignal: aborted(deadline), userSignal: aborted(), requestSignal: aborted() })
    expect(r.error).toBe(deadline)
    expect(r.retryable).toBe(false)
  })

  it("an abort by the caller's own signal is an aborted transport error, not retried", () => {
    const r = classifyFailure(sysError('VENOM_REQUEST_ABORTED'), { ...ctx, userSignal: aborted('user'), requestSignal: aborted('user') })
    expect(r.error).toMatchObject({ kind: 'aborted', message: 'GET http://api.test/x: request aborted by its signal' })
    expect(r.retryable).toBe(false)
  })

  it("the request's own timeout reads as that timeout", () => {
    const own = new TimeoutError('GET http://api.test/x', 50)
    expect(classifyFailure(sysError('VENOM_REQUEST_ABORTED'), { ...ctx, requestSignal: aborted(own) }).error).toBe(own)
  })

  it('a signal aborted without an error reason is a plain abort', () => {
    const r = classifyFailure(undefined, { ...ctx, stepSignal: aborted('just stop') })
    expect(r.error).toMatchObject({ kind: 'aborted', message: 'GET http://api.test/x: request aborted' })
    expect(r.retryable).toBe(false)
  })

  it('anything else is a retryable transport error that keeps its cause', () => {
    const cause = sysError('ERR_WEIRD', 'odd')
    const { error, retryable } = classifyFailure(cause, ctx)
    expect(error).toMatchObject({ kind: 'transport', message: 'GET http://api.test/x: ERR_WEIRD: odd', cause })
    expect(retryable).toBe(true)
  })
})
