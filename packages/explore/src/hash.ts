import { createHash } from 'node:crypto'

/** JSON with object keys sorted, so equal values always give equal text (and hashes). */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'undefined'
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key])
    return out
  }
  if (typeof value === 'bigint') return value.toString()
  return value
}

export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex')
}
