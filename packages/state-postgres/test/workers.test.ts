import { type ChildProcess, spawn } from 'node:child_process'
import { type AppProcess, type BranchResult, ConfigError, type MainSystem, type StateBackend, StateError, assertStatus, branch, checkpoint, journey, path, startAppProcess, step } from '@venomqa/core'
import { createRunner, memoryState } from '@venomqa/runner'
import { type RunningProcess, TODO_APP_SERVER, describeWithService, startTodoApp } from '@venomqa/test-utils'
import { pgTestDatabases, runDatabaseName } from '@venomqa/test-utils/postgres'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { copyTables, postgresState, postgresWorkers } from '../src/index'
import { ADMIN_URL, PG, createDatabase, databasesLike, dbUrl, dropDatabase, dropLimitedRole, withClient } from './helpers'

/** copyTables is what postgresWorkers runs to bring a worker's database to where the main line stands. */
const SRC = runDatabaseName('venomqa_pg_copy_src')
const DST = runDatabaseName('venomqa_pg_copy_dst')
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

const SCHEMA = `
CREATE TABLE events (id bigserial, region text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');
CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us');
CREATE TABLE money (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, amount numeric(30, 10), big int8, f float8,
  doubled numeric GENERATED ALWAYS AS (amount * 2) STORED);
CREATE SEQUENCE big_ids;`

describe('copyTables', () => {
  afterAll(async () => {
    await dropDatabase(SRC)
    await dropDatabase(DST)
  })

  it('copies partitioned tables once, numeric and int8 values and sequence positions exactly', async () => {
    const src = await createDatabase(SRC, SCHEMA)
    const dst = await createDatabase(DST, SCHEMA)
    await withClient(src, (c) =>
      c.query(`INSERT INTO events (region) VALUES ('eu'), ('us'), ('eu');
        INSERT INTO money (amount, big, f) VALUES (12345678901234567890.0123456789, 9007199254740993, 0.1), (-0.0000000001, -9223372036854775808, 1e300);
        SELECT setval('big_ids', 9007199254740993);`),
    )
    const read = (url: string) =>
      withClient(url, async (c) => ({
        events: (await c.query(`SELECT tableoid::regclass::text AS part, id::text, region FROM events ORDER BY id`)).rows,
        money: (await c.query(`SELECT id, amount::text, big::text, f::text, doubled::text FROM money ORDER BY id`)).rows,
        seqs: (await c.query(`SELECT sequencename AS s, last_value::text AS v FROM pg_sequences ORDER BY 1`)).rows,
      }))
    await copyTables(src, dst)
    const want = await read(src)
    expect(want.events).toHaveLength(3)
    expect(await read(dst)).toEqual(want)
    // A second copy replaces what the first one wrote.
    await withClient(src, (c) => c.query(`DELETE FROM events WHERE id = 2; UPDATE money SET big = 9007199254740995 WHERE id = 1`))
    await copyTables(src, dst)
    expect(await read(dst)).toEqual(await read(src))
  })

  it('copies a schema or table whose name holds a dot, with its sequence', async () => {
    // Before, `schema.table` was one string split at its first dot: "my.app".orders became "my"."app.orders".
    const odd = `CREATE SCHEMA "my.app"; CREATE TABLE "my.app".orders (id serial PRIMARY KEY, t text); CREATE TABLE public."a.b" (v int);`
    const src = await createDatabase(SRC, odd)
    const dst = await createDatabase(DST, odd)
    await withClient(src, (c) => c.query(`INSERT INTO "my.app".orders (t) VALUES ('x'), ('y'); INSERT INTO public."a.b" VALUES (7)`))
    await copyTables(src, dst)
    const read = (url: string) =>
      withClient(url, async (c) => ({
        orders: (await c.query(`SELECT id, t FROM "my.app".orders ORDER BY id`)).rows,
        ab: (await c.query(`SELECT v FROM public."a.b"`)).rows,
        next: (await c.query(`SELECT nextval('"my.app".orders_id_seq')::int AS n`)).rows[0].n,
      }))
    expect(await read(dst)).toEqual(await read(src))
    expect((await read(dst)).orders).toHaveLength(2)
  })
})

/**
 * Row-level security that binds the copying user (not a superuser, not the table's owner, no BYPASSRLS) let
 * the copy read only the rows its policies allow: a worker's paths started without the others, and nothing
 * said so. The copy now runs with row_security off, which makes PostgreSQL refuse instead of filter, and
 * fails naming the table and what to do.
 */
