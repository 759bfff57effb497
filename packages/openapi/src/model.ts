import { ConfigError, errorMessage } from '@venomqa/core'
import { Bindings } from './bindings'
import { type JsonSchema, type OpenApiDocument, escapePointer, loadDocument, sourceOf, writtenPlace } from './document'
import { type Operation, type Parameter, operations } from './operations'
import { SchemaChecker } from './schema'
import { type Selection, methodAndPath, selectOperations } from './select'
import { findUnsatisfiable } from './unsatisfiable'

/** Auth from the config: a bearer token, or a login operation (after a sign-up operation, if named). */
export type OpenApiAuth =
  | {
      bearer: string
      /**
       * The environment variable the token was read from, when it was: a refused token is named by it rather
       * than by `openapi.auth.bearer`, which the user may not have set (a regression journey's module reads
       * VENOMQA_OPENAPI_BEARER).
       */
      variable?: string
    }
  | {
      /** The operationId (or `METHOD /path`) of the login operation. */
      login: string
      /** Called first with the same credentials, when given. */
      signUp?: string
      /** The login body. Default, with `signUp`: sampled from the sign-up schema, with a fresh email. */
      credentials?: Record<string, unknown>
      /** JSON pointer of the token in the login response. Default: `/token`, `/accessToken` or `/access_token`. */
      token?: string
    }

export interface OpenApiOptions extends Selection {
  auth?: OpenApiAuth
  /** Relative files resolve from here (default: the exploration's root). */
  root?: string
}

/** A loaded document with what actions and invariants share: its operations, id bindings, schema checker. */
export interface Model {
  doc: OpenApiDocument
  source: string
  all: Operation[]
  /** After include / exclude, without the auth operations. */
  selected: Operation[]
  byId: Map<string, Operation>
  /** The operations `auth` names (by operationId or `METHOD /path`), by role. */
  authOps: { login?: Operation; signUp?: Operation }
  bindings: Bindings
  schemas: SchemaChecker
}

const cache = new Map<string, Promise<Model>>()
/** The root each document was last loaded from by an action or invariant source (see setupRoot). */
const sourceRoots = new Map<string, string>()

/**
 * Where openApiSetup reads its document from: the `root` it was given; else the exploration's root, as
 * the action and invariant sources of the same document were given it (they load before the setup runs);
 * else the working directory. A hand-written `.explore.ts` gives no root, and the working directory is
 * not the project's under `venomqa explore -c sub/venomqa.config.ts`.
 */
export function setupRoot(source: string, options: OpenApiOptions): string {
  return options.root ?? sourceRoots.get(source) ?? process.cwd()
}

/** One load per (document, root, selection): the action and the invariant sources share it. */
export function loadModel(source: string, options: OpenApiOptions, root: string): Promise<Model> {
  sourceRoots.set(source, options.root ?? root)
  const key = JSON.stringify([source, options.root ?? root, options.include, options.exclude, authOperations(options.auth)])
  let model = cache.get(key)
  if (!model) {
    model = buildModel(source, options, options.root ?? root)
    model.catch(() => cache.delete(key))
    cache.set(key, model)
  }
  return model
}

async function buildModel(source: string, options: OpenApiOptions, root: string): Promise<Model> {
  const doc = await loadDocument(source, { root })
  const all = operations(doc)
  // Said with the place, where it used to surface as "source openapi:... gave none", naming nothing.
  if (!all.length) {
    const paths = (doc as { paths?: Record<string, unknown> }).paths
    const why = paths === undefined ? 'it has no `paths`' : Object.keys(paths).length ? 'its `paths` hold no operation (get, put, post, delete, patch, ...)' : 'its `paths` are empty'
    throw new ConfigError(`${sourceOf(doc)}#/paths: no operation to explore: ${why}`, { where: `${sourceOf(doc)}#/paths` })
  }
  const byId = new Map(all.map((o) => [o.id, o]))
  const authOps: Model['authOps'] = {}
  for (const [role, name] of Object.entries(authOperations(options.auth)) as [keyof Model['authOps'], string][]) {
    const op = byId.get(name) ?? operationAt(all, name)
    if (!op)
      throw new ConfigError(`${sourceOf(doc)}: auth.${role} names "${name}", which is no operationId or METHOD /path of the document`, { where: `openapi.auth.${role}` })
    authOps[role] = op
  }
  const authSet = new Set(Object.values(authOps))
  const selected = selectOperations(all, options, sourceOf(doc)).filter((o) => !authSet.has(o))
  const schemas = new SchemaChecker(doc.openapi, doc)
  checkSchemas(all, doc, schemas, sourceOf(doc))
  return { doc, source: sourceOf(doc), all, selected, byId, authOps, bindings: new Bindings(all, doc), schemas }
}

/**
 * The checks exploration makes of every schema before anything runs (see checkSchemas), for a document
 * used another way: `venomqa generate` sampled a body from a schema with a typo in it (`pages: null` for
 * `"type": "int"`) and said nothing of it.
 */
