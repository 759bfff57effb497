import { mkdir, symlink, writeFile } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import { type LocalServer, REPO_ROOT, listenLocally } from '@venomqa/test-utils'
import { PG_ADMIN_URL, withPgClient } from '@venomqa/test-utils/postgres'
import { type Project, assertBuilt, makeProject } from './project'

/**
 * A project for `venomqa doctor` with a workerSetup: `files` (its venomqa.config.ts, the worker apps'
 * scripts) beside one journey, @venomqa/state-postgres installed, and `env` for every command run in it.
 */
export async function workersProject(files: Record<string, string>, env: Record<string, string>): Promise<Project> {
  assertBuilt()
  const project = await makeProject(null, { ...env, CI: 'true' })
  await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(project.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
  await writeFile(path.join(project.dir, 'package.json'), JSON.stringify({ name: 'doctor-workers', private: true, type: 'module' }))
  const all = { ...files, 'journeys/health.journey.ts': "import { journey, step } from '@venomqa/core'\n\nexport default journey('health', { steps: [step('health', ({ http }) => http.get('/'))] })\n" }
  for (const [file, text] of Object.entries(all)) {
    await mkdir(path.dirname(path.join(project.dir, file)), { recursive: true })
    await writeFile(path.join(project.dir, file), text)
  }
  return project
}

/** Worker 0's app: only the base URL check asks it anything. */
export const startMainApp = (): Promise<LocalServer> => listenLocally(http.createServer((_req, res) => res.end('main')))

/** The `workers` line doctor printed, if any. */
export const workersLine = (stdout: string) => stdout.split('\n').find((l) => /^. workers /.test(l))

export const databaseExists = (db: string) => withPgClient(PG_ADMIN_URL, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rowCount === 1)

/**
 * A table in the run's own database, made as an app's migrations make it: doctor connects the run's state
 * backend, which refuses a database with nothing to track, as a run does.
 */
export const addAppTable = (db: string) => withPgClient(PG_ADMIN_URL.replace(/\/[^/]*$/, `/${db}`), (c) => c.query('CREATE TABLE todos (id serial PRIMARY KEY, title text)'))