describe('copyTables when row-level security binds its user', () => {
  const ROLE = 'venomqa_pg_copy_rls'
  const as = (url: string) => url.replace('postgres://postgres@', `postgres://${ROLE}@`)
  const admin = (sql: string) => withClient(ADMIN_URL, (c) => c.query(sql))
  const TABLES = `CREATE TABLE notes (id serial PRIMARY KEY, owner_id int NOT NULL, body text NOT NULL);
    CREATE TABLE tags (name text PRIMARY KEY);
    GRANT USAGE ON SCHEMA public TO ${ROLE}; GRANT ALL ON ALL TABLES IN SCHEMA public TO ${ROLE}; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${ROLE};`
  const POLICY = 'ALTER TABLE notes ENABLE ROW LEVEL SECURITY; CREATE POLICY own ON notes USING (owner_id = 1);'
  const ROWS = `INSERT INTO notes (owner_id, body) VALUES (1, 'mine'), (2, 'hidden'); INSERT INTO tags VALUES ('t');`
  const notes = async (url: string) => (await withClient(url, (c) => c.query('SELECT id, owner_id, body FROM notes ORDER BY id'))).rows
  const tags = async (url: string) => (await withClient(url, (c) => c.query('SELECT name FROM tags ORDER BY name'))).rows.map((r) => r.name)

  beforeAll(async () => {
    await dropDatabase(SRC)
    await dropDatabase(DST)
    await dropLimitedRole(ROLE)
    await admin(`CREATE ROLE ${ROLE} LOGIN; GRANT SET ON PARAMETER session_replication_role TO ${ROLE}`)
  })
  afterAll(async () => {
    // The databases first: the privileges they grant the role keep it from being dropped.
    await dropDatabase(SRC)
    await dropDatabase(DST)
    await dropLimitedRole(ROLE)
  })

  it('on a table of the main database: refused, naming the table and what to do, and nothing is copied', async () => {
    const src = await createDatabase(SRC, TABLES + POLICY + ROWS)
    const dst = await createDatabase(DST, TABLES)
    await withClient(dst, (c) => c.query(`INSERT INTO tags VALUES ('left by the last copy')`))
    const err = await copyTables(as(src), as(dst)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StateError)
    expect((err as Error).message).toMatch(
      new RegExp(
        `^state backend "postgres-workers": copying postgres://${ROLE}@127\\.0\\.0\\.1:5432/${SRC} to postgres://${ROLE}@127\\.0\\.0\\.1:5432/${DST}: row-level security of table public\\.notes applies to user "${ROLE}" of database "${SRC}" at 127\\.0\\.0\\.1:5432 \\(user "${ROLE}"\\), which is not a superuser, has no BYPASSRLS and is not exempt as the owner: the copy would hold only the rows its policies let that user see, so nothing was copied\\.$`,
      ),
    )
    expect((err as StateError).suggestion).toMatch(new RegExp(`Connect as the tables' owner .*a superuser, or a role with BYPASSRLS \\(ALTER ROLE "${ROLE}" BYPASSRLS\\)`))
    expect(await notes(dst)).toEqual([])
    expect(await tags(dst)).toEqual(['left by the last copy'])
    // With BYPASSRLS the same copy holds every row.
    await admin(`ALTER ROLE ${ROLE} BYPASSRLS`)
    try {
      await copyTables(as(src), as(dst))
    } finally {
      await admin(`ALTER ROLE ${ROLE} NOBYPASSRLS`)
    }
    expect(await notes(dst)).toEqual(await notes(src))
    expect(await notes(dst)).toHaveLength(2)
  })

  it("on a table of the worker's database: refused the same way, naming that database", async () => {
    const src = await createDatabase(SRC, TABLES + ROWS)
    const dst = await createDatabase(DST, TABLES + POLICY)
    const err = await copyTables(as(src), as(dst)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StateError)
    expect((err as Error).message).toMatch(
      new RegExp(`: row-level security of table public\\.notes applies to user "${ROLE}" of database "${DST}" at .*so nothing was copied\\.$`),
    )
    expect(await tags(dst)).toEqual([])
  })
})

