/**
 * `venomqa doctor` with a workerSetup and more than one worker: worker 1 is made as a run makes it (the
 * todo app started against its own database, made by postgresWorkers), checked (its app answers, its state
 * backend connects and rolls back once) and undone (the app stopped, the database dropped). End to end: the
 * built `venomqa`, PostgreSQL, the todo app as worker 1's app in a process of its own.
 */
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { type LocalServer, TODO_APP_SERVER, describeWithService } from '@venomqa/test-utils'
import { pgTestDatabases, runDatabaseName } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { addAppTable, databaseExists, startMainApp, workersLine, workersProject } from './helpers/doctor-workers'
import type { Project } from './helpers/project'

const DB = runDatabaseName('venomqa_dw_doctor')
const WORKER_DB = `${DB}_w1`
const PASSWORD = 'doctor-workers-secret-pw'
// The server trusts local connections: the password is never checked, only carried, as a real one would be.
const DATABASE_URL = `postgres://postgres:${PASSWORD}@127.0.0.1:5432/${DB}`
const databases = pgTestDatabases(new RegExp(`^${DB}(_w1)?$`))
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

// Each app started is logged: --no-workers must start none.
const CONFIG = `import { appendFileSync } from 'node:fs'
import { postgresWorkers, startAppProcess } from '@venomqa/state-postgres'

export default {
  baseUrl: '\${MAIN_URL}',
  plugins: [['@venomqa/state-postgres', { url: '\${DATABASE_URL}' }]],
  workers: 2,
  workerSetup: postgresWorkers({
    url: process.env.DATABASE_URL!,
    startApp: (index: number, databaseUrl: string, { signal }: { signal: AbortSignal }) => {
      appendFileSync('apps-started.log', \`worker \${index}\\n\`)
      return startAppProcess({ command: [process.execPath, process.env.TODO_SERVER!], env: { DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1' }, signal })
    },
  }),
}
`

describe('venomqa doctor makes worker 1 with the workerSetup', () => {
  let main: LocalServer
  let project: Project
  const appsLog = () => path.join(project.dir, 'apps-started.log')
  beforeAll(async () => {
    await databases.drop(WORKER_DB)
    await databases.create(DB)
    await addAppTable(DB)
    main = await startMainApp()
    project = await workersProject({ 'venomqa.config.ts': CONFIG, 'flag.config.ts': CONFIG.replace('  workers: 2,\n', '') }, { MAIN_URL: main.url, DATABASE_URL, TODO_SERVER: TODO_APP_SERVER })
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

  it('checks the worker it made, says so on a ✓ line, and leaves no database behind', async () => {
    const r = await project.venomqa(['doctor', '--restore'], { timeoutMs: 40_000 })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const said = workersLine(r.stdout)
    expect(said).toMatch(
      new RegExp(
        `^✓ workers    worker 1 made by the workerSetup in \\d+ ms: app at http://127\\.0\\.0\\.1:\\d+ answered \\d+, state postgres:${WORKER_DB} \\(snapshot\\) connected, checkpointed and rolled back; undone$`,
      ),
    )
    // What puts journeys back on the workers is what worker 1 was given, not taken on trust.
    expect(r.stdout).toContain(`by postgres:${DB} (snapshot), and on worker 1 by those the workerSetup gives it (worker 1 got postgres:${WORKER_DB} (snapshot))\n`)
    expect(r.stdout + r.stderr).not.toContain(PASSWORD)
    // Undone: its database dropped, its app stopped.
    expect(await databaseExists(WORKER_DB)).toBe(false)
    expect(await readFile(appsLog(), 'utf8')).toBe('worker 1\n')
    await expect(fetch(said!.match(/app at (\S+) answered/)![1]!)).rejects.toThrow()
  }, 45_000)

  it('tries the workerSetup of a config that leaves the number of workers to the command line (`--workers 2`)', async () => {
    await rm(appsLog(), { force: true })
    const r = await project.venomqa(['doctor', '-c', 'flag.config.ts'], { timeoutMs: 40_000 })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    // It said nothing of the workers: a setup only `venomqa run --workers 2` would make, untried.
    expect(workersLine(r.stdout)).toMatch(new RegExp(`^✓ workers    worker 1 made by the workerSetup in \\d+ ms: .*state postgres:${WORKER_DB} \\(snapshot\\) connected, checkpointed and rolled back; undone$`))
    expect(await readFile(appsLog(), 'utf8')).toBe('worker 1\n')
    expect(await databaseExists(WORKER_DB)).toBe(false)
  }, 45_000)

  it('makes no worker with --no-workers, and says so', async () => {
    await rm(appsLog(), { force: true })
    const r = await project.venomqa(['doctor', '--no-workers', '--restore'], { timeoutMs: 40_000 })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(workersLine(r.stdout)).toBe('- workers    worker 1 not made (--no-workers): the workerSetup is first tried when a run needs a worker')
    expect(r.stdout).toContain('and on worker 1 by those the workerSetup is to give it (worker 1 not made: --no-workers)\n')
    expect(existsSync(appsLog())).toBe(false)
  }, 45_000)
})
