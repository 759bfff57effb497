/**
 * A transaction of the app still open when a checkpoint is restored (a request that answers before its
 * transaction commits, a background job): its writes are invisible to the restore until it commits. The
 * restore waits for it up to lockTimeoutMs, then fails naming the session, rather than report success and
 * let the rows land on the next path. The app runs in its own process with its own pool; the journey runs
 * through the built CLI, as a user runs it.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunResult, StateError } from '@venomqa/core'
import { REPO_ROOT, type RunningProcess, describeWithService, runBuiltCli, startNodeProcess } from '@venomqa/test-utils'
import { pgTestDatabases } from '@venomqa/test-utils/postgres'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { postgresState } from '../src'
import { PG, commitRightAfter, freshDatabaseEachTest, trackingLeftovers, withClient, writerAtEvery } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

/** Until the app's held transaction has committed (it says so): no fixed sleep past its commit. */
async function untilCommitted(appUrl: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50)))
    if (!((await (await fetch(`${appUrl}/holder`)).json()) as { holding: boolean }).holding) return
  throw new Error('the app never committed its held transaction')
}
/**
 * Until `count` sessions of the database wait for a lock (a batch of the backend stopped at a lock another
 * session holds, and maybe the app's statement behind it), or `settled` has settled.
 */
async function untilWaiting(c: pg.Client, count: number, settled?: Promise<unknown>): Promise<void> {
  let done = false
  settled?.then(
    () => (done = true),
    () => (done = true),
  )
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    const { rows } = await c.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
    if (rows.length >= count || done) return
  }
  throw new Error(`never ${count} sessions waiting for a lock`)
}
/** The first round trip of a rollback: it opens the restore's transaction and looks for writers. */
const isRestoreBatch = (sql: string) => sql.startsWith('BEGIN') && sql.includes('in_flight_writers(')

const databases = pgTestDatabases(/^venomqa_pg_[a-z0-9_]+$/)
const DB = `venomqa_pg_${process.pid}_inflight`
const HELD_APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/held-app.mjs')
const PACKAGES = ['core', 'runner', 'cli', 'state-postgres']

