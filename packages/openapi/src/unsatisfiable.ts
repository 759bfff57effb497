import { type JsonSchema, type OpenApiDocument, type SchemaPart, allOfParts, escapePointer, resolveSchema, sourceOf, writtenAt } from './document'
import { placeOf } from './refs'

/** Where in a schema no value can be valid, and why, in the document's words. */
export interface Unsatisfiable {
  /** JSON pointer below the schema the walk started from (`/properties/qty`), `''` for the schema itself. */
  at: string
  why: string
}

/**
 * The first place in a schema that no value can satisfy: bounds that contradict each other (`minimum: 10`
 * with `maximum: 5`, `minLength` above `maxLength`), a required property that `additionalProperties:
 * false` forbids, or an `enum` none of whose values the `type` admits; also between a schema and its `allOf` parts, which a value must all meet (see
 * partsContradiction). ajv compiles such a schema without complaint, as JSON Schema allows it (an empty `enum`
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
  const why = ownContradiction(s) ?? (Array.isArray(s.allOf) ? partsContradiction(allOfParts(s, doc), s, doc) : undefined)
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
    (constrains('object') ? (pairContradiction(s, 'minProperties', 'maxProperties') ?? requiredContradiction(s)) : undefined) ??
    valuesContradiction([{ at: '', schema: s }], () => undefined)
  )
}

/**
 * True when the schema admits a value of a type outside `kinds`: null by `nullable: true`, or another type
 * its `type` names. A schema without `type` is taken as meant for the keywords it has.
 */
function admitsOtherThan(s: JsonSchema, kinds: string[]): boolean {
  if (s.nullable === true) return true
  return [...(typesOf(s) ?? [])].some((t) => !kinds.includes(t))
}

/** The types a schema's `type` admits (null too by 3.0's `nullable`), or undefined when it says none. */
function typesOf(s: JsonSchema): Set<string> | undefined {
  const types = typeof s.type === 'string' ? [s.type] : Array.isArray(s.type) ? s.type.filter((t: unknown): t is string => typeof t === 'string') : undefined
  if (!types) return undefined
  return new Set(s.nullable === true ? [...types, 'null'] : types)
}

/** Only whole numbers: an integer is a number, and `number` beside `integer` admits integers only. */
function isInteger(types: Set<string> | undefined): boolean {
  return !!types && types.size > 0 && [...types].every((t) => t === 'integer')
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
  /** As the document wrote it, for the message: `` `minimum` 3 ``, with 3.0's `` `exclusiveMinimum` `` (true) as its note. */
  said: string
  note?: string
}

/** A bound (or a `type`, an `enum`) as a message names it, its note and where it comes from (an `allOf` part) in brackets after it. */
function told(b: { said: string; note?: string }, from?: string): string {
  const notes = [b.note, from].filter((n) => n !== undefined)
  return notes.length ? `${b.said} (${notes.join(', ')})` : b.said
}

/** The stricter of 3.0's `minimum` (with a boolean `exclusiveMinimum`) and 3.1's numeric `exclusiveMinimum`; likewise above. */
function bound(s: JsonSchema, side: 'min' | 'max'): Bound | undefined {
  const [inclusive, exclusive] = side === 'min' ? (['minimum', 'exclusiveMinimum'] as const) : (['maximum', 'exclusiveMaximum'] as const)
  const found: Bound[] = []
  if (typeof s[inclusive] === 'number')
    found.push({ value: s[inclusive], open: s[exclusive] === true, said: `\`${inclusive}\` ${s[inclusive]}`, ...(s[exclusive] === true ? { note: `\`${exclusive}\`` } : {}) })
  if (typeof s[exclusive] === 'number') found.push({ value: s[exclusive], open: true, said: `\`${exclusive}\` ${s[exclusive]}` })
  return found.length ? found.reduce((a, b) => stricterBound(side, a, b)) : undefined
}

/** The stricter of two bounds on one side: the higher minimum, the lower maximum, an exclusive one at the same number; the first when alike. */
function stricterBound<B extends Bound>(side: 'min' | 'max', a: B, b: B): B {
  if (a.value !== b.value) return (side === 'min' ? a.value > b.value : a.value < b.value) ? a : b
  return b.open && !a.open ? b : a
}

