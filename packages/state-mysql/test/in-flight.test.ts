/**
 * A transaction of the app still open when a checkpoint is restored (a request that answers before its
 * transaction commits, a background job): the marks of its writes are invisible to the restore until it
 * commits. The restore waits for it up to lockWaitTimeoutMs, then fails naming the session, rather than
 * report success and let the rows land on the next path (and the next rollback time out on its locks).
 * The app runs in its own process with its own pool; the journey runs through the built CLI.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunResult } from '@venomqa/core'
import { REPO_ROOT, type RunningProcess, describeWithService, runBuiltCli, startNodeProcess } from '@venomqa/test-utils'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { MysqlSnapshotBackend } from '../src'
import { HOST, PORT, admin, privateObjects, urlFor } from './helpers'

const describe = await describeWithService('MariaDB', HOST, PORT)

/** Until the app's held transaction has committed (it says so): no fixed sleep past its commit. */
async function untilCommitted(appUrl: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50)))
    if (!((await (await fetch(`${appUrl}/holder`)).json()) as { holding: boolean }).holding) return
  throw new Error('the app never committed its held transaction')
}
const DB = `venomqa_my_${process.pid}_inflight`
const HELD_APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/held-app.mjs')
const PACKAGES = ['core', 'runner', 'cli', 'state-mysql']
/** A user with every right on the test database and no PROCESS privilege: it may not read INNODB_TRX. */
const NO_PROCESS_USER = `venomqa_np_${process.pid}`
const NO_PROCESS = `'${NO_PROCESS_USER}'@'127.0.0.1'`

/**
 * checkpoint; path `holds` updates customer 2 in a transaction the app commits HOLD_MS later; path `next`
 * adds a customer, waits past that commit, and must still see only the checkpoint's customers plus its own.
 */
const JOURNEY = `import { assertEqual, branch, checkpoint, journey, path, step } from '@venomqa/core'
const names = async (http) => (await http.get('/customers')).json().map((c) => c.name)
export default journey('held_transaction', {
  steps: [
    checkpoint('start'),
    branch('start', [
      path('holds', [step('update_in_open_transaction', ({ http }) => http.post('/hold', { json: { ms: Number(process.env.HOLD_MS) } }))]),
      path('next', [
        step('sees_checkpoint', async ({ http }) => assertEqual(await names(http), ['ann', 'bob'], 'customers')),
        step('adds', ({ http }) => http.post('/customers', { json: { name: 'next' } })),
        step('waits_past_the_commit', () => new Promise((r) => setTimeout(r, Number(process.env.HOLD_MS) + 500))),
        step('sees_checkpoint_and_own_row', async ({ http }) => assertEqual(await names(http), ['ann', 'bob', 'next'], 'customers')),
      ]),
    ]),
  ],
})
`

async function makeProject(lockWaitTimeoutMs: number): Promise<string> {
  for (const built of PACKAGES) if (!existsSync(path.join(REPO_ROOT, 'packages', built, 'dist/index.js'))) throw new Error(`packages/${built}/dist is missing: build first`)
  const dir = await mkdtemp(path.join(os.tmpdir(), 'helper-inflight-my-'))
  await mkdir(path.join(dir, 'node_modules/@venomqa'), { recursive: true })
  for (const pkg of PACKAGES) await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(dir, 'node_modules/@venomqa', pkg), 'dir')
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'held-transaction', private: true, type: 'module' }))
  await writeFile(path.join(dir, 'held.journey.mjs'), JOURNEY)
  await writeFile(
    path.join(dir, 'venomqa.config.mjs'),
    `export default { baseUrl: '\${APP_URL}', journeys: ['*.journey.mjs'], plugins: [['@venomqa/state-mysql', { url: '\${DATABASE_URL}', lockWaitTimeoutMs: ${lockWaitTimeoutMs} }]] }\n`,
  )
  return dir
}

async function sql<T = RowDataPacket[]>(statement: string): Promise<T> {
  const conn = await admin(DB)
  try {
    return (await conn.query(statement))[0] as T
  } finally {
    await conn.end()
  }
}

const customers = () => sql('SELECT id, name FROM customers ORDER BY id').then((rows) => rows.map((r) => ({ ...r })))

async function dropDatabase(): Promise<void> {
  const conn = await admin()
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${DB}\``)
  } finally {
    await conn.end()
  }
}

