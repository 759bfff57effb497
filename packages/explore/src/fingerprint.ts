import { sha1, stableJson } from './hash'

/** What every state backend's `observe()` said in one state, by backend name. */
export type Observation = Record<string, unknown>

/**
 * A state's fingerprint: every backend's observation, which context keys are set (not their values:
 * two orders with different ids are one state), and who the HTTP client is logged in as (a hash of its
 * Authorization header, so the token itself is never kept). Two states with one fingerprint are merged:
 * an abstraction, which `dedupe: false` turns off.
 */
export function fingerprintOf(observation: Observation, contextKeys: readonly string[], authorization: string | undefined): string {
  return sha1(stableJson({ o: observation, k: [...contextKeys].sort(), a: authorization === undefined ? null : sha1(authorization) }))
}
