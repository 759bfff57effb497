import { type RunningProcess, describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { type PostgresTemplateBackend, postgresState } from '../src/index'
import { ADMIN_URL, PG, SCHEMA, SEED, api, createDatabase, databasesLike, dropDatabase, dump, startTestApp, withClient } from './helpers'

const DB = 'venomqa_pg_template'
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('template mechanism', () => {
  let url: string
  let app: RunningProcess
  const open: PostgresTemplateBackend[] = []
  const backend = () => {
    const b = postgresState({ url, mechanism: 'template' })
    open.push(b)
    return b
  }

  beforeAll(async () => {
    url = await createDatabase(DB, SCHEMA + SEED)
    app = await startTestApp(url)
  })
  afterEach(async () => {
    for (const b of open.splice(0)) await b.disconnect().catch(() => {})
  })
  afterAll(async () => {
    await app?.stop()
    await dropDatabase(DB)
  })

  it('round trip with the app in its own process: checkpoint copies the database, rollback replaces it, the app reconnects', async () => {
    const b = backend()
    expect([b.mechanism, b.parallelSafe]).toEqual(['template', false])
    await b.connect()
    const call = api(app.url)
    await b.checkpoint('ready')
    expect(b.copies).toEqual([`${DB}_vqcp_1`])
    const before = await dump(url)
    const appBefore = await call('GET', '/state', undefined, 200)

    const first = await call('POST', '/users', { email: 'dave@example.com', name: 'Dave' }, 201)
    await call('DELETE', '/todos/1', undefined, 204)
    await b.rollback('ready')
    // The app's pooled connections were ended; its pool opens new ones on the next request.
    expect(await call('GET', '/state', undefined, 200)).toEqual(appBefore)
    expect(await dump(url)).toEqual(before)
    const again = await call('POST', '/users', { email: 'dave@example.com', name: 'Dave' }, 201)
    expect(again.id).toBe(first.id)

    await b.rollback('ready')
    expect(await dump(url)).toEqual(before)
    expect(await b.observe()).toMatchObject({ 'public.users': 2, 'public.todos': 3 })
    await b.disconnect()
    expect(await databasesLike(`${DB}_vq`)).toEqual([])
  })

  it('nested checkpoints and release drop the copies they no longer need', async () => {
    const b = backend()
    await b.connect()
    await b.checkpoint('a')
    await b.checkpoint('b')
    await b.checkpoint('c')
    expect(await databasesLike(`${DB}_vqcp`)).toEqual([`${DB}_vqcp_1`, `${DB}_vqcp_2`, `${DB}_vqcp_3`])
    await b.rollback('b')
    expect(b.checkpoints).toEqual(['a', 'b'])
    expect(await databasesLike(`${DB}_vqcp`)).toEqual([`${DB}_vqcp_1`, `${DB}_vqcp_2`])
    await b.release('a')
    expect(await databasesLike(`${DB}_vqcp`)).toEqual([])
    await expect(b.rollback('a')).rejects.toThrow(/no checkpoint "a"/)
  })

  it('taking an open name again drops its copy and the later ones, then copies anew', async () => {
    const b = backend()
    await b.connect()
    await b.checkpoint('a')
    await b.checkpoint('b')
    await b.checkpoint('a')
    expect(b.checkpoints).toEqual(['a'])
    expect(b.copies).toEqual([`${DB}_vqcp_3`])
    expect(await databasesLike(`${DB}_vqcp`)).toEqual([`${DB}_vqcp_3`])
  })

  it('reset empties the tables; a rollback brings everything back', async () => {
    const b = backend()
    await b.connect()
    await b.checkpoint('cp')
    const before = await dump(url)
    await b.reset()
    expect(await b.observe()).toMatchObject({ 'public.users': 0, 'public.todos': 0, 'public.comments': 0 })
    await b.rollback('cp')
    expect(await dump(url)).toEqual(before)
  })

  it('undoes DDL too: what the snapshot mechanism refuses', async () => {
    const b = backend()
    await b.connect()
    await b.checkpoint('cp')
    await withClient(url, (c) => c.query('ALTER TABLE todos ADD COLUMN priority int; CREATE TABLE extra (id int)'))
    await b.rollback('cp')
    const left = await withClient(url, (c) =>
      c.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'todos' AND column_name = 'priority'
               UNION ALL SELECT count(*)::int FROM information_schema.tables WHERE table_name = 'extra'`),
    )
    expect(left.rows).toEqual([{ n: 0 }, { n: 0 }])
  })

  it('after a crash: copies left behind are dropped, and a database cut off mid-rollback is put back', async () => {
    const crashed = backend()
    await crashed.connect()
    await crashed.checkpoint('cp')
    const before = await dump(url)
    await withClient(ADMIN_URL, async (c) => {
      await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`venomqa postgres:${DB}`])
      // As if the run died between "rename the working database away" and "create it again from the copy".
      await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [DB])
      await c.query(`ALTER DATABASE ${DB} RENAME TO ${DB}_vqold`)
    })
    const next = backend()
    const notices: string[] = []
    next.onNotice = (m) => notices.push(m)
    await next.connect()
    expect(next.cleanedLeftovers).toEqual([`${DB}_vqcp_1`])
    expect(notices).toEqual([
      expect.stringMatching(new RegExp(`^database "${DB}" was missing and "${DB}_vqold" there: an earlier run died in the middle of a rollback`)),
      expect.stringMatching(new RegExp(`^dropped the checkpoint copy "${DB}_vqcp_1" of an earlier run that did not drop it \\(killed, quit`)),
    ])
    expect(await databasesLike(`${DB}_vq`)).toEqual([])
    expect(await dump(url)).toEqual(before)
  })

  it('after a crash between making a copy and marking it: the unmarked copy is dropped, and the next checkpoint can take its name', async () => {
    const before = await dump(url)
    await withClient(ADMIN_URL, async (c) => {
      // As if the run died right after CREATE DATABASE ... TEMPLATE, before its COMMENT: a copy with no mark.
      await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [DB])
      await c.query(`CREATE DATABASE ${DB}_vqcp_1 TEMPLATE ${DB}`)
      // Databases that only look alike are someone else's: commented by them, or not ours by name.
      await c.query(`CREATE DATABASE ${DB}_vqcp_2 TEMPLATE ${DB}`)
      await c.query(`COMMENT ON DATABASE ${DB}_vqcp_2 IS 'kept by hand'`)
      await c.query(`CREATE DATABASE ${DB}_vqcp_x TEMPLATE ${DB}`)
    })
    try {
      const next = backend()
      await next.connect()
      expect(next.cleanedLeftovers).toEqual([`${DB}_vqcp_1`])
      await next.checkpoint('cp')
      expect(next.copies).toEqual([`${DB}_vqcp_1`])
      expect(await dump(url)).toEqual(before)
      await next.disconnect()
      expect(await databasesLike(`${DB}_vq`)).toEqual([`${DB}_vqcp_2`, `${DB}_vqcp_x`])
    } finally {
      await dropDatabase(`${DB}_vqcp_2`)
      await dropDatabase(`${DB}_vqcp_x`)
    }
  })
  it("a quit run's letGo lets a rollback under way finish, the later checkpoint's copy dropped too: quit between its rename and its copy, the app kept no database", async () => {
    const b = backend()
    await b.connect()
    await b.checkpoint('ready')
    const before = await dump(url)
    await withClient(url, (c) => c.query("INSERT INTO audit_log (event) VALUES ('after the checkpoint')"))
    // A later checkpoint, whose copy the rollback to "ready" drops once the database is back: the runner
    // hears of the rollback (and a quit says the journey was put back) only then.
    await b.checkpoint('later')
    // Another session holds the checkpoint copy (a comment on it, uncommitted): the rollback's CREATE DATABASE
    // from it waits, after its rename took the working database away.
    const holder = new pg.Client({ connectionString: ADMIN_URL })
    await holder.connect()
    // Watches from outside the holder's transaction: inside one, pg_stat_activity is read once and kept until
    // it ends, and a first look taken before the CREATE waited showed it never waiting.
    const watcher = new pg.Client({ connectionString: ADMIN_URL })
    await watcher.connect()
    let adminPid: number | undefined
    try {
      await holder.query(`BEGIN; COMMENT ON DATABASE ${DB}_vqcp_1 IS 'held by the test'`)
      const rolling = b.rollback('ready').then(
        () => 'rolled back',
        (err: Error) => err.message,
      )
      // Until the CREATE waits, however long the rename before it took (PostgreSQL gives an autovacuum worker
      // in the database up to 5 s to leave), or the rollback ended without it.
      let over = false
      void rolling.then(() => (over = true))
      const until = Date.now() + 30_000
      while (adminPid === undefined && !over && Date.now() < until) {
        // This rollback's CREATE, by the names in it: other packages' tests make databases at the same time.
        const { rows } = await watcher.query("SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1", [`CREATE DATABASE %${DB}% TEMPLATE %${DB}_vqcp_1%`])
        adminPid = rows[0]?.pid
        if (adminPid === undefined) await new Promise((resolve) => setTimeout(resolve, 10))
      }
      if (adminPid === undefined) {
        const activity = (await watcher.query("SELECT pid, datname, state, wait_event_type, wait_event, left(query, 120) AS query FROM pg_stat_activity WHERE backend_type = 'client backend' AND (datname LIKE $1 OR query LIKE $2)", [`${DB}%`, `%${DB}%`])).rows
        const settled = await Promise.race([rolling, new Promise((resolve) => setTimeout(() => resolve('still rolling back'), 100))])
        expect.fail(`the rollback never waited for its copy: ${String(settled)}; sessions: ${JSON.stringify(activity)}`)
      }
      expect(await databasesLike(DB)).not.toContain(DB)
      // The quit: letGo, then the process is gone (its sessions end). The copy is free a moment after letGo began.
      const lettingGo = b.letGo()
      setTimeout(() => void holder.query('ROLLBACK').catch(() => {}), 300)
      await lettingGo
      expect(await databasesLike(`${DB}_vqcp`)).toEqual([`${DB}_vqcp_1`])
      await withClient(ADMIN_URL, (c) => c.query('SELECT pg_terminate_backend($1)', [adminPid]))
      expect(await rolling).toBe('rolled back')
      expect(await databasesLike(DB)).toContain(DB)
      expect(await dump(url)).toEqual(before)
    } finally {
      await holder.end().catch(() => {})
      await watcher.end().catch(() => {})
      // Without the wait, the database is left renamed away: put it back for the tests after this one.
      // (The rollback's CREATE may be making it at this very moment: a rename that finds it made is no matter.)
      if (!(await databasesLike(DB)).includes(DB)) await withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${DB}_vqold RENAME TO ${DB}`)).catch(() => {})
      for (const left of await databasesLike(`${DB}_vq`)) await dropDatabase(left)
    }
  })
})
