import { isIPv4, isIPv6 } from 'node:net'
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { type JsonSchema, type OpenApiDocument, escapePointer, resolveSchema } from './document'
import { componentNames, discriminatorOf, ownTagValues, tagValues } from './discriminator'
import { INLINED_KEY } from './refs'

/**
 * JSON Schema validation of responses: OpenAPI 3.1 schemas are JSON Schema 2020-12 as they are; 3.0
 * schemas are rewritten first (`nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`). Either way a
 * required property that is `writeOnly` is required in requests only (OpenAPI's rule), so a response
 * that leaves out a password is no violation. With `request`, of request bodies: there a required
 * `readOnly` property is the one not required (a body is sampled without an `id` the server gives), and
 * a format ajv does not know is not checked, quietly (a response checker warns once of it).
 * Where ajv reads a schema more strictly than OpenAPI does, it is told OpenAPI's reading: `nullable` beside
 * any keyword, `multipleOf` on decimals, patterns in the ECMA-262 dialect, `email` and 3.0's `time`, closed
 * `allOf` parts (see toResponseSchema): a test tool must not report a break the API did not commit.
 */
export class SchemaChecker {
  readonly #ajv: Ajv2020
  readonly #compiled = new Map<JsonSchema, ValidateFunction>()
  readonly #seen = new Map<object, JsonSchema>()
  /** The document's component names, for a discriminator's implicit mapping: read once, when first needed. */
  #names: Map<object, string> | undefined
  /**
   * The document's components and the files it points into (see inlineExternalRefs), converted: a recursive
   * schema keeps its `$ref`s (`#/components/schemas/Node`) once dereferenced, and each compiled schema
   * carries them beside it so that those resolve.
   */
  #beside: JsonSchema | undefined

  /** `doc` resolves the `$ref`s a recursive schema keeps; without it they accept anything. */
  readonly #request: boolean

