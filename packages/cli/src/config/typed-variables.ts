/**
 * A config string that was one environment variable, whole (`retries: ${RETRIES}`), whose value reads as a
 * number or a boolean. Interpolation makes strings, and YAML and JSON have no other way to take a number
 * from the environment: where the schema refuses the string, the value is given as its number or boolean
 * instead (withRefusedTyped, keepsTyped). Only there: `password: ${DB_PIN}` stays the string "1234".
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

/** An issue as zod and Standard Schema give one: its path, each step a key or `{ key }`. */
export interface PathedIssue {
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined
}

/**
 * `input` with each typed variable a schema refused (an issue at its very place) given as its number or
 * boolean, or undefined when it refused none. Only the objects and arrays on the way to one are copied;
 * the rest is shared (a plugin object stays the same object). The caller checks the result again, and
 * keeps it as keepsTyped says.
 */
export function withRefusedTyped<T>(input: T, typed: readonly TypedVariable[], issues: readonly PathedIssue[]): T | undefined {
  if (!typed.length) return undefined
  const refused = new Set(issues.map((i) => pathKey((i.path ?? []).map((s) => (typeof s === 'object' && s !== null ? s.key : s)))))
  const retype = typed.filter((t) => refused.has(pathKey(t.path)))
  if (!retype.length) return undefined
  let out: unknown = input
  for (const t of retype) out = setAt(out, t.path, t.value)
  return out as T
}

/**
 * Whether the typed reading is kept: unless it has more issues than the strings. A number refused for its
 * range (`maxWorkers: 0`) is then told as the number it is, not as a string where a number was expected.
 */
export function keepsTyped(asStrings: readonly unknown[], typed: readonly unknown[]): boolean {
  return typed.length <= asStrings.length
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
