/**
 * A DISCARD ALL or DEALLOCATE ALL that does not run to its end leaves what PostgreSQL did, and the connection's
 * prepared statements that still exist are still known as what they are. By the extended protocol, an error
 * before it in its batch (a Bind of a statement that does not exist) makes the server skip it: nothing of it
 * ran, and a statement prepared before it still runs as written (a BEGIN opens a transaction). Compared with
 * PostgreSQL directly.
 */
import { describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { bindNoParams, execute, parse, query, sync } from '../src/protocol/messages'
import { PG, dbUrl, fileDatabase, proxiedDatabase, rawConnection } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const { databases, DB } = fileDatabase('venomqa_dp_', 'discard_partway')

describe('a DISCARD ALL or DEALLOCATE ALL that does not run to its end', () => {
  let proxy: PgProxy
  proxiedDatabase(databases, DB, 'CREATE SEQUENCE s', (p) => (proxy = p))

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
