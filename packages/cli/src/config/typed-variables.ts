/**
 * A config string that was one environment variable, whole (`retries: ${RETRIES}`), whose value reads as a
 * number or a boolean. Interpolation makes strings, and YAML and JSON have no other way to take a number
 * from the environment: where the schema refuses the string, the value is given as its number or boolean
 * instead (refusedTyped, withTypedValues). Only there: `password: ${DB_PIN}` stays the string "1234".
 */
export interface TypedVariable {
  path: PropertyKey[]
  value: number | boolean
}

/** The number or boolean `text` reads as, written as JSON writes one; else undefined. */
export function typedValueOf(text: string): number | boolean | undefined {
  if (text === 'true') return true
  if (text === 'false') return false
  return /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/.test(text) ? Number(text) : undefined
}

/** An issue's path as Standard Schema writes it: each step a key, or `{ key }`. */
export type IssuePath = readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined

/** The typed variables a schema refused (an issue at the very place of one). */
export function refusedTyped(typed: readonly TypedVariable[], issues: readonly IssuePath[]): TypedVariable[] {
  if (!typed.length) return []
  const refused = new Set(issues.map((p) => pathKey((p ?? []).map((s) => (typeof s === 'object' && s !== null ? s.key : s)))))
  return typed.filter((t) => refused.has(pathKey(t.path)))
}

/**
 * `input` with each of `typed` given as its number or boolean. Only the objects and arrays on the way to
 * one are copied; the rest is shared (a plugin object stays the same object). The caller checks the
 * result again, and keeps it unless it has more issues than the input: a number refused for its range
 * (`maxWorkers: 0`) is told as the number it is, not as a string where a number was expected.
 */
export function withTypedValues<T>(input: T, typed: readonly TypedVariable[]): T {
  let out: unknown = input
  for (const t of typed) out = setAt(out, t.path, t.value)
  return out as T
}

function pathKey(path: readonly PropertyKey[]): string {
  return JSON.stringify(path.map(String))
}

/** `node` with `value` at `path`, each container on the way copied. */
function setAt(node: unknown, path: readonly PropertyKey[], value: unknown): unknown {
  if (!path.length) return value
  const [key, ...rest] = path
  const copy = (Array.isArray(node) ? [...node] : { ...(node as object) }) as Record<PropertyKey, unknown>
  copy[key!] = setAt(copy[key!], rest, value)
  return copy
}
