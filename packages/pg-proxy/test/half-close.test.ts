/**
 * A client that ends its side of the connection after its last messages (a FIN: `socket.end()` after a
 * Query, or after a pipeline) and reads on. PostgreSQL runs and answers everything it received, then ends
 * the session as for a client that left: an open transaction is rolled back, a COPY whose data can no
 * longer come fails. Through the proxy, the same, on the one upstream session every connection shares,
 * which such a client never leaves waiting. Each case runs on PostgreSQL and through the proxy, compared.
 */
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { message } from '../src/protocol/frames'
import { bindNoParams, execute, flush, parse, query, sync, terminate } from '../src/protocol/messages'
import { PG, createDatabase, dbName, dbUrl, dropDatabase, rawConnection, startProxy, until, within } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('halfclose')

const copyData = (text: string) => message('d', Buffer.from(text))
const copyDone = () => message('c')
const insert = (v: string) => [parse('', `INSERT INTO t (v) VALUES ('${v}')`), bindNoParams('', ''), execute('')]

/** What a client got before the connection ended, and the values the table keeps after it. */
interface Outcome {
  /** The type of every message it got after startup, in order. */
  got: string
  errors: string[]
  rows: (string | null)[][]
  /** The last ReadyForQuery's status (the one after startup when none came since). */
  status: string
  kept: string[]
}

/** What each sends before it ends its side, and what it gets (the same on PostgreSQL and through the proxy). */
const CASES: Record<string, { send: Buffer[]; gets: Omit<Outcome, 'errors' | 'rows'> & Partial<Outcome> }> = {
  'a Query: it runs and is answered': {
    send: [query('SELECT 1')],
    gets: { got: 'TDCZ', rows: [['1']], status: 'I', kept: [] },
  },
  'an INSERT outside a transaction: it is answered and kept': {
    send: [query("INSERT INTO t (v) VALUES ('autocommit')")],
    gets: { got: 'CZ', status: 'I', kept: ['autocommit'] },
  },
  'a transaction it leaves open: answered, then rolled back': {
    send: [query("BEGIN; INSERT INTO t (v) VALUES ('left open')")],
    gets: { got: 'CCZ', status: 'T', kept: [] },
  },
  'a transaction committed by its last Query: every Query answered, the transaction kept': {
    send: [query('BEGIN'), query("INSERT INTO t (v) VALUES ('committed')"), query('COMMIT')],
    gets: { got: 'CZCZCZ', status: 'I', kept: ['committed'] },
  },
  'a Query that fails, then another: both answered': {
    send: [query('SELECT 1/0'), query('SELECT 2')],
    gets: { got: 'EZTDCZ', errors: ['22012'], rows: [['2']], status: 'I', kept: [] },
  },
  'a pipeline ending in Sync: every batch answered and kept': {
    send: [...insert('batch 1'), sync(), ...insert('batch 2'), sync()],
    gets: { got: '12CZ12CZ', status: 'I', kept: ['batch 1', 'batch 2'] },
  },
  'a pipeline without its Sync: nothing answered (no Sync, no Flush), nothing kept': {
    send: insert('unsynced'),
    gets: { got: '', status: 'I', kept: [] },
  },
  'a pipeline ending in Flush: answered up to the Flush, nothing kept (no Sync)': {
    send: [...insert('flushed'), flush()],
    gets: { got: '12C', status: 'I', kept: [] },
  },
  'a COPY with all its data: copied and kept': {
    send: [query('COPY t (v) FROM STDIN'), copyData('copied\n'), copyDone()],
    gets: { got: 'GCZ', status: 'I', kept: ['copied'] },
  },
  'a COPY without the end of its data (simple protocol): it fails, nothing kept': {
    send: [query('COPY t (v) FROM STDIN'), copyData('never\n')],
    gets: { got: 'GEE', errors: ['08006', '08P01'], status: 'I', kept: [] },
  },
  'a COPY without the end of its data (extended protocol): it fails, nothing kept': {
    send: [parse('', 'COPY t (v) FROM STDIN'), bindNoParams('', ''), execute(''), sync(), copyData('never\n')],
    gets: { got: '12GEE', errors: ['08006', '08P01'], status: 'I', kept: [] },
  },
  'a COPY inside its transaction, without any data: it fails, the transaction rolled back': {
    send: [query("BEGIN; INSERT INTO t (v) VALUES ('before the copy')"), query('COPY t (v) FROM STDIN')],
    gets: { got: 'CCZGEE', errors: ['08006', '08P01'], status: 'T', kept: [] },
  },
}