/**
 * checkpoint; path `holds` updates customer 2 in a transaction the app commits HOLD_MS later; path `next`
 * adds a customer, waits until that commit (the app says when), and must still see only the checkpoint's
 * customers plus its own.
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
        step('waits_past_the_commit', async () => {
          // The app says when its held transaction has committed: no fixed sleep past it.
          while ((await (await fetch(\`\${process.env.APP_URL}/holder\`)).json()).holding) await new Promise((r) => setTimeout(r, 20))
        }),
        step('sees_checkpoint_and_own_row', async ({ http }) => assertEqual(await names(http), ['ann', 'bob', 'next'], 'customers')),
      ]),
    ]),
  ],
})
`

async function makeProject(lockTimeoutMs: number): Promise<string> {
  for (const built of PACKAGES) if (!existsSync(path.join(REPO_ROOT, 'packages', built, 'dist/index.js'))) throw new Error(`packages/${built}/dist is missing: build first`)
  const dir = await mkdtemp(path.join(os.tmpdir(), 'helper-inflight-pg-'))
  await mkdir(path.join(dir, 'node_modules/@venomqa'), { recursive: true })
  for (const pkg of PACKAGES) await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(dir, 'node_modules/@venomqa', pkg), 'dir')
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'held-transaction', private: true, type: 'module' }))
  await writeFile(path.join(dir, 'held.journey.mjs'), JOURNEY)
  await writeFile(
    path.join(dir, 'venomqa.config.mjs'),
    `export default { baseUrl: '\${APP_URL}', journeys: ['*.journey.mjs'], plugins: [['@venomqa/state-postgres', { url: '\${DATABASE_URL}', exclude: ['jobs'], lockTimeoutMs: ${lockTimeoutMs} }]] }\n`,
  )
  return dir
}

const customers = (url: string) => withClient(url, async (c) => (await c.query('SELECT id, name FROM customers ORDER BY id')).rows)

describe('a restore while the app holds a transaction with uncommitted writes', () => {
  let url: string
  let app: RunningProcess
  const projects: string[] = []
  beforeAll(async () => {
    url = await databases.create(DB, `CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL); INSERT INTO customers (name) VALUES ('ann'), ('bob');
       CREATE TABLE jobs (id serial PRIMARY KEY, payload text)`)
    app = await startNodeProcess(HELD_APP, { env: { DATABASE_URL: url } })
  })
  afterAll(async () => {
    await app?.stop()
    await databases.drop(DB)
    for (const dir of projects) await rm(dir, { recursive: true, force: true })
  })

  async function run(lockTimeoutMs: number, holdMs: number) {
    const project = await makeProject(lockTimeoutMs)
    projects.push(project)
    const { code, output } = await runBuiltCli(['run', '--save', 'results.json'], {
      cwd: project,
      env: { APP_URL: app.url, DATABASE_URL: url, HOLD_MS: String(holdMs) },
    })
    const result = JSON.parse(await readFile(path.join(project, 'results.json'), 'utf8')) as RunResult
    return { code, output, journey: result.journeys[0]! }
  }

  it('waits for the commit when it comes within lockTimeoutMs: the next path never sees it, the database ends as it began', async () => {
    const before = await customers(url)
    const { code, output, journey } = await run(8000, 1500)
    expect(journey.issues, output).toEqual([])
    expect(code, output).toBe(0)
    expect(await customers(url)).toEqual(before)
    expect(await trackingLeftovers(url)).toEqual([])
  }, 60_000)

  it('fails the restore naming the session when the transaction outlasts lockTimeoutMs', async () => {
    const before = await customers(url)
    const { code, output, journey } = await run(500, 3000)
    const { pid } = await (await fetch(`${app.url}/holder`)).json()
    expect(code, output).toBe(1)
    expect(journey.issues).toEqual([
      expect.objectContaining({
        severity: 'critical',
        kind: 'state',
        path: 'next',
        error: expect.stringMatching(
          new RegExp(
            `rollback to "start": a session of database "${DB}" .* still had a transaction with uncommitted writes to tracked tables or large objects after 500 ms \\(lockTimeoutMs\\): pid ${pid} \\(application "held-app", user postgres from 127\\.0\\.0\\.1\\), its transaction open for \\d+\\.\\d s, idle in transaction\\..*nothing was restored\\.$`,
          ),
        ),
        // What to do is the suggestion, not the kind's "check the backend's connection and permissions".
        suggestion: expect.stringContaining(`end the session (SELECT pg_terminate_backend(${pid}))`),
      }),
    ])
    expect(output).toContain(`pid ${pid}`)
    // The path that would have run on unknown state did not run. The app's commit lands after the run gave
    // up, as the error said it would: wait for it (the app says when), then put the table back.
    await untilCommitted(app.url)
    const after = await customers(url)
    expect(after.map((c) => c.name)).not.toContain('next')
    expect(after).toEqual(before.map((c) => (c.id === 2 ? { ...c, name: 'held' } : c)))
    await withClient(url, (c) => c.query(`UPDATE customers SET name = 'bob' WHERE id = 2`))
  }, 60_000)

  it('a checkpoint waits for a transaction open between two of its writes: a rollback keeps all of it, never half', async () => {
    const backend = postgresState({ url, exclude: ['jobs'], lockTimeoutMs: 8000 })
    await backend.connect()
    try {
      await backend.checkpoint('before')
      // The app's job has made its first write and makes the second 800 ms later, then commits.
      await fetch(`${app.url}/hold-two`, { method: 'POST', body: JSON.stringify({ ms: 800 }) })
      await backend.checkpoint('during')
      // Taken after the job committed: the checkpoint holds both rows.
      expect((await customers(url)).map((c) => c.name)).toEqual(['ann', 'bob', 'first of two', 'second of two'])
      await withClient(url, (c) => c.query(`INSERT INTO customers (name) VALUES ('after')`))
      await backend.rollback('during')
      expect((await customers(url)).map((c) => c.name)).toEqual(['ann', 'bob', 'first of two', 'second of two'])
      // The sequence as it stood once the job had committed: set back to where it was before the job's second
      // insert, it handed that row's id out again and the app's next insert failed on its key.
      await withClient(url, (c) => c.query(`INSERT INTO customers (name) VALUES ('after the rollback')`))
      await backend.rollback('before')
      expect((await customers(url)).map((c) => c.name)).toEqual(['ann', 'bob'])
    } finally {
      await backend.disconnect()
    }
  }, 30_000)

  it('a checkpoint fails naming the session when the transaction outlasts lockTimeoutMs, and takes none', async () => {
    const backend = postgresState({ url, exclude: ['jobs'], lockTimeoutMs: 300 })
    await backend.connect()
    try {
      await backend.checkpoint('before')
      const { pid } = (await (await fetch(`${app.url}/hold-two`, { method: 'POST', body: JSON.stringify({ ms: 2000 }) })).json()) as { pid: number }
      await expect(backend.checkpoint('during')).rejects.toThrow(
        new RegExp(`checkpoint "during": a session of database "${DB}" .* after 300 ms \\(lockTimeoutMs\\): pid ${pid} .*no checkpoint was taken`),
      )
      await untilCommitted(app.url)
      // No checkpoint "during": the one below is still the one to go back to, and it undoes all of the job.
      await expect(backend.rollback('during')).rejects.toThrow(/during/)
      await backend.rollback('before')
      expect((await customers(url)).map((c) => c.name)).toEqual(['ann', 'bob'])
    } finally {
      await backend.disconnect()
    }
  }, 30_000)

  it('a checkpoint whose every mark meets a writer, gone by the time it looks again, fails at lockTimeoutMs instead of marking forever', async () => {
    // The app writes without pause in short transactions: one is in flight at each mark, and has committed
    // when the checkpoint looks again. Each round passed the wait, which ended at once, and marked again,
    // past lockTimeoutMs and for ever. Here each mark finds a transaction that commits as the mark answers.
    const backend = postgresState({ url, exclude: ['jobs'], lockTimeoutMs: 300 })
    await backend.connect()
    const writer = new pg.Client({ connectionString: url })
    await writer.connect()
    await backend.checkpoint('before')
    try {
      let outcome: unknown
      const marks = await writerAtEvery(writer, (sql) => sql.includes('SET mark = nextval'), "INSERT INTO customers (name) VALUES ('busy')", async () => {
        const settled = backend.checkpoint('during').then(
          () => 'taken',
          (err: Error) => err.message,
        )
        outcome = await Promise.race([settled, new Promise((r) => setTimeout(() => r('still marking after 10 s'), 10_000))])
      })
      expect(outcome).toMatch(/^state backend .*checkpoint "during": a session of database .* after 300 ms \(lockTimeoutMs\): pid \d+ .*no checkpoint was taken/)
      expect(marks).toBeGreaterThan(2)
    } finally {
      await writer.end()
      // The busy rows go: the tests after this one share the database.
      await backend.rollback('before').finally(() => backend.disconnect())
    }
    expect((await customers(url)).map((c) => c.name)).toEqual(['ann', 'bob'])
  }, 30_000)

  it('a rollback whose every look meets a writer, gone by the time it looks again, fails at lockTimeoutMs instead of looking forever', async () => {
    // The rollback's counterpart of the test above: each opening of the restore finds a transaction in
    // flight that commits as the opening answers; each wait for it ended at once, and the restore opened again.
    const backend = postgresState({ url, exclude: ['jobs'], lockTimeoutMs: 300 })
    await backend.connect()
    const writer = new pg.Client({ connectionString: url })
    await writer.connect()
    await backend.checkpoint('before')
    try {
      let outcome: unknown
      const looks = await writerAtEvery(writer, isRestoreBatch, "INSERT INTO customers (name) VALUES ('busy')", async () => {
        const settled = backend.rollback('before').then(
          () => 'rolled back',
          (err: Error) => err.message,
        )
        outcome = await Promise.race([settled, new Promise((r) => setTimeout(() => r('still looking after 10 s'), 10_000))])
      })
      expect(outcome).toMatch(/^state backend .*rollback to "before": a session of database .* after 300 ms \(lockTimeoutMs\): pid \d+ /)
      expect(looks).toBeGreaterThan(2)
    } finally {
      await writer.end()
      // The busy rows go: the tests after this one share the database.
      await backend.rollback('before').finally(() => backend.disconnect())
    }
    expect((await customers(url)).map((c) => c.name)).toEqual(['ann', 'bob'])
  }, 30_000)

  /** A backend and another session's client, both closed after `body`. */
  async function withWriter(body: (backend: ReturnType<typeof postgresState>, writer: pg.Client) => Promise<void>): Promise<void> {
    const backend = postgresState({ url, exclude: ['jobs'], lockTimeoutMs: 5000 })
    await backend.connect()
    const writer = new pg.Client({ connectionString: url })
    await writer.connect()
    try {
      await body(backend, writer)
    } finally {
      await writer.end()
      await backend.disconnect()
    }
  }

  it('a writer that commits right after the mark is seen: the mark and the look for writers go up in one batch', () =>
    // A transaction of another session makes one write before the checkpoint and one after it, and commits
    // at the moment the backend sends anything else. A look for writers sent on its own, after the mark,
    // would find it gone and keep a mark that splits its transaction.
    withWriter(async (backend, writer) => {
      await backend.checkpoint('before')
      await writer.query("BEGIN; INSERT INTO customers (name) VALUES ('w1')")
      const fired = await commitRightAfter(writer, (sql) => /\bmark\b/.test(sql), "INSERT INTO customers (name) VALUES ('w2'); COMMIT", () =>
        backend.checkpoint('during'),
      )
      expect(fired).toBe(true)
      await backend.rollback('during')
      // Whole or not at all: the transaction committed after the mark was taken, so the checkpoint holds
      // either both rows (its writers were waited for) or neither.
      expect([['ann', 'bob'], ['ann', 'bob', 'w1', 'w2']]).toContainEqual((await customers(url)).map((c) => c.name))
      await backend.rollback('before')
    }))

  it('an insert that commits between the checkpoint\'s first read and its mark: the sequence the checkpoint saved covers its id', () =>
    // The insert commits before the mark, with no transaction left for the checkpoint to wait for: its row
    // is part of the checkpoint, and a rollback keeps it. The sequences were read in the first round trip,
    // before its nextval: the rollback set the sequence back below the row's id, and the app's next insert
    // failed on its key.
    withWriter(async (backend, writer) => {
      await backend.checkpoint('before')
      const fired = await commitRightAfter(writer, (sql) => sql.startsWith('SELECT * FROM "_venomqa".shape('), "INSERT INTO customers (name) VALUES ('between')", () =>
        backend.checkpoint('during'),
      )
      expect(fired).toBe(true)
      await backend.rollback('during')
      expect((await customers(url)).map((c) => c.name)).toContain('between')
      await withClient(url, (c) => c.query(`INSERT INTO customers (name) VALUES ('after the rollback')`))
      await backend.rollback('before')
    }))

  it('a writer that commits right after a rollback looked is waited for: the look and the read of what changed go up in one batch', () =>
    withWriter(async (backend, writer) => {
      await backend.checkpoint('start')
      await writer.query("BEGIN; INSERT INTO customers (name) VALUES ('late')")
      const fired = await commitRightAfter(writer, isRestoreBatch, 'COMMIT', () => backend.rollback('start'))
      expect(fired).toBe(true)
      expect((await customers(url)).map((c) => c.name)).toEqual(['ann', 'bob'])
    }))

  it('a transaction that locked a tracked table but wrote nothing does not hold up a checkpoint', async () => {
    const backend = postgresState({ url, exclude: ['jobs'], lockTimeoutMs: 300 })
    await backend.connect()
    try {
      await withClient(url, async (other) => {
        // An UPDATE that matches no row takes the table's write lock but writes nothing: no transaction id.
        await other.query(`BEGIN; UPDATE customers SET name = 'none' WHERE id = -1`)
        await backend.checkpoint('start')
        await other.query('ROLLBACK')
      })
      await backend.rollback('start')
    } finally {
      await backend.disconnect()
    }
  })

  it('a transaction that writes only an untracked table does not hold up a restore', async () => {
    const backend = postgresState({ url, exclude: ['jobs'], lockTimeoutMs: 1000 })
    await backend.connect()
    try {
      await backend.checkpoint('start')
      await withClient(url, async (job) => {
        await job.query(`BEGIN; INSERT INTO jobs (payload) VALUES ('x')`)
        // Held up by the job, it would wait out lockTimeoutMs with the job still open, then throw.
        await backend.rollback('start')
        await job.query('ROLLBACK')
      })
    } finally {
      await backend.disconnect()
    }
  })

  it('disconnect waits for an app transaction still open at the end of the run, then removes every trace of the tracking', async () => {
    const backend = postgresState({ url, exclude: ['jobs'], lockTimeoutMs: 8000 })
    await backend.connect()
    await backend.checkpoint('start')
    // The app's transaction has read a tracked table and writes it 500 ms later. A DROP that took the log's
    // lock and then waited on the table made that write wait on it: a deadlock, the DROP failed, and the
    // triggers stayed, logging the app's writes.
    await fetch(`${app.url}/read-then-write`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: 500, name: 'written at the end' }) })
    await backend.disconnect()
    await untilCommitted(app.url)
    expect(await trackingLeftovers(url)).toEqual([])
    // The app's transaction was waited for, not broken: its row is there.
    expect((await customers(url)).map((c) => c.name)).toContain('written at the end')
    await withClient(url, (c) => c.query(`DELETE FROM customers WHERE name = 'written at the end'`))
  })

  it('disconnect fails loudly, saying what is left and how to remove it, when the transaction outlasts lockTimeoutMs', async () => {
    const backend = postgresState({ url, exclude: ['jobs'], lockTimeoutMs: 500 })
    await backend.connect()
    const { pid } = await (
      await fetch(`${app.url}/read-then-write`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: 2000, name: 'late' }) })
    ).json()
    const err = await backend.disconnect().catch((e) => e)
    expect(err).toBeInstanceOf(StateError)
    expect(err.message).toMatch(
      new RegExp(
        `remove change tracking on database "${DB}" .*: after 500 ms \\(lockTimeoutMs\\), pid ${pid} \\(application "held-app".*still held a lock on a tracked table.*the change tracking is still installed: schema _venomqa .* the triggers _venomqa_capture and _venomqa_capture_truncate on public\\.customers, which go on logging every write of the app\\. Remove them with DROP SCHEMA _venomqa CASCADE once that transaction has ended \\(or end the session: SELECT pg_terminate_backend\\(${pid}\\)\\)`,
      ),
    )
    expect(await trackingLeftovers(url)).not.toEqual([])
    await untilCommitted(app.url)
    // As the message says: the next backend to connect removes it.
    const next = postgresState({ url, exclude: ['jobs'] })
    await next.connect()
    await next.disconnect()
    expect(await trackingLeftovers(url)).toEqual([])
    await withClient(url, (c) => c.query(`DELETE FROM customers WHERE name = 'late'`))
  })
})

