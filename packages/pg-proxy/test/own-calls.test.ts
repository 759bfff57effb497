/**
 * The app's calls of currval() and lastval() the proxy answers for the connection (see ownCalls): every way
 * of writing a statement that PostgreSQL runs gets, through the proxy, what it gets on a direct connection,
 * after another connection had the session.
 */
import { describeWithService } from '@venomqa/test-utils'
import type pg from 'pg'
import { expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { PG, dbUrl, proxiedDatabase, fileDatabase } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const { databases, DB } = fileDatabase('venomqa_pr_', 'own_calls')

describe('currval() and lastval() as the app writes them, as without the proxy', () => {
  let proxy: PgProxy
  const { connect } = proxiedDatabase(databases, DB, 'CREATE SEQUENCE s START 1000; CREATE TABLE currval (n int)', (p) => (proxy = p))

  /** What the query gives: its rows and columns (name and type), or its error; the connection's value of s written `A`. */
  const answer = async (c: pg.Client, q: string | pg.QueryConfig, a: string) => {
    try {
      const r = await c.query(q)
      const last = Array.isArray(r) ? r.at(-1)! : r
      return JSON.stringify({ rows: last.rows, fields: last.fields.map((f: pg.FieldDef) => `${f.name} ${f.dataTypeID}`) }).replaceAll(a, 'A')
    } catch (e) {
      const { code, message } = e as { code?: string; message: string }
      return `${code}: ${message}`.replaceAll(a, 'A')
    }
  }

  const statements: (string | pg.QueryConfig)[] = [
    // Calls: the connection's own value.
    "SELECT currval('s'), lastval(), pg_catalog.currval('s'::regclass), pg_catalog . lastval ( )",
    "SELECT currval(c.oid), currval((SELECT 's')::regclass), currval(('s')) FROM pg_class c WHERE relname = 's'",
    { text: 'SELECT currval($1), lastval()', values: ['s'] },
    { name: 'named', text: "SELECT currval($1) AS id, 'x' || lastval() AS \"lastval(\"", values: ['s'] },
    "WITH x AS (SELECT currval('s') AS v) SELECT v, 'currval(' FROM x -- lastval(",
    "VALUES (currval('s'), $$lastval()$$, E'\\'currval(')",
    "SELECT * FROM currval('s'), lastval()",
    // A parenthesized query, a query that makes a table: they run their expressions.
    "(SELECT currval('s'))",
    "((SELECT lastval()) UNION ALL (SELECT currval('s')))",
    "CREATE TEMP TABLE made AS SELECT currval('s') AS v; SELECT * FROM made; DROP TABLE made",
    // The name quoted, as PostgreSQL reads it: the same function in lower case only.
    'SELECT "currval"(\'s\'), pg_catalog."lastval"(), "pg_catalog".currval(\'s\')',
    'SELECT "CURRVAL"(\'s\')',
    // Not calls: a name given to the columns of a table or a query, a table's name.
    'SELECT * FROM generate_series(1, 2) AS currval(n)',
    'SELECT currval.n FROM generate_series(1, 2) currval(n)',
    'WITH currval(n) AS (SELECT 1) SELECT n FROM currval',
    'WITH x AS (SELECT 2), currval (n) AS MATERIALIZED (SELECT 3) SELECT n FROM currval',
    'INSERT INTO currval(n) VALUES (4) RETURNING n',
    'SELECT lastval FROM (SELECT 5 AS lastval) x',
  ]

  it("gives each statement what PostgreSQL gives it, after another connection took a value and had the session", async () => {
    const results: string[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const a = await connect(url)
      const b = await connect(url)
      const own = String(Object.values((await a.query("SELECT nextval('s')")).rows[0])[0])
      const seen: string[] = []
      for (const q of statements) {
        await b.query("SELECT nextval('s')")
        seen.push(`${typeof q === 'string' ? q : q.text} => ${await answer(a, q, own)}`)
      }
      results.push(seen)
      await a.end()
      await b.end()
    }
    const [direct, proxied] = results
    expect(direct!.filter((r) => r.includes('not yet defined'))).toEqual([])
    expect(proxied).toEqual(direct)
  })

  it("a call PostgreSQL's currval or lastval does not take fails with PostgreSQL's error: its message, code, hint and position", async () => {
    const calls: (string | pg.QueryConfig)[] = [
      'SELECT currval(true)',
      'SELECT 1, pg_catalog.currval(1.5)',
      'SELECT "pg_catalog" . currval(now())',
      'SELECT currval()',
      "SELECT currval('s', 1)",
      'SELECT lastval(1)',
      { text: 'SELECT currval($1::bool)', values: [true] },
      { name: 'bad', text: 'SELECT x FROM (SELECT 1 AS x) y WHERE currval(x > 0) > 0' },
      // PostgreSQL's currval, lastval and set_config have no argument names: a call by name fails there.
      "SELECT currval(seq => 's')",
      "SELECT currval(\"seq\" := 's')",
      "SELECT set_config(name => 'idle_in_transaction_session_timeout', value => '0', is_local => false)",
      "SELECT set_config(current_schema(), 'x', is_local => false)",
    ]
    const results: unknown[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await connect(url)
      const seen: unknown[] = []
      for (const q of calls) {
        const e = await c.query(q).then(
          () => undefined,
          (err: pg.DatabaseError) => err,
        )
        seen.push(e && [e.code, e.message, e.hint, e.position, e.where])
      }
      results.push(seen)
      await c.end()
    }
    const [direct, proxied] = results
    expect(direct!.every((e) => Array.isArray(e))).toBe(true)
    expect(proxied).toEqual(direct)
  })
})
