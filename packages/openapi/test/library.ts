/**
 * The lending library (test/fixtures/library: its own process over PostgreSQL) and a project whose
 * `venomqa` explores it from its OpenAPI document with the snapshot backend, for the end-to-end tests of
 * `venomqa explore --openapi`. Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunResult, ViolationResult } from '@venomqa/core'
import { REPO_ROOT, type RunningProcess, runBuiltCli, startNodeProcess } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, beforeAll, expect } from 'vitest'
import { createDatabase, dbUrl, dropDatabase } from './helpers'

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/library')
const PACKAGES = ['core', 'runner', 'cli', 'explore', 'openapi', 'state-postgres']

export interface Library {
  app: RunningProcess
  databaseUrl: string
  baseUrl: string
}

/** The library on a fresh database `db`, with its planted bugs unless `fixed`. */
export async function startLibrary(db: string, fixed: boolean): Promise<Library> {
  await createDatabase(db)
  const app = await startNodeProcess(path.join(FIXTURE, 'server.mjs'), { env: { DATABASE_URL: dbUrl(db), FIXED: fixed ? '1' : '0' } })
  return { app, databaseUrl: dbUrl(db), baseUrl: app.url }
}

/** A project in the system's temporary directory: the built packages linked, the document, a config exploring the operations `include` names. */
export async function makeLibraryProject(name: string, include: readonly string[]): Promise<string> {
  for (const built of PACKAGES) if (!existsSync(path.join(REPO_ROOT, 'packages', built, 'dist/index.js'))) throw new Error(`packages/${built}/dist is missing: build the packages first`)
  const dir = await mkdtemp(path.join(os.tmpdir(), `venomqa-openapi-${name}-`))
  await mkdir(path.join(dir, 'node_modules/@venomqa'), { recursive: true })
  for (const pkg of PACKAGES) await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(dir, 'node_modules/@venomqa', pkg), 'dir')
  await copyFile(path.join(FIXTURE, 'openapi.json'), path.join(dir, 'openapi.json'))
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: `${name}-proof`, private: true, type: 'module' }))
  await writeFile(
    path.join(dir, 'venomqa.config.ts'),
    [
      'export default {',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the CLI fills ${VAR} in from the environment
      "  baseUrl: '${APP_URL}',",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the CLI fills ${VAR} in from the environment
      "  plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}', mechanism: 'snapshot' }]],",
      `  openapi: { include: ${JSON.stringify(include).replaceAll('"', "'").replaceAll(',', ', ')} },`,
      '  timeout: 10_000,',
      '}',
      '',
    ].join('\n'),
  )
  return dir
}

/** The built `venomqa` in `project`, against `library`. */
export function libraryCli(project: string, library: Library, args: string[]): Promise<{ code: number | null; output: string }> {
  return runBuiltCli(args, { cwd: project, env: { APP_URL: library.baseUrl, DATABASE_URL: library.databaseUrl } })
}

export const savedResults = async (project: string, file: string) => JSON.parse(await readFile(path.join(project, file), 'utf8')) as RunResult

/** The library twice, with its planted bugs and fixed. */
export interface LibraryApps {
  readonly buggy: Library
  readonly fixed: Library
}

/**
 * For the describe block it is called in: the library twice, with its planted bugs and fixed, each on a
 * database of its own (`venomqa_openapi_<pid>_<name>_buggy`, `..._fixed`), made before the block's tests
 * and stopped and dropped after them. `start` starts one (a seed of its own, say); startLibrary by default.
 * Read its fields in the tests, once made.
 */
export function libraryApps(name: string, start: (db: string, fixed: boolean) => Promise<Library> = startLibrary): LibraryApps {
  const db = { buggy: `venomqa_openapi_${process.pid}_${name}_buggy`, fixed: `venomqa_openapi_${process.pid}_${name}_fixed` }
  const made: { buggy?: Library; fixed?: Library } = {}
  beforeAll(async () => {
    ;[made.buggy, made.fixed] = await Promise.all([start(db.buggy, false), start(db.fixed, true)])
  })
  afterAll(async () => {
    await Promise.all([made.buggy?.app.stop(), made.fixed?.app.stop()])
    await Promise.all([dropDatabase(db.buggy), dropDatabase(db.fixed)])
  })
  return {
    get buggy() {
      return need(made.buggy, 'buggy library')
    },
    get fixed() {
      return need(made.fixed, 'fixed library')
    },
  }
}

