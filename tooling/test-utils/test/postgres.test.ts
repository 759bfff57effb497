/**
 * pgTestDatabases bounds every DROP and CREATE DATABASE: held up by a session, it fails within its
 * statement timeout, naming the database and the sessions likely holding it, where it used to wait for
 * good (the test then failed as "Hook timed out"). Each test holds a real session in the way for about a
 * second with a short timeout, and always ends it: a session in COPY FROM STDIN holds up every DROP
 * DATABASE in the cluster, other test processes' included.
 */
import pg from 'pg'
import { afterAll, expect, it } from 'vitest'
import { SERVICES, describeWithService, settledWithin } from '../src'
import { PG_ADMIN_URL, pgDatabaseUrl, pgTestDatabases, withPgClient } from '../src/postgres'

const describePg = await describeWithService('PostgreSQL', SERVICES.postgres.host, SERVICES.postgres.port)

const name = (what: string) => `venomqa_tu_${process.pid}_${what}`
const SHORT_MS = 1000
const NAMES = /^venomqa_tu_\d+_[a-z0-9_]+$/
const databases = pgTestDatabases(NAMES, { statementTimeoutMs: SHORT_MS })
/**
 * The clean-up's own, with the default bound: the short one is what the tests check, and a drop after them
 * can meet a hold-up that is no one's fault (another test process's session in COPY, a busy server) for
 * longer than a second; with the short bound it failed the file, its database left behind.
 */
const cleanup = pgTestDatabases(NAMES)
/** Without a bound the call waits for ever: past this, the test says so and ends the holding session. */
const GIVE_UP_MS = 4000

/** A session of its own on `db`, with its backend pid. */
async function session(db: string): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: pgDatabaseUrl(db) })
  client.on('error', () => {})
  await client.connect()
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  return { client, pid: rows[0]!.pid }
}

/** End a session from the server side: a session stuck in COPY cannot be ended from its client. */
async function terminate(held: { client: pg.Client; pid: number } | undefined): Promise<void> {
  if (!held) return
  await withPgClient(PG_ADMIN_URL, (c) => c.query('SELECT pg_terminate_backend($1)', [held.pid]))
  await held.client.end().catch(() => {})
}

describePg('a DROP DATABASE held up by a session', () => {
  const made: string[] = []
  afterAll(async () => {
    for (const db of made) await cleanup.drop(db)
  })

  it('a session holding a lock on the database: drop and create fail within the timeout, naming it', async () => {
    const db = name('locked')
    made.push(db)
    await databases.create(db)
    let holder: Awaited<ReturnType<typeof session>> | undefined
    let dropping: Promise<unknown> | undefined
    try {
      holder = await session('postgres')
      await holder.client.query('BEGIN')
      await holder.client.query(`COMMENT ON DATABASE ${db} IS 'held by a test'`)
      dropping = databases.drop(db)
      // An Error, not settledWithin's "still pending" answer: the drop gave up on its own.
      const dropped = await settledWithin(dropping, GIVE_UP_MS)
      expect(dropped).toBeInstanceOf(Error)
      const message = (dropped as Error).message
      expect(message).toMatch(new RegExp(`^DROP DATABASE ${db} did not finish within ${SHORT_MS} ms \\(statement_timeout\\)\\. Sessions likely holding it`))
      expect(message).toMatch(
        new RegExp(
          `pid ${holder.pid} in postgres, idle in transaction waiting on ClientRead, query started \\S+ \\([\\d.]+ s ago\\): holds a lock on ${db}; query: "COMMENT ON DATABASE ${db} IS 'held by a test'"`,
        ),
      )
      // create() drops first: bounded too.
      const created = await settledWithin(databases.create(db), GIVE_UP_MS)
      expect(created).toBeInstanceOf(Error)
      expect((created as Error).message).toMatch(new RegExp(`^DROP DATABASE ${db} did not finish within ${SHORT_MS} ms.*pid ${holder.pid} `, 's'))
    } finally {
      await terminate(holder)
      await dropping?.catch(() => {})
    }
  }, 30_000)

  it('a session waiting in COPY FROM STDIN in another database: the drop fails within the timeout, naming it', async () => {
    const copying = name('copying')
    const target = name('target')
    made.push(copying, target)
    await databases.create(copying, 'CREATE TABLE t (x int)')
    await databases.create(target)
    let stuck: Awaited<ReturnType<typeof session>> | undefined
    let dropping: Promise<unknown> | undefined
    try {
      stuck = await session(copying)
      // A query whose COPY data never comes: pg's own Query would answer the server's CopyInResponse with
      // CopyFail at once; this one leaves the session waiting for data, as a stalled client does.
      const copy = new pg.Query('COPY t FROM STDIN')
      copy.on('error', () => {})
      const waitingForData = new Promise<void>((resolve) => {
        ;(copy as unknown as { handleCopyInResponse: () => void }).handleCopyInResponse = resolve
      })
      stuck.client.query(copy)
      await waitingForData
      dropping = databases.drop(target)
      const dropped = await settledWithin(dropping, GIVE_UP_MS)
      expect(dropped).toBeInstanceOf(Error)
      const message = (dropped as Error).message
      expect(message).toMatch(new RegExp(`^DROP DATABASE ${target} did not finish within ${SHORT_MS} ms \\(statement_timeout\\)\\. Sessions likely holding it`))
      expect(message).toContain(`pid ${stuck.pid} in ${copying}, active waiting on ClientRead, query started `)
      expect(message).toContain(
        `: in a statement waiting for its client (as COPY FROM STDIN does), which holds up every DROP DATABASE in the cluster; query: "COPY t FROM STDIN"`,
      )
    } finally {
      await terminate(stuck)
      await dropping?.catch(() => {})
    }
  }, 30_000)
})
