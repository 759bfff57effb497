import { MADE_UP_SECRET_PREFIX, isSecretHeader, isSecretKey, isSecretQueryName } from '@venomqa/core'
import DRange from 'drange'
import { sample } from 'openapi-sampler'
import RandExp from 'randexp'
import { type JsonSchema, type OpenApiDocument, allOfParts, resolveSchema } from './document'
import { componentNames, discriminatorOf, tagValues } from './discriminator'
import { SchemaChecker, ecmaRegExp } from './schema'

/**
 * How a body was made from its schema: each is an input of its own. `no-body` sends none: the schema has
 * no empty value (a number, a schema of no type) where `empty` would be one, or the document does not
 * require a body. An alternative of a `oneOf` or `anyOf` is named by its place and, when something tells
 * it apart, by that (`oneOf-2:damaged`: see alternativesOf); one inside the body after the path to it
 * (`method.oneOf-2:voucher`: see nestedPlaces), and one inside a top-level alternative after that
 * alternative's name too (`oneOf-2:paid.payment.oneOf-2:voucher`). An alternative at a bound (a top-level
 * one other than the one the body's own bounds are within, or one inside the body) is named after it, a
 * slash and the bound (`oneOf-2:voucher/max`, `method.oneOf-2:voucher/min`: see AlternativeBoundVariant);
 * no label or path holds a slash.
 */
export type BodyVariant =
  | 'sample'
  | 'required'
  | 'min'
  | 'max'
  | 'empty'
  | 'no-body'
  | 'enum-first'
  | 'enum-last'
  | 'null'
  | AlternativeVariant
  | NestedAlternativeVariant
  | AlternativeBoundVariant

/** `oneOf-2`, or with a label `oneOf-2:damaged`; `anyOf-<n>` alike. */
export type AlternativeVariant = `${'oneOf' | 'anyOf'}-${number}${string}`

/**
 * An alternative of a `oneOf` or `anyOf` inside the body, after the path to it: property names joined by
 * dots, `[]` for the items of an array (`method.oneOf-2:voucher`, `order.lines[].anyOf-3:gift`); inside a
 * top-level alternative (a property of that alternative's own), after that alternative's name
 * (`oneOf-2:paid.payment.oneOf-2:voucher`).
 */
export type NestedAlternativeVariant = `${string}.${AlternativeVariant}`

/** The bounds an alternative of a body is sent at, each as the body's own of that name is made within it. */
export type AlternativeBound = 'min' | 'max' | 'enum-first' | 'enum-last' | 'required'

/**
 * An alternative at one of its bounds: its name, a slash, the bound (`oneOf-2:voucher/max`, `anyOf-3/required`,
 * `method.oneOf-2:voucher/min`). The body's own `min`, `max`, `enum-first`, `enum-last` and `required` are
 * those of one top-level alternative only (its first, or the one an example of the whole body is of), and
 * leave a `oneOf` inside the body as it is: the other top-level alternatives' are these, and those of every
 * alternative inside the body.
 */
export type AlternativeBoundVariant = `${AlternativeVariant | NestedAlternativeVariant}/${AlternativeBound}` | AlternativeNullVariant

/**
 * A top-level alternative other than the typical one with null wherever it allows one (`oneOf-2:voucher/null`,
 * see withNulls); the body's own `null` is the typical alternative's.
 */
export type AlternativeNullVariant = `${AlternativeVariant}/null`

export interface SampledBody {
  variant: BodyVariant
  body: unknown
}

export interface BodyVariantOptions {
  /** The document does not require the body (`requestBody.required` false or absent): `no-body` is a variant too, the last. */
  optional?: boolean
}

/**
 * The longest string or array a `max` variant sends when the schema gives no maximum (`maxLength`,
 * `maxItems`), or allows more; a string with a `pattern` is made no longer either.
 */
const MAX_STRING = 64
const MAX_ITEMS = 3
/**
 * The most items a list parameter (`?tag=a&tag=b`) is sent with at `max`: its `maxItems`, up to this. A
 * parameter's list is its own, not one of many in a body, and a handler that fails on the most tags the
 * document allows (a fixed-size array, an index past the end) fails only at that many.
 */
const MAX_PARAMETER_ITEMS = 20
/**
 * The longest plain string a `max` variant sends where the schema gives its `maxLength`: that length, up to
 * this. A column narrower than the document says (a varchar(100) under `maxLength: 200`) fails only on a
 * string longer than the column, and a `max` cut at 64 characters never was one.
 */
const MAX_DECLARED_STRING = 10_000
/** The most alternatives of a `oneOf` or `anyOf` a body is sent as, each an edge from every state it may run in. */
export const MAX_ALTERNATIVES = 8
/**
 * The most alternatives of the `oneOf`s and `anyOf`s inside a body a body is sent as, all of them together:
 * those beside its top-level alternatives and those inside each of them.
 */
export const MAX_NESTED_ALTERNATIVES = 8
/**
 * The most bounds of the top-level alternatives a body is sent at, all of them together (see
 * AlternativeBoundVariant): up to 5 per alternative, 7 top-level ones beside the one the body's own bounds
 * are within and those inside the body, would be tens of edges more from every state; 16 is the `min` and
 * the `max` of each of 8.
 */
export const MAX_ALTERNATIVE_BOUNDS = 16
/**
 * The turns the alternatives' bounds are taken in, across the alternatives (see alternativeBoundBodies):
 * both ends of every alternative first, so that MAX_ALTERNATIVE_BOUNDS reaches the `min` and the `max` of
 * 8 alternatives before the enums of any (where a turn of `min` alone ended with no `max` sent: a body with
 * many alternatives inside it has more than 16), and the required-only body, a typical one, last.
 */
const ALTERNATIVE_BOUND_TURNS: readonly (readonly AlternativeBound[])[] = [['min', 'max'], ['enum-first', 'enum-last'], ['required']]
/**
 * The most bodies made for the alternatives' bounds of one body, sent or not: most are a typical body
 * again (a card whose only bound is its discriminator's value), and a body with hundreds of places would
 * make thousands of them when it loads.
 */
const MAX_BOUND_TRIES = 16 * MAX_ALTERNATIVE_BOUNDS

/**
 * Bodies for a request schema: a typical one (examples, defaults; of a body with alternatives, its first
 * alternative's, see exclusiveBody), then the boundaries: only the required properties (and more where
 * `minProperties` asks, see withMinProperties), every bound at its minimum, at its
 * maximum (within the alternative the typical body is, see boundedBody), empty (`{}`, `[]`, `''`; no body
 * at all, as `no-body`, for a schema with no empty value), the first and the last enum value; then each
 * alternative of a `oneOf` or `anyOf` (at most MAX_ALTERNATIVES), of which the sampler knows only the
 * first; then the alternatives of those inside the body, beside the top-level alternatives or inside one
 * of them (at most MAX_NESTED_ALTERNATIVES in all, see nestedPlaces and placesWithin); for a body the
 * document does not require, no body; last, the bounds of the top-level alternatives the body's own bounds
 * are not within, then of the alternatives inside the body (at most MAX_ALTERNATIVE_BOUNDS in all, see
 * alternativeBoundBodies), each one the schema accepts.
 * Every one but `empty` and `no-body` is one the request checker accepts (see validity): a variant the
 * schema refuses is left out, its name and the others' order kept, `sample` too (see sampledBodies).
 * `empty` and `no-body` are at the edge or past it on purpose.
 * Identical bodies are given once. The same schema always gives the same bodies, in this order: a body
 * with no `oneOf` inside it gets the variants it got before there were nested ones, one with none inside
 * its top-level alternatives those it got before they were looked into, a required one those it got
 * before `no-body`, and every body those it got before its alternatives' bounds, in their places.
 */
export function bodyVariants(schema: JsonSchema | undefined, doc?: OpenApiDocument, options: BodyVariantOptions = {}): SampledBody[] {
  return sampledBodies(schema, doc, options).bodies
}

/** bodyVariants, and why the schema refuses the typical body when it does. */
export interface SampledBodies {
  bodies: SampledBody[]
  /**
   * The request checker's first error of the typical body (`/flags must NOT have duplicate items ...`),
   * when the schema refuses it: a body the sampler could not make valid (a schema it cannot meet, or one
   * no value meets that findUnsatisfiable does not tell). It is then not sent: every other input of the
   * operation sent it, each one refused by the API as the document says it should be, and the run passed.
   */
  refused?: string
  /**
   * With `refused`: the variants kept that are valid requests, those the schema accepts (an `empty` that is
   * its one value too, `''` of `maxLength: 0`) and a `no-body` the document does not require a body for.
   */
  accepted?: BodyVariant[]
}