describe('a restore while the app holds a transaction with uncommitted writes', () => {
  let app: RunningProcess
  const projects: string[] = []
  beforeAll(async () => {
    await dropDatabase()
    const conn = await admin()
    try {
      await conn.query(`CREATE DATABASE \`${DB}\`; USE \`${DB}\`;
        CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL) ENGINE=InnoDB;
        INSERT INTO customers (name) VALUES ('ann'), ('bob')`)
    } finally {
      await conn.end()
    }
    app = await startNodeProcess(HELD_APP, { env: { DATABASE_URL: urlFor(DB) } })
  })
  afterAll(async () => {
    await app?.stop()
    const conn = await admin()
    await conn.query(`DROP USER IF EXISTS ${NO_PROCESS}`).finally(() => conn.end())
    await dropDatabase()
    for (const dir of projects) await rm(dir, { recursive: true, force: true })
  })

  async function run(lockWaitTimeoutMs: number, holdMs: number) {
    const project = await makeProject(lockWaitTimeoutMs)
    projects.push(project)
    const { code, output } = await runBuiltCli(['run', '--save', 'results.json'], {
      cwd: project,
      env: { APP_URL: app.url, DATABASE_URL: urlFor(DB), HOLD_MS: String(holdMs) },
    })
    const result = JSON.parse(await readFile(path.join(project, 'results.json'), 'utf8')) as RunResult
    return { code, output, journey: result.journeys[0]! }
  }

  it('waits for the commit when it comes within lockWaitTimeoutMs: the next path never sees it, the database ends as it began', async () => {
    const before = await customers()
    const { code, output, journey } = await run(8000, 1500)
    expect(journey.issues, output).toEqual([])
    expect(code, output).toBe(0)
    expect(await customers()).toEqual(before)
    expect(await sql(`SELECT AUTO_INCREMENT AS a FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${DB}' AND TABLE_NAME = 'customers'`)).toEqual([
      expect.objectContaining({ a: 3 }),
    ])
    expect(await privateObjects(DB)).toEqual([])
  }, 60_000)

  it('fails the restore naming the session when the transaction outlasts lockWaitTimeoutMs', async () => {
    const before = await customers()
    const { code, output, journey } = await run(500, 3000)
    const { threadId } = await (await fetch(`${app.url}/holder`)).json()
    expect(code, output).toBe(1)
    expect(journey.issues).toEqual([
      expect.objectContaining({
        severity: 'critical',
        kind: 'state',
        path: 'next',
        error: expect.stringMatching(
          new RegExp(
            `rollback to "start": after 500 ms \\(lockWaitTimeoutMs\\), database "${DB}" on mysql://.*@127\\.0\\.0\\.1:${PORT}/${DB} still had uncommitted writes to tracked tables, held by a transaction of another session: thread ${threadId} \\(root@127\\.0\\.0\\.1:\\d+\\), its transaction open for \\d+ s, \\d+ rows changed, Sleep\\..*nothing was restored.*KILL ${threadId}\\)`,
          ),
        ),
      }),
    ])
    expect(output).toContain(`thread ${threadId}`)
    // The path that would have run on unknown state did not run. The app's commit lands after the run gave
    // up, as the error said it would: wait for it (the app says when), then put the table back.
    await untilCommitted(app.url)
    const after = await customers()
    expect(after.map((c) => c.name)).not.toContain('next')
    expect(after).toEqual(before.map((c) => (c.id === 2 ? { ...c, name: 'held' } : c)))
    await sql(`UPDATE customers SET name = 'bob' WHERE id = 2`)
  }, 60_000)

  it('a user without the PROCESS privilege: the restore still waits, and says it may not name the session', async () => {
    const root = await admin()
    try {
      await root.query(`DROP USER IF EXISTS ${NO_PROCESS}; CREATE USER ${NO_PROCESS} IDENTIFIED BY 'pw'; GRANT ALL ON \`${DB}\`.* TO ${NO_PROCESS}`)
    } finally {
      await root.end()
    }
    const backend = new MysqlSnapshotBackend({ url: `mysql://${NO_PROCESS_USER}:pw@${HOST}:${PORT}/${DB}`, lockWaitTimeoutMs: 800 })
    await backend.connect()
    try {
      await backend.checkpoint('start')
      const atCheckpoint = await customers()
      await fetch(`${app.url}/hold`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: 2500 }) })
      const err = await backend.rollback('start').catch((e) => e)
      expect(err.message).toMatch(
        new RegExp(
          `rollback to "start": after 800 ms \\(lockWaitTimeoutMs\\), database "${DB}" .* still had uncommitted writes to tracked tables, held by a transaction of another session \\(user "${NO_PROCESS_USER}" may not read information_schema.INNODB_TRX to name it: GRANT PROCESS`,
        ),
      )
      // Once the app has committed, the restore goes through and undoes it.
      await untilCommitted(app.url)
      await backend.rollback('start')
      expect(await customers()).toEqual(atCheckpoint)
    } finally {
      await backend.disconnect()
    }
  }, 30_000)
})

