import { ConfigError, StateError, suggestionForError } from '@venomqa/core'
import { CLOSED_PORT, describeWithService } from '@venomqa/test-utils'
import { runDatabaseName } from '@venomqa/test-utils/postgres'
import { afterAll, afterEach, expect, it } from 'vitest'
import { PostgresSnapshotBackend, postgresState } from '../src/index'
import { ADMIN_URL, PG, SCHEMA, SEED, createDatabase, dbUrl, dropDatabase, dump, trackingLeftovers, withClient } from './helpers'

const DB = runDatabaseName('venomqa_pg_snapshot')
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('snapshot mechanism', () => {
  const open: PostgresSnapshotBackend[] = []
  let url = dbUrl(DB)

  /** A fresh database and a connected backend; the test's own client plays the app. */
  async function setup(options: Parameters<typeof postgresState>[0] = {}, extraSql = '') {
    url = await createDatabase(DB, SCHEMA + SEED + extraSql)
    const backend = postgresState({ url, ...options }) as PostgresSnapshotBackend
    open.push(backend)
    await backend.connect()
    return backend
  }
  const sql = (text: string) => withClient(url, (c) => c.query(text))
  const rows = async (text: string) => (await sql(text)).rows

  afterEach(async () => {
    for (const b of open.splice(0)) await b.disconnect().catch(() => {})
  })
  afterAll(() => dropDatabase(DB))

  it('nested checkpoints: a rollback to the outer one drops the inner ones', async () => {
    const backend = await setup()
    await backend.checkpoint('outer')
    await sql(`INSERT INTO users (email, name) VALUES ('x@e.com', 'X')`)
    await backend.checkpoint('inner')
    await sql(`INSERT INTO users (email, name) VALUES ('y@e.com', 'Y')`)
    await backend.rollback('inner')
    expect((await rows('SELECT email FROM users ORDER BY id')).map((r) => r.email)).toEqual(['ada@example.com', 'bob@example.com', 'x@e.com'])
    // The same id again: the sequence went back to where it stood at "inner".
    expect(await rows(`INSERT INTO users (email, name) VALUES ('z@e.com', 'Z') RETURNING id`)).toEqual([{ id: 4 }])
    await backend.rollback('outer')
    expect((await rows('SELECT email FROM users ORDER BY id')).map((r) => r.email)).toEqual(['ada@example.com', 'bob@example.com'])
    expect(backend.checkpoints).toEqual(['outer'])
    await expect(backend.rollback('inner')).rejects.toThrow(/no checkpoint "inner" \(open: outer\)/)
  })

  it('release forgets the checkpoint and the ones after it, and empties the change log', async () => {
    const backend = await setup()
    await backend.checkpoint('a')
    await backend.checkpoint('b')
    await sql(`UPDATE users SET name = 'changed'`)
    await backend.release('a')
    expect(backend.checkpoints).toEqual([])
    expect(await rows('SELECT count(*)::int AS n FROM _venomqa.log')).toEqual([{ n: 0 }])
    await expect(backend.rollback('a')).rejects.toBeInstanceOf(StateError)
    await backend.release('never-taken') // already gone (e.g. dropped by an outer rollback): not an error
    // Taking a checkpoint again works from the current state.
    await backend.checkpoint('c')
    await sql(`DELETE FROM users WHERE id = 2`)
    await backend.rollback('c')
    expect((await rows('SELECT name FROM users ORDER BY id')).map((r) => r.name)).toEqual(['changed', 'changed'])
  })

  it('taking an open name again replaces it and the later ones, and starts the change log afresh', async () => {
    const backend = await setup()
    await backend.checkpoint('a')
    await sql(`INSERT INTO users (email, name) VALUES ('x@e.com', 'X')`)
    await backend.checkpoint('b')
    await sql(`UPDATE users SET name = 'changed'`)
    await backend.checkpoint('a')
    expect(backend.checkpoints).toEqual(['a'])
    // Nothing older than the new "a" can be restored any more: the log holds no change.
    expect(await rows('SELECT count(*)::int AS n FROM _venomqa.log')).toEqual([{ n: 0 }])
    const atNewA = await rows('SELECT * FROM users ORDER BY id')
    await sql(`DELETE FROM users WHERE email = 'x@e.com'`)
    await backend.rollback('a')
    expect(await rows('SELECT * FROM users ORDER BY id')).toEqual(atNewA)
    await expect(backend.rollback('b')).rejects.toThrow(/no checkpoint "b" \(open: a\)/)
  })

  it('restores TRUNCATE ... CASCADE, tables without a primary key, odd names, other schemas and every column type', async () => {
    const extra = `
      CREATE SCHEMA app;
      CREATE TABLE app."Odd ""Name"" Table" (id bigint PRIMARY KEY, "Select" text);
      INSERT INTO app."Odd ""Name"" Table" VALUES (1, 'one');
      CREATE TABLE empty_no_pk (v int);
      CREATE TABLE types (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), b bytea, f8 float8, f4 real, n numeric, arr text[],
        j json, jb jsonb, iv interval, ts timestamp, tstz timestamptz, d date, t time, ip inet, r int4range, c text COLLATE "C", e boolean);
      INSERT INTO types (b, f8, f4, n, arr, j, jb, iv, ts, tstz, d, t, ip, r, c, e) VALUES
        ('\\x00ff10', 0.1 + 0.2, 3.14159, 123456789.123456789, '{"a,b", NULL, "c\\"d"}', '{"b": 1,  "a": [true]}', '{"k": {"n": null}}',
         '1 year 2 mons 3 days 04:05:06.789', '2024-02-29 23:59:59.999999', '2024-06-01 12:00:00+02', '0044-03-15', '13:37', '10.0.0.1/8', '[1,10)', E'line\\nbreak', NULL),
        (NULL, 'NaN', '-Infinity', NULL, '{}', 'null', '[]', '-1 day', '-infinity', 'infinity', '2000-01-01', '00:00', '::1', 'empty', '', true);`
    const backend = await setup({ schemas: ['public', 'app'] }, extra)
    expect(backend.tables).toContain('app.Odd "Name" Table')
    await backend.checkpoint('cp')
    const before = await dump(url)
    // The text form of each row: exact to the byte (json keeps its spacing and key order, floats every digit).
    const types = await rows('SELECT x::text AS row FROM types x ORDER BY id')
    const odd = await rows(`SELECT * FROM app."Odd ""Name"" Table"`)
    await sql(`
      TRUNCATE users CASCADE;
      INSERT INTO empty_no_pk VALUES (1), (2);
      INSERT INTO audit_log (event) VALUES ('by hand');
      UPDATE types SET f8 = 1, j = '{}', tstz = now();
      DELETE FROM app."Odd ""Name"" Table";`)
    expect(await rows('SELECT count(*)::int AS n FROM todos')).toEqual([{ n: 0 }])
    await backend.rollback('cp')
    expect(await dump(url)).toEqual(before)
    expect(await rows('SELECT x::text AS row FROM types x ORDER BY id')).toEqual(types)
    expect(types.map((r) => r.row).join()).toContain('{""b"": 1,  ""a"": [true]}')
    expect(await rows(`SELECT * FROM app."Odd ""Name"" Table"`)).toEqual(odd)
    expect(await rows('SELECT count(*)::int AS n FROM empty_no_pk')).toEqual([{ n: 0 }])
  })

  it('restores tables with a column named t, the name the tracking gives each row it copies', async () => {
    const extra = `
      CREATE TABLE t_no_pk (t text, n int);
      INSERT INTO t_no_pk VALUES ('hello', 1), ('a,"b"', NULL);
      CREATE TABLE t_with_pk (id int PRIMARY KEY, t text);
      INSERT INTO t_with_pk VALUES (1, 'one'), (2, 'two');`
    const backend = await setup({}, extra)
    await backend.checkpoint('cp')
    const before = await dump(url)
    // A table without a key is copied whole at its first change; TRUNCATE copies every row of a keyed one.
    await sql(`INSERT INTO t_no_pk VALUES ('x', 2); UPDATE t_no_pk SET n = 9; TRUNCATE t_with_pk; INSERT INTO t_with_pk VALUES (3, 'three')`)
    await backend.rollback('cp')
    expect(await dump(url)).toEqual(before)
    expect(await rows('SELECT t, n FROM t_no_pk ORDER BY t')).toEqual([
      { t: 'a,"b"', n: null },
      { t: 'hello', n: 1 },
    ])
    expect(await rows('SELECT id, t FROM t_with_pk ORDER BY id')).toEqual([
      { id: 1, t: 'one' },
      { id: 2, t: 'two' },
    ])
  })

  it('reset empties the tracked tables and restarts ids; a rollback to an open checkpoint still restores', async () => {
    const backend = await setup()
    await backend.checkpoint('cp')
    const before = await dump(url)
    await backend.reset()
    expect(await backend.observe()).toEqual({
      'public.audit_log': 0,
      'public.comments': 0,
      'public.sessions': 0,
      'public.todo_tags': 0,
      'public.todos': 0,
      'public.users': 0,
    })
    expect(await rows(`INSERT INTO users (email, name) VALUES ('new@e.com', 'New') RETURNING id`)).toEqual([{ id: 1 }])
    await backend.rollback('cp')
    expect(await dump(url)).toEqual(before)
  })

  it('after a crash, the next connect removes what the dead run left and starts clean', async () => {
    const crashed = await setup()
    await crashed.checkpoint('cp')
    await sql(`UPDATE users SET name = 'during the dead run'`)
    // The run dies: its session ends without a disconnect, leaving triggers, functions and the log behind.
    await withClient(ADMIN_URL, (c) => c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'venomqa %'`, [DB]))
    expect(await trackingLeftovers(url)).toContain('trigger _venomqa_capture on users')
    // The query fails saying why the connection is gone, not only pg's "not queryable": the server's
    // word comes with the query's error (when it was sent before the session ended) or as what lost it.
    await expect(crashed.checkpoint('again')).rejects.toThrow(new RegExp(`checkpoint "again".*database "${DB}" at 127.0.0.1:5432.*terminating connection due to administrator command`))

    const next = postgresState({ url })
    open.push(next)
    const notices: string[] = []
    next.onNotice = (m) => notices.push(m)
    await next.connect()
    expect(next.cleanedLeftovers).toBe(true)
    // Said, not done in silence: the dead run's writes since its checkpoint are still there.
    expect(notices).toEqual([expect.stringMatching(/held the change tracking of an earlier run that did not remove it .*: removed\. What that run wrote after its first checkpoint may not have been rolled back/)])
    await next.checkpoint('cp')
    await sql(`DELETE FROM users WHERE id = 2`)
    await next.rollback('cp')
    expect((await rows('SELECT name FROM users ORDER BY id')).map((r) => r.name)).toEqual(['during the dead run', 'during the dead run'])
    await next.disconnect()
    expect(await trackingLeftovers(url)).toEqual([])
  })

  it('refuses a second backend on the same database while the first is connected', async () => {
    const first = await setup()
    const second = postgresState({ url })
    open.push(second)
    await expect(second.connect()).rejects.toThrow(new RegExp(`another VenomQA snapshot backend is already tracking database "${DB}" at 127.0.0.1:5432 \\(user "postgres"\\) \\(server pid \\d+`))
    await first.checkpoint('still-works')
  })

  it('DDL under a checkpoint: the rollback restores every other table, then fails with a precise error and advice of its own', async () => {
    const backend = await setup({}, 'CREATE TABLE scratch (id int PRIMARY KEY);')
    await backend.checkpoint('cp')
    const before = await dump(url)
    // Rows in tables whose shape stays (a sign-up), and DDL on others.
    await sql(`INSERT INTO users (email, name) VALUES ('new@e.com', 'New'); DELETE FROM sessions; UPDATE todos SET title = 'changed'`)
    await sql('ALTER TABLE todos ADD COLUMN priority int; CREATE TABLE extra (id int PRIMARY KEY); DROP TABLE scratch')
    const err = await backend.rollback('cp').catch((e) => e)
    expect(err).toBeInstanceOf(StateError)
    expect(err.message).toBe(
      `state backend "postgres:${DB}": rollback to "cp": the schema of database "${DB}" at 127.0.0.1:5432 (user "postgres") ` +
        'changed under checkpoint "cp": table public.scratch was dropped or renamed; table public.todos: column(s) priority added; table public.extra was created. ' +
        'DDL inside a path cannot be rolled back by the snapshot mechanism, which restores rows, not DDL. Every other table was restored; table public.scratch, ' +
        'table public.todos, table public.extra stay as the path left them, and the next path would run on them.',
    )
    // Its own advice, not the generic one for a state failure (check the connection and permissions).
    expect(suggestionForError(err)).toMatch(/^DDL inside a path cannot be rolled back by the snapshot mechanism\. Run the migrations .* before the first checkpoint.*mechanism 'template'/)
    // The tables the DDL left alone are back at the checkpoint: the next path can sign up the same user again.
    const after = await dump(url)
    for (const table of ['users', 'sessions', 'comments', 'todo_tags', 'audit_log', 'seq:public.users_id_seq']) expect(after[table], table).toEqual(before[table])
    expect((await rows('SELECT DISTINCT title FROM todos')).map((r) => r.title)).toEqual(['changed'])
    await expect(backend.checkpoint('cp2')).rejects.toThrow(/changed under checkpoint "cp"/)

    // Once no checkpoint is open, tracking starts over on the new schema.
    await backend.release('cp')
    await backend.checkpoint('cp3')
    expect(backend.tables).toContain('public.extra')
    expect(backend.cleanedLeftovers).toBe(false) // its own tracking, replaced: not a dead run's
    expect(backend.tables).not.toContain('public.scratch')
    await sql('INSERT INTO extra VALUES (1); UPDATE todos SET priority = 5')
    await backend.rollback('cp3')
    expect(await rows('SELECT count(*)::int AS n FROM extra')).toEqual([{ n: 0 }])
    expect(await rows('SELECT DISTINCT priority FROM todos')).toEqual([{ priority: null }])
  })

  it('DDL that keeps the columns is caught too: an index, a default, a foreign key action, a trigger, a trigger turned off', async () => {
    // Each of these passed a rollback as if nothing had happened. A unique index made the next path's
    // insert fail; DISABLE TRIGGER ALL hid the path's rows from the tracking while the rollback set the
    // sequence back below them, so the app's next insert failed on its primary key. (Turned off and on
    // again within the path, the tracking cannot see what was written meanwhile: documented.)
    const changes = [
      'CREATE UNIQUE INDEX users_name ON users (name)',
      "ALTER TABLE users ALTER COLUMN name SET DEFAULT 'anon'",
      'ALTER TABLE sessions DROP CONSTRAINT sessions_user_id_fkey, ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE ON UPDATE CASCADE',
      'CREATE TRIGGER audit_users AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION count_todos()',
      'ALTER TABLE users DISABLE TRIGGER ALL',
    ]
    for (const change of changes) {
      const backend = await setup()
      await backend.checkpoint('cp')
      await sql(change)
      const err = await backend.rollback('cp').catch((e) => e)
      expect(err, change).toBeInstanceOf(StateError)
      expect(err.message, change).toMatch(/changed under checkpoint "cp": table public\.(users|sessions): its column types, defaults, constraints, indexes or triggers changed \(or a trigger was disabled\)/)
      await backend.disconnect()
    }
  }, 60_000)

  it('a sequence created by a path is DDL too: the rollback restores the rows, then says so', async () => {
    const backend = await setup()
    await backend.checkpoint('cp')
    await sql(`CREATE SEQUENCE invoice_numbers; INSERT INTO users (email, name) VALUES ('x@e.com', 'X')`)
    const err = await backend.rollback('cp').catch((e) => e)
    expect(err).toBeInstanceOf(StateError)
    expect(err.message).toMatch(/changed under checkpoint "cp": sequence public\.invoice_numbers was created\. DDL inside a path cannot be rolled back/)
    expect((await rows('SELECT email FROM users ORDER BY id')).map((r) => r.email)).toEqual(['ada@example.com', 'bob@example.com'])
  })

  it('triggers turned off and on again within a path: the writes made meanwhile went untracked, and the rollback says so', async () => {
    const backend = await setup()
    await backend.checkpoint('cp')
    await sql(`ALTER TABLE users DISABLE TRIGGER ALL; INSERT INTO users (email, name) VALUES ('hidden@e.com', 'Hidden'); ALTER TABLE users ENABLE TRIGGER ALL`)
    await sql(`INSERT INTO todos (user_id, title) VALUES (1, 'seen')`)
    const err = await backend.rollback('cp').catch((e) => e)
    expect(err).toBeInstanceOf(StateError)
    expect(err.message).toMatch(
      /changed under checkpoint "cp": table public\.users: its triggers were turned off and on again \(ALTER TABLE \.\.\. DISABLE \/ ENABLE TRIGGER\), so the writes made meanwhile were not tracked\./,
    )
    // The other tables are restored; users keeps the row the tracking never saw, and its sequence, not set back below it.
    expect(await rows(`SELECT count(*)::int AS n FROM todos WHERE title = 'seen'`)).toEqual([{ n: 0 }])
    expect(await rows(`INSERT INTO users (email, name) VALUES ('next@e.com', 'Next') RETURNING id`)).toEqual([{ id: 4 }])
  })

  it("a quit run's letGo lets a rollback under way finish: the journey is put back, and the quit can say so", async () => {
    // A second Ctrl-C while a rollback waits: without letGo the process ended under it and the quit said the
    // journey was not put back, though PostgreSQL may still finish what was sent. letGo waits for it.
    const backend = await setup({ lockTimeoutMs: 10_000 })
    await backend.checkpoint('cp')
    const before = await dump(url)
    await sql(`INSERT INTO users (email, name) VALUES ('x@e.com', 'X')`)
    await withClient(url, async (app) => {
      // A lock without a write: the restore's statements wait for it.
      await app.query('BEGIN; LOCK TABLE users IN SHARE MODE')
      let rolledBackAt = 0
      const rolling = backend.rollback('cp').then(() => (rolledBackAt = performance.now()))
      await new Promise((resolve) => setTimeout(resolve, 200))
      // The lock goes 300 ms into letGo; awaited below, so the app's client ends only once its ROLLBACK answered.
      const released = new Promise<number>((resolve) => setTimeout(() => resolve(performance.now()), 300)).then(async (at) => {
        await app.query('ROLLBACK')
        return at
      })
      await backend.letGo()
      const letGoAt = performance.now()
      expect(rolledBackAt, 'letGo returned before the rollback under way ended').toBeGreaterThan(0)
      expect(letGoAt).toBeGreaterThanOrEqual(rolledBackAt)
      // The rollback ended only once the lock it waited for was let go.
      expect(rolledBackAt).toBeGreaterThanOrEqual(await released)
      await rolling
    })
    expect(await dump(url)).toEqual(before)
    // With nothing under way, letGo has nothing to wait for.
    await backend.letGo()
  })

  it('a rollback blocked by a lock fails whole, with a clear error, and can be retried', async () => {
    const backend = await setup({ lockTimeoutMs: 300 })
    await backend.checkpoint('cp')
    const before = await dump(url)
    await sql(`INSERT INTO users (email, name) VALUES ('x@e.com', 'X'); UPDATE todos SET title = 'changed'`)
    const changed = await dump(url)
    // The app left a transaction open with a write the restore cannot see: it waits, then names the session.
    await withClient(url, async (app) => {
      await app.query(`BEGIN; UPDATE todos SET done = true WHERE id = 1`)
      const { pid } = (await app.query('SELECT pg_backend_pid() AS pid')).rows[0]
      const err = await backend.rollback('cp').catch((e) => e)
      expect(err).toBeInstanceOf(StateError)
      expect(err.message).toMatch(
        new RegExp(`rollback to "cp": a session of database "${DB}" .* still had a transaction with uncommitted writes to tracked tables or large objects after 300 ms \\(lockTimeoutMs\\): pid ${pid} `),
      )
      await app.query('ROLLBACK')
    })
    expect(await dump(url)).toEqual(changed)
    // A lock without a write (no transaction id): the restore's own statements wait for it, up to lock_timeout.
    await withClient(url, async (app) => {
      await app.query(`BEGIN; LOCK TABLE todos IN SHARE MODE`)
      const err = await backend.rollback('cp').catch((e) => e)
      expect(err).toBeInstanceOf(StateError)
      expect(err.message).toMatch(new RegExp(`rollback to "cp" on database "${DB}" .* failed: canceling statement due to lock timeout: another connection holds a lock`))
      await app.query('ROLLBACK')
    })
    // Nothing was half-restored, and the checkpoint is still there.
    expect(await dump(url)).toEqual(changed)
    await backend.rollback('cp')
    expect(await dump(url)).toEqual(before)
  })

  it('tracks only `tables`, minus `exclude`; names a table that does not exist', async () => {
    const backend = await setup({ tables: ['users', 'public.todos', 'comments'], exclude: ['comments'] })
    expect(backend.tables).toEqual(['public.todos', 'public.users'])
    await backend.disconnect()
    const wrong = postgresState({ url, tables: ['users', 'todoz'] })
    open.push(wrong)
    const err = await wrong.connect().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).message).toMatch(new RegExp(`"todoz" in \`tables\` is not a table of database "${DB}" \\(did you mean "todos"\\? its tables: `))
    expect((err as ConfigError).where).toBe('tables[1]')
    // A misspelt `exclude` left nothing out: the table meant was tracked and rolled back without a word.
    const misspelt = postgresState({ url, exclude: ['comments', 'todoss', 'public.userz', 'nowhere_near'] })
    open.push(misspelt)
    const excluded = await misspelt.connect().catch((e: unknown) => e)
    expect(excluded).toBeInstanceOf(ConfigError)
    expect((excluded as ConfigError).message).toMatch(new RegExp(`"todoss" in \`exclude\` is not a table of database "${DB}" \\(did you mean "todos"\\?`))
    expect((excluded as ConfigError).where).toBe('exclude[1]')
    // `venomqa doctor` asks the same before a run, where it said "healthy" of both.
    await expect(misspelt.healthReport()).rejects.toThrow(/"todoss" in `exclude` is not a table/)
    await expect(wrong.healthReport()).rejects.toThrow(/"todoz" in `tables` is not a table/)
    expect(await postgresState({ url, tables: ['users'], exclude: ['comments'] }).healthReport()).toBe(true)
    const none = postgresState({ url, schemas: ['nothing_here'] })
    open.push(none)
    await expect(none.connect()).rejects.toThrow(new RegExp(`"nothing_here" in \`schemas\` is not a schema of database "${DB}"`))
  })
})