/** The bodies of bodyVariants, with what the checker says of a typical body it refuses. */
export function sampledBodies(schema: JsonSchema | undefined, doc?: OpenApiDocument, options: BodyVariantOptions = {}): SampledBodies {
  if (!schema) return { bodies: [{ variant: 'sample', body: undefined }] }
  const alternatives = alternativesOf(schema, doc, { skipNull: false }) ?? []
  const resolved = resolveSchema(schema, doc)
  const given = isObject(resolved) && isGiven(resolved)
  // The document's example of the whole body is one alternative's: its discriminator's value set when it
  // has none of the alternatives' (the first's), as a place's is (see withFirstAlternatives).
  const first = (body: unknown) => (alternatives[0] && !tagged(alternatives, body) ? alternatives[0].discriminate(body) : body)
  // The places beside the top-level alternatives, given where something inside the body gives them: the
  // example of the whole body gives them in the typical body only, which it is; each alternative's body is
  // that alternative's own, sampled without it.
  const places = nestedPlaces(schema, doc, false)
  // The places inside each top-level alternative, of its own: where the document gives the body, the
  // typical body keeps what it gives there, as it keeps it in the places beside them.
  const within = alternatives.map((a) => placesWithin(a, places, doc))
  // What the request checker says of a body: undefined for a schema it cannot compile, whose bodies are sent as they were.
  const valid = validityWhenAsked(schema, doc)
  // A body with alternatives (a `oneOf` of the body, or one that is an `allOf` part of it): its first
  // alternative, with what is beside it, as the variant of that alternative sends it (its patterns met),
  // which it then is. The sampler read the alternative itself (a pattern unmet, no property named), and that
  // alternative was sent a second time beside it. The document's example of the whole body is kept.
  const fromFirst = !given && isObject(resolved) && alternatives.length > 0
  const oneOf = alternatives[0]?.name.startsWith('oneOf-') === true
  const wrap = (k: number, requiredOnly: boolean) => (body: unknown) => withFirstAlternatives(body, [...places, ...within[k]!], requiredOnly)
  // Of a `oneOf` whose alternatives overlap, a body two of them take is refused: each alternative's body is
  // the first of its own (see exclusiveBody) the `oneOf` takes. The typical one is the first alternative's,
  // else, when every body of it is another's too (it requires less, and is open), the next one's that has one.
  // Each found once: the typical body, the alternatives' and the index below all ask for the same ones.
  const exclusive = new Map<string, unknown>()
  const exclusiveOf = (k: number, requiredOnly: boolean): unknown => {
    const key = `${k}:${requiredOnly}`
    if (!exclusive.has(key)) exclusive.set(key, exclusiveBody(alternatives[k]!, requiredOnly, (b) => valid(b) === true, wrap(k, requiredOnly)))
    return exclusive.get(key)
  }
  const alternativeBody = (k: number, requiredOnly: boolean): unknown =>
    (oneOf ? exclusiveOf(k, requiredOnly) : undefined) ?? wrap(k, requiredOnly)(alternatives[k]!.sample(requiredOnly))
  const typicalIndex = fromFirst && oneOf ? Math.max(0, alternatives.findIndex((_, k) => exclusiveOf(k, false) !== undefined)) : 0
  const typicalPlaces = [...places, ...(within[typicalIndex] ?? [])].map((p) => (given ? { ...p, given } : p))
  const typicalOf = (requiredOnly: boolean) =>
    fromFirst ? alternativeBody(typicalIndex, requiredOnly) : withFirstAlternatives(first(typicalValue(schema, doc, requiredOnly)), typicalPlaces, requiredOnly)
  const typical = typicalOf(false)
  const empty = emptyOf(schema, doc)
  const alternativeBodies = alternatives.map((a, k) => ({ variant: a.name, body: alternativeBody(k, false) }))
  const bound = (b: Bound) => boundedBody(schema, typical, b, doc, alternatives, given, typicalIndex)
  // A bound that is the body's empty value (a string with no minLength, a list with no minItems, a `oneOf`
  // of plain values whose first is one) is sent once, as `empty`, in its place: sent as `min` first, it
  // took the empty body's place, which was dropped as the same body, and the shrinker tried it among the
  // largest bodies rather than the smallest.
  const boundary = (variant: 'min' | 'max'): SampledBody[] => {
    const body = bound(variant)
    return empty !== undefined && canonical(body) === canonical(empty) ? [] : [{ variant, body }]
  }
  const candidates: SampledBody[] = [
    { variant: 'sample', body: typical },
    { variant: 'required', body: withMinProperties(schema, typicalOf(true), typical, doc) },
    ...boundary('min'),
    ...boundary('max'),
    empty === undefined ? { variant: 'no-body', body: undefined } : { variant: 'empty', body: empty },
    { variant: 'enum-first', body: bound('enum-first') },
    { variant: 'enum-last', body: bound('enum-last') },
    ...alternativeBodies,
  ]
  const kept: SampledBody[] = []
  const seen = new Set<string>()
  const keep = (c: SampledBody): boolean => {
    const key = canonical(c.body)
    if (seen.has(key)) return false
    // A body the schema refuses tests nothing but the API's validation, which `empty` does already, and reads
    // as the API misbehaving where it answers so: a variant made so (the items of a `uniqueItems` list fewer
    // than it needs, a `oneOf` whose alternatives take the same bodies) is not sent, nor a typical body so
    // made, which the caller is told of (see SampledBodies). `empty` and `no-body` are at the edge or past
    // it on purpose.
    if (c.variant !== 'empty' && c.variant !== 'no-body' && valid(c.body) === false) return false
    seen.add(key)
    kept.push(c)
    return true
  }
  for (const c of candidates) keep(c)
  // Those beside the top-level alternatives in the typical body, as they were; those inside an alternative
  // in that alternative's body, after its name.
  const groups: NestedGroup[] = [
    { prefix: '', body: typical, places },
    ...alternativeBodies.map((a, k) => ({ prefix: `${a.variant}.`, body: a.body, places: within[k]! })),
  ]
  let nested = 0
  const nestedKept = new Set<string>()
  for (const c of nestedAlternativeBodies(groups)) {
    if (nested >= MAX_NESTED_ALTERNATIVES) break
    if (keep(c)) {
      nested++
      nestedKept.add(c.variant)
    }
  }
  // Last, so that the variants before it keep their places: an exploration's order of edges is theirs.
  if (options.optional) keep({ variant: 'no-body', body: undefined })
  // After it, for the same reason: the bounds of each top-level alternative the body's own are not
  // within, in its body; then those of each alternative inside the body, which the body's own leave as
  // they are (bounded does not look into a choice), the rest of the body as its variant sends it.
  const ownBounds = boundsAlternative(alternatives, typical, given, doc, typicalIndex)
  const entries: BoundEntry[] = [
    ...alternatives.flatMap((alternative, k): BoundEntry[] => {
      if (alternative === ownBounds) return []
      const body = alternativeBodies[k]!.body
      const inside = [...places, ...within[k]!]
      return [{ name: alternative.name, make: (b) => (b === 'required' ? withFirstAlternatives(alternative.sample(true), inside, true) : alternative.discriminate(bounded(alternative.schema, body, b, doc))) }]
    }),
    // Of the alternatives inside it sent: a bound that leaves the value as it is would send one that
    // MAX_NESTED_ALTERNATIVES left out, under the bound's name.
    ...nestedBoundEntries(groups, doc).filter((e) => e.first || nestedKept.has(e.name)),
  ]
  let bounds = 0
  let tries = 0
  for (const c of alternativeBoundBodies(entries)) {
    if (bounds >= MAX_ALTERNATIVE_BOUNDS || ++tries > MAX_BOUND_TRIES) break
    // A body the schema refuses tests nothing but the API's validation, which `empty` does already: one
    // that two alternatives of a `oneOf` both take (their bounds overlap), one a bound cannot be met in
    // (more items than the `max` sends). Such a bound of an alternative is not sent, nor any of a schema
    // the checker cannot compile: what is sent at an alternative's bound must be known to be valid.
    if (seen.has(canonical(c.body)) || valid(c.body) !== true) continue
    keep(c)
    bounds++
  }
  // Last of all, for the same reason as `no-body`: the typical body with null wherever the schema allows it,
  // inside the alternative it is of too (whose properties the schema's own `oneOf` does not list: a nullable
  // one there was never sent null); then each other top-level alternative's body so, after its name.
  const nulls = withNulls(ownBounds?.schema ?? schema, typical, doc)
  if (nulls !== undefined) keep({ variant: 'null', body: nulls })
  alternatives.forEach((alternative, k) => {
    if (alternative === ownBounds) return
    const body = withNulls(alternative.schema, alternativeBodies[k]!.body, doc)
    if (body !== undefined) keep({ variant: `${alternative.name}/null`, body })
  })
  if (valid(typical) !== false) return { bodies: kept }
  const accepted = kept.filter((c) => valid(c.body) === true || (c.variant === 'no-body' && options.optional)).map((c) => c.variant)
  return { bodies: kept, refused: refusal(schema, typical, doc), accepted }
}

