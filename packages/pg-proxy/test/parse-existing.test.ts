/**
 * A Parse of a statement name the connection has prepared already is refused by PostgreSQL (42P05), and the
 * name goes on running what it was first prepared as. The proxy judges a statement by what it was prepared
 * as (a BEGIN opens the app's transaction): compared with PostgreSQL directly.
 */
import { describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { bindNoParams, execute, parse, query, sync } from '../src/protocol/messages'
import { PG, dbUrl, fileDatabase, proxiedDatabase, rawConnection } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const { databases, DB } = fileDatabase('venomqa_pe_', 'parse_existing')

/** A Close message: 'S' for a statement, 'P' for a portal, then its name. */
const close = (what: 'S' | 'P', name: string) => Buffer.concat([Buffer.from('C'), Buffer.from([0, 0, 0, 6 + name.length]), Buffer.from(what), Buffer.from(`${name}\0`)])

/** Each batch sent in turn on one connection to PostgreSQL directly, then through the proxy: what each answered (errors, rows, status). */
async function bothAnswer(proxy: PgProxy, batches: Buffer[][]): Promise<[unknown[], unknown[]]> {
  const results: unknown[][] = []
  for (const url of [dbUrl(DB), proxy.url]) {
    const c = await rawConnection(url)
    const seen: unknown[] = []
    try {
      for (const messages of batches) {
        const a = await c.send(messages)
        seen.push([a.errors, a.rows, a.status])
      }
    } finally {
      c.end()
    }
    results.push(seen)
  }
  return [results[0]!, results[1]!]
}

describe('a Parse of a statement name that exists', () => {
  let proxy: PgProxy
  proxiedDatabase(databases, DB, '', (p) => (proxy = p))

  it('is refused, and the name still runs the statement it was first prepared as, also when the refusal was skipped', async () => {
    const [direct, proxied] = await bothAnswer(proxy, [
      [parse('s1', 'SELECT 1'), sync()],
      // Refused: s1 exists.
      [parse('s1', 'BEGIN'), sync()],
      [bindNoParams('', 's1'), execute(''), sync()],
      // Skipped: the Bind before it fails, and the server skips the rest of the batch.
      [bindNoParams('', 'nope'), parse('s2', 'BEGIN'), sync()],
      [parse('s2', 'SELECT 2'), bindNoParams('', 's2'), execute(''), sync()],
      [query('SELECT 3')],
      // The unnamed statement is dropped as a Parse of it begins, even one refused.
      [parse('', 'SELECT 4'), sync()],
      [parse('', 'SELEC 5'), sync()],
      [bindNoParams('', ''), execute(''), sync()],
    ])
    expect(direct).toEqual([
      [[], [], 'I'],
      [['42P05'], [], 'I'],
      [[], [['1']], 'I'],
      [['26000'], [], 'I'],
      [[], [['2']], 'I'],
      [[], [['3']], 'I'],
      [[], [], 'I'],
      [['42601'], [], 'I'],
      [['26000'], [], 'I'],
    ])
    expect(proxied).toEqual(direct)
  })

  it('is refused before a DEALLOCATE ALL of the same batch, which the server skips: the name runs what it was', async () => {
    const [direct, proxied] = await bothAnswer(proxy, [
      [parse('s1', 'SELECT 1'), sync()],
      // Refused: s1 exists, and the DEALLOCATE ALL after it is skipped.
      [parse('s1', 'BEGIN'), parse('', 'DEALLOCATE ALL'), bindNoParams('', ''), execute(''), sync()],
      [bindNoParams('', 's1'), execute(''), sync()],
      [query('SELECT 2')],
    ])
    expect(direct).toEqual([
      [[], [], 'I'],
      [['42P05'], [], 'I'],
      [[], [['1']], 'I'],
      [[], [['2']], 'I'],
    ])
    expect(proxied).toEqual(direct)
  })

  it('a Close the server skipped, alone or with a Parse of the name refused or skipped in either order, leaves the statement as it was', async () => {
    const [direct, proxied] = await bothAnswer(proxy, [
      [parse('b1', 'BEGIN'), sync()],
      // Skipped: the Bind before it fails.
      [bindNoParams('', 'nope'), close('S', 'b1'), sync()],
      // b1 is still a BEGIN: the transaction opens.
      [bindNoParams('', 'b1'), execute(''), sync()],
      [query('COMMIT')],
      // Both skipped: the Bind before them fails.
      [bindNoParams('', 'nope'), close('S', 'b1'), parse('b1', 'SELECT 1'), sync()],
      // b1 is still a BEGIN: the transaction opens.
      [bindNoParams('', 'b1'), execute(''), sync()],
      [query('COMMIT')],
      // The Parse refused (b1 exists), the Close after it skipped.
      [parse('b1', 'SELECT 2'), close('S', 'b1'), sync()],
      [bindNoParams('', 'b1'), execute(''), sync()],
      [query('COMMIT')],
    ])
    expect(direct).toEqual([
      [[], [], 'I'],
      [['26000'], [], 'I'],
      [[], [], 'T'],
      [[], [], 'I'],
      [['26000'], [], 'I'],
      [[], [], 'T'],
      [[], [], 'I'],
      [['42P05'], [], 'I'],
      [[], [], 'T'],
      [[], [], 'I'],
    ])
    expect(proxied).toEqual(direct)
  })
})
