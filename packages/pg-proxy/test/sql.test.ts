import { expect, it } from 'vitest'
import { caveatsOf, classify, ownCalls, splitStatements, sqlCursorName, sqlPreparedName, transactionScoped } from '../src/sql'

it('splits at top-level semicolons only: quotes, E-strings, identifiers, dollar quotes and comments are skipped', () => {
  const sql = `SELECT 'a;b', E'c\\';d', "e;f" FROM t; -- x; y
  DO $body$ BEGIN PERFORM 1; END $body$; /* c; /* nested; */ */ SELECT $$;$$;;`
  expect(splitStatements(sql).map((s) => s.text)).toEqual([`SELECT 'a;b', E'c\\';d', "e;f" FROM t`, '-- x; y\n  DO $body$ BEGIN PERFORM 1; END $body$', '/* c; /* nested; */ */ SELECT $$;$$'])
})

it('reads a backslash in a plain string as an escape only when standard_conforming_strings is off, as the server does', () => {
  const sql = String.raw`SELECT 'x\' ; COMMIT ; SELECT '1'`
  // On (the default): 'x\' is a string ending in a backslash, and the COMMIT is a statement of its own.
  expect(splitStatements(sql).map((s) => s.text)).toEqual([String.raw`SELECT 'x\'`, 'COMMIT', "SELECT '1'"])
  // Off: \' is a quote inside the string, which runs on to the next quote.
  expect(splitStatements(String.raw`SELECT 'x\'' ; COMMIT ; SELECT '1'`, false).map((s) => s.text)).toEqual([String.raw`SELECT 'x\''`, 'COMMIT', "SELECT '1'"])
  expect(splitStatements(String.raw`SELECT 'x\'' ; COMMIT ; SELECT '1'`, true).map((s) => s.text)).toEqual([String.raw`SELECT 'x\'' ; COMMIT ; SELECT '1'`])
})

it('classifies transaction control, refusals and settings by their first words, not by what is quoted', () => {
  const kind = (sql: string) => {
    const k = classify(splitStatements(sql)[0]!)
    return 'what' in k ? `${k.kind}:${k.what}` : k.kind
  }
  expect(['begin', 'START TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'commit', 'END', 'ROLLBACK', 'abort', 'COMMIT AND CHAIN'].map(kind)).toEqual([
    'begin', 'begin', 'commit', 'commit', 'rollback', 'rollback', 'commit',
  ])
  expect(['ROLLBACK TO SAVEPOINT a', 'rollback to a', 'SAVEPOINT a', 'RELEASE a'].map(kind)).toEqual(['savepoint', 'savepoint', 'savepoint', 'savepoint'])
  expect(kind('/* hi */ vacuum analyze t')).toBe('refused:VACUUM')
  expect(kind("PREPARE TRANSACTION 'x'")).toBe('refused:PREPARE TRANSACTION')
  expect(kind('create unique index concurrently i on t(x)')).toBe('refused:CREATE UNIQUE INDEX CONCURRENTLY')
  expect(kind('LISTEN x')).toBe('refused:LISTEN')
  expect(kind("SELECT 'VACUUM'")).toBe('other')
  expect(kind('SET search_path = a')).toBe('session-setting')
  expect(kind('SET LOCAL search_path = a')).toBe('other')
  expect(kind('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE')).toBe('set-transaction')
  expect(
    ["SET idle_in_transaction_session_timeout = '1s'", 'set session Idle_In_Transaction_Session_Timeout to 0', 'SET LOCAL "idle_in_transaction_session_timeout"=5', 'SET idle_in_transaction_session_timeout_x = 1', 'RESET idle_in_transaction_session_timeout'].map(kind),
  ).toEqual(['idle-timeout-setting', 'idle-timeout-setting', 'idle-timeout-setting', 'session-setting', 'session-setting'])
  expect(caveatsOf(splitStatements("SELECT pg_advisory_xact_lock(1), 'FOR UPDATE'")[0]!)).toEqual(['advisory-lock'])
  expect(caveatsOf(splitStatements('SELECT * FROM t FOR NO KEY UPDATE')[0]!)).toEqual(['row-lock'])
})

