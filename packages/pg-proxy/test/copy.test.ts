/**
 * COPY FROM STDIN through the proxy: the server waits for the data on the one session every connection
 * shares, so a client that leaves, or stalls, in the middle of it must not keep the others (and the run's
 * checkpoints and rollbacks) waiting for ever, nor end the session. And the extended protocol's COPY,
 * with the Sync drivers send right behind its Execute, runs as on PostgreSQL.
 */
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type PgProxy, startControlServer } from '../src/index'
import { message } from '../src/protocol/frames'
import { bindNoParams, execute, flush, parse, parseFields, query, sync, terminate } from '../src/protocol/messages'
import { PG, createDatabase, dbName, dbUrl, dropDatabase, rawConnection, startProxy, until, within } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('copy')

type Raw = Awaited<ReturnType<typeof rawConnection>>

const copyData = (text: string) => message('d', Buffer.from(text))
const copyDone = () => message('c')

/** A COPY FROM STDIN as each protocol starts it: libpq's PQexecParams (and tokio-postgres) send a Sync right behind the Execute. */
const startCopy = {
  simple: () => [query('COPY t (v) FROM STDIN')],
  extended: () => [parse('', 'COPY t (v) FROM STDIN'), bindNoParams('', ''), execute(''), sync()],
}
const PROTOCOLS = ['simple', 'extended'] as const

/** Start a COPY and wait until the server asks for its data. */
async function copying(c: Raw, protocol: keyof typeof startCopy): Promise<void> {
  const asked = c.until('G')
  c.write(startCopy[protocol]())
  await asked
}

describe('a client that leaves in the middle of COPY FROM STDIN', () => {
  let proxy: PgProxy

  beforeAll(async () => {
    await createDatabase(DB, 'CREATE TABLE t (id serial PRIMARY KEY, v text)')
    proxy = await startProxy(DB)
    await proxy.checkpoint('start')
  })

  afterAll(async () => {
    await proxy?.stop()
    await dropDatabase(DB)
  })

  /** The session goes on: statements of a new connection, a rollback to the checkpoint, a new checkpoint; nothing of the COPY's transaction is left. */
  async function sessionGoesOn(): Promise<void> {
    const other = await rawConnection(proxy.url)
    try {
      expect(await within(other.send([query('SELECT v FROM t ORDER BY v')]), 'a statement of another connection')).toEqual({ errors: [], rows: [], status: 'I' })
      await within(proxy.rollback('start'), 'a rollback to the checkpoint')
      await within(proxy.checkpoint('after'), 'a checkpoint')
      await proxy.release('after')
      expect(proxy.lost).toBeUndefined()
      expect(proxy.refusals).toEqual([])
    } finally {
      other.end()
    }
    await until(() => proxy.stats.open === 0, 'every connection is closed')
  }

  const leaves = {
    'is killed': (c: Raw) => c.destroy(),
    'closes with Terminate': (c: Raw) => c.end(),
  }
  for (const protocol of PROTOCOLS)
    for (const [how, leave] of Object.entries(leaves))
      for (const inTransaction of [false, true])
        it(`${how} (${protocol} protocol${inTransaction ? ', inside its transaction' : ''}): its COPY fails, its transaction is undone, the session goes on`, async () => {
          const c = await rawConnection(proxy.url)
          if (inTransaction) await c.send([query("BEGIN; INSERT INTO t (v) VALUES ('before the copy')")])
          await copying(c, protocol)
          c.write([copyData('copied 1\n')])
          leave(c)
          await sessionGoesOn()
        })

  for (const protocol of PROTOCOLS)
    it(`leaves right behind its COPY, before the server asks for the data (${protocol} protocol): the same`, async () => {
      const c = await rawConnection(proxy.url)
      await c.send([query("BEGIN; INSERT INTO t (v) VALUES ('before the copy')")])
      // Gone without CopyDone: the data sent with the COPY must not be taken for all of it.
      c.leaveAfter([...startCopy[protocol](), copyData('never\n')])
      await sessionGoesOn()
    })
})