/** The request checker's first error of a body the schema refuses, as `<JSON pointer> <what was expected>`. */
function refusal(schema: JsonSchema, body: unknown, doc: OpenApiDocument | undefined): string {
  try {
    return checkerOf(doc).check(schema, body) ?? 'does not match'
  } catch {
    return 'does not match'
  }
}

/**
 * The alternative the body's own bounds are within (see boundedBody): the one the typical body is of (the
 * first, but where every body of it is another's too, see bodyVariants), or the one the document's example
 * of the whole body is of; none for a body with none, or an example of none.
 */
function boundsAlternative(alternatives: readonly Alternative[], typical: unknown, given: boolean, doc: OpenApiDocument | undefined, index = 0): Alternative | undefined {
  return given ? alternatives.find((a) => isOf(a, typical, doc)) : alternatives[index]
}

/** An alternative whose bounds are sent: its variant's name (before the slash), and the body that sends it at a bound. */
interface BoundEntry {
  name: AlternativeVariant | NestedAlternativeVariant
  make: (bound: AlternativeBound) => unknown
  /** The first alternative of a place inside the body, which its group's body sends. */
  first?: boolean
}

/**
 * The alternatives' bounds (see BoundEntry), taken in the turns of ALTERNATIVE_BOUND_TURNS: the `min` and
 * the `max` of every alternative (the top-level ones first), then the enums of every one, then the
 * required-only bodies; each made as the body's own are within its alternative (see boundedBody), its
 * discriminator's value kept; one at a time, as the bound asks.
 */
function* alternativeBoundBodies(entries: readonly BoundEntry[]): Generator<SampledBody & { variant: AlternativeBoundVariant }> {
  for (const turn of ALTERNATIVE_BOUND_TURNS)
    for (const { name, make } of entries) for (const bound of turn) yield { variant: `${name}/${bound}`, body: make(bound) }
}

/**
 * Every alternative of each place inside the body (see nestedPlaces), its first too, in the order of
 * nestedAlternativeBodies: its bounds are its value there moved to them, in its group's body (the typical
 * one, or a top-level alternative's), named as its variant is (`method.oneOf-2:voucher`).
 */
function nestedBoundEntries(groups: readonly NestedGroup[], doc: OpenApiDocument | undefined): BoundEntry[] {
  const out: BoundEntry[] = []
  for (let i = 0; i < MAX_ALTERNATIVES; i++)
    for (const { prefix, body, places } of groups)
      for (const place of places) {
        const alternative = place.alternatives[i]
        if (!alternative) continue
        const value = (b: AlternativeBound) => (b === 'required' ? alternative.sample(true) : alternative.discriminate(bounded(alternative.schema, alternative.sample(false), b, doc)))
        out.push({ name: `${prefix}${place.name}.${alternative.name}`, make: (b) => at(body, place.path, true, () => value(b)), first: i === 0 })
      }
  return out
}

/** A request checker per document: its components are converted once (see SchemaChecker). */
const checkers = new WeakMap<object, SchemaChecker>()

function checkerOf(doc: OpenApiDocument | undefined): SchemaChecker {
  let checker = doc ? checkers.get(doc) : undefined
  if (!checker) {
    checker = new SchemaChecker(typeof doc?.openapi === 'string' ? doc.openapi : '3.0.3', doc, { request: true })
    if (doc) checkers.set(doc, checker)
  }
  return checker
}

/**
 * Does a schema accept a body, as the API checks it: for a `oneOf`, one alternative only takes it; undefined
 * for a schema ajv cannot compile (a pattern that is no regular expression), of which nothing is known.
 * Compiled once per document and schema (the schema of a body, or of a place inside one): an alternative's
 * own schema (with what is beside it, a new object for every body) is not compiled, which compiled it for
 * every operation again, tens of milliseconds each; nor is anything per variant.
 */
function validity(schema: JsonSchema, doc: OpenApiDocument | undefined): ((body: unknown) => boolean) | undefined {
  let validate: ReturnType<SchemaChecker['validator']>
  try {
    validate = checkerOf(doc).validator(schema)
  } catch {
    return undefined
  }
  return (body) => {
    try {
      return validate(body) === true
    } catch {
      return false
    }
  }
}

/** validity, the schema compiled when a body is first asked about, and only then: a place whose alternatives need no check compiles nothing. */
function validityWhenAsked(schema: JsonSchema, doc: OpenApiDocument | undefined): (body: unknown) => boolean | undefined {
  let check: ((body: unknown) => boolean) | undefined | null = null
  return (body) => {
    if (check === null) check = validity(schema, doc)
    return check?.(body)
  }
}

/**
 * The first body of an alternative (`made` of it: with what is beside it) that `accepts` takes: of a
 * `oneOf` whose alternatives overlap, one no other alternative takes too. Tried in turn: its typical body,
 * its required properties only, those with one other property of the typical body each (in its order);
 * with `requiredOnly`, the fewest properties first. Undefined when none is taken: every body of the
 * alternative is another's too (one that requires less and is open to more), and the `oneOf` refuses it.
 */
function exclusiveBody(alternative: Alternative, requiredOnly: boolean, accepts: (body: unknown) => boolean, made: (body: unknown) => unknown = (b) => b): unknown {
  const full = alternative.sample(false)
  const least = alternative.sample(true)
  const between = isObject(full) && isObject(least) ? Object.keys(full).filter((k) => !Object.hasOwn(least, k)).map((k) => ({ ...least, [k]: full[k] })) : []
  for (const body of requiredOnly ? [least, ...between, full] : [full, least, ...between]) {
    const candidate = made(body)
    if (accepts(candidate)) return candidate
  }
  return undefined
}

/**
 * A required-only body with the typical body's other properties added, in its order, where the schema asks
 * for more properties than it requires (`minProperties`): a change of a product requires none but one. So in
 * each object inside it.
 */
function withMinProperties(given: JsonSchema, value: unknown, typical: unknown, doc: OpenApiDocument | undefined, depth = 0): unknown {
  const schema = withPartsMerged(given, doc)
  if (!isObject(schema) || !isObject(value) || !isObject(typical) || depth > MAX_NESTED_DEPTH) return value
  const properties = propertiesOf(schema, doc)
  const out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, properties[k] ? withMinProperties(properties[k], v, typical[k], doc, depth + 1) : v]))
  const least = typeof schema.minProperties === 'number' ? schema.minProperties : 0
  for (const k of Object.keys(typical)) {
    if (Object.keys(out).length >= least) break
    if (!Object.hasOwn(out, k)) out[k] = typical[k]
  }
  return out
}

/** A body as text with its keys in order, to tell bodies apart: `{a, b}` and `{b, a}` are one body. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v)) ?? 'undefined'
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value)
}

interface Alternative {
  /** `oneOf-2:damaged`: its place in the document's list, from 1, and what tells it apart. */
  name: AlternativeVariant
  /** The alternative with what is beside it (an object's `properties` and `required`, the other `allOf` parts): what it is sampled from. */
  schema: JsonSchema
  /** Its typical value (only its required properties with `requiredOnly`), its discriminator's value set; made once, when asked. */
  sample: (requiredOnly: boolean) => unknown
  /** A body with the alternative's discriminator value set (or the body itself, when it has none). */
  discriminate: (body: unknown) => unknown
  /** Its discriminator's property and value, when the schema has a discriminator. */
  property?: string
  tag?: string
}

/** Keys beside a oneOf that say nothing of a body's shape. */
const ANNOTATIONS: ReadonlySet<string> = new Set(['nullable', 'description', 'title', 'deprecated', 'externalDocs', 'xml', 'readOnly', 'writeOnly'])

/**
 * The schema's choice: itself when it has a `oneOf` (else an `anyOf`) of more than one alternative; else,
 * when one of its `allOf` parts has one, the schema with that choice brought up beside the other parts
 * (`allOf: [Base, { oneOf: [Card, Voucher] }]` is `{ allOf: [Base], oneOf: [Card, Voucher] }`), whose
 * alternatives are each sampled with them.
 */
function choiceOf(schema: Record<string, any>, doc: OpenApiDocument | undefined): { schema: Record<string, any>; keyword: 'oneOf' | 'anyOf' } | undefined {
  const keywordOf = (s: Record<string, any>) => (['oneOf', 'anyOf'] as const).find((k) => Array.isArray(s[k]) && s[k].length > 1)
  const direct = keywordOf(schema)
  if (direct) return { schema, keyword: direct }
  if (!Array.isArray(schema.allOf)) return undefined
  const parts = schema.allOf as JsonSchema[]
  const at = parts.findIndex((part) => isObject(resolveSchema(part, doc)) && keywordOf(resolveSchema(part, doc)) !== undefined)
  if (at < 0) return undefined
  const part = resolveSchema(parts[at], doc) as Record<string, any>
  const keyword = keywordOf(part)!
  const { [keyword]: list, discriminator, ...partRest } = part
  const { allOf: _allOf, ...schemaRest } = schema
  const others = [...parts.slice(0, at), ...(Object.keys(partRest).some((k) => !ANNOTATIONS.has(k)) ? [partRest] : []), ...parts.slice(at + 1)]
  return { schema: { ...schemaRest, ...(others.length ? { allOf: others } : {}), [keyword]: list, discriminator: discriminator ?? schema.discriminator }, keyword }
}

