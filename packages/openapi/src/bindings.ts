import type { JsonSchema, OpenApiDocument } from './document'
import { pointerTo, resolvePointer, resolveSchema } from './document'
import { type Operation, linkPointerNames, matchPath, pathParameters, relativePath, successSchemas } from './operations'

/**
 * Where path parameters get their values: from earlier responses. Each kind of id has a context key
 * (`productId`) and a second slot (`productId_2`), so that an action can target the same resource again
 * or another one; the emitted journey sees the ids flow from responses through these keys.
 */

/** How many resources of a kind are kept. */
export const SLOTS = 2

/** The context key of slot `n` (1-based) of a kind. */
export function slotKey(key: string, n: number): string {
  return n === 1 ? key : `${key}_${n}`
}

/** The context key of a path parameter of an operation: its name, or `<resource>Id` for a bare `{id}`. */
export function keyOf(op: Operation, param: string): string {
  if (!/^(id|uuid|key|name)$/i.test(param)) return param
  const segments = op.path.split('/')
  const at = segments.indexOf(`{${param}}`)
  const resource = at > 0 ? segments[at - 1]!.replace(/[^A-Za-z0-9]/g, '') : ''
  return resource ? `${singular(resource)}${param[0]!.toUpperCase()}${param.slice(1)}` : param
}

function singular(word: string): string {
  if (/ies$/.test(word)) return `${word.slice(0, -3)}y`
  if (/(ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2)
  return word.replace(/s$/, '')
}

/** A value an operation's 2xx response gives to a key: at a JSON pointer of its body, as resolvePointer reads one (see pointerTo). */
export interface Producer {
  key: string
  pointer: string
  /** Which rule found it, for the order of preference: links, then id properties. */
  from: 'link' | 'property'
}

export class Bindings {
  /** By operation id. */
  readonly producers = new Map<string, Producer[]>()
  /** Every operation with path parameters: the keys of its parameters. */
  readonly consumers: { op: Operation; keys: Record<string, string> }[] = []

  constructor(ops: readonly Operation[], doc: OpenApiDocument) {
    const names = componentNames(doc)
    const byId = new Map(ops.map((o) => [o.operationId ?? o.id, o]))
    for (const op of ops) {
      const params = pathParameters(op)
      if (params.length) this.consumers.push({ op, keys: Object.fromEntries(params.map((p) => [p, keyOf(op, p)])) })
    }
    for (const op of ops) {
      const found: Producer[] = []
      for (const response of Object.entries(op.responses).filter(([s]) => /^2/.test(s)).map(([, r]) => r))
        for (const link of response.links) {
          const target = byId.get(link.operationId)
          if (!target) continue
          for (const [param, expression] of Object.entries(link.parameters)) {
            // Read as RFC 6901 writes it (linkPointerNames), then written as resolvePointer reads one.
            const names = linkPointerNames(expression)
            if (names !== undefined) found.push({ key: keyOf(target, param), pointer: pointerTo(...names), from: 'link' })
          }
        }
      const linked = new Set(found.map((p) => p.key))
      for (const { schema } of successSchemas(op)) found.push(...this.#byProperty(op, resolveSchema(schema, doc), names, linked))
      this.producers.set(op.id, dedupe(found))
    }
  }

  /** `productId` in the body, or `id` of a Product response (or of the collection the parameter's path is under). */
  #byProperty(op: Operation, schema: JsonSchema, names: Map<object, string>, linked: ReadonlySet<string>): Producer[] {
    const properties = (schema?.properties ?? {}) as Record<string, unknown>
    const out: Producer[] = []
    for (const { op: target, keys } of this.consumers)
      for (const [param, key] of Object.entries(keys)) {
        if (linked.has(key)) continue
        if (param !== 'id' && Object.hasOwn(properties, param)) out.push({ key, pointer: pointerTo(param), from: 'property' })
        else if (Object.hasOwn(properties, 'id')) {
          const name = names.get(schema)?.toLowerCase()
          const named = name !== undefined && (`${name}id` === key.toLowerCase() || `${name}id` === param.toLowerCase())
          const collection = target.path.startsWith(`${op.path}/{${param}}`)
          if (named || collection) out.push({ key, pointer: '/id', from: 'property' })
        }
      }
    return out
  }

  /**
   * Values for keys from a 2xx response: its producers first, then the Location header. `base` is the base
   * URL's path (`/api/v1`): the document's paths are relative to it, and a Location names the whole path.
   */
  valuesFrom(op: Operation, body: unknown, location: string | undefined, base = ''): Map<string, string | number> {
    const out = new Map<string, string | number>()
    for (const p of this.producers.get(op.id) ?? []) {
      const value = resolvePointer(body, p.pointer)
      if (!out.has(p.key) && (typeof value === 'string' || typeof value === 'number')) out.set(p.key, value)
    }
    if (location) {
      const where = relativePath(location.replace(/^https?:\/\/[^/]+/, '').split(/[?#]/)[0]!, base)
      for (const { op: target, keys } of this.consumers) {
        const params = matchPath(target.path, where)
        if (params) for (const [param, value] of Object.entries(params)) if (!out.has(keys[param]!)) out.set(keys[param]!, value)
      }
    }
    return out
  }
}

/** Component schemas by identity (dereferencing keeps one object per component): `Product` for the schema of a product. */
function componentNames(doc: OpenApiDocument): Map<object, string> {
  return new Map(Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => [schema as object, name]))
}

function dedupe(producers: Producer[]): Producer[] {
  const seen = new Set<string>()
  return producers.filter((p) => !seen.has(`${p.key} ${p.pointer}`) && seen.add(`${p.key} ${p.pointer}`))
}
