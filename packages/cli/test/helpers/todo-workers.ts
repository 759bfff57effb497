import { symlink } from 'node:fs/promises'
import path from 'node:path'
import { REPO_ROOT, type RunningProcess, TODO_APP_SERVER, startTodoApp } from '@venomqa/test-utils'
import { PG_ADMIN_URL, pgTestDatabases, withPgClient } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll } from 'vitest'
import { type CliResult, type Project, assertBuilt, makeProject, waitUntil, writeFiles } from './project'

/**
 * The config docs/parallel.md shows: the todo app on PostgreSQL as the run's app, and postgresWorkers
 * starting one more in a process of its own (`startAppProcess`) on each worker's database.
 */
const CONFIG = `import { postgresWorkers, startAppProcess } from '@venomqa/state-postgres'

export default {
  baseUrl: '\${TODO_URL}',
  plugins: [['@venomqa/state-postgres', { url: '\${DATABASE_URL}' }]],
  workerSetup: postgresWorkers({
    url: process.env.DATABASE_URL!,
    startApp: (_index: number, databaseUrl: string, { signal }: { signal: AbortSignal }) =>
      startAppProcess({ command: [process.execPath, process.env.TODO_SERVER!], env: { DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1' }, signal }),
  }),
}
`

export interface TodoWorkersProject {
  /** Set once the file's beforeAll has run. */
  project: Project
  /** The worker databases there are now (`<db>_w1`, ...). */
  workerDatabases(): Promise<string[]>
  /**
   * `venomqa <args>` stopped with one Ctrl-C once `ready` (given what it printed so far) says so: how it
   * ended, and the worker databases there were just before.
   */
  interruptedOnce(args: string[], ready: (out: CliResult) => boolean | Promise<boolean>, what: string): Promise<{ result: CliResult; before: string[] }>
}

/**
 * For a test file: database `db` made and the todo app started on it in a process of its own, a project
 * with the config above and `files`, all removed after the file's tests (the worker databases too).
 */
export function todoWorkersProject(db: string, files: Record<string, string>): TodoWorkersProject {
  const databases = pgTestDatabases(new RegExp(`^${db}(_w\\d+)?$`))
  const workers = [`${db}_w1`, `${db}_w2`]
  const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${db}`
  let app: RunningProcess | undefined
  const made: TodoWorkersProject = {
    project: undefined as unknown as Project,
    workerDatabases: () =>
      withPgClient(PG_ADMIN_URL, async (c) => (await c.query('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [`${db}\\_w%`])).rows.map((r) => r.datname as string)),
    async interruptedOnce(args, ready, what) {
      const run = made.project.spawn(args)
      await waitUntil(() => ready(run.output()), what, 30_000)
      const before = await made.workerDatabases()
      run.child.kill('SIGINT')
      return { result: await run.done, before }
    },
  }
  beforeAll(async () => {
    assertBuilt()
    for (const w of workers) await databases.drop(w)
    await databases.create(db)
    app = await startTodoApp({ DATABASE_URL })
    made.project = await makeProject(null, { TODO_URL: app.url, DATABASE_URL, TODO_SERVER: TODO_APP_SERVER, CI: 'true' })
    await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(made.project.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
    await writeFiles(made.project.dir, { 'package.json': JSON.stringify({ name: 'todo-workers', private: true, type: 'module' }), 'venomqa.config.ts': CONFIG, ...files })
  }, 60_000)
  afterAll(async () => {
    await made.project?.remove()
    await app?.stop()
    for (const d of [...workers, db]) await databases.drop(d)
  })
  return made
}