  constructor(
    readonly version: string,
    readonly doc?: OpenApiDocument,
    options: { request?: boolean } = {},
  ) {
    this.#request = options.request === true
    // Not strict: documents carry `example`, `xml`, `discriminator` and other keywords JSON Schema does not know.
    this.#ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true, code: { regExp: ecmaRegExp }, ...(this.#request ? { logger: false } : {}) })
    addFormats(this.#ajv)
    // OpenAPI's own formats: not checked, but known. `int64` above 2^53 is no violation either: JSON.parse
    // rounds it, yet to an integer, and the document promised an integer, not one JavaScript holds exactly.
    for (const format of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password']) this.#ajv.addFormat(format, true)
    this.#ajv.addFormat('email', isMailbox)
    // OpenAPI 3.0 defines no `time` (neither its format table nor the JSON Schema draft it builds on), so
    // `10:00:00` with no offset is not refused there; 3.1's JSON Schema 2020-12 defines it as RFC 3339's
    // full-time, offset required. `date-time` stays strict in both: OpenAPI 3.0 itself names RFC 3339 for
    // it, whose date-time has an offset, and a time with none is read differently by each client. So does
    // `uri`: RFC 3986's URI has a scheme, and a relative reference (`/things/1`) is `uri-reference`'s. A format
    // ajv does not know is an annotation, as OpenAPI allows, and is not checked.
    if (version.startsWith('3.0')) this.#ajv.addFormat('time', this.#ajv.formats['iso-time']!)
    decimalMultipleOf(this.#ajv)
  }

  /** Compiled once per schema object (each operation and status has its own). */
  validator(schema: JsonSchema): ValidateFunction {
    let fn = this.#compiled.get(schema)
    if (!fn) {
      const converted = this.#convert(schema)
      const beside = refersBeside(converted) ? this.#convertedBeside() : undefined
      // Beside the schema, not in it: a component shared by several schemas is converted once and must not change.
      fn = this.#ajv.compile(beside && converted && typeof converted === 'object' ? { ...converted, ...beside } : converted)
      this.#compiled.set(schema, fn)
    }
    return fn
  }

  /**
   * Where below `schema` (a JSON pointer, `''` for itself) the mistake is that makes `validator` throw: the
   * schema holding the keyword the meta-schema refuses (`/properties/qty` for its `type: int`), else the
   * one whose `pattern` (or a `patternProperties` name) is no regular expression, of which ajv names no
   * place; undefined when neither is found.
   */
  mistakeAt(schema: JsonSchema): string | undefined {
    const converted = this.#convert(schema)
    if (!this.#ajv.validateSchema(converted)) {
      const path = this.#ajv.errors?.[0]?.instancePath
      if (path !== undefined) return schemaHolding(writtenPath(converted, path))
    }
    return badPatternAt(schema, this.doc)
  }

  /** The first error, as `<JSON pointer>: <what was expected>`; undefined when the value matches. */
  check(schema: JsonSchema, value: unknown): string | undefined {
    const fn = this.validator(schema)
    if (fn(value)) return undefined
    const error = fn.errors?.[0]
    // Named in the schema as written, not where allowNull moved the keyword.
    return describeError(error && { ...error, schemaPath: `#${writtenPath(fn.schema as JsonSchema, error.schemaPath.slice(1))}` })
  }

  #convert(schema: JsonSchema): JsonSchema {
    const keep = this.doc?.components || this.doc?.[INLINED_KEY] ? resolvesBeside : undefined
    this.#names ??= componentNames(this.doc)
    return toResponseSchema(schema, { openApi30: this.version.startsWith('3.0'), keep, seen: this.#seen, unsent: this.#request ? 'readOnly' : 'writeOnly', doc: this.doc, names: this.#names })
  }

  #convertedBeside(): JsonSchema {
    this.#beside ??= Object.fromEntries(
      (['components', INLINED_KEY] as const).flatMap((key) => (this.doc?.[key] ? [[key, this.#convert(this.doc[key] as JsonSchema)]] : [])),
    )
    return this.#beside
  }
}

/** Keywords whose value is a schema by name (`properties/qty`), or a list of them (`allOf/0`). */
const SCHEMAS_BY_KEY = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'allOf', 'anyOf', 'oneOf', 'prefixItems'])
/** Keywords whose value is one schema. */
const SCHEMA_VALUED = new Set(['items', 'additionalItems', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'contentSchema'])

/**
 * The schema that holds a place the meta-schema refuses: `/properties/qty/type` is in `/properties/qty`;
 * a sub-schema that is none (`"items": "x"`) is its own place.
 */
function schemaHolding(path: string): string {
  const tokens = path.split('/').slice(1)
  let end = 0
  while (end < tokens.length) {
    const key = tokens[end]!
    if (SCHEMAS_BY_KEY.has(key) && end + 1 < tokens.length) end += 2
    else if (SCHEMA_VALUED.has(key)) end += 1
    else break
  }
  return tokens.slice(0, end).map((t) => `/${t}`).join('')
}

/** The first schema (walked as schemaHolding reads places, `$ref`s followed) whose `pattern` or a `patternProperties` name is no regular expression. */
function badPatternAt(schema: unknown, doc: OpenApiDocument | undefined, at = '', seen = new Set<object>()): string | undefined {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return undefined
  const s = resolveSchema(schema as JsonSchema, doc)
  if (seen.has(s)) return undefined
  seen.add(s)
  const patterns = [s.pattern, ...(s.patternProperties && typeof s.patternProperties === 'object' ? Object.keys(s.patternProperties) : [])]
  if (patterns.some((p) => typeof p === 'string' && !isRegExp(p))) return at
  for (const [key, value] of Object.entries(s)) {
    if (!value || typeof value !== 'object') continue
    const below: [string, unknown][] = SCHEMA_VALUED.has(key)
      ? [[`/${key}`, value]]
      : SCHEMAS_BY_KEY.has(key)
        ? Object.entries(value).map(([name, sub]) => [`/${key}/${escapePointer(name)}`, sub])
        : []
    for (const [where, sub] of below) {
      const found = badPatternAt(sub, doc, `${at}${where}`, seen)
      if (found !== undefined) return found
    }
  }
  return undefined
}

function isRegExp(pattern: string): boolean {
  try {
    ecmaRegExp(pattern, 'u')
    return true
  } catch {
    return false
  }
}

/**
 * A `pattern` as ECMA-262 reads it, which is the dialect OpenAPI names: with the `u` flag ajv always sets
 * (`\p{L}` needs it), else without, where `u` refuses what ECMA-262 takes (`^\d{3}\-\d{4}$`, `[a-z\_]`:
 * escapes `u` forbids). Refused, such a document failed to load as "not a valid JSON Schema". The sampler
 * reads patterns the same way, so a body it makes meets the pattern the checker holds it to.
 */
export function ecmaRegExp(pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, flags)
  } catch (err) {
    if (!flags.includes('u')) throw err
    try {
      return new RegExp(pattern, flags.replace('u', ''))
    } catch {
      throw err
    }
  }
}
// Only read by ajv's standalone code, which is not used here.
ecmaRegExp.code = 'ecmaRegExp'

/**
 * `multipleOf` on the numbers as their JSON text writes them, in decimal: ajv divides in floating point,
 * where 0.07 / 0.01 is 7.000000000000001, and refused a price of 0.07 or 19.99 documented `multipleOf: 0.01`.
 * A value that is no multiple (19.999) is still refused.
 */
function decimalMultipleOf(ajv: Ajv2020): void {
  const validate: ((step: number, value: number) => boolean) & { errors?: Partial<ErrorObject>[] } = (step, value) => {
    if (isMultipleOf(value, step)) return true
    validate.errors = [{ keyword: 'multipleOf', message: `must be multiple of ${step}`, params: { multipleOf: step } }]
    return false
  }
  ajv.removeKeyword('multipleOf')
  ajv.addKeyword({ keyword: 'multipleOf', type: 'number', schemaType: 'number', validate })
}

function isMultipleOf(value: number, step: number): boolean {
  const v = decimalOf(value)
  const s = decimalOf(step)
  if (!v || !s || s.digits === 0n) return false
  const exp = Math.min(v.exp, s.exp)
  return (v.digits * 10n ** BigInt(v.exp - exp)) % (s.digits * 10n ** BigInt(s.exp - exp)) === 0n
}

/**
 * A finite number as `digits * 10^exp`, read from its shortest decimal form, which is the JSON text it was
 * parsed from (up to 15 significant digits, more than any amount a `multipleOf` is written for).
 */
function decimalOf(x: number): { digits: bigint; exp: number } | undefined {
  const m = /^(-?\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(x))
  if (!m) return undefined
  const fraction = m[2] ?? ''
  return { digits: BigInt(m[1]! + fraction), exp: Number(m[3] ?? 0) - fraction.length }
}

/**
 * `format: email` as JSON Schema defines it, RFC 5321's Mailbox: a dot-string or quoted local part, and a
 * domain of one label or more or an address literal. ajv-formats wants a dot in the domain, and refused
 * `admin@localhost` (what a test API seeds), `user@[127.0.0.1]` and `"john doe"@example.com`.
 * Non-ASCII is still refused: that is `idn-email`.
 */
const DOT_STRING = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/i
const QUOTED_STRING = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i

function isMailbox(text: string): boolean {
  const at = text.lastIndexOf('@')
  const local = text.slice(0, at)
  const domain = text.slice(at + 1)
  if (at < 1 || !(DOT_STRING.test(local) || QUOTED_STRING.test(local))) return false
  if (!domain.startsWith('[')) return DOMAIN.test(domain)
  const literal = domain.endsWith(']') ? domain.slice(1, -1) : ''
  return isIPv4(literal) || (/^IPv6:/i.test(literal) && isIPv6(literal.slice(5)))
}

/**
 * A place in a converted schema as a place in the schema written: the `anyOf` (and the `allOf` part
 * holding it) that allowNull moved keywords into is not in the document.
 */
function writtenPath(converted: JsonSchema, path: string): string {
  const tokens = path.split('/').slice(1)
  const kept: string[] = []
  let node = converted
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!
    const key = token.replace(/~1/g, '/').replace(/~0/g, '~')
    const child = node?.[key]?.[tokens[i + 1]!]
    if (Array.isArray(node?.[key]) && child && NULL_BRANCHES.has(child)) {
      node = child
      i++
      continue
    }
    kept.push(token)
    node = node?.[key]
  }
  return kept.map((t) => `/${t}`).join('')
}

/** A `$ref` the compiled schema can resolve: one into the document's components, or into a file it points into. */
const resolvesBeside = (ref: string): boolean => ref.startsWith('#/components/') || ref.startsWith(`#/${INLINED_KEY}/`)

export function describeError(error: ErrorObject | undefined): string {
  if (!error) return 'does not match'
  const where = error.instancePath || '(the body)'
  const extra = error.keyword === 'additionalProperties' ? ` (${(error.params as { additionalProperty: string }).additionalProperty})` : error.keyword === 'enum' ? ` ${JSON.stringify((error.params as { allowedValues: unknown }).allowedValues)}` : ''
  return `${where} ${error.message ?? 'does not match'}${extra} (schema ${error.schemaPath})`
}

/** A copy of a 3.0 schema in JSON Schema 2020-12. Shared sub-schemas stay shared. */
export function fromOpenApi30(schema: JsonSchema, seen = new Map<object, JsonSchema>()): JsonSchema {
  return toResponseSchema(schema, { openApi30: true, seen, unsent: 'writeOnly' })
}

/** How toResponseSchema converts: the same for every schema of one checker. */
interface Conversion {
  openApi30: boolean
  /** Whether a `$ref` left by a circular reference resolves where the schema is compiled; else it accepts anything. */
  keep?: (ref: string) => boolean
  /** Each schema already converted, by the one converted: shared sub-schemas stay shared, cycles cycles. */
  seen: Map<object, JsonSchema>
  /** The required properties that are not: `writeOnly` ones in a response, `readOnly` ones in a request. */
  unsent: 'writeOnly' | 'readOnly'
  /** The document the schemas are of, whose component names a discriminator's implicit mapping uses. */
  doc?: OpenApiDocument
  names?: Map<object, string>
}

/**
 * A copy of a schema as ajv checks a response against it: for 3.0, `nullable` and boolean exclusive bounds
 * rewritten (`nullable` in 3.1 too, see allowNull); `writeOnly` properties no longer required (`readOnly`
 * ones, for a request: `unsent`), closed `allOf` parts open to what the other parts declare (see
 * openToSiblings), the alternatives of a discriminator told by its value (see told). Shared sub-schemas
 * stay shared and cycles stay cycles (`seen`). A `$ref` left by a circular reference is kept when `keep`
 * says the compiled schema resolves it, else it accepts anything. `byName` says the object is no schema
 * but schemas by name (`properties`), whose every value is one.
 */
function toResponseSchema(schema: JsonSchema, c: Conversion, byName = false): JsonSchema {
  if (!schema || typeof schema !== 'object') return schema
  const done = c.seen.get(schema)
  if (done) return done
  const out: JsonSchema = Array.isArray(schema) ? [] : {}
  c.seen.set(schema, out)
  for (const [key, value] of Object.entries(schema))
    out[key] = value && typeof value === 'object' && (byName || !isValueKeyword(key)) ? toResponseSchema(value, c, BY_NAME.has(key)) : value
  if (Array.isArray(schema) || byName) return out
  if (typeof out.$ref === 'string' && out.$ref.startsWith('#/') && !c.keep?.(out.$ref)) delete out.$ref
  notRequiringUnsent(out, c.unsent)
  openToSiblings(out)
  for (const keyword of ['oneOf', 'anyOf'] as const) if (Array.isArray(schema[keyword])) out[keyword] = told(schema, keyword, out[keyword], c)
  allowNull(out, schema)
  if (!c.openApi30) return out
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound]
      delete out[bound]
    } else if (typeof out[flag] === 'boolean') delete out[flag]
  }
  return out
}

