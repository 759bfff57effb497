import { readdirSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { dereference } from '@readme/openapi-parser'
import { ConfigError, type PlainResponse, didYouMean, errorMessage, fileErrorReason, parseJsonText, plainRequest, redactText, yamlErrorReason } from '@venomqa/core'
import type * as JsoncParser from 'jsonc-parser'
import YAML from 'yaml'
import { checkRefs, escapePointer, inlineExternalRefs, placeOf, remotePlace, resolvePointer, shownPath } from './refs'
import { refSiblingsAsAllOf } from './ref-siblings'

export { escapePointer, pointerTo, resolvePointer } from './refs'

/** An OpenAPI 3.0 or 3.1 document with every `$ref` resolved (shared objects stay shared). */
export interface OpenApiDocument {
  openapi: string
  info?: { title?: string; version?: string }
  servers?: { url: string }[]
  paths?: Record<string, Record<string, unknown>>
  components?: { schemas?: Record<string, JsonSchema>; [key: string]: unknown }
  security?: Record<string, string[]>[]
  [key: string]: unknown
}

export type JsonSchema = Record<string, any>

/**
 * A schema with its `$ref` followed: dereferencing leaves the `$ref`s of a recursive schema in place
 * (`#/components/schemas/Node`), and what reads a schema's properties reads them from its target.
 */
export function resolveSchema(schema: JsonSchema, doc: OpenApiDocument | undefined): JsonSchema {
  let at = schema
  // A chain of references to references ends; one that loops is left as it is.
  for (let hops = 0; hops < 16 && doc && at && typeof at.$ref === 'string' && at.$ref.startsWith('#/'); hops++) {
    const target = resolvePointer(doc, at.$ref.slice(1))
    if (!target || typeof target !== 'object') break
    at = target as JsonSchema
  }
  return at
}

/** A schema's own keywords, or an `allOf` part's, with its place below the schema (`''` its own, `/allOf/0/allOf/1`). */
export interface SchemaPart {
  at: string
  /** The part as written, `$ref` followed; its own `allOf` is in the list as parts of its own. */
  schema: JsonSchema
}

/**
 * Everything a value of the schema must meet, one schema a part: the `allOf` parts (through `$ref`s and
 * nested `allOf`s), then the schema's own keywords, each with its place. A part that holds the schema
 * itself (through a `$ref`) adds nothing to it.
 */
export function allOfParts(given: JsonSchema, doc: OpenApiDocument | undefined, at = '', around: ReadonlySet<object> = new Set()): SchemaPart[] {
  const schema = resolveSchema(given, doc)
  if (!schema || typeof schema !== 'object' || Array.isArray(schema) || around.has(schema)) return []
  const inside = new Set(around).add(schema)
  const parts = Array.isArray(schema.allOf) ? schema.allOf.flatMap((part: JsonSchema, i: number) => allOfParts(part, doc, `${at}/allOf/${i}`, inside)) : []
  return [...parts, { at, schema }]
}

export interface LoadedDocument {
  document: OpenApiDocument
  /** The file or URL as the user named it, for messages. */
  source: string
  /** Its absolute path or URL. */
  location: string
}

const loaded = new WeakMap<object, LoadedDocument>()

/**
 * Where each object of a document is written, by its JSON pointer, recorded before dereferencing: that
 * puts the object a `$ref` points to where the `$ref` was (the same object, shared), and a mistake found
 * by walking from a request body would be named at the body, a place the user cannot find it at.
 */
const written = new WeakMap<object, string>()

function recordWritten(raw: object): void {
  const walk = (node: unknown, pointer: string): void => {
    // A YAML alias is one object: where it is first written is where it is.
    if (!node || typeof node !== 'object' || written.has(node)) return
    written.set(node, pointer)
    const entries: [string, unknown][] = Array.isArray(node) ? node.map((v, i) => [String(i), v]) : Object.entries(node)
    for (const [key, child] of entries) walk(child, `${pointer}/${escapePointer(key)}`)
  }
  walk(raw, '')
}

/**
 * A place below a schema of the document as a message names it, `file#pointer`, where it is written: `at`
 * (`/properties/qty`, escaped tokens) is walked from `start`, whose own place is `startPointer`, and each
 * step into an object written elsewhere (a `$ref`'s target, in the components or a file put into the
 * document) goes on from there: `#/components/schemas/Line/properties/qty`, not the body's pointer.
 */
export function writtenPlace(doc: OpenApiDocument, start: JsonSchema, startPointer: string, at: string): string {
  let node: unknown = resolveSchema(start, doc)
  let pointer = (node && typeof node === 'object' ? written.get(node) : undefined) ?? startPointer
  for (const token of at.split('/').slice(1)) {
    const key = token.replace(/~1/g, '/').replace(/~0/g, '~')
    const next: unknown = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined
    node = next && typeof next === 'object' && !Array.isArray(next) ? resolveSchema(next as JsonSchema, doc) : next
    const home = node && typeof node === 'object' ? written.get(node) : undefined
    pointer = home ?? `${pointer}/${token}`
  }
  return placeOf(sourceOf(doc), doc, pointer)
}

/** Where an object of a loaded document is written (see writtenPlace), or undefined. */
export function writtenAt(value: object): string | undefined {
  return written.get(value)
}

/** Where a document came from, for messages: the name the user gave. */
export function sourceOf(doc: OpenApiDocument): string {
  return loaded.get(doc)?.source ?? 'the OpenAPI document'
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source)
}

