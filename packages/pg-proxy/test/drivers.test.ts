/**
 * Real drivers, each in its own process, through the proxy: pg with a pool of 10, postgres.js (extended
 * protocol, pipelining), psql (simple protocol, multi-statement, COPY both ways), pgbench. After each, a
 * rollback leaves every table and sequence exactly as at the checkpoint.
 */
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { PG, createDatabase, dbName, dropDatabase, dump, run, runBoth, runFixture, startProxy } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('drivers')
const SCHEMA = `
CREATE TABLE accounts (id serial PRIMARY KEY, balance int NOT NULL);
CREATE TABLE ledger (id bigserial PRIMARY KEY, account int NOT NULL REFERENCES accounts(id), amount int NOT NULL);
INSERT INTO accounts (balance) VALUES (100), (200), (300);
INSERT INTO ledger (account, amount) VALUES (1, 100), (2, 200), (3, 300);`

describe('real drivers in their own processes', () => {
  let proxy: PgProxy
  let atCheckpoint: Record<string, unknown>

  beforeAll(async () => {
    await createDatabase(DB, SCHEMA)
    proxy = await startProxy(DB)
    await proxy.checkpoint('base')
    atCheckpoint = await dump(proxy)
  })

  afterAll(async () => {
    await proxy?.stop()
    await dropDatabase(DB)
  })

  const rollsBack = async () => {
    expect(await dump(proxy)).not.toEqual(atCheckpoint)
    await proxy.rollback('base')
    expect(await dump(proxy)).toEqual(atCheckpoint)
  }

  it('pg, a pool of 10: concurrent transactions are serialized, each behaves as on PostgreSQL', async () => {
    const result = await runFixture('pg-pool.mjs', { DATABASE_URL: proxy.url })
    expect(result.counts).toEqual({
      committed: 30,
      'rolled back': 9,
      'failed (25P02), COMMIT answered ROLLBACK': 6,
      'autocommit, then 23503': 15,
    })
    // 3 seeded + 30 committed + 15 autocommitted; balances moved by the committed transactions only.
    expect(result.ledger).toBe(3 + 30 + 15)
    expect(proxy.stats.waits).toBeGreaterThan(0)
    await rollsBack()
  })

  it('postgres.js: prepared statements, pipelined queries, a failed transaction', async () => {
    const result = await runFixture('postgres-js.mjs', { DATABASE_URL: proxy.url })
    expect(result).toEqual({
      tx: [1, 1, 1],
      failed: '22012',
      selects: Array.from({ length: 40 }, (_, i) => i).join(','),
      inserted: 20,
      bad: '23503',
      ledger: 3 + 2 + 20,
    })
    await rollsBack()
  })

  it('psql: the same script prints the same through the proxy as on PostgreSQL itself (multi-statement, errors, COPY both ways)', async () => {
    const script = [
      'SELECT 1 AS one; SELECT 2 AS two;',
      'BEGIN;',
      'INSERT INTO ledger (account, amount) VALUES (1, 7);',
      'SELECT 1/0;',
      'SELECT 1;',
      'COMMIT;',
      'INSERT INTO ledger (account, amount) VALUES (1, 8); INSERT INTO ledger (account, amount) VALUES (99, 0);',
      'COPY ledger (account, amount) FROM STDIN;',
      '2\t42',
      '3\t43',
      '\\.',
      'BEGIN;',
      'SAVEPOINT mine;',
      'INSERT INTO ledger (account, amount) VALUES (99, 0);',
      'ROLLBACK TO SAVEPOINT mine;',
      'INSERT INTO ledger (account, amount) VALUES (3, 9);',
      'COMMIT;',
      'COPY (SELECT id, account, amount FROM ledger ORDER BY id) TO STDOUT;',
      "SET application_name = 'from psql';",
      'SHOW application_name;',
      'ROLLBACK;',
      'SELECT count(*) AS rows FROM ledger;',
    ].join('\n')
    // One Query message holding several statements: every result, and all-or-nothing outside BEGIN.
    const oneMessage = ['-c', 'INSERT INTO ledger (account, amount) VALUES (1, 5); SELECT count(*) FROM ledger; SELECT 1/0', '-c', 'SELECT count(*) FROM ledger']
    const psql = (url: string) => run('psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=0', url], { input: script }).then(async (out) => out + (await runBoth('psql', ['-X', '-A', '-t', ...oneMessage, url]).catch((e) => ({ stdout: e.message.replace(/^.*exited \d+\n/, '') }))).stdout)
    const reference = await createDatabase(dbName('psql_reference'), SCHEMA)
    try {
      const expected = await psql(reference)
      expect(expected).toMatch(/\t2\t42\n/)
      expect(await psql(proxy.url)).toBe(expected)
    } finally {
      await dropDatabase(dbName('psql_reference'))
    }
    await rollsBack()
  })

  it('pgbench -i, then -c 4 -t 200 -M prepared; rollback to after -i, then to before it', async () => {
    const u = new URL(proxy.url)
    const connect = ['-h', u.hostname, '-p', u.port, '-U', 'postgres']
    // v (VACUUM) is left out: it cannot run in a transaction block, which the proxy refuses (see refusals).
    await run('pgbench', ['-i', '-I', 'dtgp', '-s', '1', ...connect, DB])
    await proxy.checkpoint('initialized')
    const initialized = await dump(proxy)
    // One thread for the four clients (the default): pgbench 15 prepares each statement with a blocking
    // PQprepare while another of its connections holds a transaction; the proxy runs such prepare-only
    // batches beside the idle owner, so pgbench does not wait for itself.
    const out = await run('pgbench', ['-c', '4', '-t', '200', '-M', 'prepared', '-n', ...connect, DB])
    expect(out).toMatch(/number of transactions actually processed: 800\/800/)
    expect((await proxy.query('SELECT count(*) FROM pgbench_history'))[0]![0]).toBe('800')
    await proxy.rollback('initialized')
    expect(await dump(proxy)).toEqual(initialized)
    await proxy.release('initialized')
    await rollsBack()
  })
})
