import { isSecretKey, looksLikeSecret } from '@venomqa/core'
import { type JsonSchema, type NumberBound as Bound, type OpenApiDocument, allOfParts, componentNames, discriminatorOf, lowerBound, resolvePointer, tagValues, upperBound } from '@venomqa/openapi'

/**
 * A value for a request body or parameter, written into a journey for a person to read and edit: the
 * schema's own example, default, const or first enum value when it has one, else a plain value of its
 * type inside its bounds. Objects get their required properties only (the least a server must accept).
 * A body (or an object with `minProperties`) that requires nothing gets the properties that say something
 * instead (see sayingKeys): sent `{ id: 10 }`, an order named no pet and an update changed only an id.
 * `needsReview` says where a value could not be made to fit (a pattern it does not match), so the journey
 * can say "fill in" there.
 *
 * A value under a secret name (`password`, `access_token`, `client_secret`: core's isSecretKey) is never
 * the document's example or default, not even inside an example of the whole object: journey files are
 * committed, and a document's example may be a real password. It is made up like any value without an
 * example; the journey reads it from the environment instead where it must be one that exists already.
 * Under any name, a value the document gives that is a credential by its form (core's looksLikeSecret: a
 * JSON Web Token, an `sk_live_...` key, a `password=...` in a description, a random key) is made up the
 * same way, and the place is marked for review: the API may need a real one there.
 * A value is a copy: the journey's writer may change it without changing the document.
 */
export interface Sample {
  value: unknown
  /** Places (`body.sku`) whose value is a guess that may not satisfy the schema. */
  needsReview: string[]
}

/** A string the sampler writes that the journey replaces with an expression. */
export const UNIQUE_EMAIL = '\u0000unique-email'

export interface SampleOptions {
  /**
   * Whether an id-like property that nothing requires names a resource the journey makes (an order's
   * `petId`): such a one is sent, for the journey to put the made id in; any other id-like one is not.
   */
  references?: (property: string) => boolean
}

/** A property that holds an id (`id`, `uuid`, `petId`, `owner_id`): sampled, it names nothing that exists. */
const ID_LIKE = /^(?:id|Id|ID|uuid|UUID|guid|GUID)$|[a-z0-9](?:Id|ID|Uuid|UUID)$|_(?:id|ID|uuid)$/

/**
 * What one sampling keeps on its way down: the places to review, the document its `$ref`s point into, and
 * the `$ref`s being sampled on the path to where it is (to see a schema that holds itself).
 */
interface Walk {
  review: string[]
  doc?: OpenApiDocument
  expanding: string[]
  /** The document's component names, for a discriminator's implicit mapping (see tagged): read once, when first needed. */
  names?: Map<object, string>
  references?: SampleOptions['references']
}

/** A value left out of its object or array: its schema holds itself there (see sampleValue). */
const LEFT_OUT = Symbol('left out')

/**
 * `doc`: the document, for the `$ref`s a recursive schema keeps once loaded (a tree node's `parent` is
 * `{ $ref: '#/components/schemas/Node' }`), which would otherwise be sampled as null.
 */
export function sample(schema: JsonSchema | undefined, place: string, name = '', doc?: OpenApiDocument, options: SampleOptions = {}): Sample {
  const walk: Walk = { review: [], doc, expanding: [], references: options.references }
  const value = sampleValue(schema, place, name, walk, 0)
  return { value: value === LEFT_OUT ? null : value, needsReview: walk.review }
}

