/**
 * A second Ctrl-C while the paths of a branch run on workers: the run quits at once, with no time to drop
 * the worker databases postgresWorkers made, so what it prints names each of them, with the statement that
 * drops it, and never the URL (which holds a password). End to end: the built `venomqa`, the todo app on
 * PostgreSQL as the main app and as each worker's, in processes of their own.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { REPO_ROOT, type RunningProcess, TODO_APP_SERVER, describeWithService, startTodoApp } from '@venomqa/test-utils'
import { PG_ADMIN_URL, pgTestDatabases, runDatabaseName, withPgClient } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, quitTwiceOncePathsRun } from './helpers/project'

const DB = runDatabaseName('venomqa_cli_quit')
const WORKER_DBS = [`${DB}_w1`, `${DB}_w2`]
const PASSWORD = 'quit-secret-pw'
// The server trusts local connections: the password is never checked, only carried, as a real one would be.
const DATABASE_URL = `postgres://postgres:${PASSWORD}@127.0.0.1:5432/${DB}`
const databases = pgTestDatabases(new RegExp(`^${DB}(_w\\d)?$`))
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

const CONFIG = `import { postgresWorkers, startAppProcess } from '@venomqa/state-postgres'

export default {
  baseUrl: '\${TODO_URL}',
  plugins: [['@venomqa/state-postgres', { url: '\${DATABASE_URL}' }]],
  parallelPaths: 3,
  workerSetup: postgresWorkers({
    url: process.env.DATABASE_URL!,
    startApp: (_index: number, databaseUrl: string, { signal }: { signal: AbortSignal }) =>
      startAppProcess({ command: [process.execPath, process.env.TODO_SERVER!], env: { DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1' }, signal }),
  }),
}
`

const JOURNEY = `import { branch, checkpoint, journey, path, step } from '@venomqa/core'

const waits = (name: string) => path(name, [step('slow_request', ({ http }) => http.get('/api/slow', { query: { ms: 20000 } }))])

export default journey('quit', { steps: [checkpoint('start'), branch('start', [waits('p1'), waits('p2'), waits('p3')])] })
`

const existing = () =>
  withPgClient(PG_ADMIN_URL, async (c) => (await c.query('SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY 1', [WORKER_DBS])).rows.map((r) => r.datname))

describe('a second Ctrl-C while paths run on workers', () => {
  let app: RunningProcess
  let project: Project
  beforeAll(async () => {
    assertBuilt()
    for (const db of WORKER_DBS) await databases.drop(db)
    await databases.create(DB)
    app = await startTodoApp({ DATABASE_URL })
    project = await makeProject(null, { TODO_URL: app.url, DATABASE_URL, TODO_SERVER: TODO_APP_SERVER, CI: 'true' })
    await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(project.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
    await writeFile(path.join(project.dir, 'package.json'), JSON.stringify({ name: 'quit-tests', private: true, type: 'module' }))
    await writeFile(path.join(project.dir, 'venomqa.config.ts'), CONFIG)
    await mkdir(path.join(project.dir, 'journeys'))
    await writeFile(path.join(project.dir, 'journeys/quit.journey.ts'), JOURNEY)
  }, 60_000)
  afterAll(async () => {
    // The databases go even when the project's removal or the app's stop fails.
    try {
      await project?.remove()
      await app?.stop()
    } finally {
      for (const db of [...WORKER_DBS, DB]) await databases.drop(db)
    }
  })

  it('names the worker databases it leaves, with the statements that drop them, and no password', async () => {
    // Once each path has started, on the main line and on each worker: what each worker needs was made.
    const { result: r, said } = await quitTwiceOncePathsRun(project, ['p1', 'p2', 'p3'])
    expect(r.code, r.stderr).toBe(130)
    // Before, only "the workers' databases and apps may still be there".
    expect(said).toContain(
      `  - the worker databases "${DB}_w1", "${DB}_w2" are still there (a later run drops one only if it makes that same worker again): drop them with DROP DATABASE IF EXISTS "${DB}_w1" WITH (FORCE); DROP DATABASE IF EXISTS "${DB}_w2" WITH (FORCE)\n`,
    )
    expect(said).toContain("  - the workers' apps may still be there\n")
    expect(r.stderr + r.stdout).not.toContain(PASSWORD)
    // What it says is so: both are still there.
    expect(await existing()).toEqual(WORKER_DBS)
  }, 60_000)
})
