/**
 * Drivers of other languages, each in its own process, through the proxy and on PostgreSQL itself: what
 * they print must be the same. pgjdbc (named statements, batches pipelined before one Sync, portals read
 * in parts), psycopg2 (parameters inside the SQL text, server-side cursors by DECLARE and FETCH, WITH
 * HOLD on two connections at once), psycopg 3 (pipeline mode, server-side cursors described by the
 * protocol), asyncpg (a pool, portals moved by SQL, COPY data sent ahead), pgx (batches, CopyFrom), PDO
 * and ruby-pg (statements freed by SQL DEALLOCATE; libpq's pipeline mode).
 * After each, a rollback leaves every table as at the checkpoint.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describeWithCommand, describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { FIXTURES, PG, createDatabase, dbName, dropDatabase, dump, run, startProxy } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const JDBC_JAR = '/usr/share/java/postgresql.jar'
const PYTHON = '/usr/bin/python3'
const describeJdbc = describeWithCommand('sh', 'a JDK, and apt-get install -y libpostgresql-jdbc-java', ['-c', `command -v java && test -f ${JDBC_JAR}`])
const describePsycopg = describeWithCommand(PYTHON, 'apt-get install -y python3-psycopg2', ['-c', 'import psycopg2'])
const describeAsyncpg = describeWithCommand(PYTHON, 'apt-get install -y python3-asyncpg', ['-c', 'import asyncpg'])
const describePsycopg3 = describeWithCommand(PYTHON, 'apt-get install -y python3-psycopg', ['-c', 'import psycopg'])
const describePdo = describeWithCommand('php', 'apt-get install -y php-cli php-pgsql', ['-r', 'exit(extension_loaded("pdo_pgsql") ? 0 : 1);'])
const describeRubyPg = describeWithCommand('ruby', 'apt-get install -y ruby ruby-pg', ['-e', 'require "pg"'])
const GOPATH = '/usr/share/gocode'
const describePgx = describeWithCommand('test', 'apt-get install -y golang-go golang-github-jackc-pgx-v4-dev', ['-d', `${GOPATH}/src/github.com/jackc/pgx/v4`])

const SCHEMA = `
CREATE TABLE accounts (id serial PRIMARY KEY, balance int NOT NULL);
CREATE TABLE ledger (id bigserial PRIMARY KEY, account int NOT NULL REFERENCES accounts(id), amount int NOT NULL);
INSERT INTO accounts (balance) VALUES (100), (200), (300);
INSERT INTO ledger (account, amount) VALUES (1, 100), (2, 200), (3, 300);`

/** A fixture program's last line, as JSON, run on a reference database and through the proxy. */
function onBoth(name: string, command: string | (() => string), args: string[]) {
  let proxy: PgProxy
  let atCheckpoint: Record<string, unknown>
  const db = dbName(`${name}_proxied`)
  const reference = dbName(`${name}_reference`)
  let referenceUrl = ''
  beforeAll(async () => {
    ;[, referenceUrl] = await Promise.all([createDatabase(db, SCHEMA), createDatabase(reference, SCHEMA)])
    proxy = await startProxy(db)
    await proxy.checkpoint('base')
    atCheckpoint = await dump(proxy)
  })
  afterAll(async () => {
    await proxy?.stop()
    await Promise.all([dropDatabase(db), dropDatabase(reference)])
  })
  const program = typeof command === 'string' ? () => command : command
  const lastLine = async (url: string) => JSON.parse((await run(program(), args, { env: { DATABASE_URL: url }, timeoutMs: 60_000 })).trim().split('\n').pop()!)
  return {
    /** What the program printed on PostgreSQL itself and through the proxy; then the proxy's rollback is checked. */
    async outputs(): Promise<[direct: Record<string, unknown>, proxied: Record<string, unknown>]> {
      // At once: each run has a database of its own, and most of a run is its language's start and its waits.
      const outputs = (await Promise.all([lastLine(referenceUrl), lastLine(proxy.url)])) as [Record<string, unknown>, Record<string, unknown>]
      expect(await dump(proxy)).not.toEqual(atCheckpoint)
      await proxy.rollback('base')
      expect(await dump(proxy)).toEqual(atCheckpoint)
      return outputs
    },
  }
}