export function checkDocumentSchemas(doc: OpenApiDocument, all: readonly Operation[] = operations(doc)): void {
  checkSchemas(all, doc, new SchemaChecker(doc.openapi, doc), sourceOf(doc))
}

/** A schema of the document with its JSON pointer: a parameter's, a request body's or a response's. */
interface SchemaPlace {
  kind: 'parameter' | 'request body' | 'response'
  pointer: string
  schema: JsonSchema
}

/** The JSON pointer of an operation's request body schema, in the document. */
export function requestBodyPointer(op: Operation): string {
  return `/paths/${escapePointer(op.path)}/${op.method.toLowerCase()}/requestBody/content/${escapePointer(op.requestBody?.contentType ?? '')}/schema`
}

/** Every schema an operation has, in the document's order: its parameters', its request body's, its responses'. */
function schemaPlaces(op: Operation, doc: OpenApiDocument): SchemaPlace[] {
  const at = `/paths/${escapePointer(op.path)}/${op.method.toLowerCase()}`
  const places: SchemaPlace[] = []
  for (const p of op.parameters) if (p.schema) places.push({ kind: 'parameter', pointer: parameterPointer(doc, op, p), schema: p.schema })
  if (op.requestBody?.schema) places.push({ kind: 'request body', pointer: requestBodyPointer(op), schema: op.requestBody.schema })
  for (const [status, spec] of Object.entries(op.responses))
    for (const [mediaType, schema] of Object.entries(spec.content))
      if (schema) places.push({ kind: 'response', pointer: `${at}/responses/${escapePointer(status)}/content/${escapePointer(mediaType)}/schema`, schema })
  return places
}

/**
 * Every schema checked before anything runs, each mistake a ConfigError naming its place:
 * - one that is not JSON Schema (`"type": "objekt"`, a `pattern` that is no regular expression), in a
 *   response (not a violation of `response_schema` by the API) or a request body (unchecked, the sampler
 *   kept a value that ignored it and the exploration said nothing of the document);
 * - one no value can meet (`minimum` above `maximum`; see findUnsatisfiable), anywhere: unchecked, every
 *   request the exploration made there was one the document forbids, refused by the API, and the run passed.
 */
function checkSchemas(all: readonly Operation[], doc: OpenApiDocument, schemas: SchemaChecker, source: string): void {
  const places = all.flatMap((op) => schemaPlaces(op, doc))
  for (const kind of ['response', 'request body'] as const)
    for (const place of places.filter((p) => p.kind === kind)) {
      try {
        schemas.validator(place.schema)
      } catch (err) {
        // Named where the mistake is written: in a component a `$ref` points to, not at the body that refers to it.
        const at = schemas.mistakeAt(place.schema)
        const where = at === undefined ? `${source}#${place.pointer}` : writtenPlace(doc, place.schema, place.pointer, at)
        throw new ConfigError(`${where}: not a valid JSON Schema: ${errorMessage(err)}`, { where })
      }
    }
  for (const place of places) {
    const found = findUnsatisfiable(place.schema, doc)
    if (!found) continue
    const where = writtenPlace(doc, place.schema, place.pointer, found.at)
    throw new ConfigError(`${where}: no value can satisfy this schema: ${found.why}`, { where })
  }
}

/** The JSON pointer of a parameter's schema: in the operation's own list, else the path item's (see mergeParameters). */
function parameterPointer(doc: OpenApiDocument, op: Operation, p: Parameter): string {
  const item = (doc.paths as Record<string, any>)[op.path]
  const method = op.method.toLowerCase()
  for (const [list, at] of [
    [item?.[method]?.parameters, `/paths/${escapePointer(op.path)}/${method}/parameters`],
    [item?.parameters, `/paths/${escapePointer(op.path)}/parameters`],
  ] as const) {
    const index = Array.isArray(list) ? list.findIndex((q: any) => q?.name === p.name && q?.in === p.in) : -1
    if (index < 0) continue
    const written = list[index]
    const content = written.schema === undefined && written.content && typeof written.content === 'object' ? Object.keys(written.content)[0] : undefined
    return `${at}/${index}${content === undefined ? '/schema' : `/content/${escapePointer(content)}/schema`}`
  }
  return `/paths/${escapePointer(op.path)}/${method}`
}

/** The operation a `METHOD /path` names (`POST /login`, `post  /login`): the method in any case, the path as the document writes it. */
function operationAt(all: readonly Operation[], name: string): Operation | undefined {
  const at = methodAndPath(name)
  return at && all.find((o) => o.method === at.method && o.path === at.path)
}

function authOperations(auth: OpenApiAuth | undefined): Record<string, string> {
  if (!auth || 'bearer' in auth) return {}
  return { login: auth.login, ...(auth.signUp ? { signUp: auth.signUp } : {}) }
}
