/**
 * connect() with a signal: the run aborts it when it stops waiting (Ctrl-C, pluginTimeout). A server that
 * does not answer is left at once, and an install the abort caught halfway is finished and dropped again,
 * so nothing of the backend stays in the app's database.
 */
import { abortedAgainstSilentServer, describeWithService, settledWithin, waitUntil } from '@venomqa/test-utils'
import type { RowDataPacket } from 'mysql2/promise'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { mysqlState } from '../src/index'
import { HOST, PORT, admin, dbName, dropDatabase, freshDatabase, privateObjects, urlFor } from './helpers'

const DB = dbName('connect_abort')
const describe = await describeWithService('MariaDB', HOST, PORT)

describe('connect() aborted by its signal', () => {
  beforeAll(() => freshDatabase(DB))
  afterAll(() => dropDatabase(DB))

  for (const mechanism of ['snapshot', 'savepoint'] as const) {
    it(`${mechanism}: stops connecting to a server that does not answer, with the signal's reason`, async () => {
      // mysql2's own connect timeout is 10 s: only the abort can end this connect soon.
      const { settled, reason } = await abortedAgainstSilentServer(
        ({ port }, signal) => mysqlState({ url: `mysql://root@127.0.0.1:${port}/x`, mechanism }).connect({ signal }),
        5_000,
      )
      expect(settled).toBe(reason)
    })
  }

  it('a signal aborted before the call connects to nothing', async () => {
    const ac = new AbortController()
    ac.abort(new Error('already stopped'))
    await expect(mysqlState({ url: urlFor(DB) }).connect({ signal: ac.signal })).rejects.toThrow('already stopped')
    expect(await sessionsOn(DB)).toEqual(0)
  })

  it('an install caught halfway is finished and dropped again: no trigger or table of the backend is left', async () => {
    const backend = mysqlState({ url: urlFor(DB), lockWaitTimeoutMs: 30_000 })
    const ac = new AbortController()
    // The "app" holds the users table, so the backend's install waits for it.
    const locker = await admin(DB)
    try {
      await locker.query('LOCK TABLES users READ')
      const outcome = settledWithin(backend.connect({ signal: ac.signal }), 30_000)
      await waitUntil(async () => (await sessionsOn(DB)) === 2, "the backend's connection to be open")
      ac.abort(new Error('stopped mid-install'))
      await locker.query('UNLOCK TABLES')
      expect(await outcome).toMatchObject({ message: 'stopped mid-install' })
    } finally {
      await locker.end()
    }
    expect(await privateObjects(DB)).toEqual([])
    await waitUntil(async () => (await sessionsOn(DB)) === 0, "the backend's connection to close")
  })
})

/** How many sessions have `database` as their current database. */
async function sessionsOn(database: string): Promise<number> {
  const conn = await admin()
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ?', [database])
    return Number(rows[0]!.n)
  } finally {
    await conn.end()
  }
}
