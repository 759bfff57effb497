/**
 * `venomqa doctor` tries each of the run's own state backends as a run uses them: connected, one checkpoint
 * taken, rolled back to and released, then disconnected. A backend whose checkpoint or rollback is broken
 * fails its `state` line, named, with its error; doctor leaves nothing open. With PostgreSQL: the database
 * is left as doctor found it.
 */
import { readFile, symlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { REPO_ROOT, SERVICES, describeWithService } from '@venomqa/test-utils'
import { pgTestDatabases, runDatabaseName, withPgClient } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, projectsOfFiles } from './helpers/project'

// A backend that writes each call to calls.log, and fails the one BROKEN names.
const PLUGIN = `import { appendFileSync } from 'node:fs'
const log = (what) => appendFileSync('calls.log', what + '\\n')
const call = (what) => async (name) => {
  log(typeof name === 'string' ? what + ' ' + name : what)
  if (process.env.BROKEN === what) throw new Error(what + ' is broken here')
}
export default {
  name: 'logged',
  apiVersion: 1,
  setup(api) {
    api.addStateBackend({ name: 'logged-db', mechanism: 'snapshot', parallelSafe: false, connect: call('connect'), checkpoint: call('checkpoint'), rollback: call('rollback'), release: call('release'), disconnect: call('disconnect') })
  },
}
`
const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('one', { steps: [step('s', () => {})] })
`

const project = projectsOfFiles()
const loggedProject = () =>
  project({ 'plugins/logged.mjs': PLUGIN, 'journeys/one.journey.mjs': JOURNEY, 'venomqa.yaml': "plugins:\n  - './plugins/logged.mjs'\n" })

const calls = async (p: Project) => (await readFile(path.join(p.dir, 'calls.log'), 'utf8')).trim().split('\n')
const stateLines = (stdout: string) => stdout.split('\n').filter((l) => /^. state /.test(l))

describe('venomqa doctor, the run\'s own state backends', () => {
  it('connects each, takes a checkpoint, rolls back to it, releases it and disconnects', async () => {
    const p = await loggedProject()
    const r = await p.venomqa(['doctor'])
    expect(stateLines(r.stdout)).toEqual(['✓ state      logged-db (snapshot) connected, checkpointed, rolled back and released'])
    expect(await calls(p)).toEqual(['connect', 'checkpoint doctor', 'rollback doctor', 'release doctor', 'disconnect'])
    expect(r.code, r.stdout + r.stderr).toBe(0)
  })

  // What is called after the one that fails: a checkpoint that failed is released all the same, as is one rolled back to.
  it.each([
    ['checkpoint', 'checkpoint "doctor" failed', ['connect', 'checkpoint doctor', 'release doctor', 'disconnect']],
    ['rollback', 'rollback to "doctor" failed', ['connect', 'checkpoint doctor', 'rollback doctor', 'release doctor', 'disconnect']],
  ])('fails the line naming the backend and the error when its %s is broken, and leaves nothing open', async (broken, failed, called) => {
    const p = await loggedProject()
    const r = await p.venomqa(['doctor'], { env: { BROKEN: broken } })
    expect(stateLines(r.stdout)).toEqual([`✗ state      state backend "logged-db" (venomqa.yaml: plugins[0]): ${failed}: ${broken} is broken here`])
    expect(await calls(p)).toEqual(called)
    expect(r.code, r.stdout + r.stderr).toBe(1)
  })

  it('fails the line when the release is broken', async () => {
    const p = await loggedProject()
    const r = await p.venomqa(['doctor'], { env: { BROKEN: 'release' } })
    const [line] = stateLines(r.stdout)
    expect(line).toMatch(/^✗ state {6}.*logged-db.*release is broken here/)
    expect(r.code, r.stdout + r.stderr).toBe(1)
  })
})

// Two backends whose connect fails, each with its own reason: doctor tries each.
const TWO_DOWN = `const down = (name) => ({ name, mechanism: 'snapshot', parallelSafe: false, connect: async () => { throw new Error(name + ' is down') }, checkpoint: async () => {}, rollback: async () => {}, release: async () => {}, disconnect: async () => {} })
export default {
  name: 'two-down',
  apiVersion: 1,
  setup(api) {
    api.addStateBackend(down('first-db'))
    api.addStateBackend(down('second-db'))
  },
}
`

describe('venomqa doctor, several state backends that cannot connect', () => {
  it('tries each and names every one that failed', async () => {
    const p = await project({ 'plugins/two-down.mjs': TWO_DOWN, 'journeys/one.journey.mjs': JOURNEY, 'venomqa.yaml': "plugins:\n  - './plugins/two-down.mjs'\n" })
    const r = await p.venomqa(['doctor'])
    expect(stateLines(r.stdout)).toEqual([
      '✗ state      state backend "first-db" (venomqa.yaml: plugins[0]) could not connect: first-db is down',
      '✗ state      state backend "second-db" (venomqa.yaml: plugins[0]) could not connect: second-db is down',
    ])
    expect(r.code, r.stdout + r.stderr).toBe(1)
  })
})

const DB = runDatabaseName('venomqa_doctor_state')
const databases = pgTestDatabases(new RegExp(`^${DB}$`))
const describePg = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

describePg('venomqa doctor with @venomqa/state-postgres', () => {
  const url = `postgres://postgres@127.0.0.1:5432/${DB}`
  beforeAll(async () => {
    await databases.drop(DB)
    await databases.create(DB)
    await withPgClient(url, async (c) => {
      await c.query('CREATE TABLE todos (id serial primary key, title text)')
      await c.query("INSERT INTO todos (title) VALUES ('one'), ('two')")
    })
  })
  afterAll(() => databases.drop(DB))

  it('checkpoints and rolls back the database, and leaves it as it found it', async () => {
    const shape = () =>
      withPgClient(url, async (c) => ({
        rows: (await c.query('SELECT id, title FROM todos ORDER BY id')).rows,
        schemas: (await c.query("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1")).rows,
        triggers: (await c.query('SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1')).rows,
        functions: (await c.query("SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")).rows,
        next: (await c.query('SELECT last_value FROM todos_id_seq')).rows,
      }))
    const before = await shape()
    const p = await project({ 'journeys/one.journey.mjs': JOURNEY, 'venomqa.yaml': `plugins:\n  - ['@venomqa/state-postgres', { url: '${url}' }]\n` })
    await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(p.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
    const r = await p.venomqa(['doctor'])
    const [line] = stateLines(r.stdout)
    expect(line, r.stdout + r.stderr).toMatch(/^✓ state {6}postgres.* connected, checkpointed, rolled back and released$/)
    expect(await shape()).toEqual(before)
  }, 60_000)

  it('a table the database does not have, in `tables`, is a mistake at its key in `venomqa doctor` and `venomqa run` (exit 2)', async () => {
    const p = await project({ 'journeys/one.journey.mjs': JOURNEY, 'venomqa.yaml': `plugins:\n  - ['@venomqa/state-postgres', { url: '${url}', tables: ['todoz'] }]\n` })
    await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(p.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
    const mistake = `state backend "postgres:${DB}": "todoz" in \`tables\` is not a table of database "${DB}" (did you mean "todos"? its tables: todos)`
    const doctor = await p.venomqa(['doctor'])
    // Its state line too: connected, the mistake found, where it said "could not connect" and counted no mistake.
    expect(stateLines(doctor.stdout)).toEqual([`✗ state      ${mistake} (at venomqa.yaml: plugins[0].tables[0])`])
    expect(doctor.stdout).toContain(`✗ service    postgres:${DB}: ${mistake} (at venomqa.yaml: plugins[0].tables[0])\n`)
    expect(doctor.stdout).toContain('doctor: 2 of 6 checks failed, each a mistake in the config, a plugin or a journey\n')
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(2)
    const run = await p.venomqa(['run'])
    expect(run.stderr).toContain(`venomqa: ${mistake}\n  at venomqa.yaml: plugins[0].tables[0]\n`)
    expect(run.stderr).not.toContain('critical')
    expect(run.code, run.stdout + run.stderr).toBe(2)
  }, 60_000)
})

