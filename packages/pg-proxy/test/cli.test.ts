/**
 * `venomqa-pg-proxy` as a user runs it: usage mistakes, what its control port shows, and what it leaves
 * in the database when its upstream session is lost.
 */
import { spawn } from 'node:child_process'
import net from 'node:net'
import { existsSync } from 'node:fs'
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, beforeAll, expect, it, describe as plain } from 'vitest'
import { CLI, PG, type StartedCli, createDatabase, dbName, dbUrl, dropDatabase, freezableRelay, one, runBoth, startCli, stopCli, withClient } from './helpers'

if (!existsSync(CLI)) throw new Error(`build first: ${CLI} is missing (pnpm --filter @venomqa/pg-proxy build)`)
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('cli')

/** Run the command to its end: its exit code and what it printed on stderr. */
function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DATABASE_URL: '', ...env } })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

plain('usage mistakes', () => {
  it('exit 2 with the mistake and the usage, whatever the mistake', async () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /Unknown option '--bogus'/],
      [[], /--upstream \(or DATABASE_URL\) is required/],
      [['--upstream', 'postgres://u@127.0.0.1/db', 'stray'], /Unexpected argument 'stray'/],
      [['--upstream', 'postgres://u@127.0.0.1/db', '--listen', 'nowhere'], /--listen: expected host:port, got "nowhere"/],
      [['--upstream', 'postgres://u@127.0.0.1/db', '--idle-in-transaction-timeout', '0'], /--idle-in-transaction-timeout: expected a positive whole number of milliseconds, at most 2147483647 \(about 24\.8 days\), got "0"/],
      [['--upstream', 'postgres://u@127.0.0.1/db', '--idle-in-transaction-timeout', '1.5'], /--idle-in-transaction-timeout: expected a positive whole number of milliseconds, .*got "1\.5"/],
      [['--upstream', 'postgres://u@127.0.0.1/db', '--idle-in-transaction-timeout', '99999999999'], /--idle-in-transaction-timeout: expected a positive whole number of milliseconds, .*got "99999999999"/],
      [['--upstream', 'postgres://u@127.0.0.1/db', '--upstream-timeout', '30s'], /--upstream-timeout: expected a positive whole number of milliseconds, .*got "30s"/],
    ]
    for (const [args, said] of cases) {
      const { code, stderr } = await runCli(args)
      expect([code, stderr], args.join(' ')).toEqual([2, expect.stringMatching(said)])
      expect(stderr).toContain('usage: venomqa-pg-proxy')
    }
  })

  it('exit 2 for an upstream whose password has an unencoded "#" or "/", from the flag or DATABASE_URL, no piece of it shown', async () => {
    const said = 'reads as a URL with part of its password as the host: percent-encode a "#", "/", "?" or "@" in the user name or password ("#" as %23, "/" as %2F, "?" as %3F, "@" as %40)'
    const flag = await runCli(['--upstream', 'postgres://u:p@ss#LEAK1@127.0.0.1:1/db', '--listen', '127.0.0.1:0', '--control', '127.0.0.1:0'])
    expect([flag.code, flag.stderr]).toEqual([2, expect.stringContaining(`venomqa-pg-proxy: --upstream: ${said}`)])
    const env = await runCli(['--listen', '127.0.0.1:0', '--control', '127.0.0.1:0'], { DATABASE_URL: 'postgres://u:12/LEAK2@127.0.0.1:1/db' })
    expect([env.code, env.stderr]).toEqual([2, expect.stringContaining(`venomqa-pg-proxy: DATABASE_URL: ${said}`)])
    expect(flag.stderr + env.stderr).not.toContain('LEAK')
  })

  it('exit 2 for an upstream that is no postgres:// URL, naming the flag or DATABASE_URL, no piece of it shown', async () => {
    const said = 'expected a postgres:// or postgresql:// URL'
    const listen = ['--listen', '127.0.0.1:0', '--control', '127.0.0.1:0']
    for (const upstream of ['mysql://root:LEAK3@127.0.0.1/db', 'not a url LEAK4', 'postgres://u:LEAK5@127.0.0.1:99999/db']) {
      const flag = await runCli(['--upstream', upstream, ...listen])
      expect([flag.code, flag.stderr], upstream).toEqual([2, expect.stringContaining(`venomqa-pg-proxy: --upstream: ${said}`)])
      expect(flag.stderr).toContain('usage: venomqa-pg-proxy')
      expect(flag.stderr).not.toContain('LEAK')
    }
    const env = await runCli(listen, { DATABASE_URL: 'http://u:LEAK6@127.0.0.1/db' })
    expect([env.code, env.stderr]).toEqual([2, expect.stringContaining(`venomqa-pg-proxy: DATABASE_URL: ${said}`)])
    expect(env.stderr).not.toContain('LEAK')
  })
})