describe('snapshot mechanism: connection errors', () => {
  it('an unreachable server: names host, port and database, masks the password', async () => {
    const port = CLOSED_PORT
    const backend = postgresState({ url: `postgres://app:sekret@127.0.0.1:${port}/shop`, connectTimeoutMs: 2000 })
    const err = await backend.connect().catch((e) => e)
    expect(err).toBeInstanceOf(StateError)
    expect(err.message).toMatch(new RegExp(`cannot connect to database "shop" at 127.0.0.1:${port} \\(user "app"\\) to track changes: connection refused`))
    expect(err.message).toContain(`postgres://app:***@127.0.0.1:${port}/shop`)
    expect(err.message).not.toContain('sekret')
  })

  it('a database that does not exist', async () => {
    const backend = postgresState({ url: dbUrl('venomqa_pg_missing') })
    await expect(backend.connect()).rejects.toThrow(/cannot connect to database "venomqa_pg_missing" .*the database does not exist/)
  })

  it('calls before connect say so', async () => {
    const backend = postgresState({ url: dbUrl(DB) })
    await expect(backend.checkpoint('x')).rejects.toThrow(new RegExp(`not connected to database "${DB}" .*call connect\\(\\) first`))
    await backend.disconnect() // nothing to do, no error
  })
})
