import { type JsonSchema, type OpenApiDocument, allOfParts, resolveSchema } from './document'

/**
 * OpenAPI's `discriminator`: which alternative of a `oneOf` or `anyOf` a value is, told by the value of one
 * of its properties. JSON Schema knows nothing of it, and alternatives that leave that property a plain
 * string (Pet, Cat and Dog, each `pet_type: string`) all take a Dog whose other properties a Cat may have
 * too: to ajv, a `oneOf` no value matches exactly once. OpenAPI's own validators, and the API, pick the
 * alternative by the property's value; so does what is read here.
 */
export interface Discriminator {
  propertyName: string
  mapping?: Record<string, unknown>
}

/**
 * The discriminator of a schema's `oneOf` or `anyOf` (`keyword`): its own, else the one every alternative
 * declares alike in an `allOf` part (the form where a base schema, Pet, holds it and each alternative is
 * `allOf: [Pet, ...]`); undefined when there is none, or the alternatives do not agree on its property.
 */
export function discriminatorOf(schema: JsonSchema, keyword: 'oneOf' | 'anyOf', doc: OpenApiDocument | undefined): Discriminator | undefined {
  if (isDiscriminator(schema.discriminator)) return schema.discriminator
  const list = schema[keyword]
  if (!Array.isArray(list) || list.length < 2) return undefined
  const found = list.map((alternative: JsonSchema) => allOfParts(alternative, doc).find((p) => isDiscriminator(p.schema.discriminator))?.schema.discriminator as Discriminator | undefined)
  const first = found[0]
  return first && found.every((d) => d?.propertyName === first.propertyName) ? first : undefined
}

function isDiscriminator(value: unknown): value is Discriminator {
  return !!value && typeof value === 'object' && typeof (value as Discriminator).propertyName === 'string'
}

/** Each schema of the document's components by its name, found by the object a `$ref` to it was replaced with. */
export function componentNames(doc: OpenApiDocument | undefined): Map<object, string> {
  const schemas = (doc as { components?: { schemas?: Record<string, unknown> } } | undefined)?.components?.schemas ?? {}
  return new Map(Object.entries(schemas).flatMap(([name, schema]) => (schema && typeof schema === 'object' ? [[schema as object, name] as const] : [])))
}

const COMPONENT_REF = '#/components/schemas/'

/**
 * The values of the discriminator's property that select an alternative: every key of the mapping that
 * names it (by `$ref`, by the object that `$ref` resolves to, or by its bare component name, all of which
 * OpenAPI allows), else its component's name (OpenAPI's implicit mapping); none for an inline alternative
 * no key names.
 */
export function tagValues(alternative: JsonSchema, discriminator: Discriminator, names: Map<object, string>, doc: OpenApiDocument | undefined): string[] {
  const resolved = resolveSchema(alternative, doc)
  const name = typeof alternative?.$ref === 'string' && alternative.$ref.startsWith(COMPONENT_REF) ? alternative.$ref.slice(COMPONENT_REF.length) : names.get(resolved)
  const mapped = Object.entries(discriminator.mapping ?? {}).flatMap(([value, target]) => {
    if (typeof target !== 'string') return []
    const namesIt = target === alternative?.$ref || (name !== undefined && (target === name || target === `${COMPONENT_REF}${name}`)) || (target.startsWith('#/') && resolveSchema({ $ref: target }, doc) === resolved)
    return namesIt ? [value] : []
  })
  return mapped.length || name === undefined ? mapped : [name]
}

/**
 * The values of the discriminator's property the alternative itself allows, where it limits them (a
 * `const`, an `enum`, in itself or an `allOf` part; the values every such part allows); undefined where
 * it does not.
 */
export function ownTagValues(alternative: JsonSchema, propertyName: string, doc: OpenApiDocument | undefined): unknown[] | undefined {
  let allowed: unknown[] | undefined
  for (const { schema } of allOfParts(alternative, doc)) {
    const property = schema.properties?.[propertyName] && resolveSchema(schema.properties[propertyName], doc)
    if (!property) continue
    const values = property.const !== undefined ? [property.const] : Array.isArray(property.enum) ? property.enum : undefined
    if (values) allowed = allowed ? allowed.filter((v) => values.includes(v)) : values
  }
  return allowed
}
