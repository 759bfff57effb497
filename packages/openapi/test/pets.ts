/**
 * The pets apps of test/fixtures (adoptions, checkups: each its own process over PostgreSQL) and a project
 * whose `venomqa` explores one from its OpenAPI document with the snapshot backend, for the end-to-end tests
 * of the states a write leaves. Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { REPO_ROOT, type RunningProcess, runBuiltCli, startNodeProcess } from '@venomqa/test-utils'
import { createDatabase, dbUrl } from './helpers'

const PACKAGES = ['core', 'runner', 'cli', 'explore', 'openapi', 'state-postgres']

export interface Pets {
  app: RunningProcess
  db: string
}

const fixtureDir = (fixture: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', fixture)

/** The app of `fixture` on a fresh database `db`, its planted bug on unless `fixed`; `env`: more of its settings. */
export async function startPets(fixture: string, db: string, fixed: boolean, env: Record<string, string> = {}): Promise<Pets> {
  await createDatabase(db)
  const app = await startNodeProcess(path.join(fixtureDir(fixture), 'server.mjs'), { env: { DATABASE_URL: dbUrl(db), FIXED: fixed ? '1' : '0', ...env } })
  return { app, db }
}

/** A project in the system's temporary directory: the built packages linked, the document of `fixture`, a config exploring it. */
export async function makePetsProject(fixture: string): Promise<string> {
  for (const built of PACKAGES) if (!existsSync(path.join(REPO_ROOT, 'packages', built, 'dist/index.js'))) throw new Error(`packages/${built}/dist is missing: build the packages first`)
  const dir = await mkdtemp(path.join(os.tmpdir(), `venomqa-openapi-${fixture}-`))
  await mkdir(path.join(dir, 'node_modules/@venomqa'), { recursive: true })
  for (const pkg of PACKAGES) await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(dir, 'node_modules/@venomqa', pkg), 'dir')
  await copyFile(path.join(fixtureDir(fixture), 'openapi.json'), path.join(dir, 'openapi.json'))
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: `${fixture}-proof`, private: true, type: 'module' }))
  await writeFile(
    path.join(dir, 'venomqa.config.ts'),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the CLI fills ${VAR} in from the environment
    "export default { baseUrl: '${APP_URL}', plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}', mechanism: 'snapshot' }]], timeout: 10_000 }\n",
  )
  return dir
}

/** The built `venomqa` in `project`, against `pets`. */
export const petsCli = (project: string, pets: Pets, args: string[]) => runBuiltCli(args, { cwd: project, env: { APP_URL: pets.app.url, DATABASE_URL: dbUrl(pets.db) } })
