import { createHash } from 'node:crypto'
import type { RequestOptions } from '@venomqa/core'
import { type JsonSchema, type OpenApiDocument, resolveSchema } from './document'
import { type Operation, isJson } from './operations'
import { propertiesOf } from './sample'

/** A request body as the HTTP client takes it, and the content type to send it with when the client gives none by itself. */
interface EncodedBody {
  options: Pick<RequestOptions, 'json' | 'form' | 'body'>
  contentType?: string
}

/**
 * The request options of an operation's body (`json`, `form`, or `body` with its content type): as the
 * document's media type says, as JSON when it documents none. The sign-up and log-in of the setup send
 * theirs so too: an OAuth token endpoint takes a form.
 */
export async function bodyOptions(op: Operation, body: unknown, doc: OpenApiDocument): Promise<RequestOptions> {
  if (body === undefined) return {}
  if (!op.requestBody) return { json: body }
  const { options, contentType } = await encodeBody(op.requestBody.contentType, body, op.requestBody.schema, doc)
  return contentType ? { ...options, headers: { 'content-type': contentType } } : options
}

const URLENCODED = /^application\/x-www-form-urlencoded\b/i
const MULTIPART = /^multipart\/form-data\b/i

/**
 * A sampled body sent as the document's media type says (the operation's, JSON when it offers JSON): as
 * JSON; as an `application/x-www-form-urlencoded` form (the client's `form`, which sets its type); as a
 * `multipart/form-data` FormData (which the client cannot send itself: encoded here); anything else as
 * text. Sent as JSON, a form-only operation refused the body (415, 400), and nothing behind it was explored.
 */
async function encodeBody(mediaType: string, body: unknown, schema: JsonSchema | undefined, doc: OpenApiDocument): Promise<EncodedBody> {
  if (isJson(mediaType)) return { options: { json: body } }
  if (isFields(body) && URLENCODED.test(mediaType)) return urlencoded(formFields(body))
  if (isFields(body) && MULTIPART.test(mediaType)) return multipart(body, schema, doc)
  return { options: { body: typeof body === 'string' ? body : JSON.stringify(body) }, contentType: mediaType }
}

function isFields(body: unknown): body is Record<string, unknown> {
  return !!body && typeof body === 'object' && !Array.isArray(body)
}

/**
 * A form's fields, in the body's order, as OpenAPI encodes a form by default (`style: form`, `explode:
 * true`): a list as one field per item, under its name; a nested object as JSON text; null as an empty field.
 */
function formFields(body: Record<string, unknown>): [string, string][] {
  return Object.entries(body).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).flatMap((item) => (item === undefined ? [] : [[name, fieldText(item)] as [string, string]])),
  )
}

function fieldText(value: unknown): string {
  if (value === null) return ''
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/**
 * Through the client's `form` when no name repeats (its record, a regression journey's `form:` are what
 * they were); a list's repeated names as the form's text, which `form` (one value a name) cannot hold.
 */
function urlencoded(fields: [string, string][]): EncodedBody {
  if (new Set(fields.map(([name]) => name)).size === fields.length) return { options: { form: Object.fromEntries(fields) } }
  return { options: { body: new URLSearchParams(fields).toString() }, contentType: 'application/x-www-form-urlencoded' }
}

/**
 * A FormData, encoded as fetch encodes one, as text: the client sends text or bytes, and keeps text in its
 * record, where core masks a part named like a secret (`password`) as it masks a form's field. A property of
 * `format: binary` (or `base64`) is a file part, named after the property, as an upload field wants one.
 * Fetch's boundary is random: it is replaced by one made from the fields, so that the same body is the same
 * text on every run, and a regression journey written from it is the same file.
 */
async function multipart(body: Record<string, unknown>, schema: JsonSchema | undefined, doc: OpenApiDocument): Promise<EncodedBody> {
  const properties = schema ? propertiesOf(schema, doc) : {}
  const data = new FormData()
  for (const [name, value] of Object.entries(body))
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined) continue
      if (isFile(properties[name], doc)) data.append(name, new Blob([fieldText(item)], { type: 'application/octet-stream' }), name)
      else data.append(name, fieldText(item))
    }
  const encoded = new Response(data)
  const random = /boundary=(.+)$/.exec(encoded.headers.get('content-type') ?? '')?.[1]
  const text = await encoded.text()
  if (!random) return { options: { body: text }, contentType: encoded.headers.get('content-type') ?? 'multipart/form-data' }
  const boundary = steadyBoundary(text.split(random).join(''))
  return { options: { body: text.split(random).join(boundary) }, contentType: `multipart/form-data; boundary=${boundary}` }
}

/** A boundary made from the parts' text, which that text does not hold. */
function steadyBoundary(parts: string): string {
  for (let n = 0; ; n++) {
    const boundary = `venomqa-${createHash('sha256').update(`${n}:${parts}`).digest('hex').slice(0, 24)}`
    if (!parts.includes(boundary)) return boundary
  }
}

/** A file's schema: a binary string (3.0's `format: binary` or `base64`, 3.1's `contentMediaType`), or a list of them. */
function isFile(schema: JsonSchema | undefined, doc: OpenApiDocument): boolean {
  const resolved = schema ? resolveSchema(schema, doc) : undefined
  if (!resolved || typeof resolved !== 'object') return false
  if (resolved.type === 'array') return isFile(resolved.items, doc)
  return resolved.format === 'binary' || resolved.format === 'base64' || typeof resolved.contentMediaType === 'string'
}