/**
 * The alternatives of the schema's `oneOf` (else `anyOf`, see choiceOf), at most MAX_ALTERNATIVES: each one's
 * typical body with the properties beside it (an object's `properties` and `required`); its discriminator's
 * value set, when the schema has one and the alternative does not fix it (an enum, a const). Named
 * `oneOf-<n>`, and after a colon by what tells the alternative apart, so that a shrunk sequence reads as
 * what it sent: its discriminator value, its title, its component's name, or the value of a property it
 * fixes (`condition: ['damaged']`). With `skipNull` (inside a body), an alternative that is only null is
 * none (`anyOf: [{ type: string }, { type: 'null' }]` is how 3.1 writes a nullable string, not a choice),
 * and a choice needs two others; `key` names a string value as its property (`id-1` for an id that is a
 * string or a number).
 */
function alternativesOf(given: JsonSchema, doc: OpenApiDocument | undefined, options: { skipNull: boolean; key?: string }): Alternative[] | undefined {
  const resolved_ = resolveSchema(given, doc)
  if (!isObject(resolved_)) return undefined
  const choice = choiceOf(resolved_, doc)
  if (!choice) return undefined
  const { keyword } = choice
  const { [keyword]: list, discriminator: _own, ...given_ } = choice.schema as Record<string, unknown>
  // Its own, or the one a base schema every alternative is `allOf` of declares (see discriminatorOf).
  const discriminator = discriminatorOf(choice.schema, keyword, doc)
  const entries = (list as JsonSchema[]).map((alternative, i) => ({ alternative, i })).filter(({ alternative }) => !options.skipNull || !isNullSchema(alternative, doc))
  if (entries.length < 2) return undefined
  // The parent's example or default is one body, of one alternative: merged into each alternative, every
  // one sampled that body, and all but one were dropped as the same (a Dog example also sent as a Cat).
  const { example: _example, examples: _examples, default: _default, ...rest } = given_
  const names = componentNames(doc)
  const beside = Object.keys(rest).some((k) => !ANNOTATIONS.has(k))
  return entries.slice(0, MAX_ALTERNATIVES).map(({ alternative, i }) => {
    const resolved = resolveSchema(alternative, doc)
    const property = discriminator?.propertyName
    const tag = discriminator === undefined ? undefined : tagValues(alternative, discriminator, names, doc)[0]
    const fixed = property !== undefined && fixes(propertiesOf(resolved, doc)[property], doc)
    const discriminate = (body: unknown) => (tag !== undefined && property !== undefined && !fixed && isObject(body) ? { ...body, [property]: tag } : body)
    const merged = beside ? { ...rest, allOf: [...(Array.isArray(rest.allOf) ? rest.allOf : []), alternative] } : alternative
    const samples = new Map<boolean, unknown>()
    const sample = (requiredOnly: boolean) => {
      if (!samples.has(requiredOnly)) {
        const value = discriminate(typicalValue(merged, doc, requiredOnly))
        samples.set(requiredOnly, options.key !== undefined && isObject(resolved) ? named(resolved, options.key, value) : value)
      }
      return samples.get(requiredOnly)
    }
    const label = tag ?? (typeof resolved?.title === 'string' ? resolved.title : undefined) ?? names.get(resolved) ?? fixedValue(resolved, doc)
    const name: AlternativeVariant = `${keyword}-${i + 1}${label === undefined ? '' : `:${labelText(label)}`}`
    return { name, schema: merged, sample, discriminate, ...(tag !== undefined && property !== undefined ? { property, tag } : {}) }
  })
}

/** A schema only null satisfies: `type: 'null'`, `enum: [null]`, `const: null`. */
function isNullSchema(given: JsonSchema, doc: OpenApiDocument | undefined): boolean {
  const schema = resolveSchema(given, doc)
  if (!isObject(schema)) return false
  if (schema.type === 'null' || (Array.isArray(schema.type) && schema.type.length > 0 && schema.type.every((t) => t === 'null'))) return true
  return schema.const === null || (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.every((v) => v === null))
}

/** Every item of an array, in a path into a body. */
const EACH_ITEM: unique symbol = Symbol('each item')
type Segment = string | typeof EACH_ITEM

/** A `oneOf` or `anyOf` inside a body: where it is, and its alternatives. */
interface NestedPlace {
  path: Segment[]
  /** The path as a variant name starts: `method`, `order.lines[]`. */
  name: string
  alternatives: Alternative[]
  /**
   * The document gives the value there: an example or default of the choice or of a schema around it. The
   * typical body keeps it, its discriminator's value set if it has none of the alternatives'.
   */
  given: boolean
  /**
   * Of a `oneOf`: does the schema there take a value (see validity), which two alternatives that overlap
   * both take, and it refuses. Compiled when first asked, once per document and place.
   */
  accepts?: (value: unknown) => boolean
}

/** How deep into a body, and how many schemas of it, nestedPlaces looks: a document's bodies are sampled when it loads. */
const MAX_NESTED_DEPTH = 8
const MAX_NESTED_VISITS = 500

/**
 * The `oneOf`s and `anyOf`s inside a body, in the document's order: in its properties (its `allOf` parts'
 * too, through `$ref`s), theirs, and the items of its arrays, down to MAX_NESTED_DEPTH; one that is an
 * `allOf` part of a property counts (see choiceOf). What an alternative holds is not looked into, but the
 * one alternative of a nullable (`anyOf: [Address, { type: 'null' }]`) is. The sampler knows only the first
 * alternative of each, and sends it as it reads it (`'string'` for a discriminator's value, a pattern not
 * met): the typical body sends it as the top-level alternatives are sent. Without `rootGives`, an example
 * or default of the root itself does not make its places given (see NestedPlace): it gives one body.
 */
function nestedPlaces(root: JsonSchema, doc: OpenApiDocument | undefined, rootGives = true): NestedPlace[] {
  const places: NestedPlace[] = []
  let visits = 0
  const visit = (given: JsonSchema, path: Segment[], exampled: boolean, around: ReadonlySet<object>, top = false) => {
    const schema = resolveSchema(given, doc)
    // A schema inside itself (a tree's children) is looked into once on a path.
    if (!isObject(schema) || around.has(schema) || path.length > MAX_NESTED_DEPTH || ++visits > MAX_NESTED_VISITS) return
    const inside = new Set(around).add(schema)
    const given_ = exampled || ((!top || rootGives) && isGiven(schema))
    const key = [...path].reverse().find((s): s is string => typeof s === 'string')
    if (path.length) {
      const alternatives = alternativesOf(schema, doc, { skipNull: true, key })
      if (alternatives) {
        const oneOf = alternatives[0]!.name.startsWith('oneOf-')
        const valid = validityWhenAsked(schema, doc)
        const accepts = (value: unknown) => valid(value) === true
        places.push({ path, name: placeName(path), alternatives, given: given_, ...(oneOf ? { accepts } : {}) })
        return
      }
    }
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const list: unknown = schema[keyword]
      const others = Array.isArray(list) ? list.filter((a) => !isNullSchema(a, doc)) : []
      if (others.length === 1 && Array.isArray(list) && list.length > 1) visit(others[0], path, given_, inside)
    }
    for (const [name, property] of Object.entries(propertiesOf(schema, doc))) visit(property, [...path, name], given_, inside)
    if (isObject(schema.items)) visit(schema.items, [...path, EACH_ITEM], given_, inside)
  }
  visit(root, [], false, new Set(), true)
  return places
}

/** Does the document give the schema's value: an example, examples, a default? */
function isGiven(schema: Record<string, unknown>): boolean {
  return schema.example !== undefined || schema.examples !== undefined || schema.default !== undefined
}

/**
 * The `oneOf`s and `anyOf`s inside a top-level alternative, of its own (see nestedPlaces): in its
 * properties, at any depth, where the sampler gave the alternative's variant its first alternative as it
 * read it, and nothing sent the others. Those beside the alternatives (`places`, in every alternative) are
 * not among them: their variants are the typical body's.
 */
function placesWithin(alternative: Alternative, places: readonly NestedPlace[], doc: OpenApiDocument | undefined): NestedPlace[] {
  const beside = new Set(places.map((p) => p.name))
  return nestedPlaces(alternative.schema, doc).filter((p) => !beside.has(p.name))
}

