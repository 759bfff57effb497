import {
  collectionSize,
  type ActionSource,
  type ExploreAction,
  type ExploreActionArgs,
  type HttpMethod,
  type ReadonlyContext,
  type RequestOptions,
  type StateView,
  action,
  noteProvenance,
  plural,
} from '@venomqa/core'
import { SLOTS, slotKey } from './bindings'
import { type Model, type OpenApiOptions, loadModel, requestBodyPointer } from './model'
import { bodyOptions } from './body'
import { discriminatorOf } from './discriminator'
import { type Operation, basePathOf, describeOperation, successSchemas } from './operations'
import { type JsonSchema, resolveSchema } from './document'
import { type ParameterValues, type QueryVariant, parameterVariants, requiredParameters } from './query'
import { type BodyVariant, type SampledBody, propertiesOf, sampledBodies } from './sample'

/**
 * The input of an OpenAPI action: which sampled body to send, and for a path parameter with more than
 * one resource in the context, which one (`another`: the second of its kind; default the first).
 */
export interface OpenApiInput {
  body?: BodyVariant
  another?: string[]
  /**
   * Every query, header and cookie parameter, the optional ones too, at its typical value or a bound (see
   * QueryVariant); without it, the required ones only.
   */
  query?: QueryVariant
}

/** Actions from an OpenAPI document: one per operation (after include / exclude; the auth operations are the setup's). */
export function openApiActions(source: string, options: OpenApiOptions = {}): ActionSource {
  return {
    kind: 'action-source',
    name: `openapi:${source}`,
    async load(env) {
      const model = await loadModel(source, options, env.root)
      return model.selected.flatMap((op) => {
        const { bodies, note } = bodiesOf(model, op)
        if (note) tellOnce(model, note, env.warn)
        return bodies ? [operationAction(model, op, bodies)] : []
      })
    },
  }
}

/** What each model has told already: the CLI loads the sources before the search, and the engine again. */
const told = new WeakMap<Model, Set<string>>()

function tellOnce(model: Model, message: string, warn: ((message: string) => void) | undefined): void {
  if (!warn) return
  const said = told.get(model) ?? new Set<string>()
  told.set(model, said)
  if (said.has(message)) return
  said.add(message)
  warn(message)
}

/**
 * The bodies an operation is sent with, or none for one not explored: where the schema refuses the typical
 * body the sampler made (see SampledBodies), and no other body is a valid request (see `accepted`: an
 * `empty` the schema refuses, a `no-body` where the document requires a body), every request the
 * operation could send is one the document forbids. Such an operation was sent all the same, its typical body as if valid: each request was refused,
 * counted as the API keeping its rules, nothing after it was explored, and the run passed. Now it is left
 * out, and `note` says so, naming the operation, the schema's place and the check that failed; a typical
 * body refused beside bodies the schema accepts is said too, as those are sent in its place.
 */
function bodiesOf(model: Model, op: Operation): { bodies: SampledBody[] | undefined; note?: string } {
  if (!op.requestBody) return { bodies: [] }
  const { bodies, refused, accepted = [] } = sampledBodies(op.requestBody.schema, model.doc, { optional: !op.requestBody.required })
  if (refused === undefined) return { bodies }
  const what = `${describeOperation(op)}: the request body the sampler made does not meet its schema at ${model.source}#${requestBodyPointer(op)} (${refused})`
  const fix = 'give the request body an `example` the schema accepts, or exclude the operation (openapi.exclude)'
  if (!accepted.length) return { bodies: undefined, note: `${what}, and no other body it made does: the operation is not explored. To explore it, ${fix}` }
  return { bodies, note: `${what}: it is not sent, and the operation is explored with the ${plural(accepted.length, 'body', 'bodies')} the schema accepts (${accepted.join(', ')}). To send a typical one, ${fix}` }
}

/** The context key holding the size of a collection just before a create on it (for no_leak_on_failed_create). */
export function listedBeforeKey(listPath: string): string {
  return `listed before POST ${listPath}`
}

/** The list operation of the collection a POST creates in: a GET on the same path. */
export function listOperationOf(model: Model, op: Operation): Operation | undefined {
  if (op.method !== 'POST') return undefined
  return model.all.find((o) => o.method === 'GET' && o.path === op.path)
}