describe('an app transaction that commits while a checkpoint reads the sequences and large objects', () => {
  const KEYLESS_DB = `venomqa_pg_${process.pid}_inflight_keyless`
  let url: string
  beforeAll(async () => {
    url = await databases.create(
      KEYLESS_DB,
      `CREATE TABLE posts (id serial PRIMARY KEY, what text NOT NULL); CREATE TABLE notes (what text NOT NULL); CREATE SEQUENCE free_seq;
       INSERT INTO posts (what) VALUES ('seed'); INSERT INTO notes VALUES ('seed')`,
    )
  })
  afterAll(() => databases.drop(KEYLESS_DB))

  const rows = (table: string) => withClient(url, async (c) => (await c.query(`SELECT what FROM ${table} ORDER BY what`)).rows.map((r) => r.what as string))

  it('is undone whole by a rollback to that checkpoint, in a table without a key as in one with a key', async () => {
    // The mark was committed with the reads, after them: the app's trigger on the keyless table still saw
    // the previous mark, after which the table had a copy already, and took none. The rollback put the
    // keyed table back and left the keyless one as the transaction made it: half of it kept.
    const backend = postgresState({ url })
    const blocker = new pg.Client({ connectionString: url })
    await backend.connect()
    await blocker.connect()
    try {
      await backend.checkpoint('start')
      await withClient(url, (c) => c.query(`INSERT INTO posts (what) VALUES ('path'); INSERT INTO notes VALUES ('path')`))
      // A lock on a sequence that is no tracked table: the checkpoint's batch waits for it after its mark and
      // its look for writers, at the read of the sequence.
      await blocker.query('BEGIN; ALTER SEQUENCE free_seq RENAME TO free_seq_renamed')
      const taking = backend.checkpoint('during')
      await untilWaiting(blocker, 1)
      await withClient(url, (c) => c.query(`BEGIN; INSERT INTO posts (what) VALUES ('concurrent'); INSERT INTO notes VALUES ('concurrent'); COMMIT`))
      await blocker.query('ROLLBACK')
      await taking
      await backend.rollback('during')
      expect(await rows('posts')).toEqual(['path', 'seed'])
      expect(await rows('notes')).toEqual(['path', 'seed'])
      await backend.rollback('start')
      expect(await rows('posts')).toEqual(['seed'])
      expect(await rows('notes')).toEqual(['seed'])
    } finally {
      await blocker.end().catch(() => {})
      await backend.disconnect()
    }
  })

  it('a checkpoint whose mark fails inside its transaction leaves the session usable: the next checkpoint and rollback work', async () => {
    // The mark is taken between BEGIN and COMMIT: failed there (the log's state locked past lockTimeoutMs),
    // the transaction stays open and aborted until a ROLLBACK, and every later statement of the backend
    // failed with "current transaction is aborted".
    const backend = postgresState({ url, lockTimeoutMs: 300 })
    const blocker = new pg.Client({ connectionString: url })
    await backend.connect()
    await blocker.connect()
    try {
      await blocker.query('BEGIN; LOCK TABLE "_venomqa".state IN ACCESS EXCLUSIVE MODE')
      await expect(backend.checkpoint('start')).rejects.toThrow(/lock timeout/)
      await blocker.query('ROLLBACK')
      await backend.checkpoint('start')
      await withClient(url, (c) => c.query(`INSERT INTO posts (what) VALUES ('path'); INSERT INTO notes VALUES ('path')`))
      await backend.rollback('start')
      expect(await rows('posts')).toEqual(['seed'])
      expect(await rows('notes')).toEqual(['seed'])
    } finally {
      await blocker.end().catch(() => {})
      await backend.disconnect()
    }
  })
})

