import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { UserError, fileErrorReason } from '@venomqa/core'
import { parseJsonText } from '../json-place'

/**
 * The parts of a Postman collection v2.1 (https://schema.postman.com/collection/json/v2.1.0/draft-07/docs/index.html)
 * and a Postman environment that an import reads. Everything is checked on the way in, so that a mistake is
 * one error naming the file and the place (`item[1].item[0].request.url`), not a crash half-way through.
 */

export interface Variable {
  key: string
  value: unknown
  /** Postman's `"type": "secret"`: the value is hidden in Postman, and never written by an import. */
  secret?: boolean
}

export interface Script {
  /** `prerequest` or `test`. */
  listen: 'prerequest' | 'test'
  lines: string[]
}

export interface Auth {
  type: string
  /** The type's fields, such as `token` for bearer or `username` and `password` for basic. */
  fields: Record<string, unknown>
}

export interface Body {
  mode: 'raw' | 'urlencoded' | 'formdata' | 'file' | 'graphql' | 'none'
  raw?: string
  /** `json` when the collection says the raw body is JSON. */
  language?: string
  /** urlencoded fields, enabled ones only. */
  fields?: Array<{ key: string; value: string }>
}

export interface Request {
  name: string
  method: string
  /** The URL as Postman shows it, path variables (`:id`) already replaced by their values. */
  url: string
  headers: Array<{ key: string; value: string }>
  body?: Body
  /** Undefined: inherit from the folder or collection; `{ type: 'noauth' }`: none. */
  auth?: Auth
  scripts: Script[]
  /** Where it is in the collection file, for messages. */
  place: string
}

export interface Folder {
  name: string
  /** Requests and sub-folders, in order. */
  items: Array<Request | Folder>
  auth?: Auth
  scripts: Script[]
  place: string
}

export interface Collection {
  name: string
  variables: Variable[]
  root: Folder
}

const V21 = /collection\/(json\/)?v2\.1\.\d+/

export const isFolder = (item: Request | Folder): item is Folder => 'items' in item

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Reads a JSON file, or fails with E_IMPORT naming it. */
async function readJson(file: string, cwd: string, what: string): Promise<unknown> {
  const shown = path.relative(cwd, path.resolve(cwd, file)) || file
  let text: string
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8')
  } catch (err) {
    throw new UserError('E_IMPORT', `cannot read the ${what} ${shown}: ${unreadableReason(err as NodeJS.ErrnoException, what)}`, { where: shown })
  }
  return parseJsonText(text, (place, reason) => new UserError('E_IMPORT', `${shown}${place} is not JSON (${reason}): a ${what} is a JSON file`, { where: `${shown}${place}` }))
}

/** Why a file could not be read, in words: the usual cases said plainly, others by their code. */
function unreadableReason(err: NodeJS.ErrnoException, what: string): string {
  const reason = fileErrorReason(err)
  return err.code === 'EISDIR' ? `${reason}, not a ${what} file` : reason
}

export async function readCollection(file: string, cwd: string): Promise<Collection> {
  const shown = path.relative(cwd, path.resolve(cwd, file)) || file
  const doc = await readJson(file, cwd, 'Postman collection')
  const fail = (place: string, message: string): never => {
    throw new UserError('E_IMPORT', `${shown} at ${place}: ${message}`, { where: `${shown} at ${place}` })
  }
  if (!isObject(doc)) return fail('the top level', 'a Postman collection is a JSON object')
  const info = doc.info
  if (!isObject(info)) return fail('info', 'missing: this is not a Postman collection (export it as Collection v2.1)')
  const schema = typeof info.schema === 'string' ? info.schema : ''
  if (!V21.test(schema))
    return fail('info.schema', `${schema ? `"${schema}"` : 'missing'}: only Postman collections v2.1 are read (in Postman: Export, Collection v2.1)`)
  return {
    name: typeof info.name === 'string' && info.name.trim() ? info.name : path.basename(file, path.extname(file)),
    variables: readVariables(doc.variable, 'variable', fail),
    root: readFolder(doc, typeof info.name === 'string' ? info.name : 'collection', '', fail),
  }
}