plain('an upstream it cannot reach', () => {
  // Port 1 refuses on this host; `.invalid` never resolves (RFC 2606). Neither needs a PostgreSQL.
  it('exit 1, naming the database it could not reach, its password masked', async () => {
    const refused = await runCli(['--upstream', 'postgres://app:s3cret@127.0.0.1:1/shop', '--listen', '127.0.0.1:0', '--control', '127.0.0.1:0'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^venomqa-pg-proxy: cannot start in front of postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/shop: .*ECONNREFUSED/)
    const unknown = await runCli(['--upstream', 'postgres://app:s3cret@db.invalid:5432/shop', '--listen', '127.0.0.1:0', '--control', '127.0.0.1:0'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/^venomqa-pg-proxy: cannot start in front of postgres:\/\/app:\*\*\*@db\.invalid:5432\/shop: .*(ENOTFOUND|EAI_AGAIN)/)
    expect(refused.stderr + unknown.stderr).not.toContain('s3cret')
  })
})

describe('venomqa-pg-proxy', () => {
  beforeAll(() => createDatabase(DB, 'CREATE TABLE t (id serial PRIMARY KEY, v text)'))
  afterAll(() => dropDatabase(DB))

  it('GET /status shows where the app connects with the password masked, as the command prints it', async () => {
    const cli = await startCli(dbUrl(DB), ['--password', 's3cret'])
    try {
      const status = await (await fetch(`${cli.control}/status`)).text()
      expect(status).not.toContain('s3cret')
      expect(JSON.parse(status).url).toBe(cli.url)
      expect(cli.url).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\//)
      // A body that is not JSON is the caller's mistake (400); a checkpoint the proxy cannot take, its refusal (409).
      const post = (route: string, body: string) => fetch(`${cli.control}${route}`, { method: 'POST', body })
      const notJson = await post('/checkpoint', 'start')
      expect([notJson.status, await notJson.json()]).toEqual([400, { error: 'the body must be JSON: {"name": "<checkpoint>"}' }])
      expect((await post('/rollback', JSON.stringify({ name: 'never-taken' }))).status).toBe(409)
    } finally {
      await stopCli(cli)
    }
  })

  it('VENOMQA_PG_PROXY_PASSWORD is the password clients must give, as --password is (which wins), and is never printed', async () => {
    // In the environment, not on the command line, where `ps` and a CI log show it.
    const fromEnv = await startCli(dbUrl(DB), [], { VENOMQA_PG_PROXY_PASSWORD: 'env-s3cret' })
    try {
      expect(fromEnv.child.spawnargs.join(' ')).not.toContain('env-s3cret')
      expect(fromEnv.url).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\//)
      expect(await withClient(fromEnv.url.replace(':***@', ':env-s3cret@'), (c) => one(c, 'SELECT 1'))).toBe(1)
      await expect(withClient(fromEnv.url.replace(':***@', ':wrong@'), (c) => c.query('SELECT 1'))).rejects.toThrow('password authentication failed for user "postgres"')
      const status = await (await fetch(`${fromEnv.control}/status`)).text()
      await stopCli(fromEnv)
      expect(fromEnv.output() + status).not.toContain('env-s3cret')
    } finally {
      await stopCli(fromEnv)
    }
    const both = await startCli(dbUrl(DB), ['--password', 'flag-s3cret'], { VENOMQA_PG_PROXY_PASSWORD: 'env-s3cret' })
    try {
      expect(await withClient(both.url.replace(':***@', ':flag-s3cret@'), (c) => one(c, 'SELECT 1'))).toBe(1)
      await expect(withClient(both.url.replace(':***@', ':env-s3cret@'), (c) => c.query('SELECT 1'))).rejects.toThrow('password authentication failed')
    } finally {
      await stopCli(both)
    }
  })

  it('stopped (SIGTERM or Ctrl-C), it says in one line what it rolled back and which connections it ended', async () => {
    const rowsAndSequence = () =>
      withClient(dbUrl(DB), (c: pg.Client) => c.query('SELECT (SELECT count(*)::int FROM t) AS n, last_value::int, is_called FROM t_id_seq').then((r) => r.rows))
    const cli = await startCli(dbUrl(DB))
    const clients = [new pg.Client(cli.url), new pg.Client(cli.url)]
    try {
      for (const c of clients) {
        // The proxy ends them as it stops: their 'error' is expected.
        c.on('error', () => {})
        await c.connect()
      }
      const [committed, open] = clients as [pg.Client, pg.Client]
      await committed.query("INSERT INTO t (v) VALUES ('committed through the proxy')")
      await open.query("BEGIN; INSERT INTO t (v) VALUES ('left in an open transaction')")
      cli.child.kill('SIGTERM')
      expect(await cli.exited).toBe(0)
      expect(cli.output()).toContain(
        '\nvenomqa-pg-proxy stopped (SIGTERM): everything done through it is rolled back, what the app committed too (nothing was ever committed on the database); 2 connections ended, 1 of them in a transaction; sequences put back where they stood at start\n',
      )
      expect(await rowsAndSequence()).toEqual([{ n: 0, last_value: 1, is_called: false }])
    } finally {
      for (const c of clients) await c.end().catch(() => {})
      await stopCli(cli)
    }
    const idle = await startCli(dbUrl(DB))
    try {
      idle.child.kill('SIGINT')
      expect(await idle.exited).toBe(0)
      expect(idle.output()).toContain(
        '\nvenomqa-pg-proxy stopped (SIGINT): everything done through it is rolled back, what the app committed too (nothing was ever committed on the database); no connection was open; sequences put back where they stood at start\n',
      )
    } finally {
      await stopCli(idle)
    }
  })

  it('stopped while the database does not answer: the line says the rows are rolled back but the sequences are not, and it exits 1', async () => {
    const relay = await freezableRelay()
    let cli: StartedCli | undefined
    try {
      cli = await startCli(relay.url(DB))
      await withClient(cli.url, (c) => c.query("INSERT INTO t (v) VALUES ('advances the sequence')"))
      // Its session's end still rolls the rows back; the new session that would put the sequences back gets no answer.
      relay.freeze()
      cli.child.kill('SIGTERM')
      expect(await cli.exited).toBe(1)
      expect(cli.output()).toMatch(
        /\nvenomqa-pg-proxy stopped \(SIGTERM\): everything done through it is rolled back, what the app committed too \(nothing was ever committed on the database\); but could not put the sequences back where they stood at start \(no new session\): .+\n$/,
      )
      relay.thaw()
      const after = await withClient(dbUrl(DB), (c: pg.Client) => c.query('SELECT (SELECT count(*)::int FROM t) AS n, last_value::int FROM t_id_seq'))
      expect(after.rows).toEqual([{ n: 0, last_value: 1 }])
    } finally {
      if (cli) await stopCli(cli)
      await relay.close()
      await withClient(dbUrl(DB), (c) => c.query("SELECT setval('t_id_seq', 1, false)"))
    }
  })

  it('a port in use: exit 1 naming the flag and the port, without the usage or the password', async () => {
    const taken = net.createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as net.AddressInfo).port
    try {
      const upstream = dbUrl(DB).replace('postgres@', 'postgres:s3cret@') // trust auth: the password is not asked for
      const control = await runCli(['--upstream', upstream, '--listen', '127.0.0.1:0', '--control', `127.0.0.1:${port}`])
      expect([control.code, control.stderr]).toEqual([1, expect.stringMatching(new RegExp(`^venomqa-pg-proxy: --control 127\\.0\\.0\\.1:${port} is in use: listen EADDRINUSE`))])
      const listen = await runCli(['--upstream', upstream, '--listen', `127.0.0.1:${port}`, '--control', '127.0.0.1:0'])
      expect([listen.code, listen.stderr]).toEqual([1, expect.stringMatching(new RegExp(`^venomqa-pg-proxy: --listen 127\\.0\\.0\\.1:${port} is in use: listen EADDRINUSE`))])
      for (const said of [control.stderr, listen.stderr]) {
        expect(said).not.toContain('usage:')
        expect(said).not.toContain('s3cret')
      }
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  })

  it('killed (SIGKILL), it leaves no rows, but the sequences stay advanced, as the docs say', async () => {
    let cli: StartedCli | undefined
    try {
      cli = await startCli(dbUrl(DB))
      await withClient(cli.url, (c) => c.query("INSERT INTO t (v) VALUES ('never committed')"))
      cli.child.kill('SIGKILL')
      await cli.exited
      const after = await withClient(dbUrl(DB), (c: pg.Client) => c.query('SELECT (SELECT count(*)::int FROM t) AS n, last_value::int, is_called FROM t_id_seq'))
      expect(after.rows).toEqual([{ n: 0, last_value: 1, is_called: true }])
    } finally {
      if (cli) await stopCli(cli)
      // Put back for the next test, as nothing else will.
      await withClient(dbUrl(DB), (c) => c.query("SELECT setval('t_id_seq', 1, false)"))
    }
  })

  it('the upstream session lost: it says so and exits 1, and the sequences are as before it started', async () => {
    let cli: StartedCli | undefined
    try {
      cli = await startCli(dbUrl(DB))
      await withClient(cli.url, (c) => c.query("INSERT INTO t (v) VALUES ('advances the sequence')"))
      await withClient(dbUrl('postgres'), (c) =>
        // The proxy's session is the one left on the database (its application_name is the app's now).
        c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [DB]),
      )
      expect(await cli.exited).toBe(1)
      expect(cli.output()).toMatch(/the upstream session is lost: terminating connection due to administrator command/)
      const sequence = await withClient(dbUrl(DB), (c: pg.Client) => c.query('SELECT last_value::int, is_called FROM t_id_seq'))
      expect(sequence.rows).toEqual([{ last_value: 1, is_called: false }])
    } finally {
      if (cli) await stopCli(cli)
    }
  })
  it('a database that stops answering: --upstream-timeout fails the checkpoint saying so, and it exits 1 with the sequences as before it started', async () => {
    const relay = await freezableRelay()
    let cli: StartedCli | undefined
    try {
      cli = await startCli(relay.url(DB), ['--upstream-timeout', '1000'])
      const checkpoint = (name: string) => fetch(`${cli!.control}/checkpoint`, { method: 'POST', body: JSON.stringify({ name }) })
      expect((await checkpoint('a')).status).toBe(200)
      await withClient(cli.url, (c) => c.query("INSERT INTO t (v) VALUES ('advances the sequence')"))
      relay.freeze()
      const refused = await checkpoint('b')
      expect(refused.ok).toBe(false)
      expect((await refused.json()).error).toContain('the database did not answer checkpoint "b" within 1000 ms (upstreamTimeoutMs), so the proxy dropped its session to it')
      // The sequences are put back over a new session, which the database answers again.
      relay.thaw()
      expect(await cli.exited).toBe(1)
      expect(cli.output()).toContain('the upstream session is lost: the database did not answer checkpoint "b" within 1000 ms')
      const after = await withClient(dbUrl(DB), (c: pg.Client) => c.query('SELECT (SELECT count(*)::int FROM t) AS n, last_value::int, is_called FROM t_id_seq'))
      expect(after.rows).toEqual([{ n: 0, last_value: 1, is_called: false }])
    } finally {
      if (cli) await stopCli(cli)
      await relay.close()
    }
  })

  it('an app whose strings take backslash escapes (standard_conforming_strings off) cannot slip a COMMIT past it', async () => {
    let cli: StartedCli | undefined
    try {
      cli = await startCli(dbUrl(DB))
      // With the setting off, the server reads 'x\'' as the string x' and runs the COMMIT after it; read
      // the standard way, the COMMIT sits inside a string and would reach the server as written,
      // committing the proxy's base transaction with everything the app wrote.
      const hidden = String.raw`SELECT 'x\'' ; COMMIT ; SELECT '1'`
      const app = (env: Record<string, string>, ...commands: string[]) =>
        runBoth('psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...commands.flatMap((c) => ['-c', c]), cli!.url], { env })
      await app({}, 'SET standard_conforming_strings = off', "INSERT INTO t (v) VALUES ('set in the session')", hidden)
      await app({ PGOPTIONS: '-c standard_conforming_strings=off' }, "INSERT INTO t (v) VALUES ('set at startup')", hidden)
      expect(await withClient(dbUrl(DB), (c: pg.Client) => c.query('SELECT v FROM t')).then((r) => r.rows)).toEqual([])
      await stopCli(cli)
      expect(await withClient(dbUrl(DB), (c: pg.Client) => c.query('SELECT count(*)::int AS n FROM t')).then((r) => r.rows)).toEqual([{ n: 0 }])
    } finally {
      if (cli) await stopCli(cli)
      await withClient(dbUrl(DB), (c) => c.query("TRUNCATE t; SELECT setval('t_id_seq', 1, false)"))
    }
  })
})
