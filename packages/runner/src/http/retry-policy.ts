import { type HttpMethod, IDEMPOTENT_METHODS, MAX_TIMEOUT_MS, RETRYABLE_STATUSES, type RequestOptions, type RetryPolicy } from '@venomqa/core'

export type ResolvedRetryPolicy = Required<RetryPolicy>

export const DEFAULT_RETRY: ResolvedRetryPolicy = { retries: 2, baseDelayMs: 100, maxDelayMs: 2000, statuses: [...RETRYABLE_STATUSES] }

const POLICY_KEYS: readonly string[] = ['retries', 'baseDelayMs', 'maxDelayMs', 'statuses']

/**
 * What is wrong with a retry policy as given (`true`, `false` or a policy object), or undefined. A count
 * that is no whole number (`retries: NaN`) never ended the retries: `attempt > NaN` is false, and a
 * request that kept failing was sent until its step's deadline (92 times in a second).
 */
export function retryPolicyProblem(given: unknown): string | undefined {
  if (given === undefined || typeof given === 'boolean') return undefined
  if (given === null || typeof given !== 'object' || Array.isArray(given)) return `expected true, false or { retries, baseDelayMs, maxDelayMs, statuses }, got ${describe(given)}`
  const policy = given as Record<string, unknown>
  const unknown = Object.keys(policy).find((k) => !POLICY_KEYS.includes(k))
  if (unknown !== undefined) return `unknown key "${unknown}" (a policy has ${POLICY_KEYS.join(', ')})`
  const { retries, baseDelayMs, maxDelayMs, statuses } = policy
  if (retries !== undefined && !(Number.isInteger(retries) && (retries as number) >= 0 && (retries as number) <= 100)) return `retries: expected a whole number from 0 to 100, got ${describe(retries)}`
  for (const [key, value] of [['baseDelayMs', baseDelayMs], ['maxDelayMs', maxDelayMs]] as const)
    // The config's rule for the same keys (the CLI's schema), and a step's retryDelay's: 0, or a timer's ms.
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_TIMEOUT_MS))
      return `${key}: expected a whole number of milliseconds from 0 to ${MAX_TIMEOUT_MS}, got ${describe(value)}`
  if (statuses !== undefined && !(Array.isArray(statuses) && statuses.every((s) => Number.isInteger(s) && s >= 100 && s <= 599)))
    return `statuses: expected a list of HTTP statuses (100 to 599), got ${describe(statuses)}`
  return undefined
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value)
  return Array.isArray(value) ? `[${value.map(describe).join(', ')}]` : typeof value === 'string' ? JSON.stringify(value) : typeof value
}

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
