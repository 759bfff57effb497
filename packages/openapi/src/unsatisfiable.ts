import { type JsonSchema, type OpenApiDocument, escapePointer, resolveSchema } from './document'

/** Where in a schema no value can be valid, and why, in the document's words. */
export interface Unsatisfiable {
  /** JSON pointer below the schema the walk started from (`/properties/qty`), `''` for the schema itself. */
  at: string
  why: string
}

/**
 * The first place in a schema that no value can satisfy: bounds that contradict each other (`minimum: 10`
 * with `maximum: 5`, `minLength` above `maxLength`), or a required property that `additionalProperties:
 * false` forbids. ajv compiles such a schema without complaint, as JSON Schema allows it (an empty `enum`
 * it refuses already, by its meta-schema). But the sampler then sends a value the document itself
 * forbids, the API refuses it, and the exploration passes having tested nothing of that operation: the
 * document's mistake, to be told before anything runs.
 *
 * Walked where a value must hold: properties, items, prefixItems, additionalProperties and allOf. Not into
 * anyOf or oneOf (one impossible branch leaves the others), nor into `not`, `if`, `then` or `else`.
 */
export function findUnsatisfiable(schema: JsonSchema | undefined, doc: OpenApiDocument, at = '', seen = new Set<object>()): Unsatisfiable | undefined {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return undefined
  const s = resolveSchema(schema, doc)
  if (seen.has(s)) return undefined
  seen.add(s)
  const why = ownContradiction(s)
  if (why) return { at, why }
  const below: [string, unknown][] = []
  if (s.properties && typeof s.properties === 'object')
    for (const [name, sub] of Object.entries(s.properties)) below.push([`/properties/${escapePointer(name)}`, sub])
  if (Array.isArray(s.items)) s.items.forEach((sub: unknown, i: number) => below.push([`/items/${i}`, sub]))
  else below.push(['/items', s.items])
  if (Array.isArray(s.prefixItems)) s.prefixItems.forEach((sub: unknown, i: number) => below.push([`/prefixItems/${i}`, sub]))
  below.push(['/additionalProperties', s.additionalProperties])
  if (Array.isArray(s.allOf)) s.allOf.forEach((sub: unknown, i: number) => below.push([`/allOf/${i}`, sub]))
  for (const [where, sub] of below) {
    const found = findUnsatisfiable(sub as JsonSchema | undefined, doc, `${at}${where}`, seen)
    if (found) return found
  }
  return undefined
}

/**
 * Why this schema's own keywords admit no value, or undefined. Each kind of keyword constrains values of
 * its own type only: bounds on numbers say nothing of null (3.0's `nullable`, 3.1's `type: [integer, null]`)
 * nor of a string, so a schema that admits one of those is met by it, whatever its bounds.
 */
function ownContradiction(s: JsonSchema): string | undefined {
  const constrains = (...kinds: string[]) => !admitsOtherThan(s, kinds)
  return (
    (constrains('number', 'integer') ? numberContradiction(s) : undefined) ??
    (constrains('string') ? pairContradiction(s, 'minLength', 'maxLength') : undefined) ??
    (constrains('array') ? pairContradiction(s, 'minItems', 'maxItems') : undefined) ??
    (constrains('object') ? (pairContradiction(s, 'minProperties', 'maxProperties') ?? requiredContradiction(s)) : undefined)
  )
}

/**
 * True when the schema admits a value of a type outside `kinds`: null by `nullable: true`, or another type
 * its `type` names. A schema without `type` is taken as meant for the keywords it has.
 */
function admitsOtherThan(s: JsonSchema, kinds: string[]): boolean {
  if (s.nullable === true) return true
  const types: unknown[] = typeof s.type === 'string' ? [s.type] : Array.isArray(s.type) ? s.type : []
  return types.some((t) => typeof t === 'string' && !kinds.includes(t))
}

function pairContradiction(s: JsonSchema, low: string, high: string): string | undefined {
  const min = s[low]
  const max = s[high]
  if (typeof min === 'number' && typeof max === 'number' && min > max) return `\`${low}\` ${min} is above \`${high}\` ${max}`
  return undefined
}

interface Bound {
  value: number
  open: boolean
  /** As the document wrote it, for the message. */
  said: string
}

/** The stricter of 3.0's `minimum` (with a boolean `exclusiveMinimum`) and 3.1's numeric `exclusiveMinimum`; likewise above. */
function bound(s: JsonSchema, side: 'min' | 'max'): Bound | undefined {
  const [inclusive, exclusive] = side === 'min' ? (['minimum', 'exclusiveMinimum'] as const) : (['maximum', 'exclusiveMaximum'] as const)
  const found: Bound[] = []
  if (typeof s[inclusive] === 'number') found.push({ value: s[inclusive], open: s[exclusive] === true, said: `\`${inclusive}\` ${s[inclusive]}${s[exclusive] === true ? ` (\`${exclusive}\`)` : ''}` })
  if (typeof s[exclusive] === 'number') found.push({ value: s[exclusive], open: true, said: `\`${exclusive}\` ${s[exclusive]}` })
  const stricter = (a: Bound, b: Bound) => {
    if (a.value !== b.value) return (side === 'min' ? a.value > b.value : a.value < b.value) ? a : b
    return a.open ? a : b
  }
  return found.length ? found.reduce(stricter) : undefined
}

/**
 * Numeric bounds that leave no number between them, or no whole number (`type: integer`) or multiple of
 * `multipleOf` when that is itself whole: `minimum: 1.2, maximum: 1.8` for an integer.
 */
function numberContradiction(s: JsonSchema): string | undefined {
  const min = bound(s, 'min')
  const max = bound(s, 'max')
  if (!min || !max) return undefined
  if (min.value > max.value || (min.value === max.value && (min.open || max.open))) return `${min.said} leaves no number below ${max.said}`
  const integer = s.type === 'integer' || (Array.isArray(s.type) && s.type.length === 1 && s.type[0] === 'integer')
  const step = typeof s.multipleOf === 'number' && Number.isInteger(s.multipleOf) && s.multipleOf > 0 ? s.multipleOf : integer ? 1 : undefined
  if (step === undefined) return undefined
  let first = Math.ceil(min.value / step) * step
  if (min.open && first === min.value) first += step
  if (first > max.value || (first === max.value && max.open)) return `no ${step === 1 ? 'whole number' : `multiple of ${step}`} lies between ${min.said} and ${max.said}`
  return undefined
}

/** A required property that `additionalProperties: false` forbids, or more required properties than `maxProperties`. */
function requiredContradiction(s: JsonSchema): string | undefined {
  if (!Array.isArray(s.required)) return undefined
  const required = [...new Set(s.required.filter((n: unknown): n is string => typeof n === 'string'))]
  if (s.additionalProperties === false && !s.patternProperties) {
    const declared = s.properties && typeof s.properties === 'object' ? s.properties : {}
    const missing = required.find((name) => !Object.hasOwn(declared, name))
    if (missing !== undefined) return `\`required\` names "${missing}", which \`additionalProperties: false\` forbids: it is not in \`properties\``
  }
  if (typeof s.maxProperties === 'number' && required.length > s.maxProperties)
    return `\`required\` names ${required.length} properties, above \`maxProperties\` ${s.maxProperties}`
  return undefined
}