/**
 * Numeric bounds that leave no number between them, or no whole number (`type: integer`) or multiple of
 * `multipleOf` when that is itself whole: `minimum: 1.2, maximum: 1.8` for an integer.
 */
function numberContradiction(s: JsonSchema): string | undefined {
  const min = bound(s, 'min')
  const max = bound(s, 'max')
  if (!min || !max) return undefined
  return boundsContradiction(min, max, isInteger(typesOf(s)) ? 1 : undefined, s.multipleOf)
}

/** As numberContradiction, of bounds each named by told (with where it comes from: `from`). */
function boundsContradiction(min: Bound & { from?: string }, max: Bound & { from?: string }, whole: 1 | undefined, multipleOf: unknown): string | undefined {
  if (min.value > max.value || (min.value === max.value && (min.open || max.open))) return `${told(min, min.from)} leaves no number below ${told(max, max.from)}`
  const step = typeof multipleOf === 'number' && Number.isInteger(multipleOf) && multipleOf > 0 ? multipleOf : whole
  if (step === undefined) return undefined
  let first = Math.ceil(min.value / step) * step
  if (min.open && first === min.value) first += step
  if (first > max.value || (first === max.value && max.open))
    return `no ${step === 1 ? 'whole number' : `multiple of ${step}`} lies between ${told(min, min.from)} and ${told(max, max.from)}`
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

/**
 * Why the parts of a schema (its own keywords and its `allOf` parts, see allOfParts) admit no value
 * together, each alone admitting some: the stricter bounds of all on each side, from different parts, that
 * leave nothing between them; a property one part requires that another's `additionalProperties: false`
 * forbids, or more required names than a part's `maxProperties`; `type`s with none in common; `enum`s and
 * `const`s with no value in common, or none of a type every part admits; a property or `items` several
 * parts give whose schemas do (named by the path to each). A part that admits no value alone is left to
 * the walk, which names it at its own place.
 *
 * Types as ownContradiction takes them, over the parts: a value must be of a type every part admits, so
 * bounds on numbers contradict when no part admits anything else, or one that does is met by a part that
 * admits no such thing (`[integer, null]` beside `integer`: null fails the second). A combination no part
 * gives a type is taken as meant for its keywords, as a schema without `type` is, unless one is `nullable`.
 */
function partsContradiction(parts: SchemaPart[], holder: JsonSchema, doc: OpenApiDocument, seen = new Set<object>()): string | undefined {
  if (parts.length < 2 || parts.some((p) => ownContradiction(p.schema))) return undefined
  const home = writtenAt(holder)
  const from = (part: SchemaPart) => {
    const label = part.at ? part.at.slice(1) : 'its own'
    // A part written elsewhere (a `$ref`'s target) is named where it is written too, for the user to find.
    const written = writtenAt(part.schema)
    if (home === undefined || written === undefined || written === `${home}${part.at}`) return label
    const source = sourceOf(doc)
    const place = placeOf(source, doc, written)
    return `${label}, ${place.startsWith(`${source}#`) ? place.slice(source.length) : place}`
  }
  let types: Set<string> | undefined
  const typed: SchemaPart[] = []
  let noneInCommon: string | undefined
  for (const part of parts) {
    const own = typesOf(part.schema)
    types = !types ? own : !own ? types : new Set([...types].flatMap((t) => (own.has(t) ? [t] : t === 'integer' && own.has('number') ? [t] : t === 'number' && own.has('integer') ? ['integer'] : [])))
    if (own) typed.push(part)
    // Named up to the part that leaves no type: those alone contradict. A `type` no value has (an empty
    // list, a name JSON Schema does not know) is the schema check's to name, not this one's.
    if (types && !types.size && noneInCommon === undefined && typed.every((p) => knownTypes(p.schema)?.size))
      noneInCommon = `${joined(typed.map((p) => told(typeSaid(p.schema), from(p))))} admit no type in common`
  }
  if (noneInCommon) return noneInCommon
  const constrains = (...kinds: string[]) => (types ? [...types].every((t) => kinds.includes(t)) : !parts.some((p) => p.schema.nullable === true))
  const numbers = () => {
    const bounds = (side: 'min' | 'max') =>
      parts.flatMap((p) => {
        const b = bound(p.schema, side)
        return b ? [{ ...b, from: from(p), part: p }] : []
      })
    const lows = bounds('min')
    const highs = bounds('max')
    if (!lows.length || !highs.length) return undefined
    const min = lows.reduce((a, b) => stricterBound('min', a, b))
    const max = highs.reduce((a, b) => stricterBound('max', a, b))
    const multiples = parts.map((p) => p.schema.multipleOf).filter((m) => typeof m === 'number' && Number.isInteger(m) && m > 0)
    if (min.part === max.part && !isInteger(types) && !multiples.length) return undefined
    return boundsContradiction(min, max, isInteger(types) ? 1 : undefined, multiples.length === 1 ? multiples[0] : undefined)
  }
  const pair = (low: string, high: string) => {
    const given = (key: string) => parts.filter((p) => typeof p.schema[key] === 'number')
    const lows = given(low)
    const highs = given(high)
    if (!lows.length || !highs.length) return undefined
    const min = lows.reduce((a, b) => (b.schema[low] > a.schema[low] ? b : a))
    const max = highs.reduce((a, b) => (b.schema[high] < a.schema[high] ? b : a))
    if (min === max || min.schema[low] <= max.schema[high]) return undefined
    return `\`${low}\` ${min.schema[low]} (${from(min)}) is above \`${high}\` ${max.schema[high]} (${from(max)})`
  }
  return (
    (constrains('number', 'integer') ? numbers() : undefined) ??
    (constrains('string') ? pair('minLength', 'maxLength') : undefined) ??
    (constrains('array') ? pair('minItems', 'maxItems') : undefined) ??
    (constrains('object') ? (pair('minProperties', 'maxProperties') ?? forbiddenByPart(parts, from) ?? requiredAboveMaxProperties(parts, from)) : undefined) ??
    valuesContradiction(parts, from) ??
    propertiesContradiction(parts, holder, doc, seen)
  )
}

/** A property one part requires that another part's `additionalProperties: false` forbids: certain only when that part has no `patternProperties` it might match. */
function forbiddenByPart(parts: SchemaPart[], from: (part: SchemaPart) => string): string | undefined {
  for (const closed of parts) {
    if (closed.schema.additionalProperties !== false || closed.schema.patternProperties) continue
    const declared = closed.schema.properties && typeof closed.schema.properties === 'object' ? closed.schema.properties : {}
    for (const part of parts) {
      if (part === closed || !Array.isArray(part.schema.required)) continue
      const missing = part.schema.required.find((name: unknown) => typeof name === 'string' && !Object.hasOwn(declared, name))
      if (missing !== undefined)
        return `\`required\` names "${missing}" (${from(part)}), which \`additionalProperties: false\` (${from(closed)}) forbids: it is not in that part's \`properties\``
    }
  }
  return undefined
}

/** More properties required across the parts (each name once) than the smallest `maxProperties` of a part admits. */
function requiredAboveMaxProperties(parts: SchemaPart[], from: (part: SchemaPart) => string): string | undefined {
  const capped = parts.filter((p) => typeof p.schema.maxProperties === 'number')
  if (!capped.length) return undefined
  const cap = capped.reduce((a, b) => (b.schema.maxProperties < a.schema.maxProperties ? b : a))
  const naming = parts.filter((p) => Array.isArray(p.schema.required) && p.schema.required.some((n: unknown) => typeof n === 'string'))
  const names = new Set(naming.flatMap((p) => p.schema.required.filter((n: unknown) => typeof n === 'string')))
  // One part's own names above its own cap is that part's contradiction, named at its place by the walk.
  if (names.size <= cap.schema.maxProperties || naming.every((p) => p === cap)) return undefined
  return `\`required\` names ${names.size} properties (${naming.map(from).join(', ')}), above \`maxProperties\` ${cap.schema.maxProperties} (${from(cap)})`
}

/** The type names JSON Schema knows. */
const TYPES: ReadonlySet<string> = new Set(['null', 'boolean', 'object', 'array', 'number', 'integer', 'string'])

/** typesOf, when every name in it is one JSON Schema knows; else undefined, as an unknown name is the schema check's mistake. */
function knownTypes(s: JsonSchema): Set<string> | undefined {
  const types = typesOf(s)
  return types && [...types].every((t) => TYPES.has(t)) ? types : undefined
}

/** A schema's `type` as written: `` `type` string ``, `` `type` [integer, null] ``, 3.0's `nullable` as its note. */
function typeSaid(s: JsonSchema): { said: string; note?: string } {
  const said = typeof s.type === 'string' ? `\`type\` ${s.type}` : `\`type\` [${(s.type as unknown[]).filter((t) => typeof t === 'string').join(', ')}]`
  return s.nullable === true ? { said, note: '`nullable`' } : { said }
}

/** "a", "a and b", "a, b and c". */
function joined(items: string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

/** Whether a JSON value is of one of `types`: a whole number is an integer, and every integer a number. */
function ofType(types: Set<string>, v: unknown): boolean {
  if (v === null) return types.has('null')
  if (Array.isArray(v)) return types.has('array')
  if (typeof v === 'number') return types.has('number') || (types.has('integer') && Number.isInteger(v))
  return types.has(typeof v)
}

/** JSON equality, as `enum` and `const` compare: objects by their members, whatever their order. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return false
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  const keys = Object.keys(x)
  return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && sameValue(x[k], y[k]))
}

/** A value as a message shows it, a long `enum` cut short. */
function shown(values: unknown[]): string {
  const head = values.slice(0, 5).map((v) => JSON.stringify(v))
  return `[${values.length > 5 ? [...head, '...'].join(', ') : head.join(', ')}]`
}

/**
 * Values that `enum` and `const` allow, across the parts (or one schema alone, its `from` saying nothing):
 * lists with no value in common, or no common value of a type every part's `type` admits. 3.0's
 * `nullable` is taken to add null to a part's values too, as its `type`, so as never to refuse a null the
 * document may mean.
 */
function valuesContradiction(parts: SchemaPart[], from: (part: SchemaPart) => string | undefined): string | undefined {
  const lists = parts.flatMap((part) => {
    const s = part.schema
    const extra = s.nullable === true ? [null] : []
    const found: { said: string; values: unknown[]; part: SchemaPart }[] = []
    if (Array.isArray(s.enum)) found.push({ said: `\`enum\` ${shown(s.enum)}`, values: [...s.enum, ...extra], part })
    if (Object.hasOwn(s, 'const')) found.push({ said: `\`const\` ${JSON.stringify(s.const)}`, values: [s.const, ...extra], part })
    return found
  })
  if (!lists.length) return undefined
  let values = lists[0]!.values
  for (let i = 1; i < lists.length; i++) {
    const next = lists[i]!.values
    values = values.filter((v) => next.some((w) => sameValue(v, w)))
    if (!values.length) return `${joined(lists.slice(0, i + 1).map((l) => told(l, from(l.part))))} have no value in common`
  }
  const typed = parts.flatMap((part) => {
    const types = knownTypes(part.schema)
    return types ? [{ part, types }] : []
  })
  if (values.some((v) => typed.every((t) => ofType(t.types, v)))) return undefined
  const refusing = typed.filter((t) => values.some((v) => !ofType(t.types, v)))
  return `no value of ${joined(lists.map((l) => told(l, from(l.part))))} is of ${joined(refusing.map((t) => told(typeSaid(t.part.schema), from(t.part))))}`
}

/**
 * A property that several parts give, or `items` that several parts give, whose schemas (each with its own
 * `allOf` parts) contradict each other: named by the path to each.
 */
function propertiesContradiction(parts: SchemaPart[], holder: JsonSchema, doc: OpenApiDocument, seen: Set<object>): string | undefined {
  const given = new Map<string, SchemaPart[]>()
  // Keyed by what the schemas are of, a property's name or the items, each part's path to it as told.
  const add = (key: string, part: SchemaPart, sub: unknown) => {
    if (!sub || typeof sub !== 'object' || Array.isArray(sub)) return
    given.set(key, [...(given.get(key) ?? []), ...allOfParts(sub as JsonSchema, doc, `${part.at}${key}`)])
  }
  for (const part of parts) {
    const properties = part.schema.properties
    if (properties && typeof properties === 'object') for (const [name, property] of Object.entries(properties)) add(`/properties/${escapePointer(name)}`, part, property)
    add('/items', part, part.schema.items)
  }
  for (const list of given.values()) {
    // A recursive schema gives the same properties again below: each combination is looked at once.
    if (list.every((p) => seen.has(p.schema))) continue
    for (const p of list) seen.add(p.schema)
    const why = partsContradiction(list, holder, doc, seen)
    if (why) return why
  }
  return undefined
}
