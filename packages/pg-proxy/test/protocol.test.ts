/**
 * Protocol details through the proxy: cancel requests, a TLS request answered as PostgreSQL without TLS
 * answers it, and session settings kept apart per connection although they share one upstream session.
 */
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import postgres from 'postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { message } from '../src/protocol/frames'
import { bindNoParams, execute, flush, parse, query, sync } from '../src/protocol/messages'
import { PG, createDatabase, dbName, dbUrl, dropDatabase, rawConnection, sendCancel, startProxy, until, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

const DB = dbName('protocol')

describe('protocol details', () => {
  let proxy: PgProxy

  beforeAll(async () => {
    await createDatabase(DB, "CREATE SCHEMA other; CREATE TABLE public.t (v text); CREATE TABLE other.t (v text); INSERT INTO public.t VALUES ('public'); INSERT INTO other.t VALUES ('other')")
    proxy = await startProxy(DB)
  })

  afterAll(async () => {
    await proxy?.stop()
    await dropDatabase(DB)
  })

  /** What a statement ended with: 'finished', or its error's code. */
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'finished',
      (e: { code?: string }) => e.code,
    )

  // postgres.js sends a Parse-Bind-Execute batch; pg without parameters, a simple Query.
  const slowStatements = {
    'a batch (extended protocol)': (sql: postgres.Sql) => sql`SELECT pg_sleep(60)`,
    'a simple query': (sql: postgres.Sql) => sql`SELECT pg_sleep(60)`.simple(),
  }
  for (const [protocol, slowStatement] of Object.entries(slowStatements))
    it(`a cancel request stops the running statement (57014), sent as ${protocol}; the connection and the base transaction go on`, async () => {
      const sql = postgres(proxy.url, { max: 1, onnotice: () => {} })
      try {
        await sql`DELETE FROM t WHERE v = 'before'`
        await sql`INSERT INTO t VALUES ('before')`
        const slow = slowStatement(sql)
        const outcome = codeOf(slow)
        await until(() => proxy.lock.owner !== undefined, 'the slow statement runs')
        slow.cancel()
        expect(await outcome).toBe('57014')
        expect((await sql`SELECT v FROM t ORDER BY v`).map((r) => r.v)).toEqual(['before', 'public'])
      } finally {
        await sql.end()
      }
    })

  /** `holder` opens a transaction, so that what `c` sends waits for the upstream session behind it. */
  async function behindATransaction(body: (c: pg.Client, holder: pg.Client) => Promise<void>) {
    const holder = new pg.Client({ connectionString: proxy.url })
    const c = new pg.Client({ connectionString: proxy.url })
    await holder.connect()
    await c.connect()
    try {
      await holder.query('BEGIN')
      await holder.query("INSERT INTO t VALUES ('holder')")
      await body(c, holder)
    } finally {
      await c.end()
      await holder.end()
    }
  }

  // pg sends a query without parameters as a simple Query, one with them as an unnamed Parse-Bind-Execute batch.
  const waitingStatements = {
    'a simple query': (c: pg.Client) => c.query("INSERT INTO t SELECT 'cancelled' FROM pg_sleep(30)"),
    'an unnamed extended-protocol batch': (c: pg.Client) => c.query('INSERT INTO t SELECT $1::text FROM pg_sleep(30)', ['cancelled']),
  }
  for (const [kind, send] of Object.entries(waitingStatements))
    it(`a cancel that comes while ${kind} waits for the upstream answers it at once (57014), as PostgreSQL stops a statement that waits for a lock; nothing of it runs`, async () => {
      await behindATransaction(async (c, holder) => {
        const outcome = codeOf(send(c))
        await until(() => proxy.lock.waiting === 1, 'the statement waits for the upstream')
        await sendCancel(proxy, c)
        // Answered while the other connection still holds its transaction, which goes on untouched.
        expect(await outcome).toBe('57014')
        expect(proxy.lock.waiting).toBe(0)
        const mine = "SELECT v FROM t WHERE v IN ('holder', 'cancelled') ORDER BY v"
        expect((await holder.query(mine)).rows).toEqual([{ v: 'holder' }])
        await holder.query('ROLLBACK')
        // The connection is idle, its next statement runs; the cancelled one never ran.
        expect((await c.query(mine)).rows).toEqual([])
      })
    })

  it('a batch that names its statement is answered at once too: the statement was never made, as after a Parse that failed, and pg makes it again next time', async () => {
    await behindATransaction(async (c, holder) => {
      const outcome = codeOf(c.query({ name: 'slow', text: 'SELECT pg_sleep($1::int)', values: [30] }))
      await until(() => proxy.lock.waiting === 1, 'the statement waits for the upstream')
      await sendCancel(proxy, c)
      expect(await outcome).toBe('57014')
      await holder.query('ROLLBACK')
      expect((await c.query({ name: 'slow', text: 'SELECT pg_sleep($1::int)', values: [0] })).rows).toEqual([{ pg_sleep: '' }])
    })
  })

  it('postgres.js, which names its statements: a query cancelled as it waits is answered at once, prepared before or not, and runs again after', async () => {
    const sql = postgres(proxy.url, { max: 1, onnotice: () => {} })
    // A query with parameters that postgres.js has not prepared yet goes as Parse, Describe and Flush, its
    // Sync only after the answer; once prepared, as Bind, Execute and Sync.
    const insert = (v: string, seconds: number) => sql`INSERT INTO t SELECT ${v}::text FROM pg_sleep(${seconds}::int)`
    const cancelledAsItWaits = () =>
      behindATransaction(async (_, holder) => {
        const q = insert('cancelled', 30)
        // postgres.js sends a query when it is awaited (then), not when it is made.
        const outcome = codeOf(q)
        await until(() => proxy.lock.waiting === 1, 'the statement waits for the upstream')
        q.cancel()
        expect(await outcome).toBe('57014')
        expect(proxy.lock.waiting).toBe(0)
        await holder.query('ROLLBACK')
      })
    try {
      // Connected first: a new postgres.js connection reads the server's types before it sends a query,
      // and a query cancelled before it was sent is dropped by postgres.js itself.
      await sql`SELECT 1`
      await cancelledAsItWaits()
      await insert('ran', 0)
      await cancelledAsItWaits()
      expect(await sql`SELECT v FROM t WHERE v IN ('cancelled', 'ran')`).toEqual([{ v: 'ran' }])
    } finally {
      await sql`DELETE FROM t WHERE v = 'ran'`
      await sql.end()
    }
  })

  it('a batch that only prepares, waiting for the connection that holds the session to be idle, is answered at once when cancelled; one whose client is gone never runs', async () => {
    const owner = new pg.Client({ connectionString: proxy.url })
    await owner.connect()
    const raw = await rawConnection(proxy.url)
    const leaving = await rawConnection(proxy.url)
    try {
      await owner.query('BEGIN')
      // The owner runs a statement: it is not idle, so the Parse-Sync batches wait beside it.
      const busy = owner.query('SELECT pg_sleep(30)').catch((e: { code?: string }) => e.code)
      await until(() => (proxy.lock.owner as { idleHolding?(): boolean } | undefined)?.idleHolding?.() === false, 'the owner runs its statement')
      const answer = raw.send([parse('aside', 'SELECT 1'), sync()])
      let answered = false
      void answer.then(() => (answered = true))
      // Until it is answered: a cancel that comes before the batch does is dropped, as there is nothing to stop.
      for (let i = 0; i < 100 && !answered; i++) {
        await sendCancel(proxy, raw.key)
        await new Promise((r) => setTimeout(r, 20))
      }
      expect((await answer).errors).toEqual(['57014'])
      // The statement was never made: its name is free, and the connection goes on.
      void leaving.send([parse('gone', "SELECT 'never'"), sync()])
      // Reset: nothing can reach it any more. (A client that only ends its side is answered first, as by
      // PostgreSQL: its batch would wait for its turn, see half-close.test.ts.)
      await leaving.reset()
      await until(() => proxy.stats.open === 2, 'the proxy lets the leaving connection go')
      await sendCancel(proxy, owner)
      expect(await busy).toBe('57014')
      await owner.query('ROLLBACK')
      expect((await owner.query("SELECT name FROM pg_prepared_statements WHERE name LIKE 'vq%'")).rows).toEqual([])
      expect((await raw.send([parse('aside', 'SELECT 2'), sync()])).errors).toEqual([])
    } finally {
      raw.end()
      leaving.end()
      await owner.end()
    }
  })

  it('a cancel with nothing running is dropped: the next statement runs to its end', async () => {
    const c = new pg.Client({ connectionString: proxy.url })
    await c.connect()
    try {
      await sendCancel(proxy, c)
      expect((await c.query('SELECT pg_sleep(0.2) AS slept')).rows).toEqual([{ slept: '' }])
      // Idle inside a transaction, the connection holds the upstream and runs nothing: dropped too.
      await c.query('BEGIN')
      await sendCancel(proxy, c)
      expect((await c.query('SELECT pg_sleep(0.2) AS slept')).rows).toEqual([{ slept: '' }])
      await c.query('COMMIT')
    } finally {
      await c.end()
    }
  })

  /**
   * Insert 0..count-1 into `table` through `c`, each with a cancel sent at a random moment (within 4 ms of
   * a statement that runs about 1 ms); even numbers as a simple Query, odd ones as a batch with a parameter.
   * Resolves with the numbers the app saw succeed; any error but 57014 fails the test.
   */
  async function insertWithRandomCancels(c: pg.Client, table: string, count: number): Promise<number[]> {
    const kept: number[] = []
    for (let n = 0; n < count; n++) {
      const insert = n % 2 ? c.query(`INSERT INTO ${table} SELECT $1::int FROM pg_sleep(0.001)`, [n]) : c.query(`INSERT INTO ${table} SELECT ${n} FROM pg_sleep(0.001)`)
      const timer = setTimeout(() => sendCancel(proxy, c).catch(() => {}), Math.random() * 4)
      const ok = await insert.then(
        () => true,
        (e: { code?: string }) => {
          if (e.code !== '57014') throw e
          return false
        },
      )
      if (ok) kept.push(n)
      clearTimeout(timer)
      // A cancel still on its way may stop the next statement instead: the app sees that one cancelled.
      await new Promise((r) => setTimeout(r, 5))
    }
    return kept
  }

  it('cancels at random moments: a statement the app saw succeed is kept, one it saw cancelled is undone, in both protocols', async () => {
    const c = new pg.Client({ connectionString: proxy.url })
    await c.connect()
    await c.query('CREATE TABLE cancelled (n int)')
    try {
      const kept = await insertWithRandomCancels(c, 'cancelled', 300)
      expect((await c.query('SELECT n FROM cancelled ORDER BY n')).rows.map((r) => r.n)).toEqual(kept)
    } finally {
      await c.query('DROP TABLE IF EXISTS cancelled')
      await c.end()
    }
  })

  it("cancels at random moments while another connection keeps taking the session for transactions: only the cancelled connection's statements are stopped", async () => {
    const c = new pg.Client({ connectionString: proxy.url })
    const busy = new pg.Client({ connectionString: proxy.url })
    await c.connect()
    await busy.connect()
    await c.query('CREATE TABLE cancelled_waiting (n int); CREATE TABLE busy (n int)')
    let stop = false
    let committed = 0
    // Each of its transactions holds the session for about 2 ms, so that c's statements often wait for it.
    const other = (async () => {
      while (!stop) {
        await busy.query('BEGIN')
        await busy.query('INSERT INTO busy SELECT $1::int FROM pg_sleep(0.002)', [committed])
        await busy.query('COMMIT')
        committed++
      }
    })()
    try {
      const withdrawnBefore = proxy.lock.stats.withdrawn
      const kept = await insertWithRandomCancels(c, 'cancelled_waiting', 200)
      stop = true
      // Not one of the other connection's statements was stopped: a failure there rejects this.
      await other
      expect((await c.query('SELECT n FROM cancelled_waiting ORDER BY n')).rows.map((r) => r.n)).toEqual(kept)
      expect((await c.query('SELECT count(*)::int AS n FROM busy')).rows).toEqual([{ n: committed }])
      // Some statements were cancelled as they waited for the session (about a third of the cancels): the
      // test reached the path it is about.
      expect(proxy.lock.stats.withdrawn).toBeGreaterThan(withdrawnBefore)
    } finally {
      stop = true
      await other.catch(() => {})
      await c.query('DROP TABLE IF EXISTS cancelled_waiting; DROP TABLE IF EXISTS busy')
      await c.end()
      await busy.end()
    }
  })

  it('a batch that sets a setting and then fails undoes the setting: the connection gets its old one back after another had the session', async () => {
    const raw = await rawConnection(proxy.url)
    const other = new pg.Client({ connectionString: proxy.url, application_name: 'other settings' })
    await other.connect()
    try {
      const searchPath = async () => (await raw.send([query('SHOW search_path')])).rows
      const before = await searchPath()
      // One batch, one Sync, no BEGIN: all or nothing, as PostgreSQL runs it.
      const answer = await raw.send([parse('', 'SET search_path = other'), bindNoParams('', ''), execute(''), parse('', 'SELECT 1/0'), bindNoParams('', ''), execute(''), sync()])
      expect(answer.errors).toEqual(['22012'])
      expect(await searchPath()).toEqual(before)
      // The session goes to a connection with other settings and back: this one's are applied again.
      await other.query('SELECT 1')
      expect(await searchPath()).toEqual(before)
    } finally {
      raw.end()
      await other.end()
    }
  })

  it('an error in a pipelined batch fails what PostgreSQL fails: before its COMMIT, the transaction (failed after, its settings not kept); an autocommit batch (idle after); the second of two transactions in one batch', async () => {
    const statement = (sql: string) => [parse('', sql), bindNoParams('', ''), execute('')]
    const batches = {
      beforeCommit: [
        ...statement('BEGIN'),
        ...statement("SET application_name = 'pipelined'"),
        ...statement("INSERT INTO t VALUES ('pipelined')"),
        ...statement('SELECT 1/0'),
        ...statement('COMMIT'),
        ...statement("INSERT INTO t VALUES ('after commit')"),
        sync(),
      ],
      autocommit: [...statement("INSERT INTO t VALUES ('auto')"), ...statement('SELECT 1/0'), ...statement('COMMIT'), sync()],
      autocommitRollback: [...statement("INSERT INTO t VALUES ('auto')"), ...statement('SELECT 1/0'), ...statement('ROLLBACK'), sync()],
      twoTransactions: [
        ...statement('BEGIN'),
        ...statement("INSERT INTO t VALUES ('first')"),
        ...statement('COMMIT'),
        ...statement('BEGIN'),
        ...statement("INSERT INTO t VALUES ('second')"),
        ...statement('SELECT 1/0'),
        ...statement('COMMIT'),
        sync(),
      ],
    }
    const ours = "('pipelined', 'after commit', 'auto', 'first', 'second')"
    const outcomes: Record<string, unknown>[] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await rawConnection(url)
      const other = await rawConnection(url)
      const outcome: Record<string, unknown> = {}
      try {
        await c.send([query("SET application_name = 'mine'")])
        for (const [name, batch] of Object.entries(batches)) {
          const answer = await c.send(batch)
          const next = await c.send([query('SELECT 1')])
          const rollback = await c.send([query('ROLLBACK')])
          outcome[name] = [answer.errors, answer.status, next.errors, next.status, rollback.status]
        }
        outcome.kept = (await c.send([query(`SELECT v FROM t WHERE v IN ${ours} ORDER BY v`)])).rows
        await c.send([query(`DELETE FROM t WHERE v IN ${ours}`)])
        // Behind the proxy, the connection's settings are applied again after another connection had the session.
        await other.send([query("SET application_name = 'other'")])
        outcome.setting = (await c.send([query('SHOW application_name')])).rows
      } finally {
        c.end()
        other.end()
      }
      outcomes.push(outcome)
    }
    expect(outcomes[0]).toEqual({
      beforeCommit: [['22012'], 'E', ['25P02'], 'E', 'I'],
      autocommit: [['22012'], 'I', [], 'I', 'I'],
      autocommitRollback: [['22012'], 'I', [], 'I', 'I'],
      twoTransactions: [['22012'], 'E', ['25P02'], 'E', 'I'],
      kept: [['first']],
      setting: [['mine']],
    })
    expect(outcomes[1]).toEqual(outcomes[0])
  })

  it('copy data sent right behind its COPY, before the server asks for it (as asyncpg sends it), reaches that COPY only; a query after an unsynced Parse ends their transaction: the same as PostgreSQL', async () => {
    const copyData = (text: string) => message('d', Buffer.from(text))
    const outcomes = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await rawConnection(url)
      try {
        // asyncpg's copy_records_to_table: Parse, Describe, Flush (no Sync), then the COPY and its data in one go.
        const copied = await c.send([parse('', 'SELECT v FROM t LIMIT 1'), message('D', Buffer.from('S'), ''), flush(), query('COPY t (v) FROM STDIN'), copyData('copied 1\ncopied 2\n'), message('c')])
        // Data behind a COPY that fails before asking for it is dropped, as the server drops it.
        const failed = await c.send([query('COPY nosuch FROM STDIN'), copyData('lost\n'), message('c'), query("SELECT count(*) FROM t WHERE v LIKE 'copied%' OR v = 'lost'")], 2)
        // Data behind the second of two queries sent at once goes to that one.
        const second = await c.send([query('SELECT 1'), query('COPY t (v) FROM STDIN'), copyData('copied 3\n'), message('c')], 2)
        const rows = await c.send([query("SELECT v FROM t WHERE v LIKE 'copied%' OR v = 'lost' ORDER BY v")])
        await c.send([query("DELETE FROM t WHERE v LIKE 'copied%'")])
        outcomes.push([copied.errors, copied.status, failed.errors, failed.rows, second.errors, second.status, rows.rows])
      } finally {
        c.end()
      }
    }
    expect(outcomes[0]).toEqual([[], 'I', ['42P01'], [['2']], [], 'I', [['copied 1'], ['copied 2'], ['copied 3']]])
    expect(outcomes[1]).toEqual(outcomes[0])
  })

  it('a DECLARE parsed and never executed declares nothing: a cursor WITH HOLD of its name is the connection\'s own, as on PostgreSQL', async () => {
    const outcomes: unknown[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await rawConnection(url)
      const other = await rawConnection(url)
      try {
        await c.send([query('BEGIN')])
        const parsed = await c.send([parse('never_run', 'DECLARE w CURSOR FOR SELECT 1'), sync()])
        const held = await c.send([query('DECLARE w CURSOR WITH HOLD FOR SELECT 130; COMMIT')])
        outcomes.push([parsed.errors, held.errors, (await c.send([query('FETCH w')])).rows, (await other.send([query('FETCH w')])).errors])
      } finally {
        c.end()
        other.end()
      }
    }
    expect(outcomes[0]).toEqual([[], [], [['130']], ['34000']])
    expect(outcomes[1]).toEqual(outcomes[0])
  })

  it('a TLS request is answered "no": sslmode=prefer goes on in the clear, require is refused by the client', async () => {
    const prefer = postgres(proxy.url, { ssl: 'prefer', max: 1 })
    expect((await prefer`SELECT 1 AS x`)[0]).toEqual({ x: 1 })
    await prefer.end()
    const c = new pg.Client({ connectionString: proxy.url, ssl: { rejectUnauthorized: false } })
    c.on('error', () => {})
    await expect(c.connect()).rejects.toThrow(/does not support SSL/)
  })

  it('SET on one connection is not seen by another; each keeps its own', async () => {
    const a = new pg.Client({ connectionString: proxy.url, application_name: 'conn a' })
    const b = new pg.Client({ connectionString: proxy.url, application_name: 'conn b' })
    await a.connect()
    await b.connect()
    try {
      await a.query('SET search_path = other')
      const read = async (c: pg.Client) => (await c.query("SELECT v, current_setting('application_name') AS app FROM t")).rows[0]
      expect(await read(a)).toEqual({ v: 'other', app: 'conn a' })
      expect(await read(b)).toEqual({ v: 'public', app: 'conn b' })
      expect(await read(a)).toEqual({ v: 'other', app: 'conn a' })
      await b.query('BEGIN')
      await b.query('SET search_path = other')
      await b.query('ROLLBACK')
      expect(await read(b)).toEqual({ v: 'public', app: 'conn b' })
    } finally {
      await a.end()
      await b.end()
    }
  })

  it('a rollback puts the session back to the settings it held at the checkpoint: each connection still reads with its own', async () => {
    const a = new pg.Client({ connectionString: proxy.url, application_name: 'conn a' })
    const b = new pg.Client({ connectionString: proxy.url, application_name: 'conn b' })
    await a.connect()
    await b.connect()
    const read = async (c: pg.Client) => (await c.query("SELECT v, current_setting('application_name') AS app FROM t")).rows[0]
    try {
      await a.query('SET search_path = other')
      expect(await read(a)).toEqual({ v: 'other', app: 'conn a' })
      // Taken while the session holds a's settings; b's are applied after it, then undone by the rollback.
      await proxy.checkpoint('with_a')
      expect(await read(b)).toEqual({ v: 'public', app: 'conn b' })
      await proxy.rollback('with_a')
      expect(await read(b)).toEqual({ v: 'public', app: 'conn b' })
      expect(await read(a)).toEqual({ v: 'other', app: 'conn a' })
      // Taken while it holds b's (the read just above applied them back); a's, applied after it, are undone.
      expect(await read(b)).toEqual({ v: 'public', app: 'conn b' })
      await proxy.checkpoint('with_b')
      expect(await read(a)).toEqual({ v: 'other', app: 'conn a' })
      await proxy.rollback('with_b')
      expect(await read(b)).toEqual({ v: 'public', app: 'conn b' })
      expect(await read(a)).toEqual({ v: 'other', app: 'conn a' })
      // A SET made after the checkpoint is the connection's own: it stays, though the session forgot it.
      await proxy.checkpoint('before_set')
      await b.query('SET search_path = other')
      expect(await read(b)).toEqual({ v: 'other', app: 'conn b' })
      await proxy.rollback('before_set')
      expect(await read(b)).toEqual({ v: 'other', app: 'conn b' })
    } finally {
      await a.end()
      await b.end()
      await proxy.release('with_a')
    }
  })
})

