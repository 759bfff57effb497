/**
 * What a client sees of the statements the proxy rewrites (currval, lastval, names made the connection's)
 * and of the session it shares: server errors, currval after a setval, ParameterStatus messages; the same
 * as on a direct connection to PostgreSQL.
 */
import { describeWithService } from '@venomqa/test-utils'
import net from 'node:net'
import pg from 'pg'
import { expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { FrameReader } from '../src/protocol/frames'
import { parseFields, query, readDataRow, startupMessage, terminate } from '../src/protocol/messages'
import { ADMIN_URL, PG, dbUrl, fileDatabase, proxiedDatabase, startProxy } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const { databases, DB, prefix } = fileDatabase('venomqa_pe_', 'errors')
const LATIN1_DB = `${prefix}${process.pid}_latin1`

/** A failed query's error as a client shows it: code, message, where its caret points, its context; or its rows. */
async function outcome(c: pg.Client, q: string | pg.QueryConfig): Promise<string> {
  try {
    const r = await c.query(q)
    return JSON.stringify((Array.isArray(r) ? r.at(-1)! : r).rows)
  } catch (e) {
    const { code, message, position, where } = e as pg.DatabaseError
    const text = typeof q === 'string' ? q : q.text
    const caret = position ? `at ${position} "${[...text].slice(Number(position) - 1, Number(position) + 5).join('')}"` : 'no position'
    return `${code}: ${message} ${caret} context: ${where ?? 'none'}`
  } finally {
    // Out of the transaction a failed 'BEGIN; ...' left open.
    await c.query('ROLLBACK').catch(() => undefined)
  }
}

describe('errors of rewritten statements, as without the proxy', () => {
  let proxy: PgProxy
  const { connect } = proxiedDatabase(
    databases,
    DB,
    "CREATE SEQUENCE s START 1000; CREATE SEQUENCE t; CREATE SEQUENCE at_checkpoint; SELECT setval('at_checkpoint', 5)",
    (p) => (proxy = p),
  )

  it("puts a server error's position where the client wrote it, the proxy's own calls and names before it", async () => {
    const statements: (string | pg.QueryConfig)[] = [
      "SELECT currval('s'), lastval(), currval('nope')",
      "SELECT pg_catalog.currval('s'), lastval(), currval('s') + nosuch",
      "  SELECT lastval(), currval('s') FROM",
      "SELECT 1; SELECT currval('s'), lastval(), nosuch",
      "BEGIN; SELECT currval('s'), nosuch",
      "SELECT '\u00e9\u{1F600}', currval('s'), /* lastval() \u{1F600} */ lastval(), nosuch",
      { text: "SELECT currval($1), lastval(), nosuch, 'x'", values: ['s'] },
      { text: '  SELECT lastval(), $1::int + nosuch', values: [1] },
      "PREPARE named_p AS SELECT currval('s'), nosuch",
    ]
    const results: string[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const a = await connect(url)
      await a.query("SELECT nextval('s')")
      const seen: string[] = []
      for (const q of statements) seen.push(`${typeof q === 'string' ? q : q.text} => ${await outcome(a, q)}`)
      results.push(seen)
      await a.end()
    }
    const [direct, proxied] = results
    expect(direct!.every((r) => / at \d+ /.test(r))).toBe(true)
    expect(proxied).toEqual(direct)
  })

  it("gives currval's and lastval's own errors as PostgreSQL does, without a context of the proxy's functions", async () => {
    const results: string[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const a = await connect(url)
      const b = await connect(url)
      await b.query("SELECT nextval('t')")
      results.push([
        await outcome(a, "SELECT currval('t')"),
        await outcome(a, 'SELECT lastval()'),
        await outcome(a, { text: 'SELECT pg_catalog.currval($1::regclass)', values: ['t'] }),
      ])
      await a.end()
      await b.end()
    }
    const [direct, proxied] = results
    expect(direct![0]).toMatch(/^55000: currval of sequence "t" is not yet defined in this session no position context: none$/)
    expect(proxied).toEqual(direct)
  })

  it('keeps the currval a setval gave a connection when the setval puts the sequence back where the checkpoint found it', async () => {
    await proxy.checkpoint('before-setval')
    const results: string[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const a = await connect(url)
      const b = await connect(url)
      await a.query("SELECT setval('at_checkpoint', 5)")
      // Another connection gets the shared session in between.
      await b.query("SELECT nextval('s')")
      const first = await outcome(a, "SELECT currval('at_checkpoint')")
      // A value taken, then a setval back to the checkpoint's position: currval is the setval's.
      await a.query("SELECT nextval('at_checkpoint')")
      await a.query("SELECT setval('at_checkpoint', 5)")
      await b.query("SELECT nextval('s')")
      results.push([first, await outcome(a, "SELECT currval('at_checkpoint')")])
      await a.end()
      await b.end()
    }
    const [direct, proxied] = results
    expect(direct).toEqual(['[{"currval":"5"}]', '[{"currval":"5"}]'])
    expect(proxied).toEqual(direct)
    await proxy.rollback('before-setval')
  })
})

/**
 * A client that gives no client_encoding (libpq's default with PGCLIENTENCODING unset and no locale, JDBC
 * does give one): the ParameterStatus messages it gets for the encodings, in order, with the rows of its
 * queries and where each query's answer ended.
 */
async function encodingsSeen(url: string, queries: string[]): Promise<string[]> {
  const u = new URL(url)
  const socket = net.connect({ host: u.hostname, port: Number(u.port) })
  socket.on('error', () => {})
  const reader = new FrameReader()
  const seen: string[] = []
  let ready: (() => void) | undefined
  socket.on('data', (chunk) => {
    for (const m of reader.push(chunk)) {
      if (m.type === 'S') {
        const [name, value] = m.body.toString('latin1').split('\0')
        if (name!.endsWith('_encoding')) seen.push(`${name}=${value}`)
      } else if (m.type === 'D') seen.push(readDataRow(m.body).join(','))
      else if (m.type === 'E') seen.push(`error ${parseFields(m.body).M}`)
      else if (m.type === 'Z') {
        seen.push('ready')
        ready?.()
      }
    }
  })
  const answered = () => new Promise<void>((resolve) => (ready = resolve))
  try {
    const started = answered()
    socket.write(startupMessage({ user: 'postgres', database: u.pathname.slice(1) }))
    await started
    for (const q of queries) {
      const done = answered()
      socket.write(query(q))
      await done
    }
  } finally {
    socket.end(terminate())
  }
  // Not what comes after the Terminate.
  return [...seen]
}

describe('a database whose encoding is not UTF8', () => {
  it('gives a client that names no client_encoding the ParameterStatus messages and encoding PostgreSQL gives it', async () => {
    const admin = new pg.Client({ connectionString: ADMIN_URL })
    let proxy: PgProxy | undefined
    try {
      await databases.drop(LATIN1_DB)
      await admin.connect()
      await admin.query(`CREATE DATABASE ${LATIN1_DB} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`)
      proxy = await startProxy(LATIN1_DB)
      const queries = ['SHOW client_encoding', "SELECT length('abc')", "SET client_encoding = 'UTF8'", 'RESET client_encoding', 'SHOW client_encoding']
      const results: string[][] = []
      for (const url of [dbUrl(LATIN1_DB), proxy.url]) results.push(await encodingsSeen(url, queries))
      const [direct, proxied] = results
      expect(direct!.slice(0, 4)).toEqual(['client_encoding=LATIN1', 'server_encoding=LATIN1', 'ready', 'LATIN1'])
      expect(proxied).toEqual(direct)
    } finally {
      await proxy?.stop()
      await admin.end().catch(() => undefined)
      await databases.drop(LATIN1_DB)
    }
  })
})