/** `order.lines[]`: property names as variant names hold them (see labelText), `[]` for each item. */
function placeName(path: readonly Segment[]): string {
  return path.reduce<string>((name, s) => (s === EACH_ITEM ? `${name}[]` : `${name}${name ? '.' : ''}${s.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 32) || '_'}`), '')
}

/**
 * The body with each place's value sent as its first alternative is (see alternativesOf; only its required
 * properties in the required-only body), where the body has a value there; where the document gives it,
 * that value, with its discriminator's value set when it has none of the alternatives'. Of a `oneOf`, the
 * first body of the first alternative that has one that no other alternative takes too (see exclusiveBody).
 */
function withFirstAlternatives(body: unknown, places: readonly NestedPlace[], requiredOnly: boolean): unknown {
  let out = body
  for (const place of places) {
    const { path, alternatives, given } = place
    const [first] = alternatives
    if (!first) continue
    out = at(out, path, false, (value) => {
      if (value === undefined) return value
      if (given) return tagged(alternatives, value) ? value : first.discriminate(value)
      return firstBodyAt(place, requiredOnly) ?? value
    })
  }
  return out
}

/** What a place is sent in the typical body (see withFirstAlternatives): undefined when the sampler gave nothing. */
function firstBodyAt(place: NestedPlace, requiredOnly: boolean): unknown {
  const { alternatives, accepts } = place
  if (accepts)
    for (const alternative of alternatives) {
      const body = exclusiveBody(alternative, requiredOnly, accepts)
      if (body !== undefined) return body
    }
  return alternatives[0]!.sample(requiredOnly)
}

/** Does the value hold the discriminator's value of one of the alternatives? */
function tagged(alternatives: readonly Alternative[], value: unknown): boolean {
  return isObject(value) && alternatives.some((a) => a.property !== undefined && value[a.property] === a.tag)
}

/** Places inside a body, each varied in `body`, its variants' names after `prefix` (a top-level alternative's, with its dot). */
interface NestedGroup {
  prefix: string
  body: unknown
  places: readonly NestedPlace[]
}

/**
 * Each place's alternatives in its group's body, taken in turns (the first alternative of every place of
 * every group, then the second of every place, ...), so that the bound reaches the second alternative of
 * every place before the third of any; named by the group, the place and the alternative. Made one at a
 * time, as the bound asks.
 */
function* nestedAlternativeBodies(groups: readonly NestedGroup[]): Generator<SampledBody> {
  for (let i = 0; i < MAX_ALTERNATIVES; i++)
    for (const { prefix, body, places } of groups)
      for (const place of places) {
        const alternative = place.alternatives[i]
        if (!alternative) continue
        // Of a `oneOf`, a body of the alternative no other takes too, where it has one (see exclusiveBody).
        const value = () => (place.accepts ? exclusiveBody(alternative, false, place.accepts) : undefined) ?? alternative.sample(false)
        yield { variant: `${prefix}${place.name}.${alternative.name}`, body: at(body, place.path, true, value) }
      }
}

/**
 * A copy of `value` with what is at `path` replaced by `change(it)`: in every item of an array. With `make`,
 * the objects and the array on the way are made where the value has none (an array of one item), so that
 * the alternative is sent; without it, nothing is added.
 */
function at(value: unknown, path: readonly Segment[], make: boolean, change: (value: unknown) => unknown): unknown {
  if (!path.length) return change(value)
  const [segment, ...rest] = path
  if (segment === EACH_ITEM) {
    if (Array.isArray(value) && value.length) return value.map((item) => at(item, rest, make, change))
    return make ? [at(undefined, rest, make, change)] : value
  }
  if (!isObject(value)) return make ? { [segment!]: at(undefined, rest, make, change) } : value
  if (!make && !Object.hasOwn(value, segment!)) return value
  return { ...value, [segment!]: at(value[segment!], rest, make, change) }
}

/** Does a property's schema fix its value (a const, an enum of one)? */
function fixes(given: JsonSchema | undefined, doc: OpenApiDocument | undefined): boolean {
  const schema = given && resolveSchema(given, doc)
  return !!schema && (schema.const !== undefined || (Array.isArray(schema.enum) && schema.enum.length === 1))
}

/** The value of the first property the schema fixes, as text. */
function fixedValue(schema: JsonSchema, doc: OpenApiDocument | undefined): string | undefined {
  for (const property of Object.values(propertiesOf(schema, doc))) {
    if (!fixes(property, doc)) continue
    const resolved = resolveSchema(property, doc)
    const value = resolved.const !== undefined ? resolved.const : resolved.enum[0]
    if (['string', 'number', 'boolean'].includes(typeof value)) return String(value)
  }
  return undefined
}

/** A label as a variant name holds it: short, with no space or quote to read past. */
function labelText(label: string): string {
  return label.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 32)
}

/** Component schemas by identity (a dereferenced document keeps one object per component). */

/** A value for a parameter or a body: the schema's example, default, or a value of its type. */
export function typicalValue(schema: JsonSchema, doc?: OpenApiDocument, requiredOnly = false): unknown {
  try {
    return offTheBounds(schema, sample(schema as never, { skipReadOnly: true, skipNonRequired: requiredOnly, quiet: true }, doc as never), doc)
  } catch {
    // A schema the sampler cannot handle (an unusual combination): send nothing rather than fail the run.
    return undefined
  }
}

/**
 * A value for a query, header or cookie parameter: as typicalValue, but under a secret name a made-up one
 * when the document gives none (see named). Secret by the rule redaction masks each place by: a query's by
 * isSecretQueryName (`session`, `key`, `sig`, `access_token`), a header's by isSecretHeader (`X-Api-Key`,
 * `X-Session-Token`, `X-Custom-Auth`); a cookie's by a query's rule, as a cookie is named like one (`session`). Sampled as 'string', it was masked in every request, remembered
 * as a secret (and so masked wherever 'string' stood in a report), and a regression journey read it from
 * a variable whose value no one could know.
 */
export function parameterValue(name: string, place: 'query' | 'header' | 'cookie', schema: JsonSchema, doc?: OpenApiDocument): unknown {
  const value = typicalValue(schema, doc)
  const resolved = resolveSchema(schema, doc)
  const secret = place === 'header' ? isSecretHeader(name) : isSecretQueryName(name)
  return resolved && typeof resolved === 'object' && secret ? named(resolved, name, value, true) : value
}

/**
 * The sampler puts a number with no example at its minimum, often 0: a boundary, which has a variant of
 * its own. A typical 0 (no stock, a free product) would make every later call on it refuse, so it is 1,
 * when the schema allows 1. It also repeats one item for every item of an array, which `uniqueItems` forbids.
 */
function offTheBounds(given: JsonSchema, value: unknown, doc: OpenApiDocument | undefined): unknown {
  const schema = resolveSchema(given, doc)
  if (!schema || typeof schema !== 'object') return value
  if (value === 0 && schema.example === undefined && schema.default === undefined && !schema.enum && numberAllows(schema, 1)) return 1
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const properties = propertiesOf(schema, doc)
    const required = new Set(requiredOf(schema, doc))
    return Object.fromEntries(
      Object.entries(value)
        // The sampler gives nothing (null, undefined) where a schema holds itself (a tree's `parent`): left
        // out when it may be.
        .filter(([k, v]) => !(v == null && properties[k] && !required.has(k) && !allowsNull(properties[k], doc)))
        .map(([k, v]) => {
          const property = properties[k] && resolveSchema(properties[k], doc)
          return [k, property ? offTheBounds(property, named(property, k, v), doc) : v]
        }),
    )
  }
  if (Array.isArray(value) && schema.items) {
    // A tree's `children` are sampled as [null], which its item schema refuses: a leaf has none.
    const items = allowsNull(schema.items, doc) ? value : value.filter((v) => v != null)
    return distinct(schema, items.map((v) => offTheBounds(schema.items, v, doc)), doc)
  }
  if (typeof value === 'string' && typeof schema.pattern === 'string' && !safeTest(schema.pattern, value)) return matching(schema, value)
  if (typeof value === 'number') return insideBounds(schema, value)
  return value
}

/**
 * A string for a schema with a pattern: the sampler writes 'string' there, which hardly any pattern accepts
 * (`^[A-Z]{3}-[0-9]{4}$`), and the API refuses the whole body. Made by randexp, which reads classes, counts,
 * alternations and groups (see fromPattern). What it makes is sent only when the pattern and the lengths
 * accept it, and is not too long.
 */
function matching(schema: JsonSchema, value: string): string {
  return fromPattern(schema.pattern, schema.minLength ?? 0, Math.min(schema.maxLength ?? Number.POSITIVE_INFINITY, Math.max(MAX_STRING, schema.minLength ?? 0))) ?? value
}