/** The enabled values of a Postman environment file (`--environment`). */
export async function readEnvironment(file: string, cwd: string): Promise<Variable[]> {
  const shown = path.relative(cwd, path.resolve(cwd, file)) || file
  const doc = await readJson(file, cwd, 'Postman environment')
  const fail = (place: string, message: string): never => {
    throw new UserError('E_IMPORT', `${shown} at ${place}: ${message}`, { where: `${shown} at ${place}` })
  }
  if (!isObject(doc) || !Array.isArray(doc.values)) return fail('values', 'missing: a Postman environment has a "values" array (export it from Environments)')
  return readVariables(doc.values, 'values', fail)
}

type Fail = (place: string, message: string) => never

function readVariables(list: unknown, place: string, fail: Fail): Variable[] {
  if (list === undefined) return []
  if (!Array.isArray(list)) return fail(place, 'must be an array of { key, value }')
  return list.flatMap((v, i) => {
    if (!isObject(v) || typeof v.key !== 'string') return fail(`${place}[${i}]`, 'a variable needs a string "key"')
    if (v.disabled === true || v.enabled === false) return []
    return [{ key: v.key, value: v.value ?? '', ...(v.type === 'secret' ? { secret: true } : {}) }]
  })
}

function readFolder(node: Json, name: string, place: string, fail: Fail): Folder {
  const at = (p: string) => (place ? `${place}.${p}` : p)
  if (!Array.isArray(node.item)) return fail(at('item'), 'must be an array of requests and folders')
  const items = node.item.map((child, i): Request | Folder => {
    const childPlace = at(`item[${i}]`)
    if (!isObject(child)) return fail(childPlace, 'must be an object')
    const childName = typeof child.name === 'string' && child.name.trim() ? child.name : `item ${i + 1}`
    if (Array.isArray(child.item)) return readFolder(child, childName, childPlace, fail)
    if (child.request === undefined) return fail(childPlace, 'neither a request (no "request") nor a folder (no "item")')
    return readRequest(child, childName, childPlace, fail)
  })
  return { name, items, auth: readAuth(node.auth, at('auth'), fail), scripts: readScripts(node.event, at('event'), fail), place: place || 'the collection' }
}

function readRequest(item: Json, name: string, place: string, fail: Fail): Request {
  const req = typeof item.request === 'string' ? { url: item.request, method: 'GET' } : item.request
  if (!isObject(req)) return fail(`${place}.request`, 'must be an object or a URL string')
  const method = typeof req.method === 'string' ? req.method.toUpperCase() : 'GET'
  const headers = Array.isArray(req.header)
    ? req.header.flatMap((h, i) => {
        if (!isObject(h) || typeof h.key !== 'string') return fail(`${place}.request.header[${i}]`, 'a header needs a string "key"')
        return h.disabled === true ? [] : [{ key: h.key, value: String(h.value ?? '') }]
      })
    : []
  return {
    name,
    method,
    url: readUrl(req.url, `${place}.request.url`, fail),
    headers,
    body: readBody(req.body, `${place}.request.body`, fail),
    auth: readAuth(req.auth, `${place}.request.auth`, fail),
    scripts: readScripts(item.event, `${place}.event`, fail),
    place,
  }
}