const MY_DB = `venomqa_doctor_state_my_${process.pid}`
const describeMy = await describeWithService('MariaDB', SERVICES.mysql.host, SERVICES.mysql.port)
/** The MariaDB driver @venomqa/state-mysql uses, from its own dependencies: the CLI has none of its own. */
interface MyConnection {
  query(sql: string): Promise<unknown>
  end(): Promise<void>
}
const mysql = createRequire(path.join(REPO_ROOT, 'packages/state-mysql/package.json'))('mysql2/promise') as { createConnection(url: string): Promise<MyConnection> }
const MY_ADMIN = `mysql://root@${SERVICES.mysql.host}:${SERVICES.mysql.port}/mysql`
const withMy = async (url: string, fn: (c: MyConnection) => Promise<unknown>) => {
  const c = await mysql.createConnection(url)
  try {
    await fn(c)
  } finally {
    await c.end()
  }
}

describeMy('venomqa doctor with @venomqa/state-mysql', () => {
  const url = `mysql://root@${SERVICES.mysql.host}:${SERVICES.mysql.port}/${MY_DB}`
  beforeAll(async () => {
    await withMy(MY_ADMIN, (c) => c.query(`DROP DATABASE IF EXISTS ${MY_DB}`))
    await withMy(MY_ADMIN, (c) => c.query(`CREATE DATABASE ${MY_DB}`))
    await withMy(url, (c) => c.query('CREATE TABLE todos (id int AUTO_INCREMENT PRIMARY KEY, title text)'))
  })
  afterAll(() => withMy(MY_ADMIN, (c) => c.query(`DROP DATABASE IF EXISTS ${MY_DB}`)))

  it.each(['snapshot', 'savepoint'])('%s: a table the database does not have, in `tables`, is a mistake at its key in `venomqa doctor` and `venomqa run` (exit 2)', async (mechanism) => {
    const p = await project({ 'journeys/one.journey.mjs': JOURNEY, 'venomqa.yaml': `plugins:\n  - ['@venomqa/state-mysql', { url: '${url}', mechanism: ${mechanism}, tables: ['todoz'] }]\n` })
    await symlink(path.join(REPO_ROOT, 'packages/state-mysql'), path.join(p.dir, 'node_modules/@venomqa/state-mysql'), 'dir')
    const mistake = `state backend "mysql": "todoz" in \`tables\` is not a table of database "${MY_DB}" (did you mean "todos"? its tables: todos)`
    const doctor = await p.venomqa(['doctor'])
    expect(stateLines(doctor.stdout)).toEqual([`✗ state      ${mistake} (at venomqa.yaml: plugins[0].tables[0])`])
    // Its health check too, where it said the database answered.
    expect(doctor.stdout).toContain(`✗ service    mysql: ${mistake} (at venomqa.yaml: plugins[0].tables[0])\n`)
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(2)
    const run = await p.venomqa(['run'])
    expect(run.stderr).toContain(`venomqa: ${mistake}\n  at venomqa.yaml: plugins[0].tables[0]\n`)
    expect(run.code, run.stdout + run.stderr).toBe(2)
  }, 60_000)
})

