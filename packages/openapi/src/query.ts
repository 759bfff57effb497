import type { OpenApiDocument } from './document'
import type { Operation, Parameter } from './operations'
import { parameterAtBound, parameterValue } from './sample'

/**
 * How an operation's parameters are sent when it has optional query, header or cookie parameters: one
 * input for each variant, which sends every such parameter, the optional ones too, at its typical value
 * (`typical`), at its lowest (`min`: `limit=0`, `X-Page-Size: 0`, an enum's first value, a list of
 * `minItems`) or at its highest (`max`: `page=1000`, an enum's last, a list of `maxItems` each at its
 * own highest). An input with none sends the required parameters only, at their typical values. The
 * input keeps the name `query` it had when only query parameters were varied.
 */
export type QueryVariant = 'typical' | 'min' | 'max'

/** The parameters one input sends, each written as its place and style say (see parameterPairs). */
export interface ParameterValues {
  /** The query's `name=value` pairs in order: a list exploded into one pair per item repeats its name. */
  query: [string, string][]
  headers: Record<string, string>
  /** Each cookie's name and value, sent together in one `Cookie` header. */
  cookies: [string, string][]
}

/** The values of one QueryVariant. */
export interface ParameterVariant extends ParameterValues {
  variant: QueryVariant
}

const QUERY_VARIANTS: readonly QueryVariant[] = ['typical', 'min', 'max']

/** The places of the parameters an input sends by their values; a path's are filled from the context. */
const SENT_IN: ReadonlySet<Parameter['in']> = new Set(['query', 'header', 'cookie'])

/**
 * The parameter values of QueryVariant for an operation, none for one with no optional query, header or
 * cookie parameter (its required ones are sent by every input). A bound that changes nothing (a boolean,
 * a parameter of no bounds) gives the typical values again, which are not sent twice: at most three inputs
 * more per operation, however many such parameters it has and wherever they are sent.
 */
export function parameterVariants(op: Operation, doc: OpenApiDocument): ParameterVariant[] {
  const parameters = op.parameters.filter((p) => SENT_IN.has(p.in))
  if (!parameters.some((p) => !p.required)) return []
  const out: ParameterVariant[] = []
  const seen = new Set<string>()
  for (const variant of QUERY_VARIANTS) {
    const values = parameterValues(parameters, (p) => valueAt(p, variant, doc))
    const key = JSON.stringify(values)
    if (seen.has(key) || !(values.query.length || values.cookies.length || Object.keys(values.headers).length)) continue
    seen.add(key)
    out.push({ variant, ...values })
  }
  return out
}

/** What an input with no QueryVariant sends: the required query, header and cookie parameters at their typical values. */
export function requiredParameters(op: Operation, doc: OpenApiDocument): ParameterValues {
  return parameterValues(
    op.parameters.filter((p) => p.required && SENT_IN.has(p.in)),
    (p) => typicalParameter(p, doc),
  )
}

/** The parameters with their values, each written as its place and style say; one with no value is not sent. */
function parameterValues(parameters: readonly Parameter[], valueFor: (p: Parameter) => unknown): ParameterValues {
  const out: ParameterValues = { query: [], headers: {}, cookies: [] }
  for (const p of parameters) {
    const value = valueFor(p)
    if (value === undefined || value === null) continue
    const pairs = parameterPairs(p, value)
    if (p.in === 'query') out.query.push(...pairs)
    else if (p.in === 'cookie') out.cookies.push(...pairs)
    else for (const [name, text] of pairs) out.headers[name] = text
  }
  return out
}

/** A query, header or cookie parameter's typical value: the document's example, else one sampled from its schema. */
export function typicalParameter(p: Parameter, doc: OpenApiDocument): unknown {
  return p.example ?? (p.schema && SENT_IN.has(p.in) ? parameterValue(p.name, p.in as 'query' | 'header' | 'cookie', p.schema, doc) : undefined)
}

function valueAt(p: Parameter, variant: QueryVariant, doc: OpenApiDocument): unknown {
  const typical = typicalParameter(p, doc)
  return variant === 'typical' || !p.schema ? typical : parameterAtBound(p.name, p.schema, typical, variant, doc)
}

/**
 * A parameter as OpenAPI's `style` and `explode` write it: a list in the query as `form` does by default
 * (`explode` true: one pair per item, `?tag=a&tag=b`), else joined as its style says (`form` or
 * `explode: false`: `?tag=a,b`; `spaceDelimited`, `pipeDelimited`); an empty list as the name with no
 * value (`?tag=`). A list in a header (`simple`) or a cookie is joined with commas. Sent as JSON text, a
 * list was one value no server reads as a list (`?tag=["a","b"]`), and every list the API took was one
 * the exploration never sent. An object (or an object item) is sent as its JSON text, as it was.
 */
function parameterPairs(p: Parameter, value: unknown): [string, string][] {
  if (!Array.isArray(value)) return [[p.name, valueText(value)]]
  const items = value.map(valueText)
  if (p.in !== 'query') return [[p.name, items.join(',')]]
  const style = p.style ?? 'form'
  if ((p.explode ?? style === 'form') && items.length) return items.map((item) => [p.name, item])
  return [[p.name, items.join(style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ',')]]
}

function valueText(value: unknown): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}