describe('postgresWorkers with the proxy mechanism', () => {
  it('is refused when the workers are made, saying why: a worker\'s copy cannot read the proxy\'s open transaction', async () => {
    // A stand-in for @venomqa/pg-proxy's backend: only its mechanism is read, before any database is touched.
    const proxy = { name: 'pg-proxy', mechanism: 'proxy', parallelSafe: false } as unknown as StateBackend
    const main = `venomqa_pg_proxy_refused_${process.pid}`
    const setup = postgresWorkers({ url: `postgres://postgres@127.0.0.1:5432/${main}`, startApp: async () => ({ baseUrl: 'http://127.0.0.1:9', close: async () => {} }) })
    try {
      // Asked by the run before its first journey, touching no database: exit 2, nothing run.
      expect(() => setup.validate!({ baseUrl: 'http://127.0.0.1:9', ports: new Map(), stateBackends: [proxy] })).toThrow(/^postgresWorkers: the run's state backend "pg-proxy" uses the proxy mechanism/)
      const unset = postgresWorkers({ url: process.env.VENOMQA_UNSET_IN_THIS_TEST as string, startApp: async () => ({ baseUrl: 'http://127.0.0.1:9' }) })
      expect(() => unset.validate!({ baseUrl: 'http://127.0.0.1:9', ports: new Map(), stateBackends: [] })).toThrow(/^postgresWorkers: `url` \(the main database\) is required$/)
      await expect(setup.create(1, { baseUrl: 'http://127.0.0.1:9', ports: new Map(), stateBackends: [proxy] })).rejects.toThrow(
        /^postgresWorkers: the run's state backend "pg-proxy" uses the proxy mechanism: what the app wrote since the run began sits in the proxy's open transaction, which a worker's copy of the database cannot read/,
      )
    } finally {
      // Made only when the refusal is missing: the worker's database would then be left behind.
      await dropDatabase(`${main}_w1`)
    }
  })
})

describe('postgresWorkers with a url that is not a PostgreSQL database', () => {
  // As mysqlWorkers: a mistake in a url given is the config's when it loads (exit 2, at `url`). Taken as it
  // was, another scheme failed at create(1) as "database ... does not exist", and a url without a database
  // made worker databases named `_w1`.
  it.each([
    ['postgre://postgres:pw-secret@127.0.0.1:5432/app', '"postgre://postgres:***@127.0.0.1:5432/app" must start with postgres:// or postgresql://'],
    ['postgres://postgres:pw-secret@127.0.0.1:5432', 'no database named: put it in the url (postgres://postgres:***@127.0.0.1:5432/<database>)'],
    ['postgres://postgres:pw-secret@127.0.0.1:5432/', 'no database named: put it in the url (postgres://postgres:***@127.0.0.1:5432/<database>)'],
  ])('%s is refused at `url`', (url, problem) => {
    const error = (() => {
      try {
        postgresWorkers({ url, startApp: async () => ({ baseUrl: 'http://127.0.0.1:9' }) })
      } catch (err) {
        return err as ConfigError
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect(error!.message).toBe(`postgresWorkers: \`url\`: ${problem}`)
    expect(error!.where).toBe('url')
  })
})

describe("a worker's database", () => {
  const MAIN = runDatabaseName('venomqa_pg_wk_settings')
  beforeAll(async () => {
    await dropDatabase(`${MAIN}_w1`)
    await createDatabase(MAIN, 'CREATE TABLE items (id int PRIMARY KEY)')
    await withClient(ADMIN_URL, async (c) => {
      await c.query(`ALTER DATABASE ${MAIN} SET search_path = "$user", public, "odd, name"`)
      await c.query(`ALTER DATABASE ${MAIN} SET statement_timeout = '42s'`)
      await c.query(`ALTER ROLE postgres IN DATABASE ${MAIN} SET work_mem = '5MB'`)
    })
  })
  afterAll(async () => {
    await dropDatabase(`${MAIN}_w1`)
    await dropDatabase(MAIN)
  })

  it("has the main database's settings: the worker's app runs as the main one does", async () => {
    const setup = postgresWorkers({ url: dbUrl(MAIN), startApp: async () => ({ baseUrl: 'http://127.0.0.1:9', close: async () => {} }) })
    const worker = await setup.create(1, { baseUrl: 'http://127.0.0.1:9', ports: new Map(), stateBackends: [] })
    try {
      const settings = (db: string) =>
        withClient(dbUrl(db), async (c) => (await c.query("SELECT current_setting('search_path') AS p, current_setting('statement_timeout') AS t, current_setting('work_mem') AS w")).rows[0])
      expect(await settings(`${MAIN}_w1`)).toEqual({ p: '"$user", public, "odd, name"', t: '42s', w: '5MB' })
      expect(await settings(`${MAIN}_w1`)).toEqual(await settings(MAIN))
    } finally {
      await worker.close?.()
    }
    expect(await databasesLike(`${MAIN}_w`)).toEqual([])
  })

  it('marked IS_TEMPLATE by its app, is dropped all the same when the worker closes, and one left so by an earlier run is replaced', async () => {
    const markTemplate = (db: string) => withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${db} IS_TEMPLATE true`))
    const setup = postgresWorkers({ url: dbUrl(MAIN), startApp: async () => ({ baseUrl: 'http://127.0.0.1:9', close: async () => {} }) })
    const main = { baseUrl: 'http://127.0.0.1:9', ports: new Map(), stateBackends: [] }
    // Left by an earlier run, marked: the new worker's database replaces it.
    await withClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${MAIN}_w1`))
    await markTemplate(`${MAIN}_w1`)
    const worker = await setup.create(1, main)
    try {
      // Its app marks it (a tool that makes template databases, or a test of one).
      await markTemplate(`${MAIN}_w1`)
    } finally {
      await worker.close?.()
    }
    expect(await databasesLike(`${MAIN}_w`)).toEqual([])
  })

  it('when its user may not give one of them, is not made, and the error names the setting, not its value, and what the user needs', async () => {
    const OWNER = 'venomqa_pg_wk_owner'
    const OWNED = runDatabaseName('venomqa_pg_wk_owned')
    await dropDatabase(`${OWNED}_w1`)
    await dropDatabase(OWNED)
    await withClient(ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${OWNER}`))
    try {
      await createDatabase(OWNED, 'CREATE TABLE t (id int PRIMARY KEY)')
      await withClient(ADMIN_URL, async (c) => {
        await c.query(`CREATE ROLE ${OWNER} LOGIN CREATEDB`)
        await c.query(`ALTER DATABASE ${OWNED} OWNER TO ${OWNER}`)
        // A custom setting a superuser gave: only a superuser (or one granted SET on it) may give it again.
        await c.query(`ALTER DATABASE ${OWNED} SET venomqa.api_key = 's3cret-value'`)
      })
      const setup = postgresWorkers({ url: dbUrl(OWNED).replace('postgres@', `${OWNER}@`), startApp: async () => ({ baseUrl: 'http://127.0.0.1:9', close: async () => {} }) })
      const failed = await setup.create(1, { baseUrl: 'http://127.0.0.1:9', ports: new Map(), stateBackends: [] }).then(
        () => 'made',
        (err: Error) => err.message,
      )
      expect(failed).toContain(`cannot give the worker database "${OWNED}_w1" its setting venomqa.api_key (ALTER DATABASE ... SET), as database "${OWNED}" has it`)
      expect(failed).toContain(`User "${OWNER}" may not give it: postgresWorkers needs a user that may`)
      expect(failed).not.toContain('s3cret-value')
      expect(await databasesLike(`${OWNED}_w`)).toEqual([])
    } finally {
      await dropDatabase(`${OWNED}_w1`)
      await dropDatabase(OWNED)
      await withClient(ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${OWNER}`))
    }
  })
})