/** Readable characters for `.` and negated classes: letters and digits, before the rest of printable ASCII. */
const READABLE = new DRange(48, 57).add(65, 90).add(97, 122)
/** Tries with seeded choices after the lowest and the highest: a pattern randexp can match at all is met in a few. */
const SEEDED_TRIES = 8

/**
 * A string `pattern` accepts, `minLength` to `maxLength` long, or undefined: first the lowest choice
 * everywhere (the first alternative, the fewest repetitions, `0` for `\d`), from letters and digits where
 * the pattern allows any character; then the most repetitions, for a `minLength` the fewest fall short of;
 * then seeded choices (a negated class of letters, say). The same every time.
 */
export function fromPattern(pattern: string, minLength = 0, maxLength = MAX_STRING): string | undefined {
  let regex: RegExp
  try {
    regex = ecmaRegExp(pattern, 'u')
  } catch {
    return undefined
  }
  const fits = (text: string) => text.length >= minLength && text.length <= maxLength && regex.test(text)
  // randexp repeats a `+` or `*` up to its minimum plus `max` times, and asks randInt for every choice alike.
  const ways: { max: number; pick: (low: number, high: number) => number; readable?: boolean }[] = [
    // The lowest choice everywhere: the first alternative, the fewest repetitions, `0` for `\d`.
    { max: 4, pick: (low) => low, readable: true },
    // The most repetitions up to the length asked for: a `minLength` the fewest fall short of.
    { max: Math.max(0, minLength - 1), pick: (_low, high) => high, readable: true },
    { max: Math.floor(minLength / 2), pick: (_low, high) => high, readable: true },
    ...Array.from({ length: SEEDED_TRIES }, (_, i) => {
      const next = seeded(i + 1)
      return { max: Math.max(4, Math.min(minLength, maxLength, MAX_STRING)), pick: (low: number, high: number) => low + Math.floor(next() * (high - low + 1)) }
    }),
  ]
  for (const way of ways) {
    const gen = new RandExp(regex)
    gen.max = way.max
    gen.randInt = way.pick
    if (way.readable) gen.defaultRange = READABLE.clone()
    try {
      const text = gen.gen()
      if (fits(text)) return text
    } catch {
      // A construct randexp cannot make (a lookbehind, a class left empty): try the next way, then give up.
    }
  }
  return undefined
}

/** A small deterministic generator (mulberry32): the same pattern gives the same strings on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Would the schema of a number accept `n`? Its bounds, `multipleOf` and `const` (3.0 and 3.1 spellings). */
function numberAllows(schema: JsonSchema, n: number): boolean {
  if (schema.const !== undefined) return schema.const === n
  if (typeof schema.maximum === 'number' && (n > schema.maximum || (schema.exclusiveMaximum === true && n >= schema.maximum))) return false
  if (typeof schema.minimum === 'number' && (n < schema.minimum || (schema.exclusiveMinimum === true && n <= schema.minimum))) return false
  if (typeof schema.exclusiveMaximum === 'number' && n >= schema.exclusiveMaximum) return false
  if (typeof schema.exclusiveMinimum === 'number' && n <= schema.exclusiveMinimum) return false
  if (typeof schema.multipleOf === 'number' && schema.multipleOf > 0 && !isMultiple(n, schema.multipleOf)) return false
  return true
}

function isMultiple(n: number, of: number): boolean {
  const q = n / of
  return Math.abs(q - Math.round(q)) < 1e-9
}

/**
 * Items made different from each other where the schema wants `uniqueItems`: the sampler and the bounds
 * give one item repeated. Strings get a suffix, numbers a step, an enum's value (a boolean) the next one,
 * an object one of its properties so changed. An item still repeated (the item's schema allows fewer values
 * than there are items: three of two booleans, of an enum of two) is left out, as long as `minItems` items
 * are left; else the items are as they were, which the schema refuses, and bodyVariants does not send.
 */
function distinct(schema: JsonSchema, items: unknown[], doc?: OpenApiDocument): unknown[] {
  if (schema.uniqueItems !== true || items.length < 2) return items
  const itemSchema = isObject(schema.items) ? resolveSchema(schema.items, doc) : {}
  const seen = new Set<string>()
  const out: unknown[] = []
  // An enum's values (a boolean's) are taken in turn from the item's, the first not yet in the list: red,
  // green, blue; a string or a number is changed by its place in the list (`sku-2`).
  const inTurn = Array.isArray(itemSchema.enum) || items.every((item) => typeof item === 'boolean')
  items.forEach((item, i) => {
    let candidate = item
    // As many tries as there are items, after the item's place (`sku-2` for the second); then the places
    // before it, which a number in a narrow range needs (1 and 2 in a list whose first is 2).
    const offsets = inTurn ? Array.from(items, (_, k) => k + 1) : [...Array.from(items, (_, k) => i + k + 1), ...Array.from({ length: i }, (_, k) => k + 1)]
    for (const k of offsets) {
      if (!seen.has(canonical(candidate))) break
      candidate = variantOf(itemSchema, item, k, doc)
    }
    if (seen.has(canonical(candidate))) return
    seen.add(canonical(candidate))
    out.push(candidate)
  })
  return out.length >= (typeof schema.minItems === 'number' ? schema.minItems : 0) ? out : items
}

/** The `k`th value after `item` that the item's schema allows (see distinct); `item` itself when there is none. */
function variantOf(given: JsonSchema, item: unknown, k: number, doc: OpenApiDocument | undefined, depth = 0): unknown {
  const schema: JsonSchema = isObject(given) ? resolveSchema(given, doc) : {}
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return item
  if (Array.isArray(schema.enum) && schema.enum.length > 1) {
    // The enum's values in turn after the item's: a list of colours, each once, is as many of them as it needs.
    const at = schema.enum.findIndex((v: unknown) => canonical(v) === canonical(item))
    return at < 0 ? item : schema.enum[(at + k) % schema.enum.length]
  }
  if (schema.enum || schema.const !== undefined) return item
  if (typeof item === 'boolean') return k % 2 === 1 ? !item : item
  if (typeof item === 'string' && !schema.format) {
    const text = `${item.slice(0, Math.max(0, (schema.maxLength ?? MAX_STRING) - String(k).length - 1))}-${k}`
    return !schema.pattern || safeTest(schema.pattern, text) ? text : item
  }
  if (typeof item === 'number') {
    const step = typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : schema.type === 'integer' ? 1 : 0.5
    for (const candidate of [item + step * k, item - step * k]) if (numberAllows(schema, candidate)) return candidate
  }
  // An object told apart by the first of its properties that can be: a line's `sku`, else its `qty`.
  if (isObject(item) && depth < MAX_NESTED_DEPTH) {
    const properties = propertiesOf(schema, doc)
    for (const [key, value] of Object.entries(item)) {
      if (!properties[key]) continue
      const changed = variantOf(properties[key], value, k, doc, depth + 1)
      if (canonical(changed) !== canonical(value)) return { ...item, [key]: changed }
    }
  }
  return item
}

/**
 * The sampler writes 'string' for every plain string: `sku: 'string'`, `name: 'string'`. Named after its
 * property instead (`sku-1`), a value says where it comes from in a journey, and is not mistaken for
 * another: a document served by the API holds 'string' under `password`, which makes 'string' a secret.
 */
function named(schema: JsonSchema, key: string, value: unknown, secret = isSecretKey(key)): unknown {
  if (schema.enum || schema.const !== undefined || schema.example !== undefined || schema.default !== undefined) return value
  if (value === 'string' && typeof schema.format === 'string' && Object.hasOwn(FORMAT_SAMPLES, schema.format)) return FORMAT_SAMPLES[schema.format]
  // A secret-named field's value says it was made up: a regression journey then sends it as it is,
  // where a value it must take for a secret is read from a variable the user could not know the value of.
  const sampled = secret ? samplerString(value) || (value === SAMPLED_PASSWORD && schema.format === 'password') : value === 'string' && !schema.format
  if (!sampled) return value
  const text = `${secret ? MADE_UP_SECRET_PREFIX : ''}${key}-1`.padEnd(schema.minLength ?? 0, 'x').slice(0, schema.maxLength ?? MAX_STRING)
  if (schema.pattern && !safeTest(schema.pattern, text)) return value
  return text
}

/**
 * Values of formats the sampler writes 'string' for, which the checker refuses as one: the API would have
 * refused the body for it, and tested nothing else of it.
 */
const FORMAT_SAMPLES: Readonly<Record<string, string>> = { url: 'http://example.com', duration: 'P1D' }

/**
 * A string of `length` at a bound: x's, or under a secret-named key a made-up value (see named) when it
 * is long enough to say so; a shorter one is left to look like any secret.
 */
function filler(length: number, key: string | undefined): string {
  if (key === undefined || !isSecretKey(key) || length <= MADE_UP_SECRET_PREFIX.length) return 'x'.repeat(length)
  return MADE_UP_SECRET_PREFIX.padEnd(length, 'x')
}

