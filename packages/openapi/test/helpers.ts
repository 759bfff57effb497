import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { ExploreAction, ExploreActionArgs, HttpClient, StateView } from '@venomqa/core'
import { REPO_ROOT, type RunningProcess, startShopApp } from '@venomqa/test-utils'
import pg from 'pg'
import { openApiActions } from '../src'

export const SHOP_DOCUMENT = path.join(REPO_ROOT, 'examples/shop-app/openapi.json')
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'
export const dbUrl = (db: string) => `postgres://postgres@127.0.0.1:5432/${db}`

/** Only databases named venomqa_openapi_* are ever created or dropped here. */
function checkName(db: string): void {
  if (!/^venomqa_openapi_[a-z0-9_]+$/.test(db)) throw new Error(`refusing to touch database ${db}`)
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

export async function dropDatabase(db: string): Promise<void> {
  checkName(db)
  await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
}

/** A fresh, empty database (one of the same name is dropped first). */
export async function createDatabase(db: string): Promise<void> {
  await dropDatabase(db)
  await admin(`CREATE DATABASE ${db}`)
}

/** The shop app in its own process, on a fresh database of its own; `bugs` as SHOP_BUGS. */
export async function startShop(db: string, bugs: string): Promise<{ app: RunningProcess; databaseUrl: string; baseUrl: string }> {
  await createDatabase(db)
  const app = await startShopApp({ DATABASE_URL: dbUrl(db), SHOP_BUGS: bugs })
  return { app, databaseUrl: dbUrl(db), baseUrl: app.url }
}

/** What the stand-in client answers to the action's own request (its POST): status, headers, body. */
export interface StandInAnswer {
  status: number
  headers?: Record<string, string>
  body?: unknown
}

/**
 * Run the action `name` of the document `file` (in `root`) against a stand-in client that answers its
 * request with `answer` and any GET with an empty list; the context values it leaves. For the binding
 * tests: what an action reads from an answer, without a server.
 */
export async function runActionAgainst(root: string, file: string, name: string, baseUrl: string, answer: StandInAnswer): Promise<Map<string, unknown>> {
  const signal = new AbortController().signal
  const actions = (await openApiActions(file).load({ root, baseUrl, signal })) as ExploreAction<any>[]
  const text = answer.body === undefined ? '' : JSON.stringify(answer.body)
  const http = {
    baseUrl,
    request: async () => ({ status: answer.status, headers: answer.headers ?? {}, bodyText: text, json: () => (text ? JSON.parse(text) : undefined) }),
    get: async () => ({ status: 200, headers: {}, bodyText: '[]', json: () => [] }),
  } as unknown as HttpClient
  const values = new Map<string, unknown>()
  const ctx = {
    get: (k: string) => values.get(k),
    has: (k: string) => values.has(k),
    set: (k: string, v: unknown) => void values.set(k, v),
    require: (k: string) => values.get(k),
    keys: () => [...values.keys()],
  }
  await actions.find((a) => a.name === name)!.run({ http, ctx, input: {}, signal } as unknown as ExploreActionArgs<any>)
  return values
}

/**
 * What the action of an operation whose JSON body is `schema` offers as inputs, and the body it sends for
 * each, in order: the document (that one POST, its body the component `Body`) is written to a directory of
 * its own and loaded as `venomqa explore --openapi` loads it; the action runs against a stand-in for the
 * HTTP client that records each body and answers 201.
 */
export async function bodiesOfAction(schema: unknown): Promise<{ inputs: readonly unknown[]; sent: unknown[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-action-bodies-'))
  const signal = new AbortController().signal
  try {
    const document = {
      openapi: '3.0.3',
      info: { title: 'bodies', version: '1' },
      paths: { '/things': { post: { operationId: 'postThing', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Body' } } } }, responses: { 201: { description: 'made' } } } } },
      components: { schemas: { Body: schema } },
    }
    await writeFile(path.join(dir, 'api.json'), JSON.stringify(document))
    const actions = (await openApiActions('api.json').load({ root: dir, baseUrl: 'http://127.0.0.1:9', signal })) as ExploreAction<any>[]
    const action = actions.find((a) => a.name === 'postThing')!
    const view = { ctx: { has: () => false }, depth: 0, count: () => 0, path: [] } as unknown as StateView
    const inputs = action.options.inputs!(view, undefined as never)
    const sent: unknown[] = []
    const http = {
      baseUrl: 'http://127.0.0.1:9',
      history: [],
      request: async (_m: string, _p: string, options: { json?: unknown }) => {
        sent.push(options.json)
        return { status: 201, headers: {}, bodyText: '', json: () => undefined }
      },
    } as unknown as HttpClient
    const ctx = { get: () => undefined, has: () => false, set() {}, require: () => undefined, keys: () => [] }
    for (const input of inputs) await action.run({ http, ctx, input, signal } as unknown as ExploreActionArgs<any>)
    return { inputs, sent }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The packages a project that runs the built CLI (`venomqa explore --openapi`) links. */
const CLI_PACKAGES = ['core', 'runner', 'cli', 'explore', 'openapi']

/**
 * A temp project for the built CLI: the built packages linked under node_modules/@venomqa, a package.json
 * named `name`, and `files` (path to text). Refused when a package is not built.
 */
export async function linkedProject(name: string, files: Record<string, string>): Promise<string> {
  for (const built of CLI_PACKAGES)
    if (!existsSync(path.join(REPO_ROOT, 'packages', built, 'dist/index.js'))) throw new Error(`packages/${built}/dist is missing: build the packages first`)
  const dir = await mkdtemp(path.join(os.tmpdir(), `venomqa-openapi-${name}-`))
  await mkdir(path.join(dir, 'node_modules/@venomqa'), { recursive: true })
  for (const pkg of CLI_PACKAGES) await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(dir, 'node_modules/@venomqa', pkg), 'dir')
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }))
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text)
  return dir
}