describe('COPY FROM STDIN by the extended protocol', () => {
  let proxy: PgProxy

  beforeAll(async () => {
    await createDatabase(`${DB}_ext`, 'CREATE TABLE t (id serial PRIMARY KEY, v text)')
    proxy = await startProxy(`${DB}_ext`)
  })

  afterAll(async () => {
    await proxy?.stop()
    await dropDatabase(`${DB}_ext`)
  })

  it('with a Sync right behind its Execute, the data after the server asks, or all of it sent at once, in a transaction that fails on bad data: the same as PostgreSQL', async () => {
    const outcomes: unknown[] = []
    for (const url of [dbUrl(`${DB}_ext`), proxy.url]) {
      const c = await rawConnection(url)
      try {
        // The server ignores a Sync in copy mode: the one after the CopyDone ends the batch.
        await copying(c, 'extended')
        const asked = await c.send([copyData('ext 1\n'), copyDone(), sync()])
        const atOnce = await c.send([...startCopy.extended(), copyData('ext 2\next 3\n'), copyDone(), sync()])
        await c.send([query('BEGIN')])
        await copying(c, 'extended')
        const bad = await c.send([copyData('ext 4\textra column\n'), copyDone(), sync()])
        const rolledBack = await c.send([query('ROLLBACK')])
        const rows = await c.send([query("SELECT v FROM t WHERE v LIKE 'ext%' ORDER BY v")])
        await c.send([query("DELETE FROM t WHERE v LIKE 'ext%'")])
        outcomes.push([asked, atOnce, bad, rolledBack, rows])
      } finally {
        c.end()
      }
    }
    expect(outcomes[0]).toEqual([
      { errors: [], rows: [], status: 'I' },
      { errors: [], rows: [], status: 'I' },
      { errors: ['22P04'], rows: [], status: 'E' },
      { errors: [], rows: [], status: 'I' },
      { errors: [], rows: [['ext 1'], ['ext 2'], ['ext 3']], status: 'I' },
    ])
    expect(outcomes[1]).toEqual(outcomes[0])
    expect(proxy.lost).toBeUndefined()
  })
})

describe('a client that breaks the protocol in the middle of COPY FROM STDIN', () => {
  let proxy: PgProxy
  let control: Awaited<ReturnType<typeof startControlServer>>

  beforeAll(async () => {
    await createDatabase(`${DB}_broken`, 'CREATE TABLE t (id serial PRIMARY KEY, v text)')
    proxy = await startProxy(`${DB}_broken`)
    control = await startControlServer(proxy, '127.0.0.1', 0)
    await proxy.checkpoint('start')
  })

  afterAll(async () => {
    await control?.close()
    await proxy?.stop()
    await dropDatabase(`${DB}_broken`)
  })

  /** The proxy's session goes on: a rollback over the control port (what a run's rollback sends), a new checkpoint. */
  async function proxyGoesOn(): Promise<void> {
    const rollback = await within(fetch(`${control.url}/rollback`, { method: 'POST', body: JSON.stringify({ name: 'start' }) }), 'a rollback to the checkpoint')
    expect(rollback.status).toBe(200)
    await within(proxy.checkpoint('after'), 'a checkpoint')
    await proxy.release('after')
    expect(proxy.lost).toBeUndefined()
    expect(proxy.refusals).toEqual([])
    await until(() => proxy.stats.open === 0, 'every connection is closed')
  }

  /** Each way to send a message where the COPY's data should come, from inside a transaction: what the client sends once it is in it. */
  const breaks: Record<string, (c: Raw) => Promise<void>> = {
    'a Parse after some data (extended protocol)': async (c) => {
      await copying(c, 'extended')
      c.write([copyData('copied 1\n'), parse('', 'SELECT 1'), sync()])
    },
    'a Query after some data (simple protocol)': async (c) => {
      await copying(c, 'simple')
      c.write([copyData('copied 1\n'), query('SELECT 1')])
    },
    'a Query right behind its COPY, before the server asks for the data (simple protocol)': async (c) => {
      c.write([...startCopy.simple(), query('SELECT 1')])
    },
    'a Parse right behind the Execute of its COPY, before the server asks for the data (extended protocol)': async (c) => {
      c.write([parse('', 'COPY t (v) FROM STDIN'), bindNoParams('', ''), execute(''), parse('', 'SELECT 1'), sync()])
    },
  }
  for (const [what, breakIt] of Object.entries(breaks))
    it(`is ended as PostgreSQL ends it (08P01, then FATAL) (${what}); its COPY fails, its transaction is undone and the session goes on`, async () => {
      const outcomes: unknown[] = []
      for (const url of [dbUrl(`${DB}_broken`), proxy.url]) {
        const c = await rawConnection(url)
        const other = await rawConnection(url)
        try {
          await c.send([query("BEGIN; INSERT INTO t (v) VALUES ('before the copy')")])
          // Behind the proxy, it waits for the session, which the transaction holds.
          const waited = other.send([query('SELECT v FROM t')])
          const ended = Promise.all([c.until('E'), c.until('E')])
          await breakIt(c)
          const [error, fatal] = (await within(ended, 'the errors')).map((e) => parseFields(e.body))
          await within(c.closed, 'the end of the connection')
          const after = await within(waited, 'the statement of a connection that waited')
          outcomes.push([error!.S, error!.C, error!.M, fatal!.S, fatal!.C, fatal!.M, after, await within(other.send([query('SELECT v FROM t')]), 'its next statement')])
        } finally {
          // Never a server left waiting for COPY data: it would hold up every DROP DATABASE of the cluster.
          c.destroy()
          other.end()
        }
      }
      const type = what.startsWith('a Parse') ? '0x50' : '0x51'
      expect(outcomes[0]).toEqual([
        'ERROR',
        '08P01',
        `unexpected message type ${type} during COPY from stdin`,
        'FATAL',
        '08P01',
        'terminating connection because protocol synchronization was lost',
        { errors: [], rows: [], status: 'I' },
        { errors: [], rows: [], status: 'I' },
      ])
      expect(outcomes[1]).toEqual(outcomes[0])
      await proxyGoesOn()
    })

  /** Flush and Sync among the COPY's data: libpq and other drivers send them behind a COPY without noticing it is one. */
  const tolerated: Record<string, (c: Raw) => Promise<void>> = {
    'in the middle of the data': async (c) => {
      await copying(c, 'simple')
      c.write([copyData('copied 1\n'), sync(), flush(), copyData('copied 2\n'), copyDone(), query('SELECT v FROM t ORDER BY v')])
    },
    'right behind the COPY, before the server asks for the data': async (c) => {
      c.write([...startCopy.simple(), sync(), copyData('copied 1\n'), flush(), copyData('copied 2\n'), copyDone(), query('SELECT v FROM t ORDER BY v')])
    },
  }
  for (const [where, send] of Object.entries(tolerated))
    it(`a Sync and a Flush ${where} are ignored, as PostgreSQL ignores them (simple protocol): one ReadyForQuery per query`, async () => {
      const outcomes: unknown[] = []
      for (const url of [dbUrl(`${DB}_broken`), proxy.url]) {
        const c = await rawConnection(url)
        try {
          await send(c)
          // Terminate: PostgreSQL answers what came before it (as it does when the client only ends its side: see half-close.test.ts).
          c.write([terminate()])
          await within(c.closed, 'the answers, then the end of the connection')
          // Every message, in order: one ReadyForQuery per query, none for the Sync.
          outcomes.push([c.types().join(''), c.answer()])
          const other = await rawConnection(url)
          await other.send([query('DELETE FROM t')]).finally(() => other.end())
        } finally {
          c.destroy()
        }
      }
      expect(outcomes[0]).toEqual(['GCZTDDCZ', { errors: [], rows: [['copied 1'], ['copied 2']], status: 'I' }])
      expect(outcomes[1]).toEqual(outcomes[0])
      await proxyGoesOn()
    })
})