function sampleValue(schema: JsonSchema | undefined, place: string, name: string, walk: Walk, depth: number): unknown {
  if (schema && typeof schema.$ref === 'string' && walk.doc) return sampleRef(schema, place, name, walk, depth)
  if (!schema || typeof schema !== 'object' || depth > 6) return null
  // A const or an enum is what the schema allows, not an example someone typed: kept under any name.
  const firstEnum = Array.isArray(schema.enum) ? schema.enum[0] : undefined
  const candidates = isSecretKey(name)
    ? [schema.const, firstEnum]
    : [schema.example, Array.isArray(schema.examples) ? schema.examples[0] : undefined, schema.const, schema.default, firstEnum]
  // An email identifies an account: the document's example, sent each run, is refused as taken on the second.
  if (isEmail(schema, name) && schema.const === undefined && firstEnum === undefined) return UNIQUE_EMAIL
  const documented = candidates.filter((v) => v !== undefined)
  const given = documented.find((v) => !isSecretShaped(v))
  if (given !== documented[0]) markCredentialShaped(place, walk.review)
  if (given !== undefined) return withoutSecrets(given, schema, place, name, walk, depth)
  // An alternative that does not hold the schema being sampled, where there is one: `anyOf: [Node, null]`
  // ends a tree's recursion with null.
  const variants: JsonSchema[] | undefined = schema.oneOf ?? schema.anyOf
  const variant = variants?.find((v) => !isRecursion(v, walk)) ?? variants?.[0]
  if (variant) return tagged(sampleValue(variant, place, name, walk, depth + 1), schema, variant, walk)
  if (Array.isArray(schema.allOf)) return tagged(sampleValue(mergeAllOf(schema, walk.doc), place, name, walk, depth + 1), undefined, schema, walk)
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type
  switch (type ?? (schema.properties ? 'object' : undefined)) {
    case 'object': {
      const required: string[] = Array.isArray(schema.required) ? schema.required : []
      const props: Record<string, JsonSchema> = schema.properties ?? {}
      if (!required.length && ((schema.minProperties ?? 0) > 0 || depth === 0)) return sayingKeys(props, place, walk, depth)
      // A readOnly property (the `id` the server gives) is never sent, required or not.
      const keys = required.filter((k) => props[k]?.readOnly !== true)
      return Object.fromEntries(keys.map((k) => [k, sampleValue(props[k], `${place}.${k}`, k, walk, depth + 1)]).filter(([, v]) => v !== LEFT_OUT))
    }
    case 'array': {
      const min = schema.minItems ?? 0
      return min > 0 ? Array.from({ length: min }, () => sampleValue(schema.items, `${place}[]`, name, walk, depth + 1)).filter((v) => v !== LEFT_OUT) : []
    }
    case 'integer':
    case 'number':
      return number(schema)
    case 'boolean':
      return true
    case 'string':
      return string(schema, place, name, walk.review)
    default:
      return null
  }
}

/**
 * An object that requires nothing, sent as a body, still has to say something (and an update to change
 * something): every property that is not readOnly and holds no id, with a value that is not empty (an
 * optional list or object sampled as `[]` or `{}` says nothing), and the id-like ones that name a resource
 * the journey makes (`references`: an order's `petId`, then the pet made before it). An id of its own
 * (`id: 10`) would name another resource, or clash with one. Where nothing is left, its first property
 * the server does not give, as before.
 */
function sayingKeys(props: Record<string, JsonSchema>, place: string, walk: Walk, depth: number): Record<string, unknown> {
  const writable = Object.keys(props).filter((k) => props[k]?.readOnly !== true)
  const value = (k: string) => sampleValue(props[k], `${place}.${k}`, k, walk, depth + 1)
  const saying = writable.filter((k) => !ID_LIKE.test(k) || walk.references?.(k))
  const entries = saying.map((k): [string, unknown] => [k, value(k)]).filter(([, v]) => !isEmpty(v))
  if (entries.length) return Object.fromEntries(entries)
  return Object.fromEntries(writable.slice(0, 1).map((k): [string, unknown] => [k, value(k)]).filter(([, v]) => v !== LEFT_OUT))
}

/** A value that says nothing: left out, null, `[]` or `{}`. */
function isEmpty(value: unknown): boolean {
  return value === LEFT_OUT || value === null || (typeof value === 'object' && Object.keys(value as object).length === 0)
}

/**
 * A `$ref` a loaded document kept because its schema holds itself (`Node.parent` is a Node). Sampled
 * once on each path; where it comes again, a required property of a schema that holds itself has no
 * finite value: null where the `$ref` allows it (`nullable`), else it is left out of its object or array
 * and the place is to review, rather than a body that never ends or a null the schema forbids.
 */