describe('a checkpoint while the app holds a transaction with uncommitted writes', () => {
  const CP_DB = `venomqa_my_${process.pid}_inflight_cp`
  let app: Connection
  let backend: MysqlSnapshotBackend | undefined
  beforeAll(async () => {
    const conn = await admin()
    try {
      await conn.query(`DROP DATABASE IF EXISTS \`${CP_DB}\`; CREATE DATABASE \`${CP_DB}\`; USE \`${CP_DB}\`;
        CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL) ENGINE=InnoDB;
        INSERT INTO customers (name) VALUES ('ann')`)
    } finally {
      await conn.end()
    }
    app = await admin(CP_DB)
  })
  afterEach(async () => {
    await app.query('ROLLBACK')
    await backend?.disconnect().catch(() => undefined)
  })
  afterAll(async () => {
    await app?.end()
    const conn = await admin()
    await conn.query(`DROP DATABASE IF EXISTS \`${CP_DB}\``).finally(() => conn.end())
  })

  it('fails naming the session when the transaction outlasts lockWaitTimeoutMs, takes none, and leaves the transaction unharmed', async () => {
    backend = new MysqlSnapshotBackend({ url: urlFor(CP_DB), lockWaitTimeoutMs: 500 })
    await backend.connect()
    await app.query('BEGIN')
    await app.query("INSERT INTO customers (name) VALUES ('held')")
    const [[{ id: threadId }]] = await app.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id')
    const t0 = Date.now()
    const error = await backend.checkpoint('held').catch((e) => e)
    // It waited on the marks' row locks as long as the server's lock wait, then said only "Lock wait timeout
    // exceeded (a connection of the app under test probably holds an open transaction on a tracked table)".
    expect(error.message).toMatch(
      new RegExp(
        `^state backend "mysql": checkpoint "held": after 500 ms \\(lockWaitTimeoutMs\\), database "${CP_DB}" on .* still had uncommitted writes to tracked tables, held by a transaction of another session: thread ${threadId} \\(root@[^)]+\\), its transaction open for \\d+ s, 2 rows changed, .*A checkpoint cannot see uncommitted rows, .* so none was taken\\. .*end the session \\(KILL ${threadId}\\)\\.$`,
      ),
    )
    expect(Date.now() - t0).toBeLessThan(5000)
    expect(backend.checkpoints).toEqual([])
    await app.query('COMMIT')
    expect((await app.query<RowDataPacket[]>('SELECT name FROM customers ORDER BY id'))[0].map((r) => r.name)).toEqual(['ann', 'held'])
    // Committed, the row is part of the next checkpoint, and a rollback to it keeps it.
    await backend.checkpoint('committed')
    await app.query("INSERT INTO customers (name) VALUES ('later')")
    await backend.rollback('committed')
    expect((await app.query<RowDataPacket[]>('SELECT name FROM customers ORDER BY id'))[0].map((r) => r.name)).toEqual(['ann', 'held'])
    await backend.disconnect()
    expect(await privateObjects(CP_DB)).toEqual([])
  }, 30_000)

  it('waits for a commit that comes within lockWaitTimeoutMs, and holds the committed row', async () => {
    backend = new MysqlSnapshotBackend({ url: urlFor(CP_DB), lockWaitTimeoutMs: 8000 })
    await backend.connect()
    await app.query('BEGIN')
    await app.query("INSERT INTO customers (name) VALUES ('soon')")
    const committed = new Promise((r) => setTimeout(r, 700)).then(() => app.query('COMMIT'))
    await backend.checkpoint('soon')
    await committed
    await app.query("INSERT INTO customers (name) VALUES ('later')")
    await backend.rollback('soon')
    expect((await app.query<RowDataPacket[]>('SELECT name FROM customers ORDER BY id'))[0].map((r) => r.name)).toEqual(['ann', 'held', 'soon'])
    await backend.disconnect()
    expect(await privateObjects(CP_DB)).toEqual([])
  }, 30_000)
})