/** The sampler's plain string, cut or repeated to the schema's lengths: 'str', 'stringst'. */
function samplerString(value: unknown): boolean {
  return typeof value === 'string' && value !== '' && value === 'string'.repeat(Math.ceil(value.length / 6)).slice(0, value.length)
}

/** What the sampler gives a string of `format: password`. */
const SAMPLED_PASSWORD = 'pa$$word'

function safeTest(pattern: string, text: string): boolean {
  try {
    return ecmaRegExp(pattern, 'u').test(text)
  } catch {
    return false
  }
}

type Bound = 'min' | 'max' | 'enum-first' | 'enum-last'

/**
 * The typical body with every leaf its schema bounds moved to the bound (see bounded). A body with
 * alternatives is bounded within the alternative it is: the first, or the one the document's example of the
 * whole body is of (see isOf; in the root's own properties only when it is of none). That alternative's
 * discriminator's value is kept: an enum of every kind would make it a body of no alternative, no boundary
 * of any. An `allOf` of no type is bounded over its parts merged (see withPartsMerged). The other
 * alternatives' bounds are variants of their own, after every other (see AlternativeBoundVariant).
 */
function boundedBody(schema: JsonSchema, typical: unknown, bound: Bound, doc: OpenApiDocument | undefined, alternatives: readonly Alternative[], given: boolean, index = 0): unknown {
  if (!alternatives.length) return bounded(schema, typical, bound, doc)
  const alternative = boundsAlternative(alternatives, typical, given, doc, index)
  if (!alternative) return bounded(schema, typical, bound, doc)
  return alternative.discriminate(bounded(alternative.schema, typical, bound, doc))
}

/** The lengths that bound a value from below and from above, of which withPartsMerged keeps the stricter. */
const LENGTH_BOUNDS = [
  [['minLength', 'minItems'], Math.max],
  [['maxLength', 'maxItems'], Math.min],
] as const

/**
 * A schema with its `allOf` parts (through `$ref`s, and theirs) merged into it, for its bounds: a value
 * must meet every part, so of the bounds the parts give on one side the stricter is kept, the largest
 * `minimum`, `minLength` and `minItems`, the smallest `maximum`, `maxLength` and `maxItems` (an exclusive
 * one over an inclusive one at the same number). A property, or the items, that several parts give are the
 * `allOf` of theirs, merged in turn when bounded. Other keywords are those of the last part that gives them,
 * the schema's own last, as propertiesOf takes properties. So a property that wraps a `$ref` to describe it
 * (`{ allOf: [Address], description }`) has the bounds of what it wraps, and two parts bounding one property
 * (the last one's bound was sent) the stricter of theirs. Bounds that contradict each other (a `minLength`
 * above the `maxLength`) are kept as they are: no value meets them, and bounded then leaves the value.
 */
function withPartsMerged(given: JsonSchema, doc: OpenApiDocument | undefined): JsonSchema {
  const schema = resolveSchema(given, doc)
  if (!isObject(schema) || !Array.isArray(schema.allOf)) return schema
  // Nested parts flattened (the same bounds, kept the stricter, as merging each level in turn would keep).
  const parts: JsonSchema[] = allOfParts(schema, doc).map((part) => part.schema)
  const out: JsonSchema = Object.assign({}, ...parts)
  delete out.allOf
  const properties: Record<string, JsonSchema[]> = {}
  for (const part of parts)
    for (const [name, property] of Object.entries((part.properties ?? {}) as Record<string, JsonSchema>)) (properties[name] ??= []).push(property)
  if (Object.keys(properties).length) out.properties = Object.fromEntries(Object.entries(properties).map(([name, list]) => [name, list.length > 1 ? { allOf: list } : list[0]]))
  const items = parts.map((part) => part.items).filter(isObject)
  if (items.length > 1) out.items = { allOf: items }
  for (const [keys, stricter] of LENGTH_BOUNDS)
    for (const key of keys) {
      const lengths = parts.map((part) => part[key]).filter((n): n is number => typeof n === 'number')
      if (lengths.length) out[key] = stricter(...lengths)
    }
  // Written in 3.0's spelling, which lowerBound, upperBound and numberAllows read as they read 3.1's; the
  // parts' own are dropped, as one part's `exclusiveMinimum: true` would make another's `minimum` exclusive.
  const low = stricterBound(parts.map(lowerBound), (a, b) => b.at - a.at)
  const high = stricterBound(parts.map(upperBound), (a, b) => a.at - b.at)
  for (const key of ['minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum']) delete out[key]
  if (low) Object.assign(out, { minimum: low.at }, low.open ? { exclusiveMinimum: true } : {})
  if (high) Object.assign(out, { maximum: high.at }, high.open ? { exclusiveMaximum: true } : {})
  return out
}

/** The first bound in `order`, an exclusive one before an inclusive one at the same number. */
function stricterBound(bounds: (NumberBound | undefined)[], order: (a: NumberBound, b: NumberBound) => number): NumberBound | undefined {
  return bounds.filter((b): b is NumberBound => b !== undefined).sort((a, b) => order(a, b) || Number(b.open) - Number(a.open))[0]
}

/**
 * Could the body be the alternative's: its discriminator's value, the values the alternative fixes, every
 * property it requires.
 */
function isOf(alternative: Alternative, body: unknown, doc: OpenApiDocument | undefined): boolean {
  if (!isObject(body)) return false
  if (alternative.property !== undefined && body[alternative.property] !== alternative.tag) return false
  for (const [key, property] of Object.entries(propertiesOf(alternative.schema, doc))) {
    if (!fixes(property, doc) || !Object.hasOwn(body, key)) continue
    const resolved = resolveSchema(property, doc)
    if (body[key] !== (resolved.const !== undefined ? resolved.const : resolved.enum[0])) return false
  }
  return requiredOf(alternative.schema, doc).every((key) => Object.hasOwn(body, key))
}

/**
 * The typical value with every leaf the schema bounds moved to the bound, its `allOf` parts merged (see
 * withPartsMerged). A leaf whose lower bound is above its upper one (parts that contradict each other) is
 * left as it is: no value meets both, and a value at either one breaks the other.
 */
function bounded(given: JsonSchema, value: unknown, bound: Bound, doc: OpenApiDocument | undefined, key?: string, mostItems = MAX_ITEMS): unknown {
  const schema = withPartsMerged(given, doc)
  if (!schema || typeof schema !== 'object') return value
  // A constant (a discriminator's value, often) has no bound but itself.
  if (schema.const !== undefined) return value
  if (Array.isArray(schema.enum) && schema.enum.length) {
    if (bound === 'enum-first') return schema.enum[0]
    if (bound === 'enum-last') return schema.enum[schema.enum.length - 1]
    return value
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type
  if (type === 'object' || (schema.properties && value && typeof value === 'object' && !Array.isArray(value))) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value
    const properties = propertiesOf(schema, doc)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, properties[k] ? bounded(properties[k], v, bound, doc, k, mostItems) : v]))
  }
  if (type === 'array' && Array.isArray(value)) {
    const item = value[0]
    const itemSchema = schema.items ?? {}
    const contradicts = typeof schema.minItems === 'number' && typeof schema.maxItems === 'number' && schema.minItems > schema.maxItems
    const each = (v: unknown) => bounded(itemSchema, v, bound, doc, undefined, mostItems)
    if (contradicts) return distinct(schema, value.map(each), doc)
    if (bound === 'min') return distinct(schema, Array.from({ length: schema.minItems ?? 0 }, () => each(item)), doc)
    // Its `maxItems`, at most `mostItems` (MAX_ITEMS where it gives none), but never fewer than `minItems`:
    // a list of at least 5 was sent as 3.
    const most = Math.max(Math.min(schema.maxItems ?? MAX_ITEMS, mostItems), typeof schema.minItems === 'number' ? schema.minItems : 0)
    if (bound === 'max' && item !== undefined) return distinct(schema, Array.from({ length: most }, () => each(item)), doc)
    return distinct(schema, value.map(each), doc)
  }
  if (type === 'integer' || type === 'number') return numberBound(schema, value, bound, type === 'integer')
  const contradicts = typeof schema.minLength === 'number' && typeof schema.maxLength === 'number' && schema.minLength > schema.maxLength
  if (type === 'string' && typeof value === 'string' && !schema.format && !contradicts) {
    if (typeof schema.pattern !== 'string') {
      if (bound === 'min') return filler(schema.minLength ?? 0, key)
      if (bound === 'max') return filler(typeof schema.maxLength === 'number' ? Math.min(schema.maxLength, MAX_DECLARED_STRING) : MAX_STRING, key)
    } else {
      // A pattern bounds by the lengths the schema gives only: a voucher code of 6 to 12 characters is
      // sent at 6 and at 12; without them the pattern's own lengths are its bounds, and the value is left.
      const length = bound === 'min' ? schema.minLength : bound === 'max' && typeof schema.maxLength === 'number' ? Math.min(schema.maxLength, MAX_STRING) : undefined
      if (typeof length === 'number') return patternAt(schema.pattern, length, key) ?? value
    }
  }
  return value
}