it('knows the statements the shared session must not run as written, and what ends with the transaction', () => {
  const kind = (sql: string) => classify(splitStatements(sql)[0]!).kind
  expect(['DEALLOCATE ALL', 'deallocate prepare all', 'DISCARD TEMP', 'discard temporary', 'DEALLOCATE foo', 'DISCARD PLANS', 'discard sequences', 'DISCARD ALL', 'discard  all', 'DISCARD ALL x'].map(kind)).toEqual([
    'deallocate-all', 'deallocate-all', 'discard-temp', 'discard-temp', 'other', 'other', 'discard-sequences', 'discard-all', 'discard-all', 'other',
  ])
  // A cursor without HOLD only in a transaction block; WITH HOLD is read before the query's FOR.
  expect(['DECLARE c CURSOR FOR SELECT 1', 'declare "x y" binary insensitive no scroll cursor without hold for select 1', 'DECLARE h CURSOR WITH HOLD FOR SELECT 1', "DECLARE c SCROLL CURSOR FOR SELECT 'cursor with hold for'", 'DECLARE c CURSOR FOR WITH hold AS (SELECT 1) SELECT 1'].map(kind)).toEqual([
    'cursor', 'cursor', 'other', 'cursor', 'cursor',
  ])
  const scoped = (sql: string) => transactionScoped(splitStatements(sql)[0]!)
  expect(scoped("SET LOCAL app.tenant = '7'")).toEqual({ localSettings: true, cursors: false })
  expect(scoped("SELECT set_config('app.tenant', $1, true)")).toEqual({ localSettings: true, cursors: false })
  expect(scoped("SELECT set_config('app.tenant', lower('X'), TRUE), 1")).toEqual({ localSettings: true, cursors: false })
  expect(scoped("SELECT set_config('app.tenant', '7', false)")).toEqual({ localSettings: false, cursors: false, sessionConfig: ['app.tenant'] })
  // Session-level set_config calls, read back by name: literal names only, whatever their arguments hold.
  expect(scoped("select pg_catalog.SET_CONFIG('app.a', f(1, ')'), false), set_config('app.b', $1, $2), set_config('app.c', 'x', 't')")).toEqual({
    localSettings: false,
    cursors: false,
    sessionConfig: ['app.a', 'app.b'],
  })
  expect(scoped("SELECT set_config('it''s.x', $1, false) -- set_config('app.d', '1', false)")).toEqual({ localSettings: false, cursors: false, sessionConfig: ["it's.x"] })
  expect(caveatsOf(splitStatements('SELECT set_config($1, $2, false)')[0]!)).toEqual(['set-config-name'])
  expect(caveatsOf(splitStatements("SELECT set_config('app.' || $1, $2, true)")[0]!)).toEqual([])
  expect(scoped("SELECT 'set_config(a, b, true)'")).toEqual({ localSettings: false, cursors: false })
  expect(scoped('declare c cursor for select 1')).toEqual({ localSettings: false, cursors: true })
})

it('finds the cursor a DECLARE opens and the one FETCH, MOVE and CLOSE end with, as PostgreSQL reads it', () => {
  const named = (sql: string) => {
    const statement = splitStatements(sql)[0]!
    const found = sqlCursorName(statement)
    return found && [found.verb, found.hold, found.name, statement.text.slice(found.start, found.end)]
  }
  expect(named('DECLARE H CURSOR WITH HOLD FOR SELECT 1')).toEqual(['declare', true, 'h', 'H'])
  expect(named('-- x\nDECLARE "a b" SCROLL CURSOR WITH HOLD FOR SELECT 1')).toEqual(['declare', true, 'a b', '"a b"'])
  expect(named('declare c cursor for select 1')).toEqual(['declare', false, 'c', 'c'])
  expect(named('FETCH h')).toEqual(['use', undefined, 'h', 'h'])
  expect(named('fetch forward all in "My Cur"  ')).toEqual(['use', undefined, 'My Cur', '"My Cur"'])
  expect(named('MOVE ABSOLUTE 3 FROM h\n')).toEqual(['use', undefined, 'h', 'h'])
  expect(named('FETCH 5 /* t */ h')).toEqual(['use', undefined, 'h', 'h'])
  expect(named('CLOSE "x"')).toEqual(['close', undefined, 'x', '"x"'])
  // Comments between the verb and the name.
  expect(named('DECLARE /* x */ hd -- y\n CURSOR WITH HOLD FOR SELECT 1')).toEqual(['declare', true, 'hd', 'hd'])
  expect(named('CLOSE -- x\n/* y */ hd')).toEqual(['close', undefined, 'hd', 'hd'])
  // CLOSE ALL is no name; a name with a comment after it is not found (the comment's last word is not it).
  for (const sql of ['CLOSE ALL', '/* c */ FETCH 5 h -- t', 'FETCH c -- c', 'SELECT 1']) expect(named(sql), sql).toBeUndefined()
})

it('finds the name of a prepared statement of SQL where the statement names it, as PostgreSQL reads it', () => {
  const named = (sql: string) => {
    const statement = splitStatements(sql)[0]!
    const found = sqlPreparedName(statement)
    return found && [found.name, statement.text.slice(found.start, found.end)]
  }
  expect(named('PREPARE Get_User (int) AS SELECT $1')).toEqual(['get_user', 'Get_User'])
  expect(named('-- why\n/* two */ execute "Get ""User"""(1)')).toEqual(['Get "User"', '"Get ""User"""'])
  expect(named('DEALLOCATE PREPARE p')).toEqual(['p', 'p'])
  expect(named('EXPLAIN (ANALYZE, COSTS OFF) EXECUTE p(1)')).toEqual(['p', 'p'])
  expect(named("CREATE TEMP TABLE t AS EXECUTE p('x')")).toEqual(['p', 'p'])
  for (const sql of ['DEALLOCATE ALL', "PREPARE TRANSACTION 'x'", 'SELECT 1', "DO $$ BEGIN EXECUTE 'x'; END $$", 'EXPLAIN SELECT 1']) expect(named(sql), sql).toBeUndefined()
})