/**
 * Every table of `library` emptied and its ids counting from 1 again: what a fresh database would hold once
 * the app has made its tables (the app keeps nothing but its tables).
 */
export async function emptyLibrary(library: Library): Promise<void> {
  const client = new pg.Client({ connectionString: library.databaseUrl })
  client.on('error', () => {})
  await client.connect()
  try {
    const { rows } = await client.query<{ name: string }>("SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'")
    if (rows.length > 0) await client.query(`TRUNCATE ${rows.map((r) => r.name).join(', ')} RESTART IDENTITY CASCADE`)
  } finally {
    await client.end()
  }
}

/**
 * For the describe block it is called in: a project exploring the operations `include` names, against the
 * library twice (with its planted bugs and fixed). By default the block's own apps (libraryApps, started by
 * `start`); or apps `shared` with other blocks (made once, by an enclosing block), emptied (emptyLibrary)
 * before this block's tests, so that each block starts from empty databases as with apps of its own.
 */
export function libraryPair(
  name: string,
  include: readonly string[],
  { start, shared }: { start?: (db: string, fixed: boolean) => Promise<Library>; shared?: LibraryApps } = {},
): { readonly buggy: Library; readonly fixed: Library; readonly project: string } {
  const apps = shared ?? libraryApps(name, start)
  const made: { project?: string } = {}
  beforeAll(async () => {
    made.project = await makeLibraryProject(name === 'library' ? 'library' : `library-${name}`, include)
    if (shared) await Promise.all([emptyLibrary(shared.buggy), emptyLibrary(shared.fixed)])
  })
  afterAll(async () => {
    if (made.project) await rm(made.project, { recursive: true, force: true })
  })
  return {
    get buggy() {
      return apps.buggy
    },
    get fixed() {
      return apps.fixed
    },
    get project() {
      return need(made.project, 'project')
    },
  }
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the ${what} was not made: see the block's beforeAll`)
  return value
}

type Pair = ReturnType<typeof libraryPair>

/**
 * `venomqa explore --openapi` of the buggy library at depth 2, seed 1, which must fail: the violations of
 * no_5xx it saved, and what it printed (for the assertions' messages).
 */
export async function exploreBuggy(lib: Pair): Promise<{ crashes: ViolationResult[]; output: string }> {
  const run = await libraryCli(lib.project, lib.buggy, ['explore', '--openapi', 'openapi.json', '--seed', '1', '--depth', '2', '--save', 'out/explore.json'])
  expect(run.code, run.output).toBe(1)
  const [exploration] = (await savedResults(lib.project, 'out/explore.json')).explorations!
  return { crashes: exploration!.violations.filter((v) => v.invariant === 'no_5xx'), output: run.output }
}

/** A violation's minimal sequence as its actions and inputs. */
export const stepsOf = (v: ViolationResult) => v.sequence.map((s) => ({ action: s.action, input: s.input }))

/** The regression journey `journey` fails on the buggy library, naming no_5xx, and passes on the fixed one. */
export async function expectRegressionJourney(lib: Pair, journey: string | undefined): Promise<void> {
  expect(journey, 'the exploration emitted the journey').toBeDefined()
  // Both at once: each app has a database of its own, and a run writes its record in the project whole
  // (renamed over the last one), so the two runs never see each other's.
  const [onBuggy, onFixed] = await Promise.all([
    libraryCli(lib.project, lib.buggy, ['run', journey!, '--reporter', 'console']),
    libraryCli(lib.project, lib.fixed, ['run', journey!, '--reporter', 'console']),
  ])
  expect(onBuggy.code, onBuggy.output).toBe(1)
  expect(onBuggy.output).toContain('no_5xx')
  expect(onFixed.code, onFixed.output).toBe(0)
}

/** The same exploration of the fixed library, which must pass: the HAR entries of every request it sent. */
export async function exploreFixed(lib: Pair): Promise<any[]> {
  const run = await libraryCli(lib.project, lib.fixed, ['explore', '--openapi', 'openapi.json', '--seed', '1', '--depth', '2', '--no-emit', '--har', 'out/fixed.har'])
  expect(run.code, run.output).toBe(0)
  return JSON.parse(await readFile(path.join(lib.project, 'out/fixed.har'), 'utf8')).log.entries
}
