import { isPlainObject } from './interpolate'

/**
 * Objects that are replaced whole, as lists are, by dotted key path. `openapi.auth` is one of two forms,
 * `{ bearer }` or `{ login, signUp?, credentials?, token? }`: merged key by key, a profile's `{ login,
 * credentials }` over the base's `{ bearer }` made `{ bearer, login, credentials }`, and the bearer won.
 */
export const REPLACED_WHOLE: readonly string[] = ['openapi.auth']

/** `over` deep-merged onto `base`: objects merge key by key (but those of REPLACED_WHOLE), lists and values replace. */
export function deepMerge<T extends Record<string, unknown>>(base: T, over: Record<string, unknown>, at = ''): T {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue
    const prev = out[k]
    const where = at ? `${at}.${k}` : k
    out[k] = isPlainObject(prev) && isPlainObject(v) && !REPLACED_WHOLE.includes(where) ? deepMerge(prev, v, where) : v
  }
  return out as T
}