/**
 * The scheme of a source given as a URL (`https`, `ftp`), undefined for a file path: `ftp://host/oa.json`
 * read as a file path was "no such file"; `C:\x` (a drive letter) is a path.
 */
function schemeOf(given: string): string | undefined {
  return /^([a-z][a-z0-9+.-]+):\/\//i.exec(given)?.[1]
}

/**
 * Read, parse and dereference an OpenAPI 3.0 or 3.1 document (a file, relative to `root`, or an http(s)
 * URL; JSON or YAML). Every mistake is a ConfigError naming the file and the place in it: the line and
 * column of a syntax error, the JSON pointer of a `$ref` that is malformed or points nowhere (in the
 * document or in a file it points into).
 */
export async function loadDocument(given: string, options: { root: string }): Promise<OpenApiDocument> {
  const scheme = schemeOf(given)
  if (scheme && !isUrl(given))
    throw new ConfigError(`${redactText(given)}: URLs of scheme ${scheme}: are not read; the OpenAPI document is a file or an http(s) URL`, { where: redactText(given) })
  const location = isUrl(given) ? given : path.resolve(options.root, given)
  // A URL may carry a key (`?api_key=...`): every message names it masked.
  const source = isUrl(given) ? redactText(given) : given
  const text = await readSource(source, location)
  const raw = parseText(source, text)
  checkVersion(source, raw)
  checkPaths(source, raw)
  const remoteRefs = await checkRefs({ source, location, isUrl: isUrl(given), raw, root: options.root, parse: parseText })
  // A file of this machine is read; a URL, also one a file's `$ref` points to, is fetched as the document is.
  const isFile = (url: string) => new URL(url).protocol === 'file:'
  await inlineExternalRefs({
    source,
    location: isUrl(given) ? location : pathToFileURL(location).href,
    raw,
    readText: (url) => (isFile(url) ? readFile(fileURLToPath(url), 'utf8') : fetchText(url)),
    parse: parseText,
    shown: (url) => (isFile(url) ? shownPath(options.root, fileURLToPath(url)) : redactText(url)),
  })
  // After inlining: a loop through the files of a document is one through the document now.
  checkAllOfLoops(source, raw)
  checkRefChains(source, raw)
  refSiblingsAsAllOf(raw)
  recordWritten(raw)
  let document: OpenApiDocument
  try {
    // What was read is dereferenced as it is: its other files and URLs are in it now (see
    // inlineExternalRefs); only a `$ref` of another scheme (`urn:`) is left to the parser.
    document = (await dereference(raw as never, { dereference: { circular: 'ignore' } })) as unknown as OpenApiDocument
  } catch (err) {
    // What is left to the parser is a `$ref` of another scheme: named by its place when the failure names it.
    const remote = remotePlace(err, remoteRefs)
    if (remote) throw new ConfigError(`${remote.where}: "${redactText(remote.ref)}" cannot be resolved: ${redactText(errorMessage(err))}`, { where: remote.where, cause: err })
    throw new ConfigError(`${source}: ${redactText(errorMessage(err))}`, { where: source, cause: err })
  }
  loaded.set(document, { document, source, location })
  return document
}

