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
    this.#ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true, ...(this.#request ? { logger: false } : {}) })
    addFormats(this.#ajv)
    // OpenAPI's own formats: not checked, but known.
    for (const format of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password']) this.#ajv.addFormat(format, true)
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
      if (path !== undefined) return schemaHolding(path)
    }
    return badPatternAt(schema, this.doc)
  }

  /** The first error, as `<JSON pointer>: <what was expected>`; undefined when the value matches. */
  check(schema: JsonSchema, value: unknown): string | undefined {
    const fn = this.validator(schema)
    if (fn(value)) return undefined
    return describeError(fn.errors?.[0])
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
    new RegExp(pattern, 'u')
    return true
  } catch {
    return false
  }
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

/**
 * A copy of a schema as ajv checks a response against it: for 3.0, `nullable` and boolean exclusive bounds
 * rewritten; `writeOnly` properties no longer required (`readOnly` ones, for a request: `unsent`). Shared
 * sub-schemas stay shared and cycles stay cycles (`seen`). A `$ref` left by a circular reference is kept
 * when `keep` says the compiled schema resolves it, else it accepts anything.
 */
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

function toResponseSchema(schema: JsonSchema, c: Conversion): JsonSchema {
  if (!schema || typeof schema !== 'object') return schema
  const done = c.seen.get(schema)
  if (done) return done
  const out: JsonSchema = Array.isArray(schema) ? [] : {}
  c.seen.set(schema, out)
  for (const [key, value] of Object.entries(schema)) out[key] = value && typeof value === 'object' ? toResponseSchema(value, c) : value
  if (Array.isArray(schema)) return out
  if (typeof out.$ref === 'string' && out.$ref.startsWith('#/') && !c.keep?.(out.$ref)) delete out.$ref
  if (Array.isArray(out.required) && out.properties && typeof out.properties === 'object')
    out.required = out.required.filter((name: string) => out.properties[name]?.[c.unsent] !== true)
  for (const keyword of ['oneOf', 'anyOf'] as const) if (Array.isArray(schema[keyword])) out[keyword] = told(schema, keyword, out[keyword], c)
  if (!c.openApi30) return out
  if (out.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null']
    else if (out.enum) out.enum = [...out.enum, null]
    else if (!out.type) out.anyOf = [...(out.anyOf ?? [{}]), { type: 'null' }]
  }
  delete out.nullable
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

/** Does a converted schema hold a `$ref` into the components or an inlined file (anywhere, cycles included)? */
function refersBeside(schema: JsonSchema, seen = new Set<object>()): boolean {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return false
  seen.add(schema)
  if (typeof schema.$ref === 'string' && resolvesBeside(schema.$ref)) return true
  return Object.values(schema).some((v) => refersBeside(v, seen))
}
