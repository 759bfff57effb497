/**
 * `venomqa doctor` undoes the worker it made to try the workerSetup in every case: on Ctrl-C while the
 * worker's app starts (the app stopped, the database dropped), and when undoing fails it names what is left
 * with the statement that removes it. End to end: the built `venomqa`, PostgreSQL (postgresWorkers), a
 * worker app in a process of its own.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { type LocalServer, REPO_ROOT, describeWithService, processAlive, waitUntil } from '@venomqa/test-utils'
import { PG_ADMIN_URL, pgTestDatabases, runDatabaseName, withPgClient } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { databaseExists, startMainApp, workersLine, workersProject } from './helpers/doctor-workers'
import type { Project } from './helpers/project'

const DB = runDatabaseName('venomqa_dw_doctor_undo')
const WORKER_DB = `${DB}_w1`
const PASSWORD = 'doctor-undo-secret-pw'
// The server trusts local connections: the password is never checked, only carried, as a real one would be.
const DATABASE_URL = `postgres://postgres:${PASSWORD}@127.0.0.1:5432/${DB}`
/** What keeps the worker's database from being dropped: a subscription, which only a connection to that database drops. */
const SUBSCRIPTION = 'venomqa_dw_undo_sub'
const databases = pgTestDatabases(new RegExp(`^${DB}(_w1)?$`))
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

const CONFIG = `import { createRequire } from 'node:module'
import { postgresWorkers, startAppProcess } from '@venomqa/state-postgres'

const url = process.env.DATABASE_URL!
const setups = {
  // An app that never says it listens: Ctrl-C comes while doctor waits for it.
  hangs: () =>
    postgresWorkers({
      url,
      startApp: (_index: number, databaseUrl: string, { signal }: { signal: AbortSignal }) =>
        startAppProcess({ command: [process.execPath, 'apps/hangs.mjs'], env: { DATABASE_URL: databaseUrl }, signal }),
    }),
  // Its database given a table to track, then a logical replication subscription, which DROP DATABASE
  // refuses whatever FORCE: undoing fails. (A template database no longer does: the mark is taken off.)
  undroppable: () =>
    postgresWorkers({
      url,
      startApp: async (_index: number, databaseUrl: string) => {
        const pg = createRequire(import.meta.url)(process.env.PG_MODULE!)
        const c = new pg.Client({ connectionString: databaseUrl })
        await c.connect()
        await c.query('CREATE TABLE todos (id int)')
        await c.query("CREATE SUBSCRIPTION ${SUBSCRIPTION} CONNECTION 'host=127.0.0.1 port=1 dbname=none' PUBLICATION p WITH (connect = false, slot_name = NONE, enabled = false)")
        await c.end()
        return { baseUrl: process.env.MAIN_URL! }
      },
    }),
}

export default {
  baseUrl: '\${MAIN_URL}',
  plugins: [['@venomqa/state-postgres', { url: '\${DATABASE_URL}' }]],
  parallelPaths: 2,
  workerSetup: setups[process.env.SETUP as keyof typeof setups](),
}
`

const HANGS = `import { writeFileSync } from 'node:fs'
writeFileSync('hangs.pid', String(process.pid))
setInterval(() => {}, 1000)
`

/** The worker database dropped, its subscription dropped first. */
const dropWorkerDb = async () => {
  if (await databaseExists(WORKER_DB)) await withPgClient(PG_ADMIN_URL.replace(/\/[^/]*$/, `/${WORKER_DB}`), (c) => c.query(`DROP SUBSCRIPTION IF EXISTS ${SUBSCRIPTION}`))
  await databases.drop(WORKER_DB)
}

describe('venomqa doctor undoes the worker it made', () => {
  let main: LocalServer
  let project: Project
  beforeAll(async () => {
    await dropWorkerDb()
    await databases.create(DB)
    main = await startMainApp()
    // pg for the config's startApp, from where @venomqa/state-postgres has it: the project installs no pg of its own.
    const PG_MODULE = createRequire(path.join(REPO_ROOT, 'packages/state-postgres/package.json')).resolve('pg')
    project = await workersProject({ 'venomqa.config.ts': CONFIG, 'apps/hangs.mjs': HANGS }, { MAIN_URL: main.url, DATABASE_URL, PG_MODULE })
  }, 60_000)
  beforeEach(dropWorkerDb)
  afterAll(async () => {
    try {
      await project?.remove()
      await main?.close()
    } finally {
      try {
        await dropWorkerDb()
      } finally {
        await databases.drop(DB)
      }
    }
  })

  it('on Ctrl-C while the app starts: stops the app, drops its database, exits 130', async () => {
    const run = project.spawn(['doctor'], { env: { SETUP: 'hangs' } })
    const pidFile = path.join(project.dir, 'hangs.pid')
    // Its pid, once written: the file exists a moment before its content does, and a pid read as '' was
    // 0, for which processAlive asks about this test's own process group (always there): the test failed
    // on a loaded machine with the app stopped.
    let pid = 0
    await waitUntil(
      async () => (pid = existsSync(pidFile) ? Number(await readFile(pidFile, 'utf8')) : 0) > 0,
      'worker 1 to start its app and write its pid',
      30_000,
    )
    expect(await databaseExists(WORKER_DB)).toBe(true)
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code, r.stdout + r.stderr).toBe(130)
    expect(r.stderr).toContain('venomqa: interrupted: undoing worker 1 (Ctrl-C again to quit now, leaving it)')
    expect(workersLine(r.stdout)).toBe('✗ workers    interrupted while worker 1 was made or checked; undone')
    expect(r.stdout).toContain('\ndoctor: interrupted: the checks after workers were not made\n')
    expect(processAlive(pid)).toBe(false)
    expect(await databaseExists(WORKER_DB)).toBe(false)
  }, 45_000)

  it('names what it could not undo, with the statement that removes it', async () => {
    const r = await project.venomqa(['doctor'], { env: { SETUP: 'undroppable' }, timeoutMs: 40_000 })
    expect(r.code, r.stdout + r.stderr).toBe(1)
    const said = workersLine(r.stdout)!
    expect(said).toMatch(
      new RegExp(
        `^✗ workers    worker 1 made by the workerSetup in \\d+ ms: no app of its own \\(its requests go to the run's base URL\\), state postgres:${WORKER_DB} \\(snapshot\\) connected, checkpointed and rolled back; undoing it failed: worker 1: close failed: closing worker 1: postgresWorkers: could not drop the worker database "${WORKER_DB}" on postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:5432/${DB} \\(tried 5 times\\): database "${WORKER_DB}" is being used by logical replication subscription; it is left behind: drop it with DROP DATABASE IF EXISTS "${WORKER_DB}" WITH \\(FORCE\\)$`,
      ),
    )
    expect(r.stdout + r.stderr).not.toContain(PASSWORD)
    // What it says is so: the database is still there.
    expect(await databaseExists(WORKER_DB)).toBe(true)
  }, 45_000)
})