describe('an app transaction that writes while a rollback runs', () => {
  const ROLLBACK_DB = `venomqa_pg_${process.pid}_inflight_rollback`
  // free_seq first: the restore sets it back before the others, and a lock on it stops the restore's last
  // batch there, after it has put the rows back, emptied the log and set the mark, before its COMMIT.
  const { url, app } = freshDatabaseEachTest(
    ROLLBACK_DB,
    `CREATE SEQUENCE free_seq; CREATE TABLE posts (id serial PRIMARY KEY, what text NOT NULL); CREATE TABLE tags (id serial PRIMARY KEY, what text NOT NULL);
     CREATE TABLE notes (what text NOT NULL); INSERT INTO posts (what) VALUES ('seed'); INSERT INTO notes VALUES ('seed')`,
  )
  const rows = (table: string) => withClient(url(), async (c) => (await c.query(`SELECT what FROM ${table} ORDER BY what`)).rows.map((r) => r.what as string))

  /** A backend and another session's client (`other`, a blocker or a writer), both closed after `body`. */
  async function withOther(body: (backend: ReturnType<typeof postgresState>, other: pg.Client) => Promise<void>, { lockTimeoutMs = 5000 } = {}): Promise<void> {
    const backend = postgresState({ url: url(), lockTimeoutMs })
    const other = new pg.Client({ connectionString: url() })
    await backend.connect()
    await other.connect()
    try {
      await body(backend, other)
    } finally {
      await other.end().catch(() => {})
      await backend.disconnect()
    }
  }

  /**
   * Roll back to `name` while the restore's last batch is stopped before its COMMIT, and `sql` runs then on a
   * connection of the app: it either goes through at once (and commits before the restore does), or waits for
   * the restore; either way the rollback is let go on then, and both are awaited.
   */
  async function rollbackWhile(backend: ReturnType<typeof postgresState>, blocker: pg.Client, name: string, sql: string): Promise<void> {
    await blocker.query('BEGIN; ALTER SEQUENCE free_seq RENAME TO free_seq_renamed')
    const rolling = backend.rollback(name)
    rolling.catch(() => {})
    try {
      // Watched from a session of its own: pg_stat_activity is read once per transaction, the blocker's too.
      await withClient(url(), async (watcher) => {
        await untilWaiting(watcher, 1)
        const writing = app(sql)
        writing.catch(() => {})
        await untilWaiting(watcher, 2, writing)
        await blocker.query('ROLLBACK')
        await Promise.all([rolling, writing])
      })
    } finally {
      await blocker.query('ROLLBACK').catch(() => {})
      await rolling.catch(() => {})
    }
  }


  it('one that writes a table with a key and one without as the restore commits is undone whole by the next rollback, never half', () =>
    // The app's trigger on the keyless table read the mark and the log as they were before the restore (its
    // changes not yet committed), found the table's copy after the mark, and took none. The restore then
    // removed that copy: the next rollback put the keyed table back and left the keyless one as the
    // transaction made it, and every rollback after too.
    withOther(async (backend, blocker) => {
      await backend.checkpoint('start')
      await app(`INSERT INTO posts (what) VALUES ('path'); INSERT INTO notes VALUES ('path')`)
      await rollbackWhile(backend, blocker, 'start', `BEGIN; INSERT INTO notes VALUES ('concurrent'); INSERT INTO posts (what) VALUES ('concurrent'); COMMIT`)
      const kept = (await rows('posts')).includes('concurrent')
      expect((await rows('notes')).includes('concurrent')).toBe(kept)
      await backend.rollback('start')
      expect(await rows('posts')).toEqual(['seed'])
      expect(await rows('notes')).toEqual(['seed'])
    }))

  it('one that writes a table without a key during a rollback to an outer checkpoint: the copy a later rollback puts back is the checkpoint\'s', () =>
    // The trigger still saw the inner checkpoint's mark, after which the table had no copy, and copied it as
    // the path had left it: a second rollback to the outer checkpoint put the path's row back.
    withOther(async (backend, blocker) => {
      await backend.checkpoint('outer')
      await app(`INSERT INTO notes VALUES ('path')`)
      await backend.checkpoint('inner')
      await rollbackWhile(backend, blocker, 'outer', `INSERT INTO notes VALUES ('concurrent')`)
      await backend.rollback('outer')
      expect(await rows('notes')).toEqual(['seed'])
    }))

  it('one that commits between the rollback\'s two round trips, writing a table the path left alone, is undone by the next rollback', () =>
    // The restore removed every log entry after the mark as its second round trip saw them: the ones of a
    // transaction committed after its first, which had found which tables to put back, went too, and a
    // table the path had not changed kept that transaction's rows for good. The table the path changed was
    // put back with them: half of it undone.
    withOther(async (backend, writer) => {
      await backend.checkpoint('start')
      await app(`INSERT INTO posts (what) VALUES ('path')`)
      const fired = await commitRightAfter(
        writer,
        isRestoreBatch,
        `BEGIN; INSERT INTO posts (what) VALUES ('concurrent'); INSERT INTO tags (what) VALUES ('concurrent'); COMMIT`,
        () => backend.rollback('start'),
      )
      expect(fired).toBe(true)
      const kept = (await rows('posts')).includes('concurrent')
      expect((await rows('tags')).includes('concurrent')).toBe(kept)
      await backend.rollback('start')
      expect(await rows('posts')).toEqual(['seed'])
      expect(await rows('tags')).toEqual([])
    }))

  // Guards, passing before the restore worked from one snapshot too: since, it meets a row changed after its
  // snapshot (40001), or a key the path removed taken again by a row it cannot see (23505), fails on it, and
  // starts over, seeing the change, which it undoes with the path's.
  for (const [what, write] of [
    ['changes a row the path changed', `UPDATE posts SET what = 'concurrent' WHERE what = 'path'`],
    ['takes again the key of a row the path removed', `INSERT INTO posts (id, what) VALUES (1, 'taken again')`],
  ])
    it(`one that ${what}, committed between the rollback's two round trips: the restore starts over and undoes it`, () =>
      withOther(async (backend, writer) => {
        await backend.checkpoint('start')
        await app(`INSERT INTO posts (what) VALUES ('path'); DELETE FROM posts WHERE what = 'seed'`)
        expect(await commitRightAfter(writer, isRestoreBatch, write, () => backend.rollback('start'))).toBe(true)
        expect(await rows('posts')).toEqual(['seed'])
        await backend.rollback('start')
        expect(await rows('posts')).toEqual(['seed'])
      }))

  it('a transaction still open after a statement on a table without a key is waited for, even one that changed no row', () =>
    // Its trigger read the mark: until it ends, the restore cannot lock the mark's table. One that wrote a
    // row is a writer in flight, waited for before too (a guard); one that changed no row was not waited for
    // before, and is now, named when it outlasts lockTimeoutMs.
    withOther(
      async (backend, app) => {
        await backend.checkpoint('start')
        await app.query(`BEGIN; INSERT INTO notes VALUES ('open')`)
        const fired = await commitRightAfter(app, (sql) => sql.startsWith('SELECT * FROM "_venomqa".in_flight_writers('), 'COMMIT', () => backend.rollback('start'))
        expect(fired).toBe(true)
        expect(await rows('notes')).toEqual(['seed'])

        const pid = (await app.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number
        await app.query(`BEGIN; UPDATE notes SET what = 'none' WHERE false`)
        const refused = await backend.rollback('start').catch((e: unknown) => e)
        expect(String((refused as Error).message)).toMatch(
          new RegExp(
            `rollback to "start": a session of database "${ROLLBACK_DB}" .* after 300 ms \\(lockTimeoutMs\\): pid ${pid} .*idle in transaction\\. .*nothing was restored \\(a transaction that ran a statement on a tracked table without a primary key is waited for even if it changed no row`,
          ),
        )
        expect((refused as { suggestion?: string }).suggestion).toContain(`pg_terminate_backend(${pid})`)
        await app.query('ROLLBACK')
        await backend.rollback('start')
      },
      { lockTimeoutMs: 300 },
    ))
})