describe('drivers of other languages', () => {
  // pgx's program is built once, in a directory of this file's own, with Debian's pgx and Go (GOPATH mode: no
  // module download). The build takes seconds (Go's standard library too, in a cache of its own): it starts
  // before the first driver runs and goes on while the others do; its failure is reported where pgx waits for it.
  let pgxDir = ''
  let pgxBuild: Promise<string> | undefined
  beforeAll(async () => {
    pgxDir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-pgx-'))
    const built = path.join(pgxDir, 'pgx-check')
    const env = { GO111MODULE: 'off', GOPATH, GOCACHE: path.join(pgxDir, 'cache'), GOFLAGS: '' }
    pgxBuild = run('go', ['build', '-o', built, path.join(FIXTURES, 'pgx/main.go')], { env, timeoutMs: 120_000 }).then(() => built)
    pgxBuild.catch(() => {}) // also when pgx's tests are skipped
  })
  afterAll(async () => {
    await pgxBuild?.catch(() => {})
    if (pgxDir) await rm(pgxDir, { recursive: true, force: true })
  })

  describeJdbc('pgjdbc through the proxy', () => {
    const jdbc = onBoth('jdbc', 'java', ['-cp', JDBC_JAR, path.join(FIXTURES, 'Jdbc.java')])

    it('named statements past prepareThreshold, a batch pipelined before one Sync, a batch that fails in its middle (25P02 after it), a fetch size (a portal read 4 rows at a time), savepoints: the same as on PostgreSQL', async () => {
      const [direct, proxied] = await jdbc.outputs()
      // 3 seeded + 10 + a batch of 20 + none of the failed batch + 1 after the app's savepoint.
      expect(direct).toEqual({ batch: 20, badBatch: '23503', afterBadBatch: '25P02', fetched: 33, fetchedSum: 2835, ledger: 34, total: 4835 })
      expect(proxied).toEqual(direct)
    })
  })

  describePsycopg('psycopg2 through the proxy', () => {
    const psycopg = onBoth('psycopg', PYTHON, [path.join(FIXTURES, 'psycopg2-cursors.py')])

    it('server-side cursors (DECLARE, FETCH FORWARD), one WITH HOLD under the same name on two connections at once, a failed statement, autocommit: the same as on PostgreSQL', async () => {
      const [direct, proxied] = await psycopg.outputs()
      // Seeded 100, 200, 300; then 5 committed, the bad row refused, 6 in autocommit.
      expect(direct).toEqual({ bad: '23503', named: [100, 200, 300, 5], held: [[100, 5], [200]], ledger: [5, 611], cursorsLeft: 0 })
      expect(proxied).toEqual(direct)
    })
  })

  describePsycopg3('psycopg 3 through the proxy', () => {
    const psycopg3 = onBoth('psycopg3', PYTHON, [path.join(FIXTURES, 'psycopg3-pipeline.py')])

    it('prepared statements, pipeline mode (with an error in it), COPY both ways, a scrollable server-side cursor described by the protocol, nested transaction blocks: the same as on PostgreSQL', async () => {
      const [direct, proxied] = await psycopg3.outputs()
      expect(direct).toEqual({ pipelined: 31, pipelineError: '23503', statusAfterError: 'INERROR', copiedOut: [5000, 5001, 5002, 5003, 5004], scrolled: [2000, 2001], ledger: [38, 113829] })
      expect(proxied).toEqual(direct)
    })
  })

  describePdo('PDO (pdo_pgsql) through the proxy', () => {
    const pdo = onBoth('pdo', 'php', [path.join(FIXTURES, 'pdo.php')])

    it('server-side prepares, a failed statement in a transaction (25P02 after it), 30 statements prepared and freed (DEALLOCATE by SQL), savepoints, COPY: the same as on PostgreSQL', async () => {
      const [direct, proxied] = await pdo.outputs()
      expect(direct).toEqual({ bad: '23503', afterBad: '25P02', ledger: [21, 146257], prepared: 2 })
      expect(proxied).toEqual(direct)
    })
  })

  describeRubyPg('ruby-pg through the proxy', () => {
    const rubyPg = onBoth('rubypg', 'ruby', [path.join(FIXTURES, 'ruby-pg.rb')])

    it("named statements freed by SQL DEALLOCATE, libpq's pipeline mode (an error in the first of two Sync groups), a failed transaction, COPY: the same as on PostgreSQL", async () => {
      const [direct, proxied] = await rubyPg.outputs()
      expect(direct).toEqual({
        pipeline: ['PGRES_COMMAND_OK', 'PGRES_FATAL_ERROR', 'PGRES_PIPELINE_ABORTED', 'PGRES_PIPELINE_SYNC', 'PGRES_COMMAND_OK', 'PGRES_PIPELINE_SYNC'],
        bad: '23503',
        failedStatus: 3,
        statusAfter: 0,
        ledger: [16, 118646],
        prepared: 0,
      })
      expect(proxied).toEqual(direct)
    })
  })

  describePgx('pgx through the proxy', () => {
    let built = ''
    beforeAll(async () => {
      built = await pgxBuild!
    }, 150_000)
    const pgx = onBoth('pgx', () => built, [])

    it('a pool of 3, a batch of 21 queries before one Sync, a batch that fails in its middle, a nested transaction (savepoint), CopyFrom (binary COPY): the same as on PostgreSQL', async () => {
      const [direct, proxied] = await pgx.outputs()
      expect(direct).toEqual({ batch: 23, badBatch: '23503', nested: '23503', copied: 2, ledger: [26, 162591] })
      expect(proxied).toEqual(direct)
    })
  })

  describeAsyncpg('asyncpg through the proxy', () => {
    const asyncpg = onBoth('asyncpg', PYTHON, [path.join(FIXTURES, 'asyncpg-pool.py')])

    it('a pool of 3 in transactions at once, executemany, a failed batch, cursors (a portal read in parts, MOVE and FETCH of its name), savepoints, COPY with its data sent ahead: the same as on PostgreSQL', async () => {
      const [direct, proxied] = await asyncpg.outputs()
      expect(direct).toMatchObject({ tx: 30, badMany: '23503', forward: [104, 105, 106], nested: '23503', inTransaction: false, ledger: [86, 45070] })
      expect(proxied).toEqual(direct)
    })
  })
})