/** `bodies`: see bodiesOf. A body the document does not require is also sent as none (`no-body`): an API may fail without one. */
function operationAction(model: Model, op: Operation, bodies: readonly SampledBody[]): ExploreAction<OpenApiInput> {
  const consumer = model.bindings.consumers.find((c) => c.op === op)
  const keys = consumer?.keys ?? {}
  const bodyIds = bodyIdsOf(model, op)
  const list = listOperationOf(model, op)
  const kindProperty = op.method === 'GET' ? undefined : discriminatorPropertyOf(model, op)
  const resource = list ? undefined : resourceOf(op, keys)
  const stateProperties = resource === undefined ? [] : statePropertiesOf(model, op)
  const queries = parameterVariants(op, model.doc)
  const required = requiredParameters(op, model.doc)
  return action<OpenApiInput>(
    op.id,
    async ({ http, ctx, input }: ExploreActionArgs<OpenApiInput>) => {
      const path = fillPath(op.path, keys, ctx, input?.another ?? [])
      if (list) {
        // The collection as it was: a failed create must leave it so. Kept as text, so that no id of a response
        // is mistaken for it; as `plural(size, 'item')`, which a regression journey counts again from its own answer.
        const before = await http.get(path)
        const size = collectionSize(before.status < 300 ? safeJson(before.bodyText) : undefined)
        if (size !== undefined) ctx.set(listedBeforeKey(op.path), plural(size, 'item'))
      }
      const variant = input?.body ?? 'sample'
      const { body, fromContext } = withIds(bodies.find((b) => b.variant === variant)?.body, bodyIds, ctx, input?.another ?? [])
      const parameters = (input?.query && queries.find((q) => q.variant === input.query)) || required
      const options = await requestOptions(op, body, model, parameters)
      // Said of every attempt the client records, a retry's too: which body values came from the context.
      // The rest were sampled, and a regression journey sends them as they were (see noteProvenance). A
      // stand-in client (a test's) may keep no history: then nothing is said.
      const recorded = http.history?.length ?? 0
      let res: Awaited<ReturnType<typeof http.request>>
      try {
        res = await http.request(op.method as HttpMethod, withRepeatedQuery(path, parameters), options)
      } finally {
        for (const exchange of http.history?.slice(recorded) ?? []) noteProvenance(exchange, { bodyFromContext: fromContext })
      }
      if (res.status >= 200 && res.status < 300) {
        remember(model, op, ctx, safeJson(res.bodyText), res.headers.location, basePathOf(http.baseUrl))
        if (kindProperty) noteKindMade(op, kindProperty, body, ctx)
        if (resource !== undefined) noteStateLeft(slotKey(resource, input?.another?.includes(resource) ? 2 : 1), op.id, stateProperties, safeJson(res.bodyText), ctx)
      }
      return res
    },
    {
      description: `${describeOperation(op)}${op.summary ? `: ${op.summary}` : ''}`,
      when: (view) => Object.values(keys).every((key) => view.ctx.has(slotKey(key, 1))),
      inputs: (view) =>
        inputsOf(
          bodies.map((b) => b.variant),
          queries.map((q) => q.variant),
          [...Object.values(keys), ...[...bodyIds.values()].map((b) => b.key)],
          view,
        ),
    },
  )
}

/**
 * The property whose value tells which alternative of the request body's top-level `oneOf` or `anyOf` a
 * body is (its `discriminator`); undefined for a body with none.
 */
function discriminatorPropertyOf(model: Model, op: Operation): string | undefined {
  const schema = op.requestBody?.schema && resolveSchema(op.requestBody.schema, model.doc)
  if (!schema || typeof schema !== 'object') return undefined
  const keyword = Array.isArray(schema.oneOf) ? 'oneOf' : Array.isArray(schema.anyOf) ? 'anyOf' : undefined
  return keyword ? discriminatorOf(schema, keyword, model.doc)?.propertyName : undefined
}

/** The context key that says a write the API accepted made a `kind` of its body (`addItem made kind=link`). */
export function kindMadeKey(op: Operation, property: string, value: string): string {
  return `${op.id} made ${property}=${value}`
}

/**
 * The binding key of the one resource a write changes: its path's last parameter, with at most one segment
 * after it (`PATCH /pets/{petId}`, `POST /pets/{petId}/adopt`); none for a read, a create at the top, or a
 * path that goes on past the parameter into a collection (`/pets/{petId}/photos/{photoId}/tags`).
 */
function resourceOf(op: Operation, keys: Record<string, string>): string | undefined {
  if (op.method === 'GET') return undefined
  const segments = op.path.split('/')
  const at = segments.findLastIndex((s) => /^\{[^}]+\}$/.test(s))
  if (at < 0 || segments.length - at > 2) return undefined
  return keys[segments[at]!.slice(1, -1)]
}

/**
 * The properties of a write's answer that say which state its resource is in: an enum at the top level of
 * a 2xx response's schema (`status: available | adopted`).
 */