/**
 * The alternatives of a `oneOf` or `anyOf` with a discriminator (see discriminator.ts), converted, each
 * taking only the values of the discriminator's property that name it, as OpenAPI picks the alternative by
 * them: without, alternatives that leave the property a plain string all took a value of one of them, and
 * a `oneOf` refused it. Of those values, only those the alternative allows itself, where it limits them (an
 * `enum` every alternative shares in a base schema); one no value names (inline, in no mapping, or one
 * whose own `enum` holds none of them: the document contradicts itself) is left as it is.
 */
function told(schema: JsonSchema, keyword: 'oneOf' | 'anyOf', converted: JsonSchema[], c: Conversion): JsonSchema[] {
  const discriminator = c.names && discriminatorOf(schema, keyword, c.doc)
  if (!discriminator) return converted
  const { propertyName } = discriminator
  return converted.map((alternative, i) => {
    const given = schema[keyword][i]
    const own = ownTagValues(given, propertyName, c.doc)
    const values = tagValues(given, discriminator, c.names!, c.doc).filter((v) => !own || own.includes(v))
    return values.length ? { allOf: [alternative, { properties: { [propertyName]: { enum: values } } }] } : alternative
  })
}

/** Keywords whose value is a map of schemas by name (the components' `schemas` too, converted beside). */
const BY_NAME = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'schemas'])