describe('the upstream session lost', () => {
  it('ends the app\'s connections with 08006, and the next rollback fails: no path runs on unknown state; the sequences are put back at stop', async () => {
    const db = `${DB}_lost`
    await createDatabase(db, 'CREATE TABLE t (id serial, v text)')
    const { pgProxyState } = await import('../src/index')
    const backend = pgProxyState({ upstream: `postgres://postgres@127.0.0.1:5432/${db}` }, () => {})
    await backend.connect()
    try {
      await backend.checkpoint('start')
      const app = new pg.Client({ connectionString: backend.url })
      const ended = new Promise<Error>((resolve) => app.on('error', resolve))
      await app.connect()
      await app.query("INSERT INTO t (v) VALUES ('x')")
      // The proxy's session is the one left on the database (its application_name is the app's now).
      await withAdmin((c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db]))
      const error = (await ended) as { code?: string; message: string }
      expect([error.code, error.message]).toEqual(['08006', 'venomqa-pg-proxy lost its upstream session: terminating connection due to administrator command'])
      await expect(backend.rollback('start')).rejects.toThrow(/rollback to "start" failed: the upstream session is lost/)
      await app.end().catch(() => {})
      await backend.disconnect()
      // The insert's nextval outlived the lost session (sequences are not transactional): stopping undid it.
      const sequence = await withClient(dbUrl(db), (c) => c.query('SELECT last_value::int, is_called FROM t_id_seq'))
      expect(sequence.rows).toEqual([{ last_value: 1, is_called: false }])
    } finally {
      await backend.disconnect().catch(() => {})
      await dropDatabase(db)
    }
  })
})

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}
