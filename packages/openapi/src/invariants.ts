import { type Invariant, type InvariantArgs, type InvariantSource, type ResponseView, collectionSize, invariant, plural } from '@venomqa/core'
import { listOperationOf, listedBeforeKey, safeJson } from './actions'
import { type Model, type OpenApiOptions, loadModel } from './model'
import { type Operation, basePathOf, describeOperation, isJson, matchPath, relativePath, responseFor } from './operations'

/** The invariants an OpenAPI document implies, by name. */
export const OPENAPI_INVARIANTS = ['status_documented', 'response_schema', 'content_type', 'use_after_free', 'no_leak_on_failed_create'] as const

/**
 * Invariants from an OpenAPI document: every response has a documented status, matches its schema and
 * has a documented content type; after a 2xx DELETE of X, every operation that reads X answers 404 or
 * 410 (probed); a 4xx create leaves its collection as it was (probed through the list operation). They
 * judge the actions of the document's operations (by name); hand-written actions are left alone.
 */
export function openApiInvariants(source: string, options: OpenApiOptions = {}): InvariantSource {
  return {
    kind: 'invariant-source',
    name: `openapi:${source}`,
    async load(env) {
      const model = await loadModel(source, options, env.root)
      // A response view carries the full request URL but not the base URL it was sent to: kept from here.
      const base = basePathOf(env.baseUrl)
      return [statusDocumented(model, base), responseSchema(model, base), contentType(model, base), useAfterFree(model), noLeakOnFailedCreate(model)]
    },
  }
}

/**
 * The operation an action was built for, judged on the request it actually sent. The document's paths
 * are relative to the base URL (the actions request `op.path` from it), so a base URL with a path of
 * its own (`http://host/api/v1`) is taken off the request's path before matching: without that, no
 * request under `/api/v1` matched its template and every invariant held without judging anything.
 */
function operationOf(model: Model, base: string, actionName: string, method: string | undefined, url: string | undefined): Operation | undefined {
  const op = model.byId.get(actionName)
  if (!op || (method && method.toUpperCase() !== op.method)) return undefined
  if (url && !matchPath(op.path, relativePath(pathOf(url), base))) return undefined
  return op
}

function pathOf(url: string): string {
  return new URL(url, 'http://x').pathname
}

function judged(model: Model, base: string, res: ResponseView): Operation | undefined {
  return operationOf(model, base, res.action, res.request?.method, res.request?.url)
}

function statusDocumented(model: Model, base: string): Invariant {
  return invariant.response('status_documented', (res) => {
    const op = judged(model, base, res)
    if (!op || responseFor(op, res.status)) return
    return `${describeOperation(op)} answered ${res.status}, which the document does not list (it lists ${Object.keys(op.responses).join(', ') || 'none'})`
  }, { description: 'every response has a status the document lists for its operation' })
}

function responseSchema(model: Model, base: string): Invariant {
  return invariant.response('response_schema', (res) => {
    const op = judged(model, base, res)
    const documented = op && responseFor(op, res.status)
    if (!op || !documented || !res.text) return
    const type = mediaType(res.headers)
    const entry = Object.entries(documented.spec.content).find(([t]) => mediaType({ 'content-type': t }) === type) ?? Object.entries(documented.spec.content).find(([t]) => isJson(t))
    const schema = entry?.[1]
    if (!schema || !isJson(entry[0])) return
    const body = safeJson(res.text)
    if (body === undefined) return `${describeOperation(op)} answered ${res.status} with a body that is not JSON, where the document gives a JSON schema`
    const error = model.schemas.check(schema, body)
    if (error) return `${describeOperation(op)} answered ${res.status} with a body that does not match its schema: ${error}`
  }, { description: 'every response body matches the schema the document gives for its operation and status' })
}

function contentType(model: Model, base: string): Invariant {
  return invariant.response('content_type', (res) => {
    const op = judged(model, base, res)
    const documented = op && responseFor(op, res.status)
    if (!op || !documented || !res.text) return
    const types = Object.keys(documented.spec.content)
    if (!types.length) return
    const type = mediaType(res.headers)
    if (types.some((t) => mediaMatches(t, type))) return
    return `${describeOperation(op)} answered ${res.status} with content-type ${type || '(none)'}, where the document lists ${types.join(', ')}`
  }, { description: 'every response body has a content type the document lists for its operation and status' })
}

function mediaType(headers: Record<string, string>): string {
  const value = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? ''
  return value.split(';')[0]!.trim().toLowerCase()
}

function mediaMatches(documented: string, actual: string): boolean {
  // A documented key may carry parameters (`application/json; charset=utf-8`); the actual type has had
  // them taken off (mediaType), so they go here too, or such a key never matched any response.
  const [type, sub] = documented.split(';')[0]!.trim().toLowerCase().split('/')
  const [aType, aSub] = actual.split('/')
  return (type === '*' || type === aType) && (sub === '*' || sub === aSub)
}

/** Every GET whose path is the deleted one's, or under it with no further parameter. */
function readersOf(model: Model, deleted: Operation): Operation[] {
  return model.all.filter((o) => o.method === 'GET' && (o.path === deleted.path || (o.path.startsWith(`${deleted.path}/`) && !o.path.slice(deleted.path.length).includes('{'))))
}

function useAfterFree(model: Model): Invariant {
  return invariant('use_after_free', async ({ http, last }: InvariantArgs) => {
    const status = last?.response?.status ?? 0
    const base = basePathOf(http.baseUrl)
    const op = last && operationOf(model, base, last.action, last.request?.method, last.request?.url)
    if (op?.method !== 'DELETE' || status < 200 || status > 299) return
    // Only the DELETE of one resource (`/things/{id}`) frees it. A DELETE of a collection or a singleton
    // (`DELETE /cart/items`, `DELETE /session`) empties or resets it: reading it after is a 200 (`[]`), no use after free.
    if (!/\{[^}]+\}$/.test(op.path.replace(/\/+$/, ''))) return
    const relative = relativePath(pathOf(last!.request!.url), base)
    for (const reader of readersOf(model, op)) {
      const probe = await http.get(`${relative}${reader.path.slice(op.path.length)}`)
      if (probe.status !== 404 && probe.status !== 410)
        return `after ${describeOperation(op)} answered ${status}, ${describeOperation(reader)} still answers ${probe.status} (404 or 410 expected)`
    }
  }, { description: 'after a 2xx DELETE of a resource, every operation that reads it answers 404 or 410' })
}

function noLeakOnFailedCreate(model: Model): Invariant {
  return invariant('no_leak_on_failed_create', async ({ http, ctx, last }: InvariantArgs) => {
    const response = last?.response
    const base = basePathOf(http.baseUrl)
    const op = last && operationOf(model, base, last.action, last.request?.method, last.request?.url)
    const list = op && listOperationOf(model, op)
    if (!op || !list || !response || response.status < 400 || response.status > 499) return
    const before = ctx.get<string>(listedBeforeKey(op.path))
    if (before === undefined) return
    const probe = await http.get(relativePath(pathOf(last.request!.url), base))
    const size = collectionSize(safeJson(probe.bodyText))
    // By number: a journey written before `1 item` was spelt so still says `1 items`.
    if (size !== undefined && size !== Number.parseInt(before, 10))
      return `${describeOperation(op)} answered ${response.status}, yet ${describeOperation(list)} went from ${before} to ${plural(size, 'item')} (a failed create must leave the collection as it was)`
  }, { description: 'a create that answers 4xx leaves its collection as it was' })
}