function readUrl(url: unknown, place: string, fail: Fail): string {
  if (typeof url === 'string') return url
  if (url === undefined || url === null) return fail(place, 'missing: a request needs a URL')
  if (!isObject(url)) return fail(place, `is ${shownValue(url)}, not a string or an object: a request's "url" is its URL as text, or an object with "raw" (or "host" and "path")`)
  let raw = typeof url.raw === 'string' ? url.raw : composeUrl(url)
  if (!raw) return fail(place, 'has neither "raw" nor "host" and "path"')
  // Path variables (`/todos/:id` with variable [{ key: 'id', value: '{{todoId}}' }]) are filled in here, as Postman does.
  if (Array.isArray(url.variable))
    for (const v of url.variable)
      if (isObject(v) && typeof v.key === 'string' && v.value !== undefined) raw = raw.replace(new RegExp(`/:${escapeRegExp(v.key)}(?=[/?#]|$)`, 'g'), `/${String(v.value)}`)
  return raw
}

/** A value of the wrong kind, said as its kind and, when short, itself (`the number 42`, `an array`). */
function shownValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  const text = JSON.stringify(value)
  return text.length <= 40 ? `the ${typeof value} ${text}` : `a ${typeof value}`
}

function composeUrl(url: Json): string {
  const part = (p: unknown, sep: string) => (Array.isArray(p) ? p.map((x) => (isObject(x) ? String(x.value ?? '') : String(x))).join(sep) : typeof p === 'string' ? p : '')
  const host = part(url.host, '.')
  const pathname = part(url.path, '/')
  const query = Array.isArray(url.query)
    ? url.query.filter((q) => isObject(q) && q.disabled !== true).map((q) => `${(q as Json).key}=${(q as Json).value ?? ''}`)
    : []
  if (!host && !pathname) return ''
  const protocol = typeof url.protocol === 'string' ? `${url.protocol}://` : ''
  return `${protocol}${host}${pathname ? `/${pathname}` : ''}${query.length ? `?${query.join('&')}` : ''}`
}

function readBody(body: unknown, place: string, fail: Fail): Body | undefined {
  if (body === undefined || body === null) return undefined
  if (!isObject(body)) return fail(place, 'must be an object')
  const mode = typeof body.mode === 'string' ? body.mode : 'none'
  if (mode === 'raw') {
    const options = isObject(body.options) && isObject(body.options.raw) ? body.options.raw : {}
    return { mode, raw: typeof body.raw === 'string' ? body.raw : '', language: typeof options.language === 'string' ? options.language : undefined }
  }
  if (mode === 'urlencoded') {
    const list = Array.isArray(body.urlencoded) ? body.urlencoded : []
    return { mode, fields: list.filter((f) => isObject(f) && f.disabled !== true).map((f) => ({ key: String((f as Json).key), value: String((f as Json).value ?? '') })) }
  }
  if (mode === 'formdata' || mode === 'file' || mode === 'graphql') return { mode }
  return undefined
}

function readAuth(auth: unknown, place: string, fail: Fail): Auth | undefined {
  if (auth === undefined || auth === null) return undefined
  if (!isObject(auth) || typeof auth.type !== 'string') return fail(place, 'an auth needs a string "type"')
  const params = auth[auth.type]
  // v2.1 lists the fields as [{ key, value }]; some exports write an object.
  const fields: Record<string, unknown> = Array.isArray(params)
    ? Object.fromEntries(params.filter(isObject).map((p) => [String(p.key), p.value]))
    : isObject(params)
      ? params
      : {}
  return { type: auth.type, fields }
}

function readScripts(events: unknown, place: string, fail: Fail): Script[] {
  if (events === undefined) return []
  if (!Array.isArray(events)) return fail(place, 'must be an array of events')
  return events.flatMap((e, i) => {
    if (!isObject(e) || (e.listen !== 'prerequest' && e.listen !== 'test')) return []
    if (e.disabled === true) return []
    const exec = isObject(e.script) ? e.script.exec : undefined
    const lines = typeof exec === 'string' ? exec.split('\n') : Array.isArray(exec) ? exec.map(String) : undefined
    if (!lines) return fail(`${place}[${i}].script.exec`, 'a script is a string or an array of lines')
    return lines.some((l) => l.trim()) ? [{ listen: e.listen, lines }] : []
  })
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