/**
 * Keywords whose value is a value, not a schema: rewritten as one, an `enum` member holding
 * `nullable: true` or `exclusiveMinimum: true` no longer equalled the response that sent it.
 */
function isValueKeyword(key: string): boolean {
  return key === 'enum' || key === 'const' || key === 'default' || key === 'example' || key === 'examples' || key.startsWith('x-')
}

/** Keywords that may refuse null where `type` takes it. */
const REFUSING_NULL = ['enum', 'const', 'allOf', 'anyOf', 'oneOf', 'not', '$ref', 'if', 'then', 'else']

/**
 * `nullable: true` (OpenAPI 3.0) takes null whatever else the schema says, the reading that accuses no API
 * sending null where the document says it may: 3.0.3 added that it adds null to `type` only, other
 * keywords "may disallow" it, but then `nullable` beside `allOf: [$ref]` (what generators write for a
 * nullable reference, as `$ref` takes no siblings), beside an `enum` or on a schema with no `type` means
 * nothing, where its author plainly meant null. A 3.1 document that kept `nullable` is read alike (ajv knew
 * it beside a `type` only, and threw beside an `allOf`). Every other value is checked as before.
 * Null is also taken by a `oneOf` two of whose alternatives are nullable: both take it, and JSON Schema's
 * "exactly one" refused it, for a flaw of the document, not of the API.
 */
