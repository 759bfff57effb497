/**
 * What the proxy cannot keep is refused with a clear error and a SQLSTATE, never a hang; the backend turns
 * each refusal into a failed step (a critical issue); what merely differs is said once.
 */
import net from 'node:net'
import { StateError, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describeWithService } from '@venomqa/test-utils'
import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type PgProxy, pgProxyState, startControlServer } from '../src/index'
import { FrameReader } from '../src/protocol/frames'
import { parse, parseFields, startupMessage, sync, terminate } from '../src/protocol/messages'
import { classify, splitStatements } from '../src/sql'
import { PG, createDatabase, dbName, dbUrl, dropDatabase, dump, sendCancel, startProxy, until, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('refusals')

async function connect(url: string, options: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, ...options })
  c.on('error', () => {})
  await c.connect()
  return c
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: { code?: string; message: string }) => `${e.code}: ${e.message}`)

describe('refusals', () => {
  let proxy: PgProxy
  let client: pg.Client

  beforeAll(async () => {
    await createDatabase(DB, 'CREATE TABLE t (id serial PRIMARY KEY, v text)')
    proxy = await startProxy(DB)
    client = await connect(proxy.url)
  })

  afterAll(async () => {
    await client?.end().catch(() => {})
    await proxy?.stop()
    await dropDatabase(DB)
  })

  const cases: [string, RegExp][] = [
    ['LISTEN jobs', /^0A000: venomqa-pg-proxy refuses LISTEN: notifications are delivered at commit, and the proxy never commits$/],
    // A notification is delivered at commit: accepted, it would silently never arrive.
    ["NOTIFY jobs, 'x'", /^0A000: venomqa-pg-proxy refuses NOTIFY: a notification is delivered when its transaction commits, and the proxy never commits/],
    ["select pg_notify('jobs', 'y')", /^0A000: venomqa-pg-proxy refuses pg_notify\(\): /],
    ["PREPARE TRANSACTION 'x'", /^0A000: venomqa-pg-proxy refuses PREPARE TRANSACTION: two-phase commit needs a real commit/],
    ["COMMIT PREPARED 'x'", /^0A000: venomqa-pg-proxy refuses COMMIT PREPARED/],
    ["ROLLBACK PREPARED 'x'", /^0A000: venomqa-pg-proxy refuses ROLLBACK PREPARED/],
    ['VACUUM t', /^25001: venomqa-pg-proxy refuses VACUUM: it cannot run inside a transaction block/],
    ['CREATE DATABASE other', /^25001: venomqa-pg-proxy refuses CREATE DATABASE: /],
    ['CREATE INDEX CONCURRENTLY t_v ON t (v)', /^25001: venomqa-pg-proxy refuses CREATE INDEX CONCURRENTLY: /],
    ['DROP DATABASE other', /^25001: venomqa-pg-proxy refuses DROP DATABASE: /],
    ['ALTER SYSTEM SET work_mem = 1', /^25001: venomqa-pg-proxy refuses ALTER SYSTEM: /],
    // The proxy's own savepoints, however the name is written: the app cannot undo or shadow a checkpoint.
    ['SAVEPOINT venomqa_cp_1', /^42939: venomqa-pg-proxy refuses SAVEPOINT venomqa_cp_1: savepoint names that start with venomqa_ are the proxy's own/],
    ['ROLLBACK TO SAVEPOINT VENOMQA_CP_1', /^42939: venomqa-pg-proxy refuses ROLLBACK TO SAVEPOINT venomqa_cp_1: /],
    ['rollback work to venomqa_tx', /^42939: venomqa-pg-proxy refuses ROLLBACK TO SAVEPOINT venomqa_tx: /],
    ['RELEASE "venomqa_query"', /^42939: venomqa-pg-proxy refuses RELEASE SAVEPOINT venomqa_query: /],
    // Written with Unicode escapes (the default escape, or one UESCAPE names), with comments between the words.
    ['RELEASE U&"venomqa\\005ftx"', /^42939: venomqa-pg-proxy refuses RELEASE SAVEPOINT venomqa_tx: /],
    ["rollback /* x */ to -- y\n savepoint u&\"!0076enomqa!005fcp_1\" uescape '!'", /^42939: venomqa-pg-proxy refuses ROLLBACK TO SAVEPOINT venomqa_cp_1: /],
    // One the proxy cannot read is refused too: it could be the proxy's own (the server reads this one as venomqa_tx).
    [
      "SAVEPOINT U&\"venomqa\\005ftx\" UESCAPE '\\'",
      /^42939: venomqa-pg-proxy refuses SAVEPOINT U&"venomqa\\005ftx": it cannot read this savepoint name's Unicode escapes/,
    ],
  ]

  it('each refused statement: its message and SQLSTATE, by simple and by extended protocol; the connection goes on', async () => {
    for (const [i, [sql, expected]] of cases.entries()) {
      expect(await codeOf(client.query(sql)), sql).toMatch(expected)
      // pg sends a named query through Parse/Bind/Execute.
      expect(await codeOf(client.query({ name: `refused_${i}`, text: sql })), `${sql} (extended)`).toMatch(expected)
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    }
    expect(proxy.refusals.map((r) => r.what)).toContain('VACUUM')
  })

  it('a string that names pg_notify is not a call of it', async () => {
    expect((await client.query("SELECT 'pg_notify(x)' AS said")).rows).toEqual([{ said: 'pg_notify(x)' }])
  })

  it('a procedure that commits fails saying the proxy is why, and is recorded as a refusal', async () => {
    await client.query("CREATE PROCEDURE commits() LANGUAGE plpgsql AS $$ BEGIN INSERT INTO t (v) VALUES ('by procedure'); COMMIT; END $$")
    const before = proxy.refusals.length
    expect(await codeOf(client.query('CALL commits()'))).toMatch(
      /^2D000: venomqa-pg-proxy: invalid transaction termination: a procedure that commits or rolls back cannot run behind the proxy/,
    )
    expect(proxy.refusals.slice(before).map((r) => r.reason)).toEqual(['transaction-control-in-procedure'])
    expect((await client.query("SELECT count(*)::int AS n FROM t WHERE v = 'by procedure'")).rows).toEqual([{ n: 0 }])
    // Where PostgreSQL itself refuses it, its own error goes as it came, and nothing is blamed on the proxy:
    // the CALL inside the app's own transaction block, and a function that commits.
    await client.query('BEGIN')
    expect(await codeOf(client.query('CALL commits()'))).toBe('2D000: invalid transaction termination')
    await client.query('ROLLBACK')
    await client.query('CREATE FUNCTION commits_fn() RETURNS int LANGUAGE plpgsql AS $$ BEGIN COMMIT; RETURN 1; END $$')
    expect(await codeOf(client.query('SELECT commits_fn()'))).toBe('2D000: invalid transaction termination')
    expect(proxy.refusals.length).toBe(before + 1)
  })

  it('inside a transaction a refusal fails it, as a server error would: 25P02 until ROLLBACK, COMMIT answers ROLLBACK', async () => {
    await client.query('BEGIN')
    await client.query("INSERT INTO t (v) VALUES ('lost')")
    expect(await codeOf(client.query('VACUUM'))).toMatch(/^25001: /)
    expect(await codeOf(client.query('SELECT 1'))).toMatch(/^25P02: current transaction is aborted/)
    expect((await client.query('COMMIT')).command).toBe('ROLLBACK')
    expect((await client.query("SELECT count(*)::int AS n FROM t WHERE v = 'lost'")).rows).toEqual([{ n: 0 }])
  })

  it("the app's own savepoints work; one it names like the proxy's is refused and fails its transaction, the checkpoint kept", async () => {
    await client.query('BEGIN')
    await client.query("INSERT INTO t (v) VALUES ('kept')")
    await client.query('SAVEPOINT "VENOMQA_mine"') // quoted: not folded, so not the proxy's
    await client.query("INSERT INTO t (v) VALUES ('undone')")
    await client.query('ROLLBACK TO SAVEPOINT "VENOMQA_mine"')
    await client.query('COMMIT')
    expect((await client.query("SELECT v FROM t WHERE v IN ('kept', 'undone') ORDER BY v")).rows).toEqual([{ v: 'kept' }])

    await proxy.checkpoint('before_app')
    await client.query("INSERT INTO t (v) VALUES ('after_checkpoint')")
    await client.query('BEGIN')
    // Without the refusal, this would undo the proxy's checkpoint savepoint and every savepoint after it.
    expect(await codeOf(client.query('ROLLBACK TO SAVEPOINT venomqa_cp_1'))).toMatch(/^42939: /)
    expect(await codeOf(client.query('SELECT 1'))).toMatch(/^25P02: /)
    expect((await client.query('ROLLBACK')).command).toBe('ROLLBACK')
    await proxy.rollback('before_app')
    expect((await client.query("SELECT count(*)::int AS n FROM t WHERE v = 'after_checkpoint'")).rows).toEqual([{ n: 0 }])
  })

  it("a RELEASE of the proxy's savepoint written with Unicode escapes is refused inside a transaction: its ROLLBACK undoes it, the session and checkpoints go on", async () => {
    await client.query('BEGIN')
    await client.query("INSERT INTO t (v) VALUES ('escaped')")
    expect(await codeOf(client.query('RELEASE U&"venomqa\\005ftx"'))).toMatch(/^42939: /)
    expect((await client.query('ROLLBACK')).command).toBe('ROLLBACK')
    expect((await client.query("SELECT count(*)::int AS n FROM t WHERE v = 'escaped'")).rows).toEqual([{ n: 0 }])
    await proxy.checkpoint('after_escaped')
    await proxy.rollback('after_escaped')
    await proxy.release('after_escaped')
  })

  it('reads a U&"..." savepoint name as PostgreSQL does, or refuses it: never another name than the server\'s', async () => {
    const escapes = [undefined, '!', '#', '\\', '+', 'a', ' ']
    const body = fc.array(fc.constantFrom('\\', '!', '#', '+', '0', '0', '0', '5', 'f', 'D', '8', 'C', '1', 'v', '_', 'é', '😀'), { maxLength: 14 }).map((cs) => cs.join(''))
    await withClient(dbUrl(DB), async (direct) => {
      await fc.assert(
        fc.asyncProperty(body, fc.constantFrom(...escapes), async (written, uescape) => {
          const name = `U&"${written}"${uescape === undefined ? '' : ` UESCAPE '${uescape}'`}`
          // PostgreSQL's reading: the name of a column it names.
          const server = await direct.query(`SELECT 1 AS ${name}`).then((r) => r.fields[0]!.name, () => undefined)
          const kind = classify(splitStatements(`RELEASE ${name}`)[0]!)
          if (kind.kind === 'savepoint') expect(kind.name).toBe(server)
          else expect(kind).toMatchObject({ kind: 'refused', reason: server?.startsWith('venomqa_') ? 'reserved-savepoint' : 'unreadable-savepoint' })
          // Refused only where the server refuses the name too, or the escape is a backslash (read otherwise with standard_conforming_strings off).
          if (kind.kind === 'refused' && !server?.startsWith('venomqa_')) expect(server === undefined || uescape === '\\').toBe(true)
        }),
        { numRuns: 300 },
      )
    })
  })

  it('a replication connection is refused at startup', async () => {
    const err = await connect(proxy.url, { replication: 'database' } as Partial<pg.ClientConfig>).then(
      async (c) => {
        await c.end()
        return undefined
      },
      (e: { code?: string; message: string }) => e,
    )
    expect(err?.code).toBe('0A000')
    expect(err?.message).toMatch(/^venomqa-pg-proxy refuses replication connections/)
  })

  it('another database, or a non-loopback client without a password, is turned away with a reason', async () => {
    const other = new URL(proxy.url)
    other.pathname = '/postgres'
    expect(await codeOf(connect(other.toString()))).toMatch(/^3D000: database "postgres" does not exist behind venomqa-pg-proxy/)
  })

  it('the backend reports refusals at its next step, once, as a StateError', async () => {
    const backend = pgProxyState({ upstream: dbUrl(DB) }, () => {})
    await backend.connect()
    try {
      await backend.checkpoint('start')
      await appRuns(backend, 'LISTEN jobs')
      const err = await backend.rollback('start').catch((e) => e)
      expect(err).toBeInstanceOf(StateError)
      expect(err.message).toMatch(/rollback to "start": the proxy refused what the app did.*refuses LISTEN.*\[0A000\]/)
      // The issue's advice is what the app was told to do, not the generic one for a backend that failed.
      expect(err.suggestion).toBe('The app did something the venomqa-pg-proxy refuses (see the error). Notifications cannot reach this app through the proxy; use the snapshot mechanism of @venomqa/state-postgres for this app.')
      await backend.rollback('start') // reported once
    } finally {
      await backend.disconnect()
    }
  })

  it('a refused path is rolled back all the same: its writes are gone, and the rollback still fails naming the refusal', async () => {
    const backend = pgProxyState({ upstream: dbUrl(DB) }, () => {})
    await backend.connect()
    try {
      await backend.checkpoint('start')
      await appRuns(backend, "INSERT INTO t (v) VALUES ('refused path')", 'LISTEN jobs')
      const err = await backend.rollback('start').catch((e) => e)
      expect(err).toBeInstanceOf(StateError)
      expect(err.stateIsWrong).toBe(true)
      expect(err.message).toMatch(/rollback to "start": the proxy refused what the app did.*refuses LISTEN.*\[0A000\] \(rolled back to "start" all the same\)$/)
      expect(await backend.proxy!.query("SELECT count(*) FROM t WHERE v = 'refused path'")).toEqual([['0']])
    } finally {
      await backend.disconnect()
    }
  })

  it('a refusal and a failed rollback: both are said', async () => {
    const backend = pgProxyState({ upstream: dbUrl(DB) }, () => {})
    await backend.connect()
    try {
      await appRuns(backend, 'LISTEN jobs')
      const err = await backend.rollback('never_taken').catch((e) => e)
      expect(err).toBeInstanceOf(StateError)
      expect(err.message).toMatch(/rollback to "never_taken": the proxy refused what the app did.*refuses LISTEN.*\[0A000\]; and the rollback failed too: no checkpoint "never_taken" \(open: none\)$/)
    } finally {
      await backend.disconnect()
    }
  })

  it('a refusal after the last checkpoint or rollback fails the release, as a state known to be wrong; one after every checkpoint is let go fails the disconnect', async () => {
    const backend = pgProxyState({ upstream: dbUrl(DB) }, () => {})
    await backend.connect()
    try {
      await backend.checkpoint('start')
      await appRuns(backend, 'LISTEN jobs')
      const err = await backend.release('start').catch((e) => e)
      expect(err).toBeInstanceOf(StateError)
      expect(err.stateIsWrong).toBe(true)
      expect(err.message).toMatch(/release "start": the proxy refused what the app did, so the state is not what the app meant: venomqa-pg-proxy refuses LISTEN/)
      // Told once: the disconnect has nothing left to say about it.
      await appRuns(backend, 'VACUUM')
    } finally {
      const err = await backend.disconnect().catch((e) => e)
      expect(err).toBeInstanceOf(StateError)
      expect(err.stateIsWrong).toBe(true)
      expect(err.message).toMatch(/the run ended on a state that is not what the app meant: venomqa-pg-proxy refuses VACUUM/)
      expect(err.message).not.toContain('LISTEN')
      expect(err.suggestion).toMatch(/\(see the error\)\. Run it against the database directly \(before the run, or in setup\), or use the snapshot mechanism/)
    }
  })

  it("a refusal in a journey without checkpoints fails the run's close with the proxy's advice, not the generic one", async () => {
    const backend = pgProxyState({ upstream: dbUrl(DB) }, () => {})
    const vacuums = journey('vacuums_without_checkpoints', { steps: [step('vacuum_and_ignore_the_error', () => appRuns(backend, 'VACUUM t'))] })
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', stateBackends: [backend] })
    try {
      await runner.run(vacuums)
    } finally {
      await runner.close()
    }
    expect(runner.closeIssues.map((i) => [i.step, i.severity])).toEqual([['disconnect pg-proxy:' + DB, 'critical']])
    expect(runner.closeIssues[0]!.error).toMatch(/refuses VACUUM/)
    // What the proxy set up is gone (its disconnect rolled everything back): the app's state is what is wrong.
    expect(runner.closeIssues[0]!.error).toMatch(
      new RegExp(`^state backend "pg-proxy:${DB}" refused what the app did: the proxy refused what the app did after its last checkpoint or rollback, so the run ended on a state that is not what the app meant: venomqa-pg-proxy refuses VACUUM`),
    )
    expect(runner.closeIssues[0]!.error).not.toMatch(/did not disconnect cleanly|may still be there/)
    expect(runner.closeIssues[0]!.suggestion).toMatch(/^The app did something the venomqa-pg-proxy refuses \(see the error\)\. Run it against the database directly/)
  })

  it('a run whose last step is refused does not pass: the journey fails with a critical issue at its release', async () => {
    const backend = pgProxyState({ upstream: dbUrl(DB) }, () => {})
    const listens = journey('listens_at_the_end', {
      steps: [
        checkpoint('start'),
        step('listen_and_ignore_the_error', async () => {
          await appRuns(backend, 'LISTEN jobs')
        }),
      ],
    })
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', stateBackends: [backend] })
    try {
      const result = await runner.run(listens)
      expect(result.status).toBe('failed')
      expect(result.journeys[0]!.status).toBe('failed')
      expect(result.journeys[0]!.issues.map((i) => [i.step, i.severity])).toEqual([['release', 'critical']])
      expect(result.journeys[0]!.issues[0]!.error).toMatch(/not what the app meant: venomqa-pg-proxy refuses LISTEN/)
    } finally {
      await runner.close()
    }
    expect(runner.closeIssues).toEqual([])
  })

  it('says once that advisory and row locks do not contend, and that now() is frozen', async () => {
    await client.query('SELECT pg_advisory_xact_lock(1)')
    await client.query('SELECT pg_try_advisory_lock(2)')
    await client.query('SELECT * FROM t FOR UPDATE')
    await client.query('SELECT * FROM t FOR SHARE')
    const said = proxy.warnings.filter((w) => /advisory|row and table locks|now\(\)/.test(w))
    expect(said).toHaveLength(3)
  })
})

describe('a standalone proxy driven over its control port', () => {
  let proxy: PgProxy
  let control: Awaited<ReturnType<typeof startControlServer>>

  beforeAll(async () => {
    await createDatabase(`${DB}_control`, 'CREATE TABLE t (id serial PRIMARY KEY, v text)')
    proxy = await startProxy(`${DB}_control`)
    control = await startControlServer(proxy, '127.0.0.1', 0)
  })

  afterAll(async () => {
    await control?.close()
    await proxy?.stop()
    await dropDatabase(`${DB}_control`)
  })

  const refuseListen = async () => {
    const stray = await connect(proxy.url)
    await codeOf(stray.query('LISTEN jobs'))
    await stray.end()
  }

  it('a run is failed only by what was refused during it: not before it started, not in an earlier run', async () => {
    await refuseListen() // a stray session before any run
    const first = pgProxyState({ control: control.url }, () => {})
    await first.connect()
    await first.checkpoint('start')
    await refuseListen()
    await expect(first.rollback('start')).rejects.toThrow(/rollback to "start": the proxy refused what the app did.*refuses LISTEN/)
    await first.release('start')
    await first.disconnect()

    const later = pgProxyState({ control: control.url }, () => {})
    await later.connect()
    await later.checkpoint('start')
    await later.rollback('start')
    await later.release('start')
    await later.disconnect()
    expect(proxy.refusals).toHaveLength(2)
  })

  it('a refused path leaves nothing for later journeys and runs: the rollback after it is done before the journey fails', async () => {
    const backend = pgProxyState({ control: control.url }, () => {})
    const refused = journey('refused_path', {
      steps: [
        checkpoint('start'),
        branch('start', [
          path('listens', [step('insert_then_listen', () => appRuns(backend, "INSERT INTO t (v) VALUES ('refused path')", 'LISTEN jobs'))]),
        ]),
      ],
    })
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', stateBackends: [backend] })
    try {
      const result = await runner.run(refused)
      expect(result.status).toBe('failed')
      expect(result.journeys[0]!.issues.map((i) => [i.step, i.severity])).toEqual([['rollback start', 'critical']])
      expect(result.journeys[0]!.issues[0]!.error).toMatch(/refuses LISTEN.*\(rolled back to "start" all the same\)/)
    } finally {
      await runner.close()
    }
    expect(await proxy.query("SELECT count(*) FROM t WHERE v = 'refused path'")).toEqual([['0']])
    expect(proxy.checkpoints).toEqual([])
  })

  it('a refusal first met at a checkpoint inside a path rolls that path back to the newest checkpoint before it fails', async () => {
    const backend = pgProxyState({ control: control.url }, () => {})
    const refused = journey('refused_then_checkpoint', {
      steps: [
        checkpoint('start'),
        branch('start', [
          path('listens', [
            step('insert_then_listen', () => appRuns(backend, "INSERT INTO t (v) VALUES ('refused nested')", 'LISTEN jobs')),
            checkpoint('inner'),
            step('never_reached', () => undefined),
          ]),
        ]),
      ],
    })
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', stateBackends: [backend] })
    try {
      const result = await runner.run(refused)
      expect(result.status).toBe('failed')
      const issue = result.journeys[0]!.issues.find((i) => i.severity === 'critical')
      expect(issue?.error).toMatch(/checkpoint "inner": the proxy refused what the app did.*refuses LISTEN.*\(rolled back to "start", the newest checkpoint, all the same\)/)
      // Before the run closes: the rows are gone already, for whatever the run still does.
      expect(await proxy.query("SELECT count(*) FROM t WHERE v = 'refused nested'")).toEqual([['0']])
    } finally {
      await runner.close()
    }
    expect(await proxy.query("SELECT count(*) FROM t WHERE v = 'refused nested'")).toEqual([['0']])
    expect(proxy.checkpoints).toEqual([])
  })
})

describe('a connection idle inside a transaction while another waits', () => {
  let proxy: PgProxy

  beforeAll(async () => {
    await createDatabase(`${DB}_idle`, 'CREATE TABLE t (id serial PRIMARY KEY, v text)')
    proxy = await startProxy(`${DB}_idle`, { idleInTransactionTimeoutMs: 300 })
    await proxy.checkpoint('start')
  })

  afterAll(async () => {
    await proxy?.stop()
    await dropDatabase(`${DB}_idle`)
  })

  it('gets FATAL 25P03 naming the situation and the fix; its transaction is undone; the waiting one goes on', async () => {
    const atStart = await dump(proxy)
    const idle = await connect(proxy.url)
    const waiting = await connect(proxy.url)
    const ended = new Promise<{ code?: string; message: string }>((resolve) => idle.once('error', resolve))
    await idle.query('BEGIN')
    await idle.query("INSERT INTO t (v) VALUES ('never committed')")
    const other = waiting.query('SELECT count(*)::int AS n FROM t')
    const err = await ended
    expect(err.code).toBe('25P03')
    expect(err.message).toMatch(/stayed idle inside a transaction for 300 ms while another connection waited/)
    expect(proxy.refusals.at(-1)).toMatchObject({ reason: 'idle-in-transaction', code: '25P03' })
    expect((await other).rows).toEqual([{ n: 0 }])
    await waiting.end()
    await idle.end().catch(() => {})
    // The row is gone; the sequence moved on, as on PostgreSQL (nextval is not transactional)...
    expect((await dump(proxy))['public.t']).toEqual([])
    // ...until a rollback puts it back too.
    await proxy.rollback('start')
    expect(await dump(proxy)).toEqual(atStart)
  })

})


describe('a connection idle inside a transaction once nobody waits for it any more', () => {
  let proxy: PgProxy
  // Long enough that the waiting connection is seen waiting and stopped well inside it, on a busy machine.
  const deadlineMs = 1000

  beforeAll(async () => {
    await createDatabase(`${DB}_unwaited`, 'CREATE TABLE t (id serial PRIMARY KEY, v text)')
    proxy = await startProxy(`${DB}_unwaited`, { idleInTransactionTimeoutMs: deadlineMs })
  })

  afterAll(async () => {
    await proxy?.stop()
    await dropDatabase(`${DB}_unwaited`)
  })

  // Its connection reset: a client that only ends its side (a FIN) would still be answered, as by PostgreSQL,
  // so its statement would go on waiting (see half-close.test.ts).
  const goAway = (client: pg.Client) => (client as unknown as { connection: { stream: net.Socket } }).connection.stream.resetAndDestroy()
  // What waited for the idle connection stops waiting: then nothing is to be ended any more.
  const stopsWaiting = {
    'the statement that waited was cancelled': async (waiting: pg.Client, other: Promise<string>) => {
      await sendCancel(proxy, waiting)
      expect(await other).toBe('57014: canceling statement due to user request')
    },
    'the connection that waited went away': async (waiting: pg.Client) => {
      goAway(waiting)
      await until(() => proxy.lock.waiting === 0, 'the proxy lets the closed connection go')
    },
    // A connection with a statement of its own to close when it goes: it leaves it for the next owner.
    'the connection that waited, with a named statement, went away': async (waiting: pg.Client) => {
      goAway(waiting)
      await until(() => proxy.lock.waiting === 0, 'the proxy lets the closed connection go')
    },
  }
  for (const [how, stop] of Object.entries(stopsWaiting))
    it(`keeps its transaction: ${how}`, async () => {
      const idle = await connect(proxy.url)
      const waiting = await connect(proxy.url)
      try {
        if (how.includes('named')) await waiting.query({ name: 'mine', text: 'SELECT $1::int AS n', values: [1] })
        const withdrawnBefore = proxy.lock.stats.withdrawn
        await idle.query('BEGIN')
        await idle.query("INSERT INTO t (v) VALUES ('kept')")
        const other = codeOf(waiting.query("INSERT INTO t (v) VALUES ('waited')"))
        await until(() => proxy.lock.waiting === 1, 'the other connection waits')
        await stop(waiting, other)
        expect(proxy.lock.stats.withdrawn).toBe(withdrawnBefore + 1)
        // Past the deadline with nobody waiting: the connection was not ended, its transaction commits.
        await new Promise((resolve) => setTimeout(resolve, deadlineMs * 1.5))
        expect(await codeOf(idle.query('COMMIT'))).toBe('no error')
        expect((await idle.query("SELECT count(*)::int AS n FROM t WHERE v = 'kept'")).rows).toEqual([{ n: 1 }])
        // What waited never ran: cancelled, or its client gone.
        expect((await idle.query("SELECT count(*)::int AS n FROM t WHERE v = 'waited'")).rows).toEqual([{ n: 0 }])
        // The statement a closed connection left was closed by the next connection to get the session:
        // idle, which let it go at COMMIT and took it again for the query before this one.
        expect((await idle.query("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'vq%.mine'")).rows).toEqual([{ n: 0 }])
      } finally {
        await waiting.end().catch(() => {})
        await idle.end().catch(() => {})
        const c = await connect(proxy.url)
        await c.query('DELETE FROM t')
        await c.end()
      }
    })

  it('a deadline starts again for a connection that comes to wait after another stopped waiting', async () => {
    const idle = await connect(proxy.url)
    const first = await connect(proxy.url)
    const second = await connect(proxy.url)
    try {
      await idle.query('BEGIN')
      const ended = new Promise<number>((resolve) => idle.once('error', () => resolve(performance.now())))
      const firstOutcome = codeOf(first.query('SELECT 1'))
      await until(() => proxy.lock.waiting === 1, 'the first connection waits')
      await sendCancel(proxy, first)
      expect(await firstOutcome).toMatch(/^57014/)
      await new Promise((resolve) => setTimeout(resolve, deadlineMs / 2))
      const since = performance.now()
      const secondOutcome = codeOf(second.query('SELECT 1'))
      // The idle one is ended a whole deadline after the second began to wait, not after the first did.
      const endedAt = await ended
      expect(endedAt - since).toBeGreaterThan(deadlineMs * 0.9)
      expect(await secondOutcome).toBe('no error')
    } finally {
      await Promise.all([idle, first, second].map((c) => c.end().catch(() => {})))
    }
  })
})

describe('statements prepared beside a connection idle in its transaction', () => {
  let proxy: PgProxy

  beforeAll(async () => {
    await createDatabase(`${DB}_aside`, 'CREATE TABLE t (id serial PRIMARY KEY, v text)')
    proxy = await startProxy(`${DB}_aside`, { idleInTransactionTimeoutMs: 60_000 })
  })

  afterAll(async () => {
    await proxy?.stop()
    await dropDatabase(`${DB}_aside`)
  })

  /** A raw connection that sends only Parse + Sync, as libpq's PQprepare does; resolves with the answer's types and error. */
  async function prepareOnly(url: string, sql: string): Promise<string> {
    const u = new URL(url)
    const socket = net.connect({ host: u.hostname, port: Number(u.port) })
    const reader = new FrameReader()
    const seen: string[] = []
    return new Promise((resolve, reject) => {
      socket.on('error', reject)
      socket.on('connect', () => socket.write(startupMessage({ user: 'postgres', database: decodeURIComponent(u.pathname.slice(1)) })))
      let ready = 0
      socket.on('data', (chunk) => {
        for (const m of reader.push(chunk)) {
          if (m.type === 'E') seen.push(`E ${parseFields(m.body).C}`)
          else if (m.type === '1') seen.push('ParseComplete')
          if (m.type === 'Z' && ++ready === 1) socket.write(Buffer.concat([parse('s1', sql), sync()]))
          else if (m.type === 'Z') {
            seen.push(`Z ${m.body.toString('latin1')}`)
            socket.end(terminate())
            resolve(seen.join(', '))
          }
        }
      })
    })
  }

  it('a Parse error there does not touch the idle transaction, which then commits', async () => {
    const owner = await connect(proxy.url)
    await owner.query('BEGIN')
    await owner.query("INSERT INTO t (v) VALUES ('kept')")
    expect(await prepareOnly(proxy.url, 'SELEC oops')).toBe('E 42601, Z I')
    expect(await prepareOnly(proxy.url, 'SELECT v FROM t')).toBe('ParseComplete, Z I')
    await owner.query("INSERT INTO t (v) VALUES ('also kept')")
    expect((await owner.query('COMMIT')).command).toBe('COMMIT')
    expect((await owner.query('SELECT v FROM t ORDER BY id')).rows).toEqual([{ v: 'kept' }, { v: 'also kept' }])
    await owner.end()
  })
})

/** The app runs each statement through its own connection to the proxy, which refuses the last; errors are ignored, as an app might. */
async function appRuns(backend: { url: string }, ...statements: string[]): Promise<void> {
  const app = await connect(backend.url)
  try {
    for (const sql of statements) await codeOf(app.query(sql))
  } finally {
    await app.end()
  }
}
