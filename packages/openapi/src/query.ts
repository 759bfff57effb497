import type { OpenApiDocument } from './document'
import type { Operation, Parameter } from './operations'
import { parameterAtBound, parameterValue } from './sample'

/**
 * How an operation's query string is made when it has optional query parameters, each an input of its own:
 * every query parameter, the optional ones too, at its typical value (`typical`), at its lowest (`min`:
 * `limit=0`, an enum's first value) or at its highest (`max`: `page=1000`, an enum's last). An input with none
 * sends the required parameters only, at their typical values.
 */
export type QueryVariant = 'typical' | 'min' | 'max'

export type QueryValue = string | number | boolean

export interface QueryString {
  variant: QueryVariant
  query: Record<string, QueryValue>
}

const QUERY_VARIANTS: readonly QueryVariant[] = ['typical', 'min', 'max']

/**
 * The query strings of QueryVariant for an operation, none for one with no optional query parameter (its
 * required ones are sent by every input). A bound that changes nothing (a boolean, a parameter of no bounds)
 * gives the typical query again, which is not sent twice: at most three inputs more per operation.
 */
export function queryStrings(op: Operation, doc: OpenApiDocument): QueryString[] {
  const parameters = op.parameters.filter((p) => p.in === 'query')
  if (!parameters.some((p) => !p.required)) return []
  const out: QueryString[] = []
  const seen = new Set<string>()
  for (const variant of QUERY_VARIANTS) {
    const query: Record<string, QueryValue> = {}
    for (const p of parameters) {
      const value = valueAt(p, variant, doc)
      if (value !== undefined && value !== null) query[p.name] = queryText(value)
    }
    const key = JSON.stringify(query)
    if (seen.has(key) || !Object.keys(query).length) continue
    seen.add(key)
    out.push({ variant, query })
  }
  return out
}

/** A query or header parameter's typical value: the document's example, else one sampled from its schema. */
export function typicalParameter(p: Parameter, doc: OpenApiDocument): unknown {
  return p.example ?? (p.schema && (p.in === 'query' || p.in === 'header') ? parameterValue(p.name, p.in, p.schema, doc) : undefined)
}

function valueAt(p: Parameter, variant: QueryVariant, doc: OpenApiDocument): unknown {
  const typical = typicalParameter(p, doc)
  return variant === 'typical' || !p.schema ? typical : parameterAtBound(p.name, p.schema, typical, variant, doc)
}

/** A value as a query string holds it: a list or an object as its JSON. */
export function queryText(value: unknown): QueryValue {
  return typeof value === 'object' ? JSON.stringify(value) : (value as QueryValue)
}