describe('postgresWorkers undoing a worker whose app did not start', () => {
  // A role with few connections owning the main database: the app of a worker takes them all and fails,
  // as an app does on "too many connections", and dropping the worker's database needs one more.
  const ROLE = 'venomqa_pg_few_connections'
  const MAIN = runDatabaseName('venomqa_pg_wk_few_connections')
  const WORKER_DB = `${MAIN}_w1`
  const LIMIT = 3
  const main = { baseUrl: 'http://127.0.0.1:9', ports: new Map(), stateBackends: [] }
  const admin = (sql: string) => withClient(ADMIN_URL, (c) => c.query(sql))

  beforeAll(async () => {
    await dropDatabase(WORKER_DB)
    await dropDatabase(MAIN)
    await admin(`DROP ROLE IF EXISTS ${ROLE}; CREATE ROLE ${ROLE} LOGIN CREATEDB CONNECTION LIMIT ${LIMIT}`)
    await admin(`CREATE DATABASE ${MAIN} OWNER ${ROLE}`)
  })
  afterAll(async () => {
    await dropDatabase(WORKER_DB)
    await dropDatabase(MAIN)
    await admin(`DROP ROLE IF EXISTS ${ROLE}`)
  })

  /** A worker setup whose app holds every connection the role has, then fails; `held` are those connections. */
  function failingApp(held: pg.Client[], onFail?: () => void) {
    return postgresWorkers({
      url: `postgres://${ROLE}@127.0.0.1:5432/${MAIN}`,
      startApp: async (_index, databaseUrl) => {
        for (let k = 0; k < LIMIT; k++) {
          const c = new pg.Client({ connectionString: databaseUrl })
          c.on('error', () => {})
          await c.connect()
          held.push(c)
        }
        onFail?.()
        throw new Error('the app exited (1) before it listened')
      },
    })
  }

  it('says which database it could not drop, and how to drop it, in the error of the create', async () => {
    const held: pg.Client[] = []
    try {
      const err = await failingApp(held)
        .create(1, main)
        .then(() => undefined, (e: unknown) => e as Error)
      expect(err?.message).toMatch(/^the app exited \(1\) before it listened \(and undoing worker 1 failed, so what it made is left behind: postgresWorkers: /)
      expect(err?.message).toContain(`could not drop the worker database "${WORKER_DB}"`)
      expect(err?.message).toContain('too many connections')
      expect(err?.message).toMatch(new RegExp(`drop it with DROP DATABASE IF EXISTS "?${WORKER_DB}"? WITH \\(FORCE\\)`))
      expect(await databasesLike(WORKER_DB)).toEqual([WORKER_DB])
    } finally {
      await Promise.all(held.map((c) => c.end().catch(() => {})))
    }
  })

  it('drops the database once a connection is freed a moment later', async () => {
    const held: pg.Client[] = []
    const release = () => Promise.all(held.map((c) => c.end().catch(() => {})))
    // The connections are freed while the undo is still trying: as the failed app's own, once it exited.
    let freeing: Promise<unknown> | undefined
    const freeSoon = () => (freeing = new Promise((resolve) => setTimeout(() => resolve(release()), 300)))
    try {
      await expect(failingApp(held, freeSoon).create(1, main)).rejects.toThrow(/^the app exited \(1\) before it listened$/)
      expect(await databasesLike(WORKER_DB)).toEqual([])
    } finally {
      await freeing
      await release()
    }
  })
})

describe('postgresWorkers with a create abandoned at pluginTimeout', () => {
  const MAIN = runDatabaseName('venomqa_pg_wk_late_create')
  const WORKER_DB = `${MAIN}_w1`
  const TIMEOUT = 3_000
  beforeAll(async () => {
    await dropDatabase(WORKER_DB)
    await createDatabase(MAIN, 'CREATE TABLE items (id int PRIMARY KEY)')
  })
  afterAll(async () => {
    await dropDatabase(WORKER_DB)
    await dropDatabase(MAIN)
  })

  it("closes what it makes after all, the worker's app and database, before the run's close() returns", async () => {
    const apps: ChildProcess[] = []
    let createdAt = 0
    const setup = postgresWorkers({
      url: dbUrl(MAIN),
      // An app process slow to start: the create lands a moment after the run gave it up, and well before
      // close() stops waiting for it (one more timeout), leaving it time to stop the app and drop the database.
      startApp: async () => {
        const app = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
        apps.push(app)
        await new Promise((r) => setTimeout(r, createdAt + TIMEOUT + 300 - Date.now()))
        const exited = new Promise<void>((done) => app.once('exit', () => done()))
        const close = () => {
          if (app.exitCode === null) app.kill()
          return exited
        }
        return { baseUrl: 'http://127.0.0.1:9', close }
      },
    })
    const create = (index: number, main: MainSystem) => {
      createdAt = Date.now()
      return setup.create(index, main)
    }
    const workerSetup = { ...setup, create }
    const runner = createRunner({ pluginTimeout: TIMEOUT, workers: 2, stateBackends: [postgresState({ url: dbUrl(MAIN) })], workerSetup })
    try {
      const result = await runner.run([journey('j1', { steps: [step('s', () => {})] }), journey('j2', { steps: [step('s', () => {})] })])
      expect(result.journeys[1]!.issues.map((i) => i.error)).toEqual([
        `worker 1 could not be made, so the journey did not run: workerSetup.create(1) timed out after ${TIMEOUT} ms (pluginTimeout); worker 1 is not used again in this run`,
      ])
      expect(await runner.close()).toEqual([])
      // Gone when close() returns: the process may end right after it.
      expect(apps.map((a) => a.exitCode !== null || a.signalCode !== null)).toEqual([true])
      expect(await databasesLike(WORKER_DB)).toEqual([])
    } finally {
      for (const a of apps) if (a.exitCode === null && a.signalCode === null) a.kill()
    }
  }, 20_000)
})

describe('postgresWorkers with a create still starting its app when the run closes', () => {
  const MAIN = runDatabaseName('venomqa_pg_wk_slow_app')
  const WORKER_DB = `${MAIN}_w1`
  // The create must be in startApp when the run gives it up, which is what this test is about: before it,
  // making the worker's database (a CREATE DATABASE, whose DROP on undo waits for a checkpoint of the whole
  // server) cannot be stopped midway. At 1.5 s, a server busy with other tests once took longer than that
  // to make it and, after the give-up, to drop it, past close()'s wait: the create was reported still running.
  const TIMEOUT = 5_000
  beforeAll(async () => {
    await dropDatabase(WORKER_DB)
    await createDatabase(MAIN, 'CREATE TABLE items (id int PRIMARY KEY)')
  })
  afterAll(async () => {
    await dropDatabase(WORKER_DB)
    await dropDatabase(MAIN)
  })

  it("stops the app being started and drops the worker's database: nothing is left once close() returns", async () => {
    const apps: ChildProcess[] = []
    const setup = postgresWorkers({
      url: dbUrl(MAIN),
      // An app process that never says it is ready: its create outlasts the run's wait for it (one
      // pluginTimeout) and close()'s wait after that (one more). Before, close() gave up on it and reported
      // it still running, and the worker's database and the app process stayed.
      startApp: (_index, databaseUrl, { signal }) =>
        new Promise<never>((_resolve, reject) => {
          const app = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', env: { ...process.env, DATABASE_URL: databaseUrl } })
          apps.push(app)
          // What a startApp does with resources.signal (startAppProcess does it too): stop the app it is starting, and reject.
          signal?.addEventListener(
            'abort',
            () => {
              app.once('exit', () => reject(signal.reason))
              app.kill()
            },
            { once: true },
          )
        }),
    })
    const runner = createRunner({ pluginTimeout: TIMEOUT, workers: 2, stateBackends: [postgresState({ url: dbUrl(MAIN) })], workerSetup: setup })
    try {
      const result = await runner.run([journey('j1', { steps: [step('s', () => {})] }), journey('j2', { steps: [step('s', () => {})] })])
      expect(result.journeys[1]!.issues.map((i) => i.error)).toEqual([
        `worker 1 could not be made, so the journey did not run: workerSetup.create(1) timed out after ${TIMEOUT} ms (pluginTimeout); worker 1 is not used again in this run`,
      ])
      expect(await runner.close()).toEqual([])
      // Gone when close() returns: the process may end right after it.
      expect(apps.map((a) => a.exitCode !== null || a.signalCode !== null)).toEqual([true])
      expect(await databasesLike(WORKER_DB)).toEqual([])
    } finally {
      for (const a of apps) if (a.exitCode === null && a.signalCode === null) a.kill()
    }
  }, 45_000)
})

describe("a worker's state backend that cannot connect", () => {
  // Never created: the worker's backend cannot connect to it.
  const MISSING = runDatabaseName('venomqa_pg_wk_missing')

  it('is named once in the error of the journey that did not run', async () => {
    await dropDatabase(MISSING)
    // The run's own system has a backend too: a setup that gives workers one while the run has none is refused first.
    const runner = createRunner({ workers: 2, stateBackends: [memoryState()], workerSetup: { create: async () => ({ stateBackends: [postgresState({ url: dbUrl(MISSING) })] }) } })
    try {
      const result = await runner.run([journey('j1', { steps: [step('s', () => {})] }), journey('j2', { steps: [step('s', () => {})] })])
      expect(result.journeys[1]!.issues.map((i) => i.error)).toEqual([
        // Before, the backend's own error came after "could not connect" with its name again, and so did the worker's:
        // `worker 1 could not be made, ...: worker 1: state backend "postgres:..." could not connect: state backend "postgres:...": cannot connect ...`.
        `worker 1 could not be made, so the journey did not run: state backend "postgres:${MISSING}" could not connect: cannot connect to database "${MISSING}" at 127.0.0.1:5432 (user "postgres") to track changes: the database does not exist: database "${MISSING}" does not exist [postgres://postgres@127.0.0.1:5432/${MISSING}]`,
      ])
    } finally {
      await runner.close()
    }
  })
})

describe("parallel paths when a worker's app ends on its own", () => {
  const MAIN = runDatabaseName('venomqa_pg_wk_app_gone')
  const databases = pgTestDatabases(new RegExp(`^${MAIN}(_w\\d)?$`))
  const workerDbs = [`${MAIN}_w1`, `${MAIN}_w2`]
  let main: RunningProcess
  beforeAll(async () => {
    for (const db of workerDbs) await databases.drop(db)
    await databases.create(MAIN)
    // The todo app creates its schema, on the main database as on each worker's.
    main = await startTodoApp({ DATABASE_URL: dbUrl(MAIN) })
  })
  afterAll(async () => {
    await main?.stop()
    for (const db of [...workerDbs, MAIN]) await databases.drop(db)
  })

  it('a later branch runs its paths on the workers still in use, and with none left fails with the reason', async () => {
    /** Each worker's app, as startAppProcess started it, by its base URL. */
    const workerApps = new Map<string, AppProcess>()
    const runner = createRunner({
      baseUrl: main.url,
      stateBackends: [postgresState({ url: dbUrl(MAIN) })],
      parallelPaths: 3,
      workerSetup: postgresWorkers({
        url: dbUrl(MAIN),
        async startApp(_index, databaseUrl, { signal }) {
          const app = await startAppProcess({ command: [process.execPath, TODO_APP_SERVER], env: { DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1' }, signal })
          workerApps.set(app.baseUrl, app)
          return app
        },
      }),
    })
    const stats = (name: string) => path(name, [step('stats', async ({ http }) => assertStatus(await http.get('/api/stats'), 200))])
    // The app the path runs against is killed, as the machine short of memory does, and the step waits until the run can know it.
    const killed = path('killed', [
      step('kill_its_app', async ({ http }) => {
        const app = workerApps.get(http.baseUrl)
        if (!app) throw new Error(`this path was to run on a worker, and ran on ${http.baseUrl}`)
        process.kill(app.pid, 'SIGKILL')
        await app.exited
      }),
    ])
    const branching = (name: string, paths: ReturnType<typeof path>[]) => journey(name, { steps: [checkpoint('start'), branch('start', paths)] })
    let result: Awaited<ReturnType<typeof runner.run>>
    let closed: string[]
    try {
      result = await runner.run([
        // The paths take the lanes in order: "killed" runs on worker 1, then on worker 2 in the third journey.
        branching('kills_worker_1', [stats('a'), killed, stats('c')]),
        branching('after_worker_1', [stats('a'), stats('b'), stats('c')]),
        branching('kills_worker_2', [stats('a'), killed]),
        branching('no_worker_left', [stats('a'), stats('b')]),
      ])
    } finally {
      closed = await runner.close()
    }
    expect(closed).toEqual([])
    expect(result.journeys.map((j) => [j.name, j.status])).toEqual([
      ['kills_worker_1', 'failed'],
      ['after_worker_1', 'passed'],
      ['kills_worker_2', 'failed'],
      ['no_worker_left', 'failed'],
    ])
    const [first, after, , none] = result.journeys
    expect(first!.issues.filter((i) => i.source === 'workers').map((i) => i.error)).toEqual([
      expect.stringMatching(/^worker 1's app ended unexpectedly \(signal SIGKILL\) while the journey ran: /),
    ])
    // Before, this branch failed too: "could not prepare workers for the parallel paths of checkpoint "start", ...: worker 1's app ended unexpectedly".
    expect(after!.issues).toEqual([])
    const paths = (after!.nodes[1] as BranchResult).paths
    expect(paths.map((p) => p.status)).toEqual(['passed', 'passed', 'passed'])
    expect(new Set(paths.map((p) => p.worker ?? 0))).toEqual(new Set([0, 2]))
    // Neither worker is in use: the branch fails with the reason, as it did for any worker out of use.
    expect(none!.issues.map((i) => i.error)).toEqual([
      expect.stringMatching(
        /^could not prepare workers for the parallel paths of checkpoint "start", so the branch stops rather than run on unknown state: worker 1's app ended unexpectedly \(signal SIGKILL\); worker 1 is not used again in this run/,
      ),
    ])
    expect(await databasesLike(`${MAIN}_w`)).toEqual([])
  }, 90_000)
})

describe("a worker's database as the run makes it", () => {
  const MAIN = runDatabaseName('venomqa_pg_worker_rows')
  const databases = pgTestDatabases(new RegExp(`^${MAIN}(_w\\d)?$`))
  let main: RunningProcess
  beforeAll(async () => {
    await databases.drop(`${MAIN}_w1`)
    await databases.create(MAIN)
    // The todo app creates its schema; the rows a fixture or a seed script puts in before the run follow.
    main = await startTodoApp({ DATABASE_URL: dbUrl(MAIN) })
    await withClient(dbUrl(MAIN), (c) =>
      c.query(`SELECT setval('users_id_seq', 40);
        INSERT INTO users (email, password_hash, name) VALUES ('seed@example.com', 'x', 'Seeded');
        INSERT INTO sessions (token, user_id) VALUES ('seed-token', 41)`),
    )
  })
  afterAll(async () => {
    await main?.stop()
    for (const db of [`${MAIN}_w1`, MAIN]) await databases.drop(db)
  })

  /** Two journeys on two workers, each reading the seeded user and signing one up; what each got, by worker. */
  const runOnTwoWorkers = async (rows?: 'copy' | 'none') => {
    // A journey with no checkpoint keeps what it wrote: the main database as the seed left it, for each run.
    await withClient(dbUrl(MAIN), (c) => c.query(`DELETE FROM users WHERE id <> 41; SELECT setval('users_id_seq', 41)`))
    const runner = createRunner({
      baseUrl: main.url,
      workers: 2,
      stateBackends: [postgresState({ url: dbUrl(MAIN) })],
      workerSetup: postgresWorkers({
        url: dbUrl(MAIN),
        ...(rows ? { rows } : {}),
        startApp: (_index, databaseUrl, { signal }) =>
          startAppProcess({ command: [process.execPath, TODO_APP_SERVER], env: { DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1' }, signal }),
      }),
    })
    const seen: Record<string, string> = {}
    const reads = (name: string) =>
      journey(name, {
        steps: [
          step('seeded_user_and_next_id', async ({ http }) => {
            const me = await http.get('/api/me', { headers: { authorization: 'Bearer seed-token' } })
            const signup = await http.post('/api/users', { json: { email: `${name}@example.com`, password: 'pw-123456' } })
            seen[name] = `${me.status} ${(me.json() as { name?: string }).name}; signed up id ${(signup.json() as { id?: number }).id}`
          }),
        ],
      })
    try {
      const result = await runner.run([reads('a'), reads('b')])
      expect(result.journeys.map((j) => [j.status, j.issues.map((i) => i.error)])).toEqual([['passed', []], ['passed', []]])
      return Object.fromEntries(result.journeys.map((j) => [`worker ${j.worker ?? 0}`, seen[j.name]]))
    } finally {
      expect(await runner.close()).toEqual([])
    }
  }

  it("starts from the main database's rows and sequence values, as worker 0 does", async () => {
    expect(await runOnTwoWorkers()).toEqual({ 'worker 0': '200 Seeded; signed up id 42', 'worker 1': '200 Seeded; signed up id 42' })
    expect(await databasesLike(`${MAIN}_w`)).toEqual([])
  }, 60_000)

  it("with rows: 'none', holds only what its app put in it", async () => {
    expect(await runOnTwoWorkers('none')).toEqual({ 'worker 0': '200 Seeded; signed up id 42', 'worker 1': '401 undefined; signed up id 1' })
  }, 60_000)

  it("that cannot take the main one's rows is not made: the error says why, and how to do without the copy", async () => {
    // The worker's app made its table otherwise than the main one's (an older version of the app).
    const setup = postgresWorkers({
      url: dbUrl(MAIN),
      startApp: async (_index, databaseUrl) => {
        await withClient(databaseUrl, (c) => c.query('CREATE TABLE users (id int PRIMARY KEY)'))
        return { baseUrl: 'http://127.0.0.1:9', close: async () => {} }
      },
    })
    const failed = await setup.create(1, { baseUrl: main.url, ports: new Map(), stateBackends: [] }).then(
      () => 'made',
      (err: StateError) => `${err.message} | ${err.suggestion}`,
    )
    expect(failed).toMatch(/^state backend "postgres-workers": worker 1, as it was made: copying postgres:\/\/.* failed: column "email" of relation "users" does not exist \| /)
    expect(failed).toContain("give postgresWorkers `rows: 'none'`")
    expect(await databasesLike(`${MAIN}_w`)).toEqual([])
  })

  it("refuses a rows option it does not know, naming it", () => {
    expect(() => postgresWorkers({ url: dbUrl(MAIN), rows: 'all' as 'copy' })).toThrow("postgresWorkers: `rows` must be 'copy' or 'none', got \"all\"")
  })
})