function allowNull(out: JsonSchema, schema: JsonSchema): void {
  const nullable = out.nullable === true
  delete out.nullable
  if (nullable) {
    if (typeof out.type === 'string') out.type = [out.type, 'null']
    else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null']
    orNull(out, REFUSING_NULL)
  } else if (Array.isArray(schema.oneOf) && schema.oneOf.filter((a: JsonSchema) => a?.nullable === true).length > 1) orNull(out, ['oneOf'])
}

/** The objects orNull makes, in no document: writtenPath leaves them out of a place. */
const NULL_BRANCHES = new WeakSet<object>()

/** The `keys` of `out` (those it has) moved into `anyOf: [them, {type: 'null'}]`: null passes them, no other value changes. */
function orNull(out: JsonSchema, keys: readonly string[]): void {
  const moved = keys.filter((key) => out[key] !== undefined)
  if (!moved.length) return
  const branch = Object.fromEntries(moved.map((key) => [key, out[key]]))
  NULL_BRANCHES.add(branch)
  for (const key of moved) delete out[key]
  if (out.anyOf === undefined) out.anyOf = [branch, { type: 'null' }]
  else {
    const part = { anyOf: [branch, { type: 'null' }] }
    NULL_BRANCHES.add(part)
    out.allOf = [...(out.allOf ?? []), part]
  }
}