function statePropertiesOf(model: Model, op: Operation): string[] {
  const names = successSchemas(op).flatMap(({ schema }) =>
    Object.entries(propertiesOf(schema, model.doc))
      .filter(([, property]) => Array.isArray(resolveSchema(property, model.doc)?.enum))
      .map(([name]) => name),
  )
  return [...new Set(names)]
}

/** The context key that says which state a resource was left in by the last write the API accepted on it (`petId is status=available`). */
export function stateLeftKey(resource: string, property: string, value: string): string {
  return `${resource} is ${property}=${value}`
}

/**
 * Says in the context which state the last accepted write on a resource left it in. A change of state is an
 * UPDATE: no row count moves, so the state after a pet's return was merged into the one after its
 * adoption, never searched on, and a bug only a second adoption reaches (a 500) went unfound by a run that
 * passed. The latest answer that says a property wins: what an earlier write said of that property is
 * dropped (one note per write ever made merged a pet returned, adopted and returned again with the pet
 * returned once). A write whose answer does not say it (an adoption answering its own id, a checkup) keeps
 * what was noted, and says it was written since (`petId is status=available (then adoptPet)`): dropped, the
 * state after a return and a checkup was merged into the one of a pet checked up and adopted (the same rows,
 * no note), never searched on, and a bug only an adoption after them reaches went unfound; kept as it was,
 * the pet adopted again after its return was the pet returned. Only the latest such write is said.
 * `resource`: the context key of the resource's id (its slot, see slotKey); `writer`: the operation.
 */
function noteStateLeft(resource: string, writer: string, properties: readonly string[], answer: unknown, ctx: ExploreActionArgs['ctx']): void {
  const said = new Set<string>()
  if (answer && typeof answer === 'object' && !Array.isArray(answer))
    for (const property of properties) {
      const value = (answer as Record<string, unknown>)[property]
      if (typeof value !== 'string' && typeof value !== 'number') continue
      said.add(property)
      const prefix = stateLeftKey(resource, property, '')
      for (const key of ctx.keys()) if (key.startsWith(prefix)) ctx.delete(key)
      ctx.set(stateLeftKey(resource, property, String(value)), true)
    }
  const prefix = stateLeftKey(resource, '', '').slice(0, -1)
  for (const key of ctx.keys()) {
    if (!key.startsWith(prefix)) continue
    const note = key.replace(WRITTEN_SINCE, '')
    if (said.has(note.slice(prefix.length, note.indexOf('=', prefix.length)))) continue
    ctx.delete(key)
    ctx.set(`${note} (then ${writer})`, true)
  }
}

/** What noteStateLeft adds to a state noted as left when a later write's answer did not say it: `(then adoptPet)`. */
const WRITTEN_SINCE = / \(then [^()]*\)$/

/**
 * Says in the context which kind an accepted write made. States are told apart by row counts and the
 * context's keys: a note added and a link added are one more row each, so the two states were merged, the
 * one reached second never searched on, and a bug only a link leads to (a project that has one answered
 * without a property it requires) went unfound by a run that passed. The key makes them two states.
 */
function noteKindMade(op: Operation, property: string, body: unknown, ctx: ExploreActionArgs['ctx']): void {
  const value = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[property] : undefined
  if (typeof value === 'string' || typeof value === 'number') ctx.set(kindMadeKey(op, property, String(value)), true)
}

/**
 * Each body variant with the first resource of every kind; the typical body also with each query string
 * (see QueryVariant), and with each other resource (the same resource again, or another one).
 */
function inputsOf(variants: BodyVariant[], queries: QueryVariant[], keys: readonly string[], view: StateView): OpenApiInput[] {
  const bodies = variants.length ? variants : [undefined]
  const inputs: OpenApiInput[] = bodies.map((body) => (body ? { body } : {}))
  for (const query of queries) inputs.push({ ...(bodies[0] ? { body: bodies[0] } : {}), query })
  for (const key of new Set(keys))
    if (view.ctx.has(slotKey(key, 2))) inputs.push({ ...(bodies[0] ? { body: bodies[0] } : {}), another: [key] })
  return inputs
}

/** A top-level property of a request body that names a resource by the id a path parameter takes (`bookId`, `book_id`). */
interface BodyId {
  key: string
  /** Sent as a number when the context holds the id as text (from a Location) and the schema wants one. */
  numeric: boolean
}

/**
 * The properties of the operation's JSON-like body whose names are a binding key's (`bookId`), written
 * any way (`book_id`, `BookID`): each is sent the id the context holds, as a path parameter is. A sampled
 * id is the schema's `1`, whatever the run made: on a database whose sequences had moved on, every such
 * request was refused, and nothing behind it was explored.
 */