/** A string of exactly `length` the pattern accepts: the filler when it does (an unanchored `\S`), else one made from the pattern; undefined when none is found. */
function patternAt(pattern: string, length: number, key: string | undefined): string | undefined {
  const plain = filler(length, key)
  return safeTest(pattern, plain) ? plain : fromPattern(pattern, length, length)
}

/**
 * The lowest or highest number the schema allows: on a multiple of its `multipleOf`, inside exclusive bounds
 * (3.1's numeric `exclusiveMinimum`, 3.0's `exclusiveMinimum: true` beside `minimum`), never on them: an
 * integer one past the bound, a number a cent past it, or less where the bounds are closer than that.
 */
function numberBound(schema: JsonSchema, value: unknown, bound: Bound, integer: boolean): unknown {
  const of = typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : undefined
  const low = lowerBound(schema)
  const high = upperBound(schema)
  const step = integer ? 1 : Math.min(0.01, low && high ? (high.at - low.at) / 4 : 0.01)
  let n: number | undefined
  if (bound === 'min' && low) {
    if (of) n = Math.ceil((low.open ? low.at + of : low.at) / of - 1e-9) * of
    else if (integer) n = low.open ? Math.floor(low.at) + 1 : Math.ceil(low.at)
    else n = low.open ? low.at + step : low.at
  }
  if (bound === 'max' && high) {
    if (of) n = Math.floor((high.open ? high.at - of : high.at) / of + 1e-9) * of
    else if (integer) n = high.open ? Math.ceil(high.at) - 1 : Math.floor(high.at)
    else n = high.open ? high.at - step : high.at
  }
  // Floating point makes 0.1 * 3 into 0.30000000000000004: a bound the schema gives is written as it would be.
  if (n !== undefined) n = Number(n.toPrecision(12))
  return n !== undefined && numberAllows(schema, n) ? n : value
}

/**
 * A number the sampler gave outside the schema's bounds (it knows 1 as the least above `exclusiveMinimum: 0`,
 * which `exclusiveMaximum: 0.5` refuses), moved inside: the lowest it allows, else the highest. A value the
 * document gives (an example, a default) is the document's.
 */
function insideBounds(schema: JsonSchema, value: number): number {
  if (numberAllows(schema, value) || schema.example !== undefined || schema.default !== undefined || schema.enum || schema.const !== undefined) return value
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type
  const integer = type === 'integer'
  for (const bound of ['min', 'max'] as const) {
    const n = numberBound(schema, undefined, bound, integer)
    if (typeof n === 'number') return n
  }
  return value
}

export interface NumberBound {
  at: number
  /** Exclusive: the number must not be `at` itself. */
  open: boolean
}

/** The stricter of `minimum` (exclusive when 3.0's `exclusiveMinimum` is true) and 3.1's numeric `exclusiveMinimum`. */
export function lowerBound(schema: JsonSchema): NumberBound | undefined {
  const bounds: NumberBound[] = []
  if (typeof schema.minimum === 'number') bounds.push({ at: schema.minimum, open: schema.exclusiveMinimum === true })
  if (typeof schema.exclusiveMinimum === 'number') bounds.push({ at: schema.exclusiveMinimum, open: true })
  return bounds.sort((a, b) => b.at - a.at || Number(b.open) - Number(a.open))[0]
}

/** The stricter of `maximum` (exclusive when 3.0's `exclusiveMaximum` is true) and 3.1's numeric `exclusiveMaximum`. */
export function upperBound(schema: JsonSchema): NumberBound | undefined {
  const bounds: NumberBound[] = []
  if (typeof schema.maximum === 'number') bounds.push({ at: schema.maximum, open: schema.exclusiveMaximum === true })
  if (typeof schema.exclusiveMaximum === 'number') bounds.push({ at: schema.exclusiveMaximum, open: true })
  return bounds.sort((a, b) => a.at - b.at || Number(b.open) - Number(a.open))[0]
}

/** Properties, including those of `allOf` parts. */
export function propertiesOf(given: JsonSchema, doc: OpenApiDocument | undefined): Record<string, JsonSchema> {
  const schema = resolveSchema(given, doc)
  const own = (schema.properties ?? {}) as Record<string, JsonSchema>
  const parts = Array.isArray(schema.allOf) ? schema.allOf.map((part: JsonSchema) => propertiesOf(part, doc)) : []
  return Object.assign({}, ...parts, own)
}

/** The required properties of an object schema, its `allOf` members' included. */
function requiredOf(given: JsonSchema, doc: OpenApiDocument | undefined): string[] {
  const schema = resolveSchema(given, doc)
  const parts = Array.isArray(schema.allOf) ? schema.allOf.flatMap((part: JsonSchema) => requiredOf(part, doc)) : []
  return [...(Array.isArray(schema.required) ? schema.required : []), ...parts]
}

/** Whether a schema accepts null: `nullable` (3.0), a `null` type (3.1), or null among its values. */
function allowsNull(given: JsonSchema, doc: OpenApiDocument | undefined): boolean {
  const schema = resolveSchema(given, doc)
  if (!schema || typeof schema !== 'object') return true
  if (schema.nullable === true || schema.type === 'null' || (Array.isArray(schema.type) && schema.type.includes('null'))) return true
  if (Array.isArray(schema.enum)) return schema.enum.includes(null)
  return Object.keys(schema).length === 0
}

/**
 * Whether a schema says in so many words that null is one of its values: `nullable: true` (3.0), a `null`
 * type (3.1), null in its `enum`, or an alternative of a `oneOf` or `anyOf` that only null takes. Not a
 * schema of no keywords, which takes null as it takes anything: the document said nothing of null there.
 */
function declaresNull(given: JsonSchema, doc: OpenApiDocument | undefined): boolean {
  const schema = resolveSchema(given, doc)
  if (!isObject(schema) || Object.keys(schema).length === 0) return false
  if (allowsNull(schema, doc)) return true
  return [schema.oneOf, schema.anyOf].some((list) => Array.isArray(list) && list.some((a: JsonSchema) => isNullSchema(a, doc)))
}

/**
 * The variant `null`: the typical body with every property the schema declares nullable (see declaresNull)
 * null, in the objects inside it too; undefined when it has none. An API that reads a nullable property as
 * if it were always there (`email.trim()`) fails on it, and no other variant sends null.
 */
function withNulls(given: JsonSchema, value: unknown, doc: OpenApiDocument | undefined, depth = 0): unknown {
  if (!isObject(value) || depth > MAX_NESTED_DEPTH) return undefined
  const properties = propertiesOf(withPartsMerged(given, doc), doc)
  let changed = false
  const out = Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      const property = properties[k]
      if (!property || v === null) return [k, v]
      if (declaresNull(property, doc)) {
        changed = true
        return [k, null]
      }
      const inner = withNulls(property, v, doc, depth + 1)
      if (inner === undefined) return [k, v]
      changed = true
      return [k, inner]
    }),
  )
  return changed ? out : undefined
}

/**
 * A query, header or cookie parameter's value at a bound, as a body's leaves are made (see bounded): at
 * `min` its lowest (and an enum's first value), at `max` its highest (an enum's last; a list of its
 * `maxItems`, up to MAX_PARAMETER_ITEMS, each item at its own highest); `value` as it is where the schema
 * bounds nothing.
 */
export function parameterAtBound(name: string, schema: JsonSchema, value: unknown, bound: 'min' | 'max', doc?: OpenApiDocument): unknown {
  return bounded(schema, bounded(schema, value, bound, doc, name, MAX_PARAMETER_ITEMS), bound === 'min' ? 'enum-first' : 'enum-last', doc, name)
}

/**
 * The empty value of a schema's type: `[]`, `''`, `{}` (an object, or `allOf` parts), that of its first
 * alternative that has one; undefined when none has (a number, a boolean, a schema of no type).
 */
function emptyOf(given: JsonSchema, doc: OpenApiDocument | undefined, depth = 0): unknown {
  const schema = resolveSchema(given, doc)
  if (!isObject(schema) || depth > 8) return undefined
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type
  if (type === 'array') return []
  if (type === 'string') return ''
  if (type === 'object' || schema.properties || schema.allOf) return {}
  if (type !== undefined) return undefined
  for (const list of [schema.oneOf, schema.anyOf])
    for (const alternative of Array.isArray(list) ? list : []) {
      const empty = emptyOf(alternative, doc, depth + 1)
      if (empty !== undefined) return empty
    }
  return undefined
}
