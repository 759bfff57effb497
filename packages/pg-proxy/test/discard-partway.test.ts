/**
 * A DISCARD ALL or DEALLOCATE ALL that does not run to its end leaves what PostgreSQL did, and the connection's
 * prepared statements that still exist are still known as what they are. By the extended protocol, an error
 * before it in its batch (a Bind of a statement that does not exist) makes the server skip it: nothing of it
 * ran, and a statement prepared before it still runs as written (a BEGIN opens a transaction). Compared with
 * PostgreSQL directly.
 */
import { describeWithService } from '@venomqa/test-utils'
import net from 'node:net'
import pg from 'pg'
import { expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { bindNoParams, cancelRequest, execute, parse, query, sync } from '../src/protocol/messages'
import { PG, dbUrl, fileDatabase, proxiedDatabase, rawConnection, within } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const { databases, DB } = fileDatabase('venomqa_dp_', 'discard_partway')

describe('a DISCARD ALL or DEALLOCATE ALL that does not run to its end', () => {
  let proxy: PgProxy
  let quickProxy: PgProxy
  // A lock the DISCARD ALL waits for fails it after lock_timeout: set for the database, RESET ALL keeps it.
  const setup = (lockTimeout: string) =>
    `CREATE SEQUENCE s; CREATE TABLE perm (x int); CREATE TABLE perm2 (x int); DO $$ BEGIN EXECUTE pg_catalog.format('ALTER DATABASE %I SET lock_timeout = %L', current_database(), '${lockTimeout}'); END $$`
  // Long enough that a cancel sent once the DISCARD ALL is seen waiting reaches it well inside, on a busy machine.
  proxiedDatabase(databases, DB, setup('2s'), (p) => (proxy = p))
  // For the DISCARD ALL that is to fail at lock_timeout: the lock is held until it has failed, however short.
  const QUICK_DB = `${DB}_quick`
  proxiedDatabase(databases, QUICK_DB, setup('300ms'), (p) => (quickProxy = p))

  /**
   * A connection (simple queries) that has taken a value of s and made a temporary function that a trigger
   * of the table perm runs, and another connection that reads perm in its transaction: DISCARD TEMP drops
   * the trigger with the function, and waits for that lock. (A lock on a temporary table of the proxy's
   * session cannot be taken from outside it: the table is not committed.) A table for each test: the
   * proxy's session keeps its lock on the table of the trigger until the session ends.
   */
  const lockedTemp = async (url: string, table: string, db = DB) => {
    const c = await rawConnection(url)
    await c.send([query('CREATE OR REPLACE FUNCTION pg_temp.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$')])
    await c.send([query(`CREATE OR REPLACE TRIGGER tg BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION pg_temp.f()`)])
    const taken = (await c.send([query("SELECT nextval('s')")])).rows[0]![0]
    const locker = new pg.Client({ connectionString: dbUrl(db) })
    await locker.connect()
    await locker.query(`BEGIN; LOCK TABLE ${table} IN ACCESS SHARE MODE`)
    return { c, locker, taken }
  }

  it('failed at its temporary tables: currval is kept, as PostgreSQL resets sequences last', async () => {
    const results: unknown[][] = []
    for (const url of [dbUrl(QUICK_DB), quickProxy.url]) {
      const seen: unknown[] = []
      for (const discard of [[query('DISCARD ALL')], [parse('', 'DISCARD ALL'), bindNoParams('', ''), execute(''), sync()]]) {
        const { c, locker, taken } = await lockedTemp(url, 'perm', QUICK_DB)
        try {
          const a = await c.send(discard)
          seen.push([a.errors, a.status])
          await locker.query('ROLLBACK')
          const b = await c.send([query("SELECT currval('s'), lastval()")])
          seen.push([b.errors, b.rows.map((r) => r.map((v) => v === taken)), b.status])
        } finally {
          c.end()
          await locker.end()
        }
      }
      results.push(seen)
    }
    const [direct, proxied] = results
    const kept = [[], [[true, true]], 'I']
    expect(direct).toEqual([[['55P03'], 'I'], kept, [['55P03'], 'I'], kept])
    expect(proxied).toEqual(direct)
  })

  it('cancelled by the app as it waits: it stops, as on PostgreSQL', async () => {
    const admin = new pg.Client({ connectionString: dbUrl(DB) })
    await admin.connect()
    const results: unknown[][] = []
    try {
      for (const [url, port] of [
        [dbUrl(DB), PG.port],
        [proxy.url, Number(new URL(proxy.url).port)],
      ] as const) {
        const seen: unknown[] = []
        for (const discard of [[query('DISCARD ALL')], [parse('', 'DISCARD ALL'), bindNoParams('', ''), execute(''), sync()]]) {
          const { c, locker } = await lockedTemp(url, 'perm2')
          try {
            // Cancelled as it waits for the lock, it fails with 57014; not cancelled, with 55P03 at lock_timeout.
            const answered = c.send(discard)
            const waiting = async () =>
              (await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0].n > 0
            let blocked = false
            for (let i = 0; i < 200 && !blocked; i++) {
              blocked = await waiting()
              if (!blocked) await new Promise((r) => setTimeout(r, 10))
            }
            expect(blocked).toBe(true)
            await new Promise<void>((resolve, reject) => {
              const s = net.connect(port, PG.host, () => s.write(cancelRequest(c.key.processID, c.key.secretKey)))
              s.on('error', reject)
              s.on('close', () => resolve())
            })
            const a = await within(answered, 'the cancelled DISCARD ALL')
            seen.push([a.errors, a.status])
          } finally {
            await locker.query('ROLLBACK').catch(() => {})
            c.end()
            await locker.end()
          }
        }
        results.push(seen)
      }
    } finally {
      await admin.end()
    }
    const [direct, proxied] = results
    expect(direct).toEqual([[['57014'], 'I'], [['57014'], 'I']])
    expect(proxied).toEqual(direct)
  })

  it('skipped after an error in its batch: the statements prepared before it are still what they were', async () => {
    const results: unknown[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await rawConnection(url)
      const seen: unknown[] = []
      const step = async (messages: Buffer[]) => {
        const a = await c.send(messages)
        seen.push([a.errors, a.rows, a.status, c.types().filter((t) => t === 'N').length])
      }
      try {
        for (const statement of ['DISCARD ALL', 'DEALLOCATE ALL']) {
          await step([parse('b', 'BEGIN'), parse('one', 'SELECT 1'), sync()])
          await step([query("SET work_mem = '5MB'")])
          // The Bind fails: the server skips the rest of the batch, DISCARD ALL or DEALLOCATE ALL with it.
          await step([bindNoParams('', 'nope'), parse('d', statement), bindNoParams('', 'd'), execute(''), sync()])
          await step([query("SELECT current_setting('work_mem')")])
          await step([bindNoParams('', 'one'), execute(''), sync()])
          // BEGIN opens the transaction, as prepared: no warning, in a transaction block after it.
          await step([bindNoParams('', 'b'), execute(''), sync()])
          await step([query('ROLLBACK')])
          await step([query('DEALLOCATE ALL; RESET work_mem')])
        }
      } finally {
        c.end()
      }
      results.push(seen)
    }
    const [direct, proxied] = results
    const round = [
      [[], [], 'I', 0],
      [[], [], 'I', 0],
      [['26000'], [], 'I', 0],
      [[], [['5MB']], 'I', 0],
      [[], [['1']], 'I', 0],
      [[], [], 'T', 0],
      [[], [], 'I', 0],
      [[], [], 'I', 0],
    ]
    expect(direct).toEqual([...round, ...round])
    expect(proxied).toEqual(direct)
  })
})
