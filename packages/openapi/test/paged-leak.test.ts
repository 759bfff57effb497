/**
 * `no_leak_on_failed_create` on a paginated list (`{ items, total }`, 10 a page): a collection that
 * already fills its first page (25 notes, as a database in use has them) shows a row left by a refused
 * create only in its `total`. Counted by the page's length, the leak went unseen: the exploration passed
 * on the buggy app, and a regression journey written on an emptier database passed on a fuller one.
 * The app runs in its own process over PostgreSQL (test/fixtures/paged-notes), rolled back by the
 * snapshot backend. Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunResult } from '@venomqa/core'
import { REPO_ROOT, type RunningProcess, describeWithService, runBuiltCli, startNodeProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createDatabase, dbUrl, dropDatabase } from './helpers'

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/paged-notes')
const PACKAGES = ['core', 'runner', 'cli', 'explore', 'openapi', 'state-postgres']
const DB = { buggy: `venomqa_openapi_${process.pid}_paged_buggy`, fixed: `venomqa_openapi_${process.pid}_paged_fixed` }
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

interface Notes {
  app: RunningProcess
  db: string
}

async function startNotes(db: string, fixed: boolean): Promise<Notes> {
  await createDatabase(db)
  const app = await startNodeProcess(path.join(FIXTURE, 'server.mjs'), { env: { DATABASE_URL: dbUrl(db), FIXED: fixed ? '1' : '0', SEED: '25' } })
  return { app, db }
}

async function makeProject(): Promise<string> {
  for (const built of PACKAGES) if (!existsSync(path.join(REPO_ROOT, 'packages', built, 'dist/index.js'))) throw new Error(`packages/${built}/dist is missing: build the packages first`)
  const dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-paged-'))
  await mkdir(path.join(dir, 'node_modules/@venomqa'), { recursive: true })
  for (const pkg of PACKAGES) await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(dir, 'node_modules/@venomqa', pkg), 'dir')
  await copyFile(path.join(FIXTURE, 'openapi.json'), path.join(dir, 'openapi.json'))
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'paged-proof', private: true, type: 'module' }))
  await writeFile(
    path.join(dir, 'venomqa.config.ts'),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the CLI fills ${VAR} in from the environment
    "export default { baseUrl: '${APP_URL}', plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}', mechanism: 'snapshot' }]], timeout: 10_000 }\n",
  )
  return dir
}

const cli = (project: string, notes: Notes, args: string[]) => runBuiltCli(args, { cwd: project, env: { APP_URL: notes.app.url, DATABASE_URL: dbUrl(notes.db) } })

describe('no_leak_on_failed_create on a paginated list', () => {
  let project: string
  let buggy: Notes
  let fixed: Notes
  beforeAll(async () => {
    project = await makeProject()
    ;[buggy, fixed] = await Promise.all([startNotes(DB.buggy, false), startNotes(DB.fixed, true)])
  })
  afterAll(async () => {
    await Promise.all([buggy?.app.stop(), fixed?.app.stop()])
    await Promise.all([dropDatabase(DB.buggy), dropDatabase(DB.fixed)])
    if (project) await rm(project, { recursive: true, force: true })
  })

  it('counts the collection by its total, past a full first page: the leak is found, and its journey fails on the buggy app and passes on the fixed one', async () => {
    const explored = await cli(project, buggy, ['explore', '--openapi', 'openapi.json', '--seed', '1', '--depth', '2', '--save', 'out/explore.json'])
    expect(explored.code, explored.output).toBe(1)
    const [exploration] = (JSON.parse(await readFile(path.join(project, 'out/explore.json'), 'utf8')) as RunResult).explorations!
    const leak = exploration!.violations.find((v) => v.invariant === 'no_leak_on_failed_create')
    expect(leak?.message, explored.output).toBe(
      'POST /notes (createNote) answered 409, yet GET /notes (listNotes) went from 26 items to 27 items (a failed create must leave the collection as it was)',
    )
    // The journey counts the total when it runs, as the exploration did, not the page's 10 items.
    const journey = await readFile(path.join(project, leak!.emittedFile!), 'utf8')
    expect(journey).toContain("ctx.set('listed before POST /notes', plural(res1.json().total, 'item'))")
    const onBuggy = await cli(project, buggy, ['run', leak!.emittedFile!, '--reporter', 'console'])
    expect(onBuggy.code, onBuggy.output).toBe(1)
    expect(onBuggy.output).toContain('went from 26 items to 27 items')
    // The refused create is replayed on purpose: looked at, so the run does not tell it as an answer the step forgot to check.
    expect(onBuggy.output).not.toContain('nor checked its status')
    const onFixed = await cli(project, fixed, ['run', leak!.emittedFile!, '--reporter', 'console'])
    expect(onFixed.code, onFixed.output).toBe(0)
  }, 120_000)
})
