/**
 * OpenAPI 3.1 schemas are JSON Schema 2020-12, where a `$ref` beside other keywords is one more condition:
 * `{ $ref: Base, required: ['b'], properties: { b } }` is a value that is a Base *and* has a `b`. The
 * document parser instead copies Base's keywords into the object, the object's own winning, so `required:
 * ['b']` replaced Base's `required: ['a']`: bodies were sampled without `a`, and a response that left out
 * `a` was taken as keeping the document. Before the parser runs, such a `$ref` is moved into an `allOf` of
 * its own (`{ allOf: [{ $ref: Base }], required: ['b'], properties: { b } }`), which every part of this
 * package reads as "meets each part".
 *
 * Only where a schema is written (a `schema` key, the components' schemas, and the schemas inside those),
 * only in 3.1: in 3.0 a `$ref`'s siblings are to be ignored, and documents lean on the copy (`nullable`
 * beside a `$ref`). A `$ref` whose siblings only describe it (`description`, `readOnly`, an example) is left
 * as it is: the copy gives the same meaning and keeps the referenced schema where it is.
 */

/** Keywords beside a `$ref` that describe the value and add no condition to it. */
const ANNOTATIONS = new Set(['description', 'title', 'summary', '$comment', 'example', 'examples', 'deprecated', 'default', 'readOnly', 'writeOnly', 'externalDocs', 'xml'])

/** Keywords whose value is one schema. */
const ONE_SCHEMA = ['items', 'not', 'if', 'then', 'else', 'contains', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'propertyNames']
/** Keywords whose value is a list of schemas. */
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems']
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']

type Node = Record<string, unknown>
const isObject = (v: unknown): v is Node => !!v && typeof v === 'object' && !Array.isArray(v)

/** Rewrites `raw` in place when it is a 3.1 document; the same object is rewritten once, however often it is met. */
export function refSiblingsAsAllOf(raw: Node): void {
  if (typeof raw.openapi !== 'string' || !raw.openapi.startsWith('3.1')) return
  const seen = new WeakSet<object>()

  const schema = (node: unknown): void => {
    if (!isObject(node) || seen.has(node)) return
    seen.add(node)
    if (typeof node.$ref === 'string' && Object.keys(node).some((key) => key !== '$ref' && !ANNOTATIONS.has(key) && !key.startsWith('x-'))) {
      const parts = Array.isArray(node.allOf) ? node.allOf : []
      node.allOf = [{ $ref: node.$ref }, ...parts]
      delete node.$ref
    }
    for (const key of ONE_SCHEMA) schema(node[key])
    // 2019-09's and 3.0's `items` as a list of schemas, which 2020-12 calls prefixItems.
    if (Array.isArray(node.items)) for (const item of node.items) schema(item)
    for (const key of SCHEMA_LISTS) if (Array.isArray(node[key])) for (const part of node[key] as unknown[]) schema(part)
    for (const key of SCHEMA_MAPS) if (isObject(node[key])) for (const part of Object.values(node[key])) schema(part)
  }

  // Elsewhere in the document a schema stands under a `schema` key (a parameter's, a header's, a media
  // type's); a path item's or a response's `$ref` is no schema and is left to the parser.
  const document = (node: unknown): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return
    seen.add(node)
    for (const [key, value] of Object.entries(node)) {
      if (key === 'schema') schema(value)
      else document(value)
    }
  }
  const components = isObject(raw.components) ? raw.components : undefined
  if (components && isObject(components.schemas)) for (const part of Object.values(components.schemas)) schema(part)
  document(raw)
}
