/**
 * `venomqa doctor` with a workerSetup that would fail a run at its first parallel branch: the `workers`
 * line fails with the reason the run would give, masked, and what worker 1's setup made is undone all the
 * same. End to end: the built `venomqa`, PostgreSQL (postgresWorkers), a worker app in a process of its own.
 */
import { type LocalServer, describeWithService } from '@venomqa/test-utils'
import { pgTestDatabases, runDatabaseName } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { addAppTable, databaseExists, startMainApp, workersLine, workersProject } from './helpers/doctor-workers'
import type { Project } from './helpers/project'

const DB = runDatabaseName('venomqa_dw_doctor_fail')
const WORKER_DB = `${DB}_w1`
const PASSWORD = 'doctor-fail-secret-pw'
// The server trusts local connections: the password is never checked, only carried, as a real one would be.
const DATABASE_URL = `postgres://postgres:${PASSWORD}@127.0.0.1:5432/${DB}`
const databases = pgTestDatabases(new RegExp(`^${DB}(_w1)?$`))
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

// One config, its workerSetup chosen by SETUP: each fails a run at its first parallel branch.
const CONFIG = `import { postgresWorkers, startAppProcess } from '@venomqa/state-postgres'

const url = process.env.DATABASE_URL!
const setups = {
  throws: () => postgresWorkers({ url, startApp: async (_index: number, databaseUrl: string) => { throw new Error(\`the app cannot start on \${databaseUrl}\`) } }),
  exits: () =>
    postgresWorkers({
      url,
      startApp: (_index: number, databaseUrl: string, { signal }: { signal: AbortSignal }) =>
        startAppProcess({ command: [process.execPath, 'apps/exits.mjs'], env: { DATABASE_URL: databaseUrl }, signal }),
    }),
  // No startApp, and not inside composeWorkers: a mistake in the config, told before any worker is made.
  'no-start-app': () => postgresWorkers({ url }),
  // An app that never says it is ready (still polling it): the create is given up at pluginTimeout.
  hangs: () =>
    postgresWorkers({
      url,
      startApp: (_index: number, _databaseUrl: string, { signal }: { signal: AbortSignal }) =>
        new Promise<never>((_, reject) => {
          const polling = setInterval(() => {}, 100)
          signal.addEventListener('abort', () => {
            clearInterval(polling)
            reject(signal.reason)
          })
        }),
    }),
}

export default {
  baseUrl: '\${MAIN_URL}',
  plugins: [['@venomqa/state-postgres', { url: '\${DATABASE_URL}' }]],
  parallelPaths: 2,
  workerSetup: setups[process.env.SETUP as keyof typeof setups](),
  pluginTimeout: process.env.SETUP === 'hangs' ? 1500 : undefined,
}
`

// An app that cannot start: its last words quote its database URL, password and all.
const EXITS = `console.error('cannot migrate ' + process.env.DATABASE_URL)
process.exit(3)
`

describe('venomqa doctor with a workerSetup that cannot make a worker', () => {
  let main: LocalServer
  let project: Project
  const doctor = (setup: string) => project.venomqa(['doctor'], { env: { SETUP: setup }, timeoutMs: 40_000 })
  beforeAll(async () => {
    await databases.drop(WORKER_DB)
    await databases.create(DB)
    await addAppTable(DB)
    main = await startMainApp()
    project = await workersProject({ 'venomqa.config.ts': CONFIG, 'apps/exits.mjs': EXITS }, { MAIN_URL: main.url, DATABASE_URL })
  }, 60_000)
  afterAll(async () => {
    // The databases go even when the project's removal or the app's stop fails.
    try {
      await project?.remove()
      await main?.close()
    } finally {
      for (const db of [WORKER_DB, DB]) await databases.drop(db)
    }
  })

  it('fails with what startApp threw, its URL masked, and drops the database it made', async () => {
    const r = await doctor('throws')
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(workersLine(r.stdout)).toBe(
      `✗ workers    worker 1 could not be made: workerSetup.create(1) failed: the app cannot start on postgres://postgres:***@127.0.0.1:5432/${WORKER_DB}; undone`,
    )
    expect(r.stdout + r.stderr).not.toContain(PASSWORD)
    expect(await databaseExists(WORKER_DB)).toBe(false)
  }, 45_000)

  it('fails with how the app ended and its last words, masked, when it exits at start', async () => {
    const r = await doctor('exits')
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(workersLine(r.stdout)).toMatch(
      new RegExp(
        `^✗ workers    worker 1 could not be made: workerSetup\\.create\\(1\\) failed: \\S+ apps/exits\\.mjs exited with code 3 before it was ready; its last stderr lines: "cannot migrate postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:5432/${WORKER_DB}"; undone$`,
      ),
    )
    expect(r.stdout + r.stderr).not.toContain(PASSWORD)
    expect(await databaseExists(WORKER_DB)).toBe(false)
  }, 45_000)

  it('counts a workerSetup with no startApp as a mistake in the config (exit 2), found by its validate with no worker made', async () => {
    const r = await doctor('no-start-app')
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(workersLine(r.stdout)).toMatch(
      /^✗ workers {4}worker 1 not made: the workerSetup refuses the config, as a run does before its first journey: postgresWorkers: each worker needs its own app: give startApp\(index, databaseUrl\)/,
    )
    expect(r.stdout).toContain('doctor: 1 of 8 checks failed, a mistake in the config, a plugin or a journey')
    expect(await databaseExists(WORKER_DB)).toBe(false)
  }, 45_000)

  it('a create given up at pluginTimeout says so, without what a run would do about it, and drops the database it made', async () => {
    const r = await doctor('hangs')
    expect(r.code, r.stdout + r.stderr).toBe(1)
    const line = workersLine(r.stdout)
    expect(line).toMatch(/^✗ workers {4}worker 1 could not be made: workerSetup\.create\(1\) .*1500 ms \(pluginTimeout\).*; undone$/)
    expect(line).not.toMatch(/not used again|in this run/)
    expect(await databaseExists(WORKER_DB)).toBe(false)
  }, 45_000)
})