it('answers for the connection the calls of currval, lastval and set_config of idle_in_transaction_session_timeout, in the code only, in statements that run their expressions', () => {
  const own = (sql: string, standardConformingStrings = true) => {
    const calls = ownCalls(splitStatements(sql, standardConformingStrings)[0]!, 7, standardConformingStrings)
    return { text: calls.statement.text, idleTimeout: calls.idleTimeout }
  }
  expect(own("SELECT currval('s'), pg_catalog . lastval ( ), CurrVal($1::regclass)").text).toBe(
    "SELECT pg_temp.currval(7, 's'), pg_temp.lastval(7 ), pg_temp.currval(7, $1::regclass)",
  )
  // A name quoted in lower case is the same name, as PostgreSQL reads it; a query in parentheses or that makes a table runs its expressions.
  expect(own('SELECT "currval"(1), "pg_catalog"."lastval"()').text).toBe('SELECT pg_temp.currval(7, 1), pg_temp.lastval(7)')
  for (const sql of ["((SELECT currval('s')))", "CREATE TEMP TABLE x (v) AS SELECT currval('s')", "CREATE TABLE x AS (SELECT currval('s'))"])
    expect(own(sql).text, sql).toBe(sql.replace("currval('s')", "pg_temp.currval(7, 's')"))
  // Not in a literal, a comment or a quoted name of another case, not another schema's function, not with other
  // arguments, not a name given to a table, a query or their columns.
  for (const sql of [
    "SELECT 'currval(1)', $$lastval()$$, E'set_config(\\'idle_in_transaction_session_timeout\\', 1, false)' -- currval(1)",
    'SELECT app.currval(1), my_lastval(), "CurrVal"(1), app."currval"(1) /* lastval() */',
    'SELECT currval(), lastval(1), currval(1, 2)',
    'SELECT * FROM f() AS currval(n), f() currval (n) JOIN g() AS set_config(a, b, c) ON true',
    'WITH currval(n) AS (SELECT 1), x AS (SELECT 2), currval(n) AS NOT MATERIALIZED (SELECT 3) SELECT 1',
    'INSERT INTO currval(n) VALUES (1)',
  ])
    expect(own(sql).text, sql).toBe(splitStatements(sql)[0]!.text)
  // Not where an expression is kept: a view, a default, a function's body.
  for (const sql of [
    "CREATE VIEW v AS SELECT currval('s')",
    "ALTER TABLE t ALTER COLUMN id SET DEFAULT currval('s')",
    "DO $$ BEGIN PERFORM currval('s'); END $$",
    "CREATE TABLE t (id int DEFAULT currval('s')) AS",
    "CREATE MATERIALIZED VIEW v AS SELECT currval('s')",
  ])
    expect(own(sql).text, sql).toBe(sql)
  const idle = own("SELECT set_config('Idle_In_Transaction_Session_Timeout', '1s', false), set_config('app.x', '1', false), set_config($1, $2, true)")
  expect(idle).toEqual({
    text: "SELECT pg_temp.set_config('Idle_In_Transaction_Session_Timeout', '1s', false), set_config('app.x', '1', false), pg_temp.set_config($1, $2, true)",
    idleTimeout: true,
  })
  // A backslash escapes a quote in a plain string when standard_conforming_strings is off: the call is inside it.
  expect(own(String.raw`SELECT 'x\' currval(1)'`, false).text).toBe(String.raw`SELECT 'x\' currval(1)'`)
})

it("answers pg_backend_pid() with the connection's own process id, but where server processes are named", () => {
  const own = (sql: string) => ownCalls(splitStatements(sql)[0]!, 7, true).statement.text
  expect(own('SELECT pg_backend_pid(), pg_catalog.pg_backend_pid() AS pid, "pg_backend_pid"( )')).toBe(
    'SELECT pg_temp.pg_backend_pid(1000007), pg_temp.pg_backend_pid(1000007) AS pid, pg_temp.pg_backend_pid(1000007 )',
  )
  expect(own('INSERT INTO w (pid) VALUES (pg_backend_pid())')).toBe('INSERT INTO w (pid) VALUES (pg_temp.pg_backend_pid(1000007))')
  for (const sql of [
    'SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()',
    'SELECT pg_terminate_backend(pid) FROM "pg_stat_activity" WHERE pid <> pg_backend_pid()',
    'SELECT * FROM pg_catalog.pg_locks WHERE pid = pg_backend_pid()',
    'SELECT pg_blocking_pids(pg_backend_pid())',
    'SELECT pg_backend_pid(1), app.pg_backend_pid()',
  ])
    expect(own(sql), sql).toBe(sql)
})
