import { type HttpMethod, IDEMPOTENT_METHODS, RETRYABLE_STATUSES, type RequestOptions, type RetryPolicy } from '@venomqa/core'

export type ResolvedRetryPolicy = Required<RetryPolicy>

export const DEFAULT_RETRY: ResolvedRetryPolicy = { retries: 2, baseDelayMs: 100, maxDelayMs: 2000, statuses: [...RETRYABLE_STATUSES] }

/** The client-wide policy with the defaults filled in, or `false` when the client turned retries off. */
export function clientRetryPolicy(client: RetryPolicy | false | undefined): ResolvedRetryPolicy | false {
  return client === false ? false : { ...DEFAULT_RETRY, ...client }
}

/**
 * The policy one request runs under, or undefined for a single attempt. Idempotent methods (GET, HEAD,
 * OPTIONS, PUT, DELETE) follow the client's policy; POST and PATCH are not safe to send twice, so only a
 * request that opts in (`retry: true` or a policy) retries them. `retry: false` on the request always wins.
 */
export function requestRetryPolicy(method: HttpMethod, perRequest: RequestOptions['retry'], client: ResolvedRetryPolicy | false): ResolvedRetryPolicy | undefined {
  if (perRequest === false) return undefined
  if (!perRequest) return client && IDEMPOTENT_METHODS.includes(method) ? client : undefined
  const base = client || DEFAULT_RETRY
  return typeof perRequest === 'object' ? { ...base, ...perRequest } : base
}

/** What an attempt ended with, as far as retrying is concerned. */
export type AttemptOutcome = { status: number; retryAfter?: string | string[] } | { retryableFailure: boolean }

/**
 * Whether attempt number `attempt` (1-based) is followed by another, and after how long (ms). A response
 * retries when its status is one of the policy's; a failure when the classifier called it retryable.
 */
export function retryDelay(policy: ResolvedRetryPolicy | undefined, attempt: number, outcome: AttemptOutcome, random: () => number = Math.random): number | undefined {
  if (!policy || attempt > policy.retries) return undefined
  if ('status' in outcome) {
    if (!policy.statuses.includes(outcome.status)) return undefined
    return retryAfterMs(outcome.retryAfter, policy) ?? backoffMs(policy, attempt, random)
  }
  return outcome.retryableFailure ? backoffMs(policy, attempt, random) : undefined
}

/**
 * Exponential backoff with full jitter: a uniform delay between 0 and min(max, base * 2^(attempt-1)), so
 * that clients retrying the same outage spread out instead of arriving together.
 */
export function backoffMs(policy: Pick<ResolvedRetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  return random() * ceiling
}

/** A server's `Retry-After: <seconds>` is honoured, but never beyond the policy's ceiling. */
function retryAfterMs(header: string | string[] | undefined, policy: ResolvedRetryPolicy): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (!value || !/^\d+$/.test(value)) return undefined
  return Math.min(Number(value) * 1000, policy.maxDelayMs)
}
