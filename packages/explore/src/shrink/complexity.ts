import { canonicalJson } from './canonical'

/**
 * How complex an input is, compared field by field in this order (the documented order of the input
 * phase):
 * 1. size: keys, array items and leaves (fewer keys first; `undefined` and `null` weigh nothing),
 * 2. magnitude: the sum of the numbers' absolute values, `true` counting 1 (smaller numbers first),
 * 3. text: the total length of the strings (shorter strings first),
 * 4. its canonical JSON, shorter then alphabetically first: only so that the order is total and stable.
 *
 * An OpenAPI action's input names the body it sends (`{ body: 'max' }`, see `BODY_VARIANTS`): there the
 * name is measured by the simplicity of the body it stands for, not by its length.
 */
export interface Complexity {
  size: number
  magnitude: number
  text: number
  json: string
}

export function complexityOf(value: unknown): Complexity {
  const c = { size: 0, magnitude: 0, text: 0 }
  measure(asMeasured(value), c, 0)
  return { ...c, json: canonicalJson(value ?? null) }
}

/**
 * The body variants of @venomqa/openapi (its `BodyVariant`), simplest first: no body, an empty one, only
 * the required properties, the typical body (examples, defaults), the other alternatives of a `oneOf` or
 * `anyOf` (each a typical body too, `oneOf-2:damaged`, in the document's order, after the first, which the
 * typical body is), then those of one inside the body (the typical body but there, `method.oneOf-2:voucher`,
 * or inside a top-level alternative, that alternative's body but there,
 * `oneOf-2:paid.payment.oneOf-2:voucher`, by their place in their list), the typical body with null where
 * the schema allows it, an enum at its first or last value,
 * every bound at its minimum, at its maximum; last, an alternative at one of its bounds (its name, a slash,
 * the bound: `oneOf-2:voucher/max`), that alternative's body made larger, by the bound (see ALTERNATIVE_BOUNDS)
 * then by the alternative's place as above.
 * Measured by their names, `max` (3 characters) was the simplest of all, and every shrunk sequence sent
 * the largest numbers and longest strings the schema allows although the typical body broke the invariant
 * as well. The shrinker cannot measure the body an input would send without sending it, so the order is
 * given here.
 */
const BODY_VARIANTS = ['no-body', 'empty', 'required', 'sample', 'null', 'enum-first', 'enum-last', 'min', 'max']
/**
 * The query strings of @venomqa/openapi (its `QueryVariant`), simplest first: every query parameter at its
 * typical value, at its lowest, at its highest. An input with one is larger than the same input without.
 */
const QUERY_VARIANTS = ['typical', 'min', 'max']
/** Places kept after `sample` for the alternatives (openapi's MAX_ALTERNATIVES), and as many after them for the nested ones. */
const ALTERNATIVES = 8
/**
 * The bounds an alternative is sent at (openapi's AlternativeBound), simplest first as BODY_VARIANTS has
 * them: `null` (its body with null where it allows one) after its required properties, before its enums.
 */
const ALTERNATIVE_BOUNDS = ['required', 'null', 'enum-first', 'enum-last', 'min', 'max']

/** The place of a body variant in the order above, from 1; undefined for a name that is none. */
function variantRank(name: unknown): number | undefined {
  if (typeof name !== 'string') return undefined
  const sample = BODY_VARIANTS.indexOf('sample') + 1
  // Read before the alternative's own name, which it starts with: measured as that alternative, its `max`
  // came before the body's `enum-first`. No label or path holds a slash.
  const bound = /^(.+)\/([a-z-]+)$/.exec(name)
  if (bound) {
    const kind = ALTERNATIVE_BOUNDS.indexOf(bound[2]!)
    const of = variantRank(bound[1])
    if (kind < 0 || of === undefined || of <= sample || of > sample + 2 * ALTERNATIVES) return undefined
    return BODY_VARIANTS.length + 2 * ALTERNATIVES + kind * 2 * ALTERNATIVES + (of - sample)
  }
  // A path before it (property names, `[]`), which holds no colon: the label after the alternative may hold a
  // dot. Inside a top-level alternative, that alternative's name first (`oneOf-2:paid.payment.oneOf-2:voucher`):
  // ranked by its own place in its list, not as the top-level alternative its name starts as.
  const nested = /^(?:(?:oneOf|anyOf)-\d+(?::[^:]*)?\.)?[^:]+?\.(?:oneOf|anyOf)-(\d+)(?::|$)/.exec(name)
  if (nested) return sample + ALTERNATIVES + Math.min(Number(nested[1]), ALTERNATIVES)
  const alternative = /^(?:oneOf|anyOf)-(\d+)(?::|$)/.exec(name)
  if (alternative) return sample + Math.min(Number(alternative[1]), ALTERNATIVES)
  const at = BODY_VARIANTS.indexOf(name) + 1
  if (at === 0) return undefined
  return at <= sample ? at : at + 2 * ALTERNATIVES
}

/**
 * An OpenAPI action's input (`{ body?, another?, query? }`, `body` one of BODY_VARIANTS, `query` one of
 * QUERY_VARIANTS) with its body and its query named by their places in those orders (numbers: the magnitude
 * orders them); any other input as it is.
 */
function asMeasured(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value
  const input = value as Record<string, unknown>
  const rank = input.body === undefined ? undefined : variantRank(input.body)
  const query = input.query === undefined ? undefined : QUERY_VARIANTS.indexOf(input.query as string) + 1
  if ((input.body !== undefined && rank === undefined) || query === 0 || (rank === undefined && query === undefined)) return value
  if (!Object.keys(input).every((k) => k === 'body' || k === 'another' || k === 'query')) return value
  return { ...input, ...(rank === undefined ? {} : { body: rank }), ...(query === undefined ? {} : { query }) }
}

function measure(value: unknown, into: Omit<Complexity, 'json'>, depth: number): void {
  if (value === undefined || value === null || depth > 50) return
  into.size++
  if (typeof value === 'number') into.magnitude += Number.isFinite(value) ? Math.abs(value) : Number.MAX_SAFE_INTEGER
  else if (typeof value === 'bigint') into.magnitude += Math.abs(Number(value))
  else if (typeof value === 'boolean') into.magnitude += value ? 1 : 0
  else if (typeof value === 'string') into.text += value.length
  else if (Array.isArray(value)) for (const v of value) measure(v, into, depth + 1)
  else if (typeof value === 'object') for (const v of Object.values(value)) measure(v, into, depth + 1)
}

/** Negative when `a` is simpler than `b`. */
export function compareComplexity(a: Complexity, b: Complexity): number {
  return a.size - b.size || a.magnitude - b.magnitude || a.text - b.text || a.json.length - b.json.length || (a.json < b.json ? -1 : a.json > b.json ? 1 : 0)
}

/** The offered inputs strictly simpler than `current`, simplest first, each once. */
export function simplerInputs(current: unknown, offered: readonly unknown[]): unknown[] {
  const mine = complexityOf(current)
  const seen = new Set<string>()
  return offered
    .map((input) => ({ input, c: complexityOf(input) }))
    .filter(({ c }) => compareComplexity(c, mine) < 0 && !seen.has(c.json) && seen.add(c.json))
    .sort((a, b) => compareComplexity(a.c, b.c))
    .map(({ input }) => input)
}
