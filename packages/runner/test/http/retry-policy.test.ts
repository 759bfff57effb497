/** The retry policy alone: which requests retry, on what, and how long they wait. */
import { describe, expect, it } from 'vitest'
import { DEFAULT_RETRY, backoffMs, clientRetryPolicy, requestRetryPolicy, retryDelay } from '../../src/http/retry-policy'

const client = clientRetryPolicy({ retries: 3, baseDelayMs: 100, maxDelayMs: 1000 })
const half = () => 0.5

describe('requestRetryPolicy', () => {
  it('retries idempotent methods by default and never POST or PATCH', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'] as const) expect(requestRetryPolicy(method, undefined, client)).toBe(client)
    for (const method of ['POST', 'PATCH'] as const) expect(requestRetryPolicy(method, undefined, client)).toBeUndefined()
  })

  it('retries POST and PATCH when the request opts in, with its own policy merged over the client', () => {
    expect(requestRetryPolicy('POST', true, client)).toBe(client)
    expect(requestRetryPolicy('PATCH', { retries: 1 }, client)).toEqual({ ...client, retries: 1 })
  })

  it('lets retry: false on the request win, and a client without retries opt requests in to the defaults', () => {
    expect(requestRetryPolicy('GET', false, client)).toBeUndefined()
    const off = clientRetryPolicy(false)
    expect(off).toBe(false)
    expect(requestRetryPolicy('GET', undefined, off)).toBeUndefined()
    expect(requestRetryPolicy('GET', true, off)).toEqual(DEFAULT_RETRY)
  })

  it('fills the documented defaults: 2 retries on 502, 503, 504', () => {
    expect(clientRetryPolicy(undefined)).toEqual({ retries: 2, baseDelayMs: 100, maxDelayMs: 2000, statuses: [502, 503, 504] })
  })
})

describe('retryDelay', () => {
  const policy = clientRetryPolicy({ retries: 2, baseDelayMs: 100, maxDelayMs: 1000 }) as Exclude<ReturnType<typeof clientRetryPolicy>, false>

  it('retries the listed statuses only', () => {
    for (const status of [502, 503, 504]) expect(retryDelay(policy, 1, { status }, half)).toBe(50)
    for (const status of [200, 400, 404, 429, 500]) expect(retryDelay(policy, 1, { status }, half)).toBeUndefined()
  })

  it('retries failures the classifier called retryable, not others', () => {
    expect(retryDelay(policy, 1, { retryableFailure: true }, half)).toBe(50)
    expect(retryDelay(policy, 1, { retryableFailure: false }, half)).toBeUndefined()
  })

  it('stops after the last allowed attempt, and without a policy', () => {
    expect(retryDelay(policy, 2, { status: 503 }, half)).toBe(100)
    expect(retryDelay(policy, 3, { status: 503 }, half)).toBeUndefined()
    expect(retryDelay(undefined, 1, { status: 503 }, half)).toBeUndefined()
  })

  it("honours a server's Retry-After in seconds, capped at the policy's ceiling", () => {
    expect(retryDelay(policy, 1, { status: 503, retryAfter: '0' }, half)).toBe(0)
    expect(retryDelay(policy, 1, { status: 503, retryAfter: ['1', '9'] }, half)).toBe(1000)
    expect(retryDelay(policy, 1, { status: 503, retryAfter: '30' }, half)).toBe(1000)
    // A date or garbage is not a number of seconds: the backoff applies.
    expect(retryDelay(policy, 1, { status: 503, retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT' }, half)).toBe(50)
  })
})

describe('backoffMs (full jitter)', () => {
  const p = { baseDelayMs: 100, maxDelayMs: 1000 }

  it('spans 0 up to base * 2^(attempt-1)', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(p, a, () => 0))).toEqual([0, 0, 0, 0])
    expect([1, 2, 3, 4].map((a) => backoffMs(p, a, () => 1))).toEqual([100, 200, 400, 800])
    expect(backoffMs(p, 3, () => 0.25)).toBe(100)
  })

  it('never exceeds the ceiling', () => {
    expect(backoffMs(p, 5, () => 1)).toBe(1000)
    expect(backoffMs(p, 40, () => 0.999)).toBeLessThanOrEqual(1000)
  })

  it('draws from Math.random by default, within the bounds', () => {
    for (let i = 0; i < 50; i++) {
      const d = backoffMs(p, 2)
      expect(d).toBeGreaterThanOrEqual(0)
      expect(d).toBeLessThan(200)
    }
  })
})