function bodyIdsOf(model: Model, op: Operation): Map<string, BodyId> {
  const out = new Map<string, BodyId>()
  const schema = op.requestBody?.schema
  if (!schema) return out
  const byBare = new Map<string, string>()
  for (const consumer of model.bindings.consumers) for (const key of Object.values(consumer.keys)) if (!byBare.has(bare(key))) byBare.set(bare(key), key)
  for (const [name, property] of Object.entries(propertiesOf(schema, model.doc))) {
    const key = byBare.get(bare(name))
    // Only a reference by id: a path's `{username}` or `{slug}` is also a key, and a create sent the first
    // user's name again as the new user's (refused as taken, no second user was ever made).
    if (!key || !ID_KEY.test(key)) continue
    const type = (resolveSchema(property as JsonSchema, model.doc) as { type?: unknown } | undefined)?.type
    const types = Array.isArray(type) ? type : [type]
    out.set(name, { key, numeric: types.includes('integer') || types.includes('number') })
  }
  return out
}

/** A key that names a resource by its id: `bookId`, `bookID`, `book_id`, `orderUuid`, `id`; not `username`, nor `paid`. */
const ID_KEY = /(?:Id|ID|Uuid|UUID|[_-](?:id|uuid)|^(?:id|uuid))$/

function bare(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '')
}

/**
 * The body with each id property the context holds a value for sent that value (the second of its kind
 * under `another`), and which properties those are, with the key each was read from: every other value
 * of the body is sampled.
 */
function withIds(body: unknown, ids: ReadonlyMap<string, BodyId>, ctx: ReadonlyContext, another: readonly string[]): { body: unknown; fromContext: Record<string, string> } {
  const fromContext: Record<string, string> = {}
  if (!ids.size || !body || typeof body !== 'object' || Array.isArray(body)) return { body, fromContext }
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) }
  for (const [name, { key, numeric }] of ids) {
    const slot = slotKey(key, another.includes(key) ? 2 : 1)
    if (!Object.hasOwn(out, name) || !ctx.has(slot)) continue
    const value = ctx.get(slot)
    out[name] = numeric && typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value
    fromContext[name] = slot
  }
  return { body: out, fromContext }
}

function fillPath(template: string, keys: Record<string, string>, ctx: ReadonlyContext & { require<T>(key: string): T }, another: readonly string[]): string {
  return template.replace(/\{([^}]+)\}/g, (_, param: string) => {
    const key = keys[param]!
    return encodeURIComponent(String(ctx.require(slotKey(key, another.includes(key) ? 2 : 1))))
  })
}

/**
 * `parameters`: the input's (see QueryVariant), else the required ones. A query whose names are each
 * sent once goes as the client's `query` (a regression journey's `query:`); cookies as one `Cookie` header.
 */
async function requestOptions(op: Operation, body: unknown, model: Model, parameters: ParameterValues): Promise<RequestOptions> {
  const headers: Record<string, string> = { ...parameters.headers }
  if (parameters.cookies.length) headers.Cookie = parameters.cookies.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ')
  const options = await bodyOptions(op, body, model.doc)
  Object.assign(headers, options.headers)
  if (parameters.query.length && !repeatsName(parameters)) options.query = Object.fromEntries(parameters.query)
  if (Object.keys(headers).length) options.headers = headers
  return options
}

/** The path with the query written on it where a name repeats (`?tag=a&tag=b`), which the client's `query` (one value a name) cannot hold. */
function withRepeatedQuery(path: string, parameters: ParameterValues): string {
  return repeatsName(parameters) ? `${path}?${new URLSearchParams(parameters.query).toString()}` : path
}

function repeatsName({ query }: ParameterValues): boolean {
  return new Set(query.map(([name]) => name)).size < query.length
}

/** Ids from a 2xx response go to the first free slot of their kind; one already held is not taken twice. */
function remember(model: Model, op: Operation, ctx: ExploreActionArgs['ctx'], body: unknown, location: string | undefined, base: string): void {
  for (const [key, value] of model.bindings.valuesFrom(op, body, location, base)) {
    const slots = Array.from({ length: SLOTS }, (_, i) => slotKey(key, i + 1))
    if (slots.some((s) => ctx.get(s) === value)) continue
    ctx.set(slots.find((s) => !ctx.has(s)) ?? slots[SLOTS - 1]!, value)
  }
}

export function safeJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined
  } catch {
    return undefined
  }
}
