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
    const values = parameterValues(parameters, variant === 'max' ? maxValuesWithinRoom(parameters, doc) : (p) => valueAt(p, variant, doc))
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
 * The room a `max` variant's parameters have, all of a place's together: the query within 8 KB of the URL
 * (proxies refuse longer ones with 414), the headers and cookies within 4 KB (Node refuses a request head
 * over 16 KB with 431, the config's own headers and the URL included). A list of 20 items each 10,000
 * characters long went over both, and the server's HTTP layer answered before the API saw the request.
 */
const ROOM: readonly [place: 'query' | 'head', bytes: number][] = [
  ['query', 8 * 1024],
  ['head', 4 * 1024],
]

/**
 * Each parameter at its highest (see valueAt), those of a place that goes over its ROOM cut to an even
 * share of it: the ones over their share, shorter items first (a list keeps its `maxItems`, its bound),
 * then fewer items where the items cannot be shorter. One within its share is sent as it was, and so is a
 * document's `example` (no schema to sample again from).
 */
function maxValuesWithinRoom(parameters: readonly Parameter[], doc: OpenApiDocument): (p: Parameter) => unknown {
  const values = new Map(parameters.map((p) => [p, valueAt(p, 'max', doc)]))
  const sizeOf = (p: Parameter) => writtenSize(p, values.get(p))
  for (const [place, room] of ROOM) {
    const here = parameters.filter((p) => (p.in === 'query' ? 'query' : 'head') === place)
    if (here.reduce((n, p) => n + sizeOf(p), 0) <= room) continue
    const share = Math.floor(room / here.length)
    for (const p of here) if (p.schema && sizeOf(p) > share) values.set(p, cutTo(p, values.get(p), share, doc))
  }
  return (p) => values.get(p)
}

/** The bytes a parameter's value takes where it is sent: each `name=value&` of the query, `name: value` and its line end, `name=value; ` of the Cookie header. */
function writtenSize(p: Parameter, value: unknown): number {
  if (value === undefined || value === null) return 0
  const gap = p.in === 'header' ? 4 : 2
  const encode = p.in === 'header' ? (text: string) => text : encodeURIComponent
  return parameterPairs(p, value).reduce((n, [name, text]) => n + encode(name).length + encode(text).length + gap, 0)
}

/**
 * The parameter at its highest within `room` bytes: sampled again at `max` under a `maxLength` (of the
 * string, or of each item) lowered by the share it is over, then, where the items cannot be shorter
 * (numbers, an enum, a `minLength`, one character each), under a `maxItems` lowered too; the typical
 * value where nothing lower fits.
 */
function cutTo(p: Parameter, value: unknown, room: number, doc: OpenApiDocument): unknown {
  const list = Array.isArray(value)
  let items = Array.isArray(value) ? value.length : 1
  let longest = longestText(value)
  let lengthCap: number | undefined
  let canShorten = true
  let size = writtenSize(p, value)
  for (let tries = 0; tries < 16 && size > room; tries++) {
    const shorter = Math.floor((longest * room) / size)
    const shortening = canShorten && shorter >= 1 && shorter < longest
    if (!shortening && !(list && items > 1)) break
    const maxLength = shortening ? shorter : lengthCap
    const maxItems = shortening ? items : Math.min(items - 1, Math.max(1, Math.floor((items * room) / size)))
    const cap = { ...(list ? { maxItems } : {}), ...(maxLength === undefined ? {} : list ? { items: { maxLength } } : { maxLength }) }
    const next = parameterAtBound(p.name, { allOf: [p.schema, cap] }, typicalParameter(p, doc), 'max', doc)
    const nextSize = writtenSize(p, next)
    if (nextSize < size) [value, size, items, longest, lengthCap] = [next, nextSize, maxItems, longestText(next), maxLength]
    else if (shortening) canShorten = false
    else break
  }
  return size <= room ? value : typicalParameter(p, doc)
}

/** The length of the longest item of a list as sent, of a value's text otherwise. */
function longestText(value: unknown): number {
  return Math.max(0, ...(Array.isArray(value) ? value : [value]).map((v) => valueText(v).length))
}

/**
 * A parameter as OpenAPI's `style` and `explode` write it: a list in the query as `form` does by default
 * (`explode` true: one pair per item, `?tag=a&tag=b`), else joined as its style says (`form` or
 * `explode: false`: `?tag=a,b`; `spaceDelimited`, `pipeDelimited`); an empty list as the name with no
 * value (`?tag=`). A list in a header (`simple`) or a cookie is joined with commas. Sent as JSON text, a
 * list was one value no server reads as a list (`?tag=["a","b"]`), and every list the API took was one
 * the exploration never sent. An object (or an object item) is sent as its JSON text, as it was.
 * `venomqa generate` writes a journey's required parameters with it too, so both send a list alike.
 */
export function parameterPairs(p: Parameter, value: unknown): [string, string][] {
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