function isMissingFile(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

/** What to do about a document file that is not where it is read from. */
function missingDocumentSuggestion(source: string): string {
  return `The OpenAPI document ${source} is read from the project root (the config file's directory) when the step runs, and it is not there: restore it there (was it moved or deleted?), or point what reads it at where it is now; for a regression journey written by \`venomqa explore --openapi\`, that is the document path in the exploration module it imports (or explore again with --openapi at its new path).`
}

/**
 * A document file given with the root it is read from, which is not there: a ConfigError saying so and
 * what to do, for an exploration to refuse to be made with. The regression journeys of `venomqa explore
 * --openapi` import one made with the project root: they refuse to load (exit 2 under `venomqa run`, as
 * for an unset VENOMQA_OPENAPI_BEARER) rather than fail a step at each run as if the API had. Undefined
 * for a URL (fetched when it runs), a file that is there, or one that cannot be told yet (a directory,
 * no permission): loadDocument says what is wrong with those.
 */
export function missingDocumentError(given: string, root: string): ConfigError | undefined {
  if (schemeOf(given)) return undefined
  try {
    statSync(path.resolve(root, given))
    return undefined
  } catch (err) {
    if (!isMissingFile(err)) return undefined
  }
  return new ConfigError(
    `cannot read the OpenAPI document ${given}: no such file in the project root, where it is read from: restore it there, or point the exploration at where it is now (for the regression journeys of \`venomqa explore --openapi\`: the document path in the module they import, or explore again with --openapi at its new path)`,
    { where: given },
  )
}

/** Why a document's file could not be read, in words (never Node's text with the absolute path). */
function unreadable(err: unknown): string {
  const reason = fileErrorReason(err)
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EISDIR' ? `${reason}, not an OpenAPI document file` : reason
}

/**
 * A file beside a missing one whose name is a near miss of its name (`pets.yaml` for `pets.yml`), as the
 * user would write it: the given path with the name changed. Undefined when none, or the directory cannot be read.
 */
function nearFile(location: string, given: string): string | undefined {
  let names: string[]
  try {
    names = readdirSync(path.dirname(location))
  } catch {
    return undefined
  }
  const near = didYouMean(path.basename(location), names)
  return near === undefined ? undefined : path.join(path.dirname(given), near)
}

async function readSource(source: string, location: string): Promise<string> {
  if (!isUrl(location)) {
    try {
      return await readFile(location, 'utf8')
    } catch (err) {
      const near = isMissingFile(err) ? nearFile(location, source) : undefined
      const error = new ConfigError(`cannot read the OpenAPI document ${source}: ${unreadable(err)}${near ? ` (did you mean ${near}?)` : ''}`, { where: source })
      // Read by a step (a regression journey's setup, action or invariant), a missing document got the advice
      // for a crash, "run with --debug": the file is what to fix, and the stack says nothing of it.
      throw isMissingFile(err) ? Object.assign(error, { suggestion: missingDocumentSuggestion(source) }) : error
    }
  }
  try {
    return await fetchText(location)
  } catch (err) {
    throw new ConfigError(`cannot fetch the OpenAPI document ${source}: ${errorMessage(err)}`, { where: source })
  }
}

/** The text at a URL, or an Error saying why not, credentials masked: a fetch that failed, or the status it got. */
async function fetchText(location: string): Promise<string> {
  let res: PlainResponse
  const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS)
  try {
    // Inside the try: a URL that does not parse is told like a fetch that failed, its credentials masked.
    // Not the global fetch: it refuses the fetch standard's "bad ports" (6665-6669, 10080, ...), where an
    // API under test may well serve its document. Redirects are followed, as fetch followed them.
    const { url, headers } = withBasicAuth(location)
    res = await plainRequest(url, { headers, signal })
  } catch (err) {
    throw new Error(redactText(fetchFailure(err)))
  }
  if (!res.ok) {
    await res.discard()
    throw new Error(`it answered ${res.status}`)
  }
  try {
    return await res.text()
  } catch (err) {
    throw new Error(redactText(fetchFailure(err)))
  }
}

const FETCH_TIMEOUT_MS = 30_000

/**
 * A URL's `user:password@` is sent as HTTP Basic auth, as a browser or curl would, from the URL without
 * them. Percent-encoded in the URL (`p%40ss`), they are sent decoded.
 */