function sampleRef(schema: JsonSchema, place: string, name: string, walk: Walk, depth: number): unknown {
  const ref: string = schema.$ref
  if (isRecursion(schema, walk)) {
    if (schema.nullable === true) return null
    walk.review.push(`${place} (left out: its schema, ${ref}, holds itself where it is required, so no finite body has it)`)
    return LEFT_OUT
  }
  const target = ref.startsWith('#') ? resolvePointer(walk.doc, ref.slice(1)) : undefined
  if (!target || typeof target !== 'object') return null
  walk.expanding.push(ref)
  try {
    return sampleValue(target as JsonSchema, place, name, walk, depth)
  } finally {
    walk.expanding.pop()
  }
}

/**
 * `value`, an object sampled from `alternative`, with the value of the discriminator's property that
 * names that alternative: sampled, a plain string property (`petType: 'petType'`) names no kind, and the
 * API, which picks the kind by it, refuses the body. The discriminator is the `oneOf` or `anyOf`'s of
 * `schema`, or, for an `allOf` (`Dog: allOf [Animal, ...]`, `schema` undefined), the one its base holds.
 */
function tagged(value: unknown, schema: JsonSchema | undefined, alternative: JsonSchema, walk: Walk): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value
  const discriminator = schema ? discriminatorOf(schema, schema.oneOf ? 'oneOf' : 'anyOf', walk.doc) : discriminatorOf({ oneOf: [alternative, alternative] }, 'oneOf', walk.doc)
  const tag = discriminator && tagValues(alternative, discriminator, (walk.names ??= componentNames(walk.doc)), walk.doc)[0]
  return tag === undefined ? value : { ...value, [discriminator!.propertyName]: tag }
}

/** A `$ref` to a schema being sampled on the way to it. */
function isRecursion(schema: JsonSchema | undefined, walk: Walk): boolean {
  return !!schema && typeof schema.$ref === 'string' && walk.expanding.includes(schema.$ref)
}

/**
 * A parameter's value: its own example, else its schema's sample; an example that is a credential by its
 * form is not written (see Sample), whatever the parameter's name, and its place is then to review.
 */
export function sampleParameter(parameter: { example?: unknown; schema?: JsonSchema } | undefined, place: string, name: string): Sample {
  const example = parameter?.example
  if (example !== undefined && !isSecretShaped(example)) {
    const walk: Walk = { review: [], expanding: [] }
    return { value: withoutSecrets(example, parameter?.schema, place, name, walk, 0), needsReview: walk.review }
  }
  const made = sample(parameter?.schema, place, name)
  if (example !== undefined) markCredentialShaped(place, made.needsReview)
  return made
}

/** A string the document gives that is a credential by its form: never written into a journey. */
function isSecretShaped(value: unknown): boolean {
  return typeof value === 'string' && looksLikeSecret(value)
}

/** Say once that the value at `place` is made up in place of the document's, which looks like a credential. */
function markCredentialShaped(place: string, review: string[]): void {
  const note = `${place}, whose value in the document looks like a credential`
  if (!review.includes(note)) review.push(note)
}

/**
 * A copy of a value the document gives (an example of a whole body, say) in which every value under a
 * secret name, and every string that is a credential by its form, is made up from its property's schema
 * instead, as if the document gave no example there.
 */
function withoutSecrets(value: unknown, schema: JsonSchema | undefined, place: string, name: string, walk: Walk, depth: number): unknown {
  if (isSecretShaped(value)) {
    markCredentialShaped(place, walk.review)
    return sampleValue(schema ?? { type: 'string' }, place, name, walk, depth + 1)
  }
  if (depth > 12 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, schema?.items, `${place}[]`, name, walk, depth + 1))
  const props: Record<string, JsonSchema> = schema?.properties ?? {}
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      // A flag (`password_set: true`) and an absent value hide no secret.
      if (!isSecretKey(k) || v === null || typeof v === 'boolean') return [k, withoutSecrets(v, props[k], `${place}.${k}`, k, walk, depth + 1)]
      const own = props[k] ?? { type: Array.isArray(v) ? 'array' : typeof v === 'number' ? 'number' : typeof v === 'object' ? 'object' : 'string' }
      return [k, sampleValue(own, `${place}.${k}`, k, walk, depth + 1)]
    }),
  )
}