describe('a client that ends its side of the connection after its last messages', () => {
  let proxy: PgProxy

  beforeAll(async () => {
    await createDatabase(DB, 'CREATE TABLE t (id serial PRIMARY KEY, v text)')
    // Far longer than any test: a connection that waits is never let through by the proxy's deadline.
    proxy = await startProxy(DB, { idleInTransactionTimeoutMs: 60_000 })
    await proxy.checkpoint('start')
  })

  afterAll(async () => {
    await proxy?.stop()
    await dropDatabase(DB)
  })

  /** The values of t, as a new connection to `url` sees them. */
  async function values(url: string): Promise<string[]> {
    const c = await rawConnection(url)
    try {
      return (await within(c.send([query('SELECT v FROM t ORDER BY id')]), 'the values of t')).rows.map((r) => r[0]!)
    } finally {
      c.end()
    }
  }

  async function clear(url: string): Promise<void> {
    const c = await rawConnection(url)
    await c.send([query('DELETE FROM t')]).finally(() => c.end())
  }

  /** The proxy's session goes on: a rollback to the checkpoint, a new checkpoint; no connection left, nothing refused. */
  async function proxyGoesOn(): Promise<void> {
    await until(() => proxy.stats.open === 0, 'every connection is closed')
    await within(proxy.rollback('start'), 'a rollback to the checkpoint')
    await within(proxy.checkpoint('after'), 'a checkpoint')
    await proxy.release('after')
    expect(proxy.lost).toBeUndefined()
    expect(proxy.refusals).toEqual([])
  }

  for (const [what, { send, gets }] of Object.entries(CASES))
    it(`${what}, as on PostgreSQL`, async () => {
      const outcomes: Outcome[] = []
      for (const url of [dbUrl(DB), proxy.url]) {
        const c = await rawConnection(url)
        try {
          c.leaveAfter(send)
          await within(c.closed, 'the answers, then the end of the connection')
          outcomes.push({ got: c.types().join(''), ...c.answer(), kept: await values(url) })
        } finally {
          // Never a server left waiting for COPY data: it would hold up every DROP DATABASE of the cluster.
          c.destroy()
          await clear(url)
        }
      }
      expect(outcomes[0]).toEqual({ errors: [], rows: [], ...gets })
      expect(outcomes[1]).toEqual(outcomes[0])
      await proxyGoesOn()
    })

  const endings = {
    'ends its side': (q: Buffer) => [q],
    'sends Terminate and ends its side': (q: Buffer) => [q, terminate()],
  }
  for (const [how, ending] of Object.entries(endings))
    it(`one that ${how} while its Query waits for another connection: the Query runs once that one commits, and is answered, as on PostgreSQL`, async () => {
      const outcomes: unknown[] = []
      for (const url of [dbUrl(DB), proxy.url]) {
        const holder = await rawConnection(url)
        const c = await rawConnection(url)
        try {
          await holder.send([query("INSERT INTO t (v) VALUES ('seed')")])
          // On PostgreSQL the row's lock holds the UPDATE up; behind the proxy, the session the transaction holds.
          await holder.send([query("BEGIN; UPDATE t SET v = v || ' a'")])
          c.leaveAfter(ending(query("UPDATE t SET v = v || ' b'")))
          await new Promise((resolve) => setTimeout(resolve, 200))
          const waited = c.types().join('')
          await holder.send([query('COMMIT')])
          await within(c.closed, 'the answer, then the end of the connection')
          outcomes.push([waited, c.types().join(''), c.answer(), await values(url)])
        } finally {
          c.destroy()
          holder.end()
          await clear(url)
        }
      }
      expect(outcomes[0]).toEqual(['', 'CZ', { errors: [], rows: [], status: 'I' }, ['seed a b']])
      expect(outcomes[1]).toEqual(outcomes[0])
      await proxyGoesOn()
    })

  it('one that leaves its transaction open while another waits: answered, rolled back, and the other goes on at once, as on PostgreSQL', async () => {
    const outcomes: unknown[] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await rawConnection(url)
      const other = await rawConnection(url)
      try {
        await other.send([query("INSERT INTO t (v) VALUES ('seed')")])
        await c.send([query("BEGIN; UPDATE t SET v = v || ' a'")])
        // Waits for the row's lock (PostgreSQL), or for the session c's transaction holds (the proxy).
        const waited = other.send([query("UPDATE t SET v = v || ' b'")])
        c.leaveAfter([query("UPDATE t SET v = v || ' again'")])
        await within(c.closed, 'the answer, then the end of the connection')
        // Well within idleInTransactionTimeoutMs: the proxy did not wait for a deadline to end it.
        const after = await within(waited, 'the connection that waited', 2000)
        outcomes.push([c.types().join(''), c.answer(), after, await values(url)])
      } finally {
        c.destroy()
        other.end()
        await clear(url)
      }
    }
    // Its BEGIN and UPDATE, then the UPDATE sent as it ended its side.
    expect(outcomes[0]).toEqual(['CCZCZ', { errors: [], rows: [], status: 'T' }, { errors: [], rows: [], status: 'I' }, ['seed b']])
    expect(outcomes[1]).toEqual(outcomes[0])
    await proxyGoesOn()
  })
})
