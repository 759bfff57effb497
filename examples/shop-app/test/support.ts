import { readFileSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SERVICES, SHOP_APP_SERVER } from '@venomqa/test-utils'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import pg from 'pg'

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export const DOC = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'openapi.json'), 'utf8'))

/** The tests run dist/server.js as its own process: refuse to test a build older than the source. */
export function assertFreshBuild(): void {
  let built: number
  try {
    built = statSync(SHOP_APP_SERVER).mtimeMs
  } catch {
    throw new Error(`${SHOP_APP_SERVER} is missing: run \`pnpm --filter @venomqa/example-shop-app build\` first`)
  }
  const newest = (dir: string): number =>
    Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)))
  if (newest(path.join(PACKAGE_DIR, 'src')) > built)
    throw new Error(`${SHOP_APP_SERVER} is older than src/: run \`pnpm --filter @venomqa/example-shop-app build\` again`)
}

// ---------------------------------------------------------------------------------------------------------
// A database of this test process's own, dropped at the end whatever happened.

const SERVER_URL = `postgres://postgres@${SERVICES.postgres.host}:${SERVICES.postgres.port}`

async function onServer<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: `${SERVER_URL}/postgres` })
  await admin.connect()
  try {
    return await fn(admin)
  } finally {
    await admin.end()
  }
}

/** `venomqa_shop_<pid>_<suffix>`: one per test file, so files never share rows even when run side by side. */
export async function createDatabase(suffix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `venomqa_shop_${process.pid}_${suffix}`
  await onServer(async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${name}`)
  })
  return { url: `${SERVER_URL}/${name}`, drop: () => onServer((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}) }
}

// ---------------------------------------------------------------------------------------------------------
// The document: operations by id, and each documented response compiled once.

export interface Operation {
  id: string
  method: string
  template: string
  spec: any
}

export const OPERATIONS = new Map<string, Operation>()
for (const [template, item] of Object.entries<any>(DOC.paths))
  for (const [method, spec] of Object.entries<any>(item)) OPERATIONS.set(spec.operationId, { id: spec.operationId, method: method.toUpperCase(), template, spec })

const DOC_ID = 'https://shop.example.test/openapi.json'
const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true })
addFormats(ajv)
ajv.addSchema({ ...DOC, $id: DOC_ID })

const pointer = (...parts: string[]) => parts.map((p) => '/' + p.replace(/~/g, '~0').replace(/\//g, '~1')).join('')

/** The documented response of an operation for a status: where it sits in the document, and its object. */
export function documentedResponse(op: Operation, status: number): { at: string; response: any } | undefined {
  const response = op.spec.responses[String(status)]
  if (!response) return undefined
  const name = /^#\/components\/responses\/(.+)$/.exec(response.$ref ?? '')?.[1]
  if (name) return { at: pointer('components', 'responses', name), response: DOC.components.responses[name] }
  return { at: pointer('paths', op.template, op.method.toLowerCase(), 'responses', String(status)), response }
}

const compiled = new Map<string, ValidateFunction>()

/** Why this exchange breaks the document (undocumented status, body against the schema), or null. */
export function documentViolation(ex: Exchange): string | null {
  const op = OPERATIONS.get(ex.op)!
  const found = documentedResponse(op, ex.status)
  if (!found) return `${ex.method} ${ex.path}: status ${ex.status} is not documented for ${ex.op}`
  if (!found.response.content) return ex.text === '' ? null : `${ex.method} ${ex.path}: ${ex.status} is documented without a body, got ${ex.text.slice(0, 100)}`
  const at = `${found.at}${pointer('content', 'application/json', 'schema')}`
  let validate = compiled.get(at)
  if (!validate) {
    validate = ajv.getSchema(`${DOC_ID}#${at}`)
    if (!validate) throw new Error(`no schema at ${at}`)
    compiled.set(at, validate)
  }
  if (validate(ex.body)) return null
  return `${ex.method} ${ex.path} ${ex.status}: body breaks the ${ex.op} schema: ${ajv.errorsText(validate.errors)}; body ${ex.text.slice(0, 300)}`
}

// ---------------------------------------------------------------------------------------------------------
// A client that calls operations by id and keeps what it sent and got.

export interface Exchange {
  op: string
  method: string
  path: string
  params: Record<string, string | number>
  status: number
  body: any
  text: string
}

export interface CallOptions {
  params?: Record<string, string | number | undefined>
  json?: unknown
  /** Sent as is, with content-type application/json (bad JSON, oversized bodies). */
  raw?: string
  /** Overrides the client's token; null sends none. */
  token?: string | null
  /** A probe: an invariant's read, kept out of the history of actions. */
  probe?: boolean
}

export class ShopClient {
  token: string | undefined
  readonly history: Exchange[] = []

  constructor(readonly baseUrl: string) {}

  async call(opId: string, options: CallOptions = {}): Promise<Exchange> {
    const op = OPERATIONS.get(opId)
    if (!op) throw new Error(`no operation ${opId} in openapi.json`)
    const params: Record<string, string | number> = {}
    const urlPath = op.template.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = options.params?.[name]
      params[name] = value ?? 'undefined'
      return encodeURIComponent(String(value))
    })
    const headers: Record<string, string> = {}
    const token = options.token === undefined ? this.token : options.token
    if (token) headers.authorization = `Bearer ${token}`
    let body: string | undefined
    if (options.json !== undefined || options.raw !== undefined) {
      headers['content-type'] = 'application/json'
      body = options.raw ?? JSON.stringify(options.json)
    }
    const res = await fetch(this.baseUrl + urlPath, { method: op.method, headers, body })
    const text = await res.text()
    let parsed: unknown
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      parsed = text
    }
    const ex: Exchange = { op: opId, method: op.method, path: urlPath, params, status: res.status, body: parsed, text }
    if (!options.probe) this.history.push(ex)
    return ex
  }
}