describe('a client that stops sending its COPY data while another waits', () => {
  let proxy: PgProxy
  // Long enough that data sent every 100 ms keeps a COPY going on a busy machine.
  const deadlineMs = 1000

  beforeAll(async () => {
    await createDatabase(`${DB}_stalled`, 'CREATE TABLE t (id serial PRIMARY KEY, v text)')
    proxy = await startProxy(`${DB}_stalled`, { idleInTransactionTimeoutMs: deadlineMs })
    await proxy.checkpoint('start')
  })

  afterAll(async () => {
    await proxy?.stop()
    await dropDatabase(`${DB}_stalled`)
  })

  for (const protocol of PROTOCOLS)
    it(`is ended after idleInTransactionTimeoutMs with FATAL 25P03 (${protocol} protocol): its COPY fails, its transaction is undone, the waiting connection and rollback go on`, async () => {
      const stalled = await rawConnection(proxy.url)
      const other = await rawConnection(proxy.url)
      try {
        await stalled.send([query("BEGIN; INSERT INTO t (v) VALUES ('before the copy')")])
        await copying(stalled, protocol)
        stalled.write([copyData('copied 1\n')])
        const ended = stalled.until('E')
        const waited = other.send([query('SELECT v FROM t')])
        const rolledBack = proxy.rollback('start')
        const error = parseFields((await within(ended, 'the stalled connection ended', deadlineMs * 5)).body)
        expect(error).toMatchObject({ S: 'FATAL', C: '25P03' })
        expect(error.M).toMatch(new RegExp(`sent no data to its COPY FROM STDIN for ${deadlineMs} ms while another connection waited`))
        expect(await within(waited, 'the waiting connection')).toEqual({ errors: [], rows: [], status: 'I' })
        await within(rolledBack, 'the rollback that waited')
        expect(proxy.refusals.at(-1)).toMatchObject({ reason: 'idle-in-transaction', what: 'idle in COPY FROM STDIN', code: '25P03' })
        expect(proxy.lost).toBeUndefined()
      } finally {
        stalled.destroy()
        other.end()
      }
    })

  it('is not ended while its data keeps coming, however long the COPY takes', async () => {
    const copier = await rawConnection(proxy.url)
    const other = await rawConnection(proxy.url)
    try {
      const refusals = proxy.refusals.length
      await copying(copier, 'simple')
      const waited = other.send([query("SELECT count(*) FROM t WHERE v LIKE 'row %'")])
      // Twice the deadline in all, a row every tenth of it.
      for (let i = 0; i < 20; i++) {
        copier.write([copyData(`row ${i}\n`)])
        await new Promise((resolve) => setTimeout(resolve, deadlineMs / 10))
      }
      expect(await copier.send([copyDone()])).toEqual({ errors: [], rows: [], status: 'I' })
      expect((await within(waited, 'the waiting connection')).rows).toEqual([['20']])
      expect(proxy.refusals.length).toBe(refusals)
    } finally {
      copier.end()
      other.end()
    }
  })
})
