import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import type { JsonSchema } from './document'

/**
 * JSON Schema validation of responses: OpenAPI 3.1 schemas are JSON Schema 2020-12 as they are; 3.0
 * schemas are rewritten first (`nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`).
 */
export class SchemaChecker {
  readonly #ajv: Ajv2020
  readonly #compiled = new Map<JsonSchema, ValidateFunction>()

  constructor(readonly version: string) {
    // Not strict: documents carry `example`, `xml`, `discriminator` and other keywords JSON Schema does not know.
    this.#ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true })
    addFormats(this.#ajv)
    // OpenAPI's own formats: not checked, but known.
    for (const format of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password']) this.#ajv.addFormat(format, true)
  }

  /** Compiled once per schema object (each operation and status has its own). */
  validator(schema: JsonSchema): ValidateFunction {
    let fn = this.#compiled.get(schema)
    if (!fn) {
      fn = this.#ajv.compile(this.version.startsWith('3.0') ? fromOpenApi30(schema) : stripRefs(schema))
      this.#compiled.set(schema, fn)
    }
    return fn
  }

  /** The first error, as `<JSON pointer>: <what was expected>`; undefined when the value matches. */
  check(schema: JsonSchema, value: unknown): string | undefined {
    const fn = this.validator(schema)
    if (fn(value)) return undefined
    return describeError(fn.errors?.[0])
  }
}

export function describeError(error: ErrorObject | undefined): string {
  if (!error) return 'does not match'
  const where = error.instancePath || '(the body)'
  const extra = error.keyword === 'additionalProperties' ? ` (${(error.params as { additionalProperty: string }).additionalProperty})` : error.keyword === 'enum' ? ` ${JSON.stringify((error.params as { allowedValues: unknown }).allowedValues)}` : ''
  return `${where} ${error.message ?? 'does not match'}${extra} (schema ${error.schemaPath})`
}

/** A copy of a 3.0 schema in JSON Schema 2020-12. Shared sub-schemas stay shared; cycles are kept as cycles would break ajv, so they are cut. */
export function fromOpenApi30(schema: JsonSchema, seen = new Map<object, JsonSchema>()): JsonSchema {
  if (!schema || typeof schema !== 'object') return schema
  const done = seen.get(schema)
  if (done) return done
  const out: JsonSchema = Array.isArray(schema) ? [] : {}
  seen.set(schema, out)
  for (const [key, value] of Object.entries(schema)) out[key] = value && typeof value === 'object' ? fromOpenApi30(value, seen) : value
  if (Array.isArray(schema)) return out
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
  return stripRefs(out)
}

/** A `$ref` left by a circular reference cannot be resolved once the schema stands alone: accept anything there. */
function stripRefs(schema: JsonSchema): JsonSchema {
  if (schema && typeof schema === 'object' && typeof schema.$ref === 'string' && schema.$ref.startsWith('#/')) return {}
  return schema
}