describe('a mistake in the url of @venomqa/state-mysql', () => {
  // As state-postgres's: told on the plugin's line at its key, before any setup, and refused by a run. A URL
  // that names no database was a setup failure in doctor, its key left out.
  it.each([
    ['mysql://root:pw-secret@127.0.0.1:3306', 'no database named: put it in the url (mysql://root:***@127.0.0.1:3306/<database>) or give the "database" option'],
    ['mysq://root:pw-secret@127.0.0.1:3306/app', 'expected a mysql:// or mariadb:// URL, got "mysq://root:***@127.0.0.1:3306/app"'],
  ])('%s is a mistake at plugins[0].url in `venomqa doctor` and `venomqa run` (exit 2)', async (url, problem) => {
    const p = await project({ 'journeys/one.journey.mjs': JOURNEY, 'venomqa.yaml': `plugins:\n  - ['@venomqa/state-mysql', { url: '${url}' }]\n` })
    await symlink(path.join(REPO_ROOT, 'packages/state-mysql'), path.join(p.dir, 'node_modules/@venomqa/state-mysql'), 'dir')
    const doctor = await p.venomqa(['doctor'])
    expect(doctor.stdout).toContain(`✗ plugin     venomqa.yaml: plugins[0].url: ${problem}\n`)
    expect(doctor.stdout).not.toContain('✗ setup')
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(2)
    const run = await p.venomqa(['run'])
    expect(run.stderr).toContain(`venomqa: venomqa.yaml: plugins[0].url: ${problem}\n`)
    expect(run.code, run.stdout + run.stderr).toBe(2)
    expect(doctor.stdout + doctor.stderr + run.stdout + run.stderr).not.toContain('pw-secret')
  })
})