/**
 * A property that is `unsent` (`writeOnly` in a response) is required in requests only, as OpenAPI says:
 * whether it is declared so beside the `required` or in another `allOf` part (a base requiring `password`,
 * the part that adds it marking it `writeOnly`), for they describe the same object.
 */
function notRequiringUnsent(out: JsonSchema, unsent: 'writeOnly' | 'readOnly'): void {
  const names = new Set<string>()
  for (const part of withAllOfParts(out))
    for (const [name, property] of Object.entries(part.properties ?? {})) if ((property as JsonSchema)?.[unsent] === true) names.add(name)
  if (!names.size) return
  const kept = (required: unknown) => (Array.isArray(required) ? required.filter((name) => !names.has(name)) : required)
  if (Array.isArray(out.required)) out.required = kept(out.required)
  if (Array.isArray(out.allOf))
    out.allOf = out.allOf.map((part: JsonSchema) => (isOwnSchema(part) && Array.isArray(part.required) && part.required.some((n: string) => names.has(n)) ? { ...part, required: kept(part.required) } : part))
}

/**
 * Closed parts of an `allOf` (`additionalProperties: false`, or a schema, or `unevaluatedProperties`), and
 * a schema closed beside its `allOf`, take the properties the other parts declare. To JSON Schema a closed
 * part sees only its own `properties`, so `allOf: [Base, {properties: {name}}]` with Base closed refuses
 * every `name`, and a schema closed beside `allOf: [Base]` refuses Base's: no value has the properties
 * the document lists, which is what its author meant (the way OpenAPI documents extend a closed base). A
 * property no part declares is still refused, a part used alone stays closed (it is copied, not changed).
 */
function openToSiblings(out: JsonSchema): void {
  if (!Array.isArray(out.allOf)) return
  const names = new Set<string>()
  const patterns = new Set<string>()
  for (const part of withAllOfParts(out)) {
    for (const name of Object.keys(part.properties ?? {})) names.add(name)
    for (const pattern of Object.keys(part.patternProperties ?? {})) patterns.add(pattern)
  }
  const opened = (part: JsonSchema) => ({
    ...part,
    properties: Object.fromEntries([...Object.entries(part.properties ?? {}), ...[...names].filter((n) => !Object.hasOwn(part.properties ?? {}, n)).map((n) => [n, {}])]),
    ...(patterns.size ? { patternProperties: Object.fromEntries([...Object.entries(part.patternProperties ?? {}), ...[...patterns].filter((p) => !Object.hasOwn(part.patternProperties ?? {}, p)).map((p) => [p, {}])]) } : {}),
  })
  if (isClosed(out)) Object.assign(out, opened(out))
  out.allOf = out.allOf.map((part: JsonSchema) => (isClosed(part) && isOwnSchema(part) ? opened(part) : part))
}

function isClosed(schema: JsonSchema): boolean {
  const closes = (value: unknown) => value !== undefined && value !== true
  return !!schema && typeof schema === 'object' && (closes(schema.additionalProperties) || closes(schema.unevaluatedProperties))
}

/** A schema to copy with changes: not a kept `$ref`, whose target (the same object elsewhere) a copy would not change. */
function isOwnSchema(schema: JsonSchema): boolean {
  return !!schema && typeof schema === 'object' && !Array.isArray(schema) && typeof schema.$ref !== 'string'
}

/** A converted schema and its `allOf` parts, theirs, and so on (each once): all of them describe the same value. */
function withAllOfParts(schema: JsonSchema, seen = new Set<object>()): JsonSchema[] {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return []
  seen.add(schema)
  return [schema, ...(Array.isArray(schema.allOf) ? schema.allOf.flatMap((part: JsonSchema) => withAllOfParts(part, seen)) : [])]
}

/** Does a converted schema hold a `$ref` into the components or an inlined file (anywhere, cycles included)? */
function refersBeside(schema: JsonSchema, seen = new Set<object>()): boolean {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return false
  seen.add(schema)
  if (typeof schema.$ref === 'string' && resolvesBeside(schema.$ref)) return true
  return Object.values(schema).some((v) => refersBeside(v, seen))
}