function withBasicAuth(location: string): { url: string; headers: Record<string, string> } {
  const url = new URL(location)
  if (!url.username && !url.password) return { url: location, headers: {} }
  const credentials = `${percentDecoded(url.username)}:${percentDecoded(url.password)}`
  url.username = ''
  url.password = ''
  return { url: url.href, headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } }
}

/** A URL part decoded; a `%` that starts no escape (`100%`) is taken as written, as curl takes it. */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * Why a fetch failed. The error itself says only that there was no answer: the reason (connection
 * refused, a host not found) is in its cause, named as the runner names a request's.
 */
function fetchFailure(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer in ${FETCH_TIMEOUT_MS / 1000} s`
  const cause = (err as { cause?: unknown } | undefined)?.cause
  if (!cause) return errorMessage(err)
  const code = (cause as { code?: unknown }).code
  if (code === 'ECONNREFUSED') return `connection refused (${code})`
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${code})`
  const message = errorMessage(cause)
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message
}

/**
 * JSON when it looks like JSON or its name ends in `.json` (its errors say where), else YAML (a superset).
 * Read as YAML, a `.json` file of no JSON at all (`not json {`) was a YAML string, and said only that a
 * document is an object.
 */
function parseText(source: string, text: string): Record<string, unknown> {
  if (!text.trim()) throw new ConfigError(`${source}: the document is empty`, { where: source })
  let value: unknown
  if (/^\s*[{[]/.test(text) || /\.json$/i.test(isUrl(source) ? source.replace(/[?#].*$/, '') : source)) {
    // The reason without the text V8 quotes around the error: a document's examples may hold a key there.
    value = parseJsonText(text, (place, reason) => new ConfigError(`${source}${place}: not valid JSON: ${reason}`, { where: source }), firstSyntaxError)
  } else {
    // `<<: *base` merges a mapping into another, as YAML 1.1 has it (and the config's YAML): documents share
    // a schema's keys so, and read without it a schema was a key "<<" with no type, required or properties.
    const doc = YAML.parseDocument(text, { prettyErrors: true, merge: true })
    const [first] = doc.errors
    if (first) {
      const at = first.linePos?.[0]
      throw new ConfigError(`${source}${at ? `:${at.line}:${at.col}` : ''}: not valid YAML: ${yamlErrorReason(first.message)}`, { where: source })
    }
    try {
      value = doc.toJS()
    } catch (err) {
      // An alias whose anchor is nowhere, or aliases past yaml's count: yaml finds out only now, with no place.
      throw new ConfigError(`${source}: not valid YAML: ${yamlErrorReason(errorMessage(err))}`, { where: source, cause: err })
    }
    // JSON has no cycles; YAML has them when an anchor is used inside itself. Everything after this
    // (the $ref checks, the parser, sampling, ajv) walks the document as a tree and would overflow the stack.
    const cycle = aliasCycle(value)
    if (cycle !== undefined)
      throw new ConfigError(
        `${source}#${cycle}: a YAML alias here points back to a node that holds it (an anchor used inside itself), which has no end; write the recursion as a $ref (as "#/components/schemas/Node")`,
        { where: `${source}#${cycle}` },
      )
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(`${source}: an OpenAPI document is an object, got ${value === null || value === undefined ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`, { where: source })
  return value as Record<string, unknown>
}

/**
 * The JSON pointer of the first place where a value holds one of the objects it is inside, or undefined.
 * An object met again elsewhere (an alias used twice, not inside itself) is no cycle, and is walked once.
 */
function aliasCycle(value: unknown): string | undefined {
  const inside = new Set<object>()
  const done = new Set<object>()
  const walk = (node: unknown, pointer: string): string | undefined => {
    if (!node || typeof node !== 'object') return undefined
    if (inside.has(node)) return pointer
    if (done.has(node)) return undefined
    inside.add(node)
    const entries: [string, unknown][] = Array.isArray(node) ? node.map((v, i) => [String(i), v]) : Object.entries(node)
    for (const [key, child] of entries) {
      const found = walk(child, `${pointer}/${escapePointer(key)}`)
      if (found !== undefined) return found
    }
    inside.delete(node)
    done.add(node)
    return undefined
  }
  return walk(value, '')
}

/** jsonc-parser held to plain JSON: no comments, no trailing commas, no empty file. */
const STRICT_JSON = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false }

/** Where the first syntax error is, for the messages V8 gives no position ("Unexpected token ','"). */
function firstSyntaxError(text: string): number | undefined {
  // Required, not imported: its package has no ES entry Node can load by name, only a UMD main.
  const { parse } = createRequire(import.meta.url)('jsonc-parser') as typeof JsoncParser
  const errors: JsoncParser.ParseError[] = []
  parse(text, errors, STRICT_JSON)
  return errors[0]?.offset
}

function checkVersion(source: string, raw: Record<string, unknown>): void {
  const version = raw.openapi
  if (typeof version === 'string' && /^3\.[01]\./.test(version)) return
  const got = raw.swagger ? `Swagger ${String(raw.swagger)}` : version === undefined ? 'no "openapi" field' : `openapi ${JSON.stringify(version)}`
  throw new ConfigError(`${source}#/openapi: OpenAPI 3.0 or 3.1 expected, got ${got}`, { where: source })
}

/**
 * A schema made of itself through `allOf` (A is B and more, B is A and more) has no end: reading its
 * properties, sampling a body or checking a response against it never finishes, or overflows the stack.
 * The parser leaves such a loop in place; it is refused here, at load, naming the loop and where it closes.
 * (A schema that holds itself in a property or in its items is fine: that is a tree, and ends.)
 */
function checkAllOfLoops(source: string, raw: Record<string, unknown>): void {
  const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)
  /** The local schemas `schema` is made of: itself, when a `$ref`; the members of its `allOf`, inline ones' too. */
  const madeOf = (schema: unknown, at: string): { pointer: string; at: string }[] => {
    if (!isObject(schema)) return []
    if (typeof schema.$ref === 'string') return schema.$ref.startsWith('#/') ? [{ pointer: schema.$ref.slice(1), at: `${at}/$ref` }] : []
    return Array.isArray(schema.allOf) ? schema.allOf.flatMap((part, i) => madeOf(part, `${at}/allOf/${i}`)) : []
  }
  const name = (pointer: string) => (pointer.split('/').pop() ?? pointer).replace(/~1/g, '/').replace(/~0/g, '~')
  const done = new Set<string>()
  const visit = (pointer: string, trail: { pointer: string; at: string }[]): void => {
    if (done.has(pointer)) return
    const back = trail.findIndex((step) => step.pointer === pointer)
    if (back >= 0) {
      const loop = trail.slice(back)
      const closes = trail[trail.length - 1]!.at
      const names = [...loop.map((s) => name(s.pointer)), name(pointer)].join(' → ')
      // A loop of bare $refs (A is B, B is A) names no schema at all; one through allOf adds to one that never ends.
      const throughAllOf = loop.some((s) => s.at.includes('/allOf/'))
      const where = placeOf(source, raw, closes)
      throw new ConfigError(
        throughAllOf
          ? `${where}: schema "${name(pointer)}" is made of itself through allOf (${names}), which has no end; hold one of them in a property instead`
          : `${where}: schema "${name(pointer)}" is only a $ref to itself (${names}), so it never says what it is; give one of them its own type and properties`,
        { where },
      )
    }
    const target = resolvePointer(raw, pointer)
    for (const part of madeOf(target, pointer)) visit(part.pointer, [...trail, { pointer, at: part.at }])
    done.add(pointer)
  }
  const schemas = isObject(raw.components) && isObject(raw.components.schemas) ? raw.components.schemas : {}
  for (const key of Object.keys(schemas)) visit(`/components/schemas/${escapePointer(key)}`, [])
}

/**
 * A `$ref` to a `$ref` to ... that comes back to one met before never says what it is. The parser leaves
 * such a loop in place (`circular: 'ignore'`), and a parameter, response, request body or path item that
 * is one was read as missing: a response's schema was not checked, and nothing said so. Schemas are
 * refused by checkAllOfLoops, with their own words; this refuses the loop wherever else it stands.
 */
function checkRefChains(source: string, raw: Record<string, unknown>): void {
  const ends = new Set<string>()
  const localRef = (v: unknown): string | undefined => {
    const ref = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>).$ref : undefined
    return typeof ref === 'string' && ref.startsWith('#/') ? ref.slice(1) : undefined
  }
  const follow = (from: string, first: string) => {
    const trail = [first]
    for (let at: string | undefined = first; at !== undefined && !ends.has(at); ) {
      const next = localRef(resolvePointer(raw, at))
      if (next !== undefined && trail.includes(next)) {
        const name = (pointer: string) => (pointer.split('/').pop() ?? pointer).replace(/~1/g, '/').replace(/~0/g, '~')
        const loop = [...trail.slice(trail.indexOf(next)), next].map(name).join(' → ')
        const where = placeOf(source, raw, `${at}/$ref`)
        throw new ConfigError(`${where}: "${name(next)}" is only a $ref to itself (${loop}), so it never says what it is (reached from ${from}); give one of them its own content`, { where })
      }
      if (next !== undefined) trail.push(next)
      at = next
    }
    for (const pointer of trail) ends.add(pointer)
  }
  // Every object is walked once: an alias met twice in YAML is one object.
  const seen = new WeakSet<object>()
  const walk = (value: unknown, pointer: string): void => {
    if (!value || typeof value !== 'object' || seen.has(value)) return
    seen.add(value)
    const ref = localRef(value)
    if (ref !== undefined) follow(`${pointer}/$ref`, ref)
    for (const [key, v] of Object.entries(value)) walk(v, `${pointer}/${escapePointer(key)}`)
  }
  walk(raw, '')
}

/** The keys of a path item that hold an operation, in the order the specification lists them. */
export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

/**
 * `paths` holds path items and they hold operations, all objects. The parser resolves `$ref`s and does
 * not look at the rest: a `paths` of the wrong type would otherwise read as a document with no operation.
 */
function checkPaths(source: string, raw: Record<string, unknown>): void {
  const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v)
  const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)
  const refuse = (pointer: string, what: string, got: unknown) =>
    new ConfigError(`${source}#${pointer}: expected ${what}, got ${kindOf(got)}`, { where: `${source}#${pointer}` })
  // A list of security requirements, each an object by scheme name (`[{ bearer: [] }]`); `[]` or `[{}]`
  // for none. Any other shape crashed building the actions ("unexpected error"), at the root or on an operation.
  const checkSecurity = (pointer: string, security: unknown) => {
    if (security === undefined) return
    if (!Array.isArray(security)) throw refuse(pointer, 'a list of security requirements', security)
    security.forEach((requirement, i) => {
      if (!isObject(requirement)) throw refuse(`${pointer}/${i}`, 'a security requirement (an object by scheme name)', requirement)
    })
  }
  checkSecurity('/security', raw.security)
  if (raw.paths === undefined) return
  if (!isObject(raw.paths)) throw refuse('/paths', 'an object of path items', raw.paths)
  // An operation is an action named by its operationId (`METHOD /path` without one): two of one name
  // would be two actions of one name, refused later without saying where either sits.
  const named = new Map<string, string>()
  for (const [p, item] of Object.entries(raw.paths)) {
    const at = `/paths/${escapePointer(p)}`
    if (!isObject(item)) throw refuse(at, 'a path item (an object)', item)
    // Read as a list, a string would be no parameter at all: the path's ids would go unbound, silently.
    if (item.parameters !== undefined && !Array.isArray(item.parameters)) throw refuse(`${at}/parameters`, 'a list of parameters', item.parameters)
    for (const method of OPERATION_METHODS) {
      const operation = item[method]
      if (operation === undefined) continue
      if (!isObject(operation)) throw refuse(`${at}/${method}`, 'an operation (an object)', operation)
      if (operation.parameters !== undefined && !Array.isArray(operation.parameters))
        throw refuse(`${at}/${method}/parameters`, 'a list of parameters', operation.parameters)
      // Read as an object, a string's characters would be its documented statuses.
      if (operation.responses !== undefined && !isObject(operation.responses)) throw refuse(`${at}/${method}/responses`, 'an object of responses by status', operation.responses)
      checkSecurity(`${at}/${method}/security`, operation.security)
      const given = typeof operation.operationId === 'string'
      const name = given ? (operation.operationId as string) : `${method.toUpperCase()} ${p}`
      const place = `${at}/${method}${given ? '/operationId' : ''}`
      const before = named.get(name)
      if (before !== undefined)
        throw new ConfigError(`${source}#${place}: "${name}" names the operation at #${before} too; each operation needs a name of its own (operationIds are unique in a document)`, {
          where: `${source}#${place}`,
        })
      named.set(name, place)
    }
  }
}

