import { sample } from 'openapi-sampler'
import type { JsonSchema, OpenApiDocument } from './document'

/** How a body was made from its schema: each is an input of its own. */
export type BodyVariant = 'sample' | 'required' | 'min' | 'max' | 'empty' | 'enum-first' | 'enum-last'

export interface SampledBody {
  variant: BodyVariant
  body: unknown
}

/** The longest string or array a `max` variant sends when the schema allows more. */
const MAX_STRING = 64
const MAX_ITEMS = 3

/**
 * Bodies for a request schema: a typical one (examples, defaults), then the boundaries: only the
 * required properties, every bound at its minimum, at its maximum, empty, the first and the last enum
 * value. Identical bodies are given once. The same schema always gives the same bodies, in this order.
 */
export function bodyVariants(schema: JsonSchema | undefined, doc?: OpenApiDocument): SampledBody[] {
  if (!schema) return [{ variant: 'sample', body: undefined }]
  const typical = typicalValue(schema, doc, false)
  const candidates: SampledBody[] = [
    { variant: 'sample', body: typical },
    { variant: 'required', body: typicalValue(schema, doc, true) },
    { variant: 'min', body: bounded(schema, typical, 'min') },
    { variant: 'max', body: bounded(schema, typical, 'max') },
    { variant: 'empty', body: emptyOf(schema) },
    { variant: 'enum-first', body: bounded(schema, typical, 'enum-first') },
    { variant: 'enum-last', body: bounded(schema, typical, 'enum-last') },
  ]
  const seen = new Set<string>()
  return candidates.filter((c) => {
    const key = JSON.stringify(c.body) ?? 'undefined'
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** A value for a parameter or a body: the schema's example, default, or a value of its type. */
export function typicalValue(schema: JsonSchema, doc?: OpenApiDocument, requiredOnly = false): unknown {
  try {
    return offTheBounds(schema, sample(schema as never, { skipReadOnly: true, skipNonRequired: requiredOnly, quiet: true }, doc as never))
  } catch {
    // A schema the sampler cannot handle (an unusual combination): send nothing rather than fail the run.
    return undefined
  }
}

/**
 * The sampler puts a number with no example at its minimum, often 0: a boundary, which has a variant of
 * its own. A typical 0 (no stock, a free product) would make every later call on it refuse, so it is 1.
 */
function offTheBounds(schema: JsonSchema, value: unknown): unknown {
  if (!schema || typeof schema !== 'object') return value
  if (value === 0 && schema.example === undefined && schema.default === undefined && !schema.enum && (schema.maximum === undefined || schema.maximum >= 1)) return 1
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const properties = propertiesOf(schema)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, properties[k] ? offTheBounds(properties[k], named(properties[k], k, v)) : v]))
  }
  if (Array.isArray(value) && schema.items) return value.map((v) => offTheBounds(schema.items, v))
  return value
}

/**
 * The sampler writes 'string' for every plain string: `sku: 'string'`, `name: 'string'`. Named after its
 * property instead (`sku-1`), a value says where it comes from in a journey, and is not mistaken for
 * another: a document served by the API holds 'string' under `password`, which makes 'string' a secret.
 */
function named(schema: JsonSchema, key: string, value: unknown): unknown {
  if (value !== 'string' || schema.format || schema.enum || schema.example !== undefined || schema.default !== undefined) return value
  const text = `${key}-1`.padEnd(schema.minLength ?? 0, 'x').slice(0, schema.maxLength ?? MAX_STRING)
  if (schema.pattern && !safeTest(schema.pattern, text)) return value
  return text
}

function safeTest(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(text)
  } catch {
    return false
  }
}

type Bound = 'min' | 'max' | 'enum-first' | 'enum-last'

/** The typical value with every leaf the schema bounds moved to the bound. */
function bounded(schema: JsonSchema, value: unknown, bound: Bound): unknown {
  if (!schema || typeof schema !== 'object') return value
  if (Array.isArray(schema.enum) && schema.enum.length) {
    if (bound === 'enum-first') return schema.enum[0]
    if (bound === 'enum-last') return schema.enum[schema.enum.length - 1]
    return value
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type
  if (type === 'object' || (schema.properties && value && typeof value === 'object' && !Array.isArray(value))) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value
    const properties = propertiesOf(schema)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, properties[k] ? bounded(properties[k], v, bound) : v]))
  }
  if (type === 'array' && Array.isArray(value)) {
    const item = value[0]
    const itemSchema = schema.items ?? {}
    if (bound === 'min') return Array.from({ length: schema.minItems ?? 0 }, () => bounded(itemSchema, item, bound))
    if (bound === 'max' && item !== undefined) return Array.from({ length: Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS) }, () => bounded(itemSchema, item, bound))
    return value.map((v) => bounded(itemSchema, v, bound))
  }
  if (type === 'integer' || type === 'number') return numberBound(schema, value, bound, type === 'integer')
  if (type === 'string' && typeof value === 'string' && !schema.pattern && !schema.format) {
    if (bound === 'min') return 'x'.repeat(schema.minLength ?? 0)
    if (bound === 'max') return 'x'.repeat(Math.min(schema.maxLength ?? MAX_STRING, MAX_STRING))
  }
  return value
}

function numberBound(schema: JsonSchema, value: unknown, bound: Bound, integer: boolean): unknown {
  const step = integer ? 1 : 0.01
  if (bound === 'min') {
    if (typeof schema.exclusiveMinimum === 'number') return schema.exclusiveMinimum + step
    if (typeof schema.minimum === 'number') return schema.exclusiveMinimum === true ? schema.minimum + step : schema.minimum
  }
  if (bound === 'max') {
    if (typeof schema.exclusiveMaximum === 'number') return schema.exclusiveMaximum - step
    if (typeof schema.maximum === 'number') return schema.exclusiveMaximum === true ? schema.maximum - step : schema.maximum
  }
  return value
}

/** Properties, including those of `allOf` parts. */
function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> {
  const own = (schema.properties ?? {}) as Record<string, JsonSchema>
  const parts = Array.isArray(schema.allOf) ? schema.allOf.map(propertiesOf) : []
  return Object.assign({}, ...parts, own)
}

function emptyOf(schema: JsonSchema): unknown {
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type
  if (type === 'array') return []
  if (type === 'string') return ''
  if (type === 'object' || schema.properties || schema.allOf) return {}
  return undefined
}