/**
 * The properties and required ones of a schema and its `allOf` parts, through the `$ref`s a loaded document
 * keeps (a base, Animal, whose discriminator maps to the kinds made of it) and nested `allOf`s.
 */
function mergeAllOf(schema: JsonSchema, doc: OpenApiDocument | undefined): JsonSchema {
  const merged: JsonSchema = { type: 'object', properties: {}, required: [] }
  for (const { schema: p } of allOfParts(schema, doc)) {
    Object.assign(merged.properties, p.properties ?? {})
    merged.required.push(...(p.required ?? []))
  }
  return merged
}

/**
 * 10, moved inside the bounds: small enough for a price, large enough for a stock that orders can draw on.
 * An exclusive bound (`exclusiveMinimum: 0` in OpenAPI 3.1, `minimum: 0, exclusiveMinimum: true` in 3.0)
 * is never the value: an integer goes one past it, a number strictly inside.
 */
function number(schema: JsonSchema): number {
  const integer = (Array.isArray(schema.type) ? schema.type : [schema.type]).includes('integer')
  const low = lowerBound(schema)
  const high = upperBound(schema)
  let n = 10
  if (low && (n < low.at || (low.open && n === low.at))) n = low.open ? (integer ? Math.floor(low.at) + 1 : low.at + 1) : integer ? Math.ceil(low.at) : low.at
  if (high && (n > high.at || (high.open && n === high.at))) n = high.open ? (integer ? Math.ceil(high.at) - 1 : high.at - 1) : integer ? Math.floor(high.at) : high.at
  // One step past a bound can cross the other one (`exclusiveMinimum: 0, exclusiveMaximum: 1`): the middle.
  if (!integer && low && high && !inside(n, low, high)) n = (low.at + high.at) / 2
  if (schema.multipleOf) n = Math.ceil(n / schema.multipleOf) * schema.multipleOf
  return n
}

function inside(n: number, low: Bound | undefined, high: Bound | undefined): boolean {
  return (!low || (low.open ? n > low.at : n >= low.at)) && (!high || (high.open ? n < high.at : n <= high.at))
}

/** Whether `n` is within the schema's bounds, inclusive and exclusive, in either OpenAPI version's form. */
export function withinBounds(n: number, schema: JsonSchema): boolean {
  return inside(n, lowerBound(schema), upperBound(schema))
}

const FORMATS: Record<string, string> = {
  'date-time': '2025-01-01T00:00:00Z',
  date: '2025-01-01',
  time: '00:00:00Z',
  uuid: '00000000-0000-4000-8000-000000000000',
  uri: 'https://example.test/',
  url: 'https://example.test/',
  hostname: 'example.test',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
}

/** A string property that holds an email address, by its format or its name. */
function isEmail(schema: JsonSchema, name: string): boolean {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type]
  return (types.includes('string') || schema.type === undefined) && (schema.format === 'email' || /^e-?mail$/i.test(name))
}

function string(schema: JsonSchema, place: string, name: string, review: string[]): string {
  if (schema.format && FORMATS[schema.format]) return FORMATS[schema.format]!
  // The property's name reads better than "string" and fits most patterns.
  let s = name.replace(/[^A-Za-z0-9]/g, '') || 'text'
  if (/password/i.test(name)) s = 'a long password 1'
  const min = schema.minLength ?? 0
  while (s.length < min) s += 'x'
  if (schema.maxLength !== undefined) s = s.slice(0, schema.maxLength)
  if (schema.pattern) {
    let fits = false
    try {
      fits = new RegExp(schema.pattern, 'u').test(s)
    } catch {}
    if (!fits) review.push(`${place} must match ${schema.pattern}`)
  }
  return s
}
