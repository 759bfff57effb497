import { StateError } from '@venomqa/core'
import { describeWithCommand, describeWithService, settledWithin } from '@venomqa/test-utils'
import pg from 'pg'
import { afterEach, expect, it, describe as plainDescribe } from 'vitest'
import { openClient } from '../src/connection'
import { PG } from './helpers'
import { type Bouncer, type PoolMode, startPgBouncer } from '@venomqa/test-utils/pgbouncer'

// How openClient tells a pooler in transaction pooling from one in session pooling, under PgBouncer's
// settings a production pooler may have. Only the `postgres` database is used: nothing is written.
const withServer = await describeWithService('PostgreSQL', PG.host, PG.port)
const describe = withServer === plainDescribe ? describeWithCommand('pgbouncer', "Debian's package pgbouncer") : withServer

let bouncer: Bouncer | undefined
const held: pg.Client[] = []
afterEach(async () => {
  await Promise.all(held.splice(0).map((c) => c.end().catch(() => {})))
  await bouncer?.stop()
  bouncer = undefined
})

async function start(mode: PoolMode | 'statement', settings: string[]): Promise<string> {
  bouncer = await startPgBouncer({ mode: mode as PoolMode, settings })
  return bouncer.url('postgres')
}

/** `n` clients of `url`, each in a transaction at once: PgBouncer keeps `n` server connections; committed unless `hold`. */
async function appTransactions(url: string, n: number, hold = false): Promise<void> {
  const clients = Array.from({ length: n }, () => new pg.Client({ connectionString: url }))
  held.push(...clients)
  await Promise.all(clients.map((c) => c.connect()))
  await Promise.all(clients.map((c) => c.query('BEGIN')))
  if (!hold) await Promise.all(clients.map((c) => c.query('COMMIT')))
}

const connect = async (url: string, timeoutMs = 2000) => {
  const opening = openClient('rl', url, timeoutMs, 'test')
  const settled = await settledWithin(opening, 30_000)
  if (settled !== 'done') return settled
  await (await opening).end()
  return 'accepted'
}

describe('openClient through PgBouncer', () => {
  for (const servers of [1, 2, 3, 4, 5])
    for (const roundRobin of [false, true])
      it(`transaction pooling, ${servers} idle server connection(s)${roundRobin ? ', round robin' : ''}: refused`, async () => {
        const url = await start('transaction', [`default_pool_size = ${servers}`, ...(roundRobin ? ['server_round_robin = 1'] : [])])
        await appTransactions(url, servers)
        const err = await connect(url)
        expect(err, bouncer!.log()).toBeInstanceOf(StateError)
        expect((err as Error).message).toMatch(/its session is not its own/)
      })

  it('transaction pooling, every server connection held by the app: refused after connectTimeoutMs, not waiting for good', async () => {
    // query_wait_timeout = 0: PgBouncer lets a client wait for a server connection for good.
    const url = await start('transaction', ['default_pool_size = 1', 'query_wait_timeout = 0'])
    await appTransactions(url, 1, true)
    const err = await connect(url, 500)
    expect(err).toBeInstanceOf(StateError)
    expect((err as Error).message).toMatch(/checking that its session is its own failed: its first query got no answer in 500 ms/)
  })

  it('statement pooling: refused as a pooler that shares server connections', async () => {
    const url = await start('statement', ['default_pool_size = 2'])
    const err = await connect(url)
    expect(err).toBeInstanceOf(StateError)
    expect((err as Error).message).toMatch(/its session is not its own/)
  })

  for (const servers of [1, 2])
    it(`session pooling, a pool of ${servers}: accepted`, async () => {
      const url = await start('session', [`default_pool_size = ${servers}`])
      expect(await connect(url, 500)).toBe('accepted')
    })
})
