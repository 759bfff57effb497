/**
 * Just enough SQL lexing to find statement boundaries and the words a statement starts with: quotes,
 * quoted identifiers, E'' strings, dollar quoting and both comment styles are skipped, so a ';' or a
 * keyword inside them never counts.
 */

export interface Statement {
  /** The statement as written, without the ';' that ended it. */
  readonly text: string
  /** The same with comments removed and literals emptied: what the classifier reads. */
  readonly code: string
  /** Where `text` starts in the query string the client sent (a Query message's text may hold several). */
  readonly at?: number
  /**
   * Where each character of `text` was in the statement as the client wrote it, when the proxy rewrote it
   * (see `rewrite`): a server error's position must point at what the client wrote. None: as written.
   */
  readonly origin?: (at: number) => number
}

/** One part of a statement the proxy rewrote: `removed` characters at `at` (of the text before) became `inserted`. */
export interface Edit {
  at: number
  removed: number
  inserted: string
}

/**
 * The statement with `edits` made (in order of `at`, not overlapping), knowing where each character came
 * from: a character of an inserted part maps to where the part it replaced began (a call renamed is where
 * its name was), one after the last edit to where it was before, shifted.
 */
export function rewrite(statement: Statement, edits: Edit[]): Statement {
  if (!edits.length) return statement
  let text = ''
  let from = 0
  for (const e of edits) {
    text += statement.text.slice(from, e.at) + e.inserted
    from = e.at + e.removed
  }
  text += statement.text.slice(from)
  const before = statement.origin ?? ((at: number) => at)
  const origin = (at: number): number => {
    let shift = 0
    for (const e of edits) {
      const start = e.at + shift
      if (at < start) break
      if (at < start + e.inserted.length) return before(e.at)
      shift += e.inserted.length - e.removed
    }
    return before(at - shift)
  }
  return { text, code: statement.code, ...(statement.at === undefined ? {} : { at: statement.at }), origin }
}

/** Where the text the proxy sends for a client's query came from in it (see clientPosition). */
export interface Origin {
  readonly sent: string
  readonly written: string
  at(index: number): number
}

/**
 * The origin of `statements` of the client's `written` query sent as one text, joined with `separator`: a
 * character of the separator maps to where the statement before it ended.
 */
export function originOf(written: string, statements: readonly Statement[], separator: string): Origin {
  const sent = statements.map((s) => s.text).join(separator)
  return {
    sent,
    written,
    at(index) {
      let start = 0
      for (const [n, s] of statements.entries()) {
        const end = start + s.text.length
        if (n === statements.length - 1 || index < end + separator.length)
          return (s.at ?? 0) + (s.origin ?? ((at: number) => at))(Math.max(0, Math.min(index - start, s.text.length)))
        start = end + separator.length
      }
      return index
    },
  }
}

/**
 * A server error's position (1-based, in characters, as PostgreSQL counts them) in `sent`, the text the
 * proxy sent for the client's `written`, as a position in `written`; `origin` maps an index of `sent` to
 * one of `written` (JavaScript string indexes, which count a character outside the BMP twice).
 */
export function clientPosition(position: string, sent: string, written: string, origin: (at: number) => number): string {
  const p = Number(position)
  if (!Number.isInteger(p) || p < 1) return position
  let index = 0
  for (let n = 1; n < p && index < sent.length; n++) index += sent.codePointAt(index)! > 0xffff ? 2 : 1
  const at = Math.min(origin(index), written.length)
  let chars = 1
  for (let i = 0; i < at; i += written.codePointAt(i)! > 0xffff ? 2 : 1) chars++
  return String(chars)
}

/**
 * `standardConformingStrings` is the session's setting of that name: when it is off, a backslash escapes
 * the next character in every '...' string, not only in E'...' ones, as the server reads the text. Lexed
 * the other way, `'a\'' ; COMMIT ; SELECT '1'` hides a COMMIT inside what looks like one string.
 */
export function splitStatements(sql: string, standardConformingStrings = true): Statement[] {
  return split(sql, standardConformingStrings, undefined)
}

/**
 * The values of the string literals of one statement's text, in order ('...' with doubled quotes,
 * E'...' with backslash escapes, dollar quotes), read by the lexer that splits statements.
 */
function literalsOf(text: string): string[] {
  const literals: string[] = []
  split(text, true, literals)
  return literals
}

/** `literals`, when given, receives each string literal's value: only set_config's names need them. */
function split(sql: string, standardConformingStrings: boolean, literals: string[] | undefined): Statement[] {
  const out: Statement[] = []
  let start = 0
  let code = ''
  let i = 0
  const n = sql.length
  const finish = (end: number) => {
    const raw = sql.slice(start, end)
    const text = raw.trim()
    if (code.trim()) out.push({ text, code: code.trim(), at: start + raw.length - raw.trimStart().length })
    code = ''
    start = end + 1
  }
  while (i < n) {
    const c = sql[i]!
    const next = sql[i + 1]
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i)
      i = end < 0 ? n : end
      code += ' '
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i)
      code += ' '
    } else if (c === "'") {
      const escapes = !standardConformingStrings || (/[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? ''))
      const end = skipQuoted(sql, i, "'", escapes)
      if (literals) {
        const inner = sql.slice(i + 1, end - 1).replace(/''/g, "'")
        literals.push(escapes ? inner.replace(/\\(.)/g, '$1') : inner)
      }
      i = end
      code += "''"
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"', false)
      code += sql.slice(i, end)
      i = end
    } else if (c === '$' && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i))?.[0]
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length)
        literals?.push(sql.slice(i + tag.length, end < 0 ? n : end))
        i = end < 0 ? n : end + tag.length
        code += "''"
      } else {
        code += c
        i++
      }
    } else if (c === ';') {
      finish(i)
      i++
    } else {
      code += c
      i++
    }
  }
  finish(n)
  return out
}

/** A dollar quote's opening tag, read where it starts (sticky). */
const DOLLAR_TAG = /\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/y

/**
 * The text with comments and the insides of string literals blanked (a literal keeps its quotes: `'   '`),
 * its length kept: what matches in it is code, at the same place in the text. Lexed as `split` lexes.
 */
function codeMask(sql: string, standardConformingStrings: boolean): string {
  let out = ''
  let i = 0
  const blank = (end: number, quoted: boolean) => {
    const n = end - i
    out += quoted && n >= 2 ? `'${' '.repeat(n - 2)}'` : ' '.repeat(n)
    i = end
  }
  while (i < sql.length) {
    const c = sql[i]!
    DOLLAR_TAG.lastIndex = i
    const tag = c === '$' && !/[\w$]/.test(sql[i - 1] ?? '') ? DOLLAR_TAG.exec(sql)?.[0] : undefined
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      blank(end < 0 ? sql.length : end, false)
    } else if (c === '/' && sql[i + 1] === '*') blank(skipBlockComment(sql, i), false)
    else if (c === "'") {
      const escapes = !standardConformingStrings || (/[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? ''))
      blank(skipQuoted(sql, i, "'", escapes), true)
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"', false)
      out += sql.slice(i, end)
      i = end
    } else if (tag) {
      const end = sql.indexOf(tag, i + tag.length)
      blank(end < 0 ? sql.length : end + tag.length, true)
    } else {
      out += c
      i++
    }
  }
  return out
}

/**
 * Statements whose expressions run once, as they are written: where the proxy may answer a call itself (see
 * `ownCalls`). A query in parentheses too, and CREATE TABLE ... AS (a query, which it runs once; a table's
 * column list with a default or a generated column is nested parentheses, which it does not take).
 */
const RUNS_EXPRESSIONS =
  /^(?:\(\s*)*(SELECT|INSERT|UPDATE|DELETE|MERGE|WITH|VALUES|TABLE|CALL|EXPLAIN|DECLARE|PREPARE|EXECUTE|COPY)\b|^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\b[^(]*?(?:\([^()]*\))?(?:[^()]*?\s)?AS\s*(?:\(|(?:SELECT|VALUES|TABLE|EXECUTE|WITH)\b)/i

/**
 * A call of one of PostgreSQL's functions the proxy answers itself, unqualified or in pg_catalog (not another
 * schema's), a name written in double quotes too (the same name when it is in lower case: see `ownCalls`).
 */
const OWN_CALL = /(?<![\w$."])(?:(?:pg_catalog|"pg_catalog")\s*\.\s*)?(?:(set_config|currval|lastval|pg_backend_pid)|"(set_config|currval|lastval|pg_backend_pid)")\s*\(/gi

/**
 * What names server processes: their views and the functions that take a server process id. Compared with
 * these, pg_backend_pid() must stay the shared session's (`WHERE pid <> pg_backend_pid()` would otherwise
 * take in the session every connection runs on, to terminate it); it is the server's in such a statement.
 */
const SERVER_PROCESSES = /\bpg_(?:stat_\w+|locks|blocking_pids|safe_snapshot_blocking_pids|cancel_backend|terminate_backend|signal_backend|log_backend_memory_contexts)\b/i

/** The process id the proxy gives connection `connection` at its start (BackendKeyData), and pg_backend_pid() answers. */
export function processIdOf(connection: number): number {
  return 1_000_000 + connection
}

/**
 * What comes before a name that gives a table, a query or its alias columns (`AS currval(n)`,
 * `generate_series(1, 2) currval(n)`, `INSERT INTO currval(n)`): not a call.
 */
const NAMES_BEFORE = /(?:\)|\bAS|\bINTO)\s*$/i

/** An argument of a call in named notation (`seq => 's'`, `seq := 's'`, the name quoted or not). */
const NAMED_ARGUMENT = /^\s*(?:"(?:[^"]|"")*"|[\p{L}_][\p{L}\p{N}_$]*)\s*(?:=>|:=)/u

/** What comes after a WITH query's name and columns (`currval(n) AS (`, `AS MATERIALIZED`): not a call either. */
const NAMES_AFTER = /^\s*AS\s*(?:\(|(?:NOT|MATERIALIZED)\b)/i

/**
 * One statement of a connection with the calls the proxy answers for it in place of PostgreSQL's functions,
 * which hold state of the one session every connection shares:
 * - `set_config(name, ...)` with the name idle_in_transaction_session_timeout, or a name that is not a
 *   string literal: `pg_temp.set_config`, which answers it without setting it (see the proxy's
 *   SET_CONFIG_FUNCTION); set, it would end the shared session, always idle in a transaction;
 * - `currval(seq)` and `lastval()`: `pg_temp.currval(connection, seq)` and `pg_temp.lastval(connection)`,
 *   the values of the connection's own `nextval` (see SEQUENCE_FUNCTIONS);
 * - `pg_backend_pid()`: `pg_temp.pg_backend_pid(id)`, the process id the connection was given at its start,
 *   which its pg_cancel_backend and pg_terminate_backend reach (see cancel-call.ts); not in a statement
 *   that names server processes (see SERVER_PROCESSES).
 * The function names stay (`set_config`, `currval`, `lastval`, `pg_backend_pid`): so do the names of the columns they make.
 * Only in statements that run their expressions (a view or a default would keep a temporary function).
 * `idleTimeout`: a literal name said so.
 */
export function ownCalls(statement: Statement, connection: number, standardConformingStrings: boolean): { statement: Statement; idleTimeout: boolean } {
  const { text, code } = statement
  if (!/set_config|currval|lastval|pg_backend_pid/i.test(code) || !RUNS_EXPRESSIONS.test(code)) return { statement, idleTimeout: false }
  const mask = codeMask(text, standardConformingStrings)
  const edits: Edit[] = []
  let idleTimeout = false
  for (const call of mask.matchAll(OWN_CALL)) {
    // A quoted name is the function's only in lower case ("CURRVAL" is another name).
    if (/"/.test(call[0]) && call[0] !== call[0].toLowerCase()) continue
    const fn = (call[1] ?? call[2]!).toLowerCase()
    const open = call.index + call[0].length
    // As many arguments as PostgreSQL's function takes: another call fails there, as it would.
    const args = callArguments(mask, open)
    const count = args?.length === 1 && !args[0]!.text ? 0 : args?.length
    if (!args || NAMES_BEFORE.test(mask.slice(0, call.index))) continue
    // PostgreSQL's currval, lastval and set_config have no argument names, so a call by name fails there.
    // The proxy's functions do have names: rewritten, such a call would run where PostgreSQL refuses it.
    if (args.some((arg) => NAMED_ARGUMENT.test(arg.text))) continue
    const last = args.at(-1)!
    if (NAMES_AFTER.test(mask.slice(mask.indexOf(')', last.at + last.text.length) + 1))) continue
    let replacement: string | undefined
    if (fn === 'currval' && count === 1) replacement = `pg_temp.currval(${connection}, `
    else if (fn === 'lastval' && count === 0) replacement = `pg_temp.lastval(${connection}`
    else if (fn === 'pg_backend_pid' && count === 0 && !SERVER_PROCESSES.test(mask)) replacement = `pg_temp.pg_backend_pid(${processIdOf(connection)}`
    else if (fn === 'set_config' && count === 3) {
      const name = args![0]!
      const literal = /^(?:[eE])?'\s*'(?:\s*::\s*text)?$/.test(name.text) ? literalsOf(text.slice(name.at, name.at + name.text.length))[0] : undefined
      const idle = literal?.toLowerCase() === 'idle_in_transaction_session_timeout'
      idleTimeout ||= idle
      if (idle || literal === undefined) replacement = 'pg_temp.set_config('
    }
    if (replacement === undefined) continue
    edits.push({ at: call.index, removed: open - call.index, inserted: replacement })
  }
  return { statement: rewrite(statement, edits), idleTimeout }
}

function skipBlockComment(sql: string, from: number): number {
  let depth = 0
  let i = from
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++
      i += 2
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--
      i += 2
      if (depth === 0) return i
    } else i++
  }
  return i
}

/** Index just past the closing quote; a doubled quote is part of the string. */
function skipQuoted(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1
  while (i < sql.length) {
    const c = sql[i]
    if (backslashEscapes && c === '\\') i += 2
    else if (c === quote && sql[i + 1] === quote) i += 2
    else if (c === quote) return i + 1
    else i++
  }
  return i
}

/** What the proxy must do about one statement. */
export type StatementKind =
  /** `readOnly`: READ ONLY among its modes, which the proxy's savepoint keeps (see Session#readOnly). */
  | { kind: 'begin'; readOnly: boolean; /** READ WRITE has the last word: it wins over a read-only default. */ readWrite: boolean }
  | { kind: 'commit'; chain: boolean }
  | { kind: 'rollback'; chain: boolean }
  /** SAVEPOINT, RELEASE, ROLLBACK TO: the app's own, inside its transaction; `name` as PostgreSQL reads it. */
  | { kind: 'savepoint'; verb: string; name?: string }
  /** SET TRANSACTION: the base transaction's characteristics cannot change, but for READ ONLY and READ WRITE. */
  | { kind: 'set-transaction'; readOnly: boolean; readWrite: boolean }
  /**
   * SET [SESSION | LOCAL] idle_in_transaction_session_timeout: the proxy's session is always in a transaction,
   * and the server would end it (the run's transaction with it) once the app sat idle that long. Ignored.
   */
  | { kind: 'idle-timeout-setting' }
  /** A session setting (SET, RESET, not LOCAL): replayed when the connection gets the upstream again. */
  | { kind: 'session-setting' }
  /**
   * A session setting that takes back settings the connection gave at startup (RESET ALL, RESET name, SET
   * name TO DEFAULT): on a session of its own they go back to the startup values, on the proxy's shared
   * one to the proxy's. Run as `sql`, which gives the startup values again, and told as `tag`; replayed as
   * `sql` too. Made by the session, which knows its startup settings (see Session#inspect).
   */
  | { kind: 'startup-reset'; sql: string; tag: string }
  /** DEALLOCATE ALL: on the shared session it would drop the proxy's statements and other connections'. */
  | { kind: 'deallocate-all' }
  /** DISCARD TEMP: it would drop the proxy's own temporary functions too, which checkpoints read with. */
  | { kind: 'discard-temp' }
  /** DISCARD SEQUENCES: the currval and lastval values kept for the connection go too (see ownCalls). */
  | { kind: 'discard-sequences' }
  /** CLOSE ALL: on the shared session it would close other connections' cursors WITH HOLD too. */
  | { kind: 'close-all' }
  /**
   * DISCARD ALL: PostgreSQL refuses it in a transaction block, and the shared session is always in one; it
   * would also reset every connection's prepared statements, cursors and settings. Done for the one
   * connection that sends it (see Session#discardAllSql).
   */
  | { kind: 'discard-all' }
  | { kind: 'refused'; reason: Refusal; what: string }
  /**
   * DECLARE of a cursor without HOLD: PostgreSQL allows it only inside a transaction block (an explicit
   * one, or the implicit one of a query string of several statements). Behind the proxy every statement
   * runs inside the proxy's transaction, so the server would take it anywhere.
   */
  | { kind: 'cursor' }
  | { kind: 'other' }

export type Refusal =
  | 'listen'
  | 'notify'
  | 'two-phase'
  | 'not-in-transaction-block'
  | 'reserved-savepoint'
  | 'unreadable-savepoint'
  | 'transaction-control-in-procedure'

/** Statements PostgreSQL refuses inside a transaction block ("cannot run inside a transaction block"). */
const NO_TRANSACTION_BLOCK: [RegExp, string][] = [
  [/^VACUUM\b/, 'VACUUM'],
  [/^(CREATE|DROP)\s+DATABASE\b/, '$1 DATABASE'],
  [/^ALTER\s+DATABASE\b.*\bSET\s+TABLESPACE\b/, 'ALTER DATABASE SET TABLESPACE'],
  [/^(CREATE|DROP)\s+TABLESPACE\b/, '$1 TABLESPACE'],
  [/^ALTER\s+SYSTEM\b/, 'ALTER SYSTEM'],
  [/^(CREATE\s+(UNIQUE\s+)?INDEX|DROP\s+INDEX)\s+CONCURRENTLY\b/, '$1 CONCURRENTLY'],
  [/^REINDEX\b.*\bCONCURRENTLY\b/, 'REINDEX CONCURRENTLY'],
  [/^REINDEX\s+(\(.*\)\s*)?(SYSTEM|DATABASE)\b/, 'REINDEX $2'],
  [/^CLUSTER\s*(\(\s*VERBOSE\s*\))?\s*(VERBOSE\s*)?$/, 'CLUSTER without a table'],
  [/^(CREATE|DROP)\s+SUBSCRIPTION\b/, '$1 SUBSCRIPTION'],
  [/^ALTER\s+SUBSCRIPTION\b.*\b(REFRESH|ENABLE|DISABLE|CONNECTION)\b/, 'ALTER SUBSCRIPTION'],
  [/^ALTER\s+TABLE\b.*\bDETACH\s+PARTITION\b.*\bCONCURRENTLY\b/, 'ALTER TABLE DETACH PARTITION CONCURRENTLY'],
]

/** A transaction mode list that makes the transaction read-only (a later READ WRITE would win). */
const READ_ONLY = /\bREAD ONLY\b(?!.*\bREAD WRITE\b)/
const READ_WRITE = /\bREAD WRITE\b(?!.*\bREAD ONLY\b)/

/**
 * Whether PostgreSQL takes the transaction's snapshot for the statement (PlannedStmtRequiresSnapshot): all
 * but transaction control, SET, RESET, SHOW, LOCK, SET CONSTRAINTS, FETCH, MOVE, LISTEN, NOTIFY, UNLISTEN
 * and CHECKPOINT. After one, a read-only transaction can no longer be made read-write.
 */
export function takesSnapshot(statement: Statement): boolean {
  return !/^(BEGIN|START|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION|SET|RESET|SHOW|LOCK|FETCH|MOVE|LISTEN|NOTIFY|UNLISTEN|CHECKPOINT)\b/i.test(statement.code.trimStart())
}

export function classify(statement: Statement): StatementKind {
  const s = statement.code.replace(/\s+/g, ' ').toUpperCase()
  if (/^(BEGIN|START\s+TRANSACTION)\b/.test(s)) return { kind: 'begin', readOnly: READ_ONLY.test(s), readWrite: READ_WRITE.test(s) }
  if (/^(COMMIT|ROLLBACK)\s+PREPARED\b/.test(s) || /^PREPARE\s+TRANSACTION\b/.test(s))
    return { kind: 'refused', reason: 'two-phase', what: s.split(' ').slice(0, 2).join(' ') }
  if (/^ROLLBACK\s+(WORK\s+|TRANSACTION\s+)?TO\b/.test(s)) return appSavepoint('ROLLBACK TO SAVEPOINT', statement)
  if (/^(COMMIT|END)\b/.test(s)) return { kind: 'commit', chain: /\bAND\s+CHAIN\b/.test(s) && !/\bAND\s+NO\s+CHAIN\b/.test(s) }
  if (/^(ROLLBACK|ABORT)\b/.test(s)) return { kind: 'rollback', chain: /\bAND\s+CHAIN\b/.test(s) && !/\bAND\s+NO\s+CHAIN\b/.test(s) }
  if (/^SAVEPOINT\b/.test(s)) return appSavepoint('SAVEPOINT', statement)
  if (/^RELEASE\b/.test(s)) return appSavepoint('RELEASE SAVEPOINT', statement)
  if (/^LISTEN\b/.test(s)) return { kind: 'refused', reason: 'listen', what: 'LISTEN' }
  // Literals are emptied in `code`: a string that mentions pg_notify( is not a call of it.
  if (/^NOTIFY\b/.test(s)) return { kind: 'refused', reason: 'notify', what: 'NOTIFY' }
  if (/\bPG_NOTIFY\s*\(/.test(s)) return { kind: 'refused', reason: 'notify', what: 'pg_notify()' }
  for (const [pattern, what] of NO_TRANSACTION_BLOCK) {
    const m = pattern.exec(s)
    if (m) return { kind: 'refused', reason: 'not-in-transaction-block', what: what.replace(/\$(\d)/g, (_, d) => (m[Number(d)] ?? '').replace(/\s+/g, ' ').trim()) }
  }
  if (/^SET\s+TRANSACTION\b/.test(s)) return { kind: 'set-transaction', readOnly: READ_ONLY.test(s), readWrite: READ_WRITE.test(s) }
  if (IDLE_TIMEOUT_SETTING.test(s)) return { kind: 'idle-timeout-setting' }
  if (/^DEALLOCATE\s+(PREPARE\s+)?ALL$/.test(s)) return { kind: 'deallocate-all' }
  if (/^DISCARD\s+(TEMP|TEMPORARY)$/.test(s)) return { kind: 'discard-temp' }
  if (/^DISCARD\s+SEQUENCES$/.test(s)) return { kind: 'discard-sequences' }
  if (/^DISCARD\s+ALL$/.test(s)) return { kind: 'discard-all' }
  if (/^CLOSE\s+ALL$/.test(s)) return { kind: 'close-all' }
  if (/^(SET|RESET)\b/.test(s) && !/^SET\s+LOCAL\b/.test(s) && !/^SET\s+CONSTRAINTS\b/.test(s)) return { kind: 'session-setting' }
  if (/^DECLARE\b/.test(s) && !holdsCursor(s)) return { kind: 'cursor' }
  return { kind: 'other' }
}

/** A SET of idle_in_transaction_session_timeout (one-spaced, upper-case), its name quoted or not. */
const IDLE_TIMEOUT_SETTING = /^SET (SESSION |LOCAL )?("?)IDLE_IN_TRANSACTION_SESSION_TIMEOUT\2( |=|$)/

/**
 * `DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query`
 * (one-spaced, upper-case): WITH HOLD is read between CURSOR and the first FOR, not in the query.
 */
function holdsCursor(s: string): boolean {
  const options = /^DECLARE\b.*?\bCURSOR\b(.*?)\bFOR\b/.exec(s)?.[1]
  return options !== undefined && /\bWITH\s+HOLD\b/.test(options)
}

/** PostgreSQL's error for a statement that only a transaction block may run (SAVEPOINT, DECLARE CURSOR). */
export function onlyInTransactionBlock(verb: string): { severity: 'ERROR'; code: '25P01'; message: string } {
  return { severity: 'ERROR', code: '25P01', message: `${verb} can only be used in transaction blocks` }
}

/**
 * A prepared statement of SQL (PREPARE name, EXECUTE name, DEALLOCATE [PREPARE] name) named at the start of
 * the statement: its name as PostgreSQL reads it (folded to lower case unless quoted), and where the name
 * is written in the text. PostgreSQL keeps them per connection; behind the proxy they would be shared.
 */
export function sqlPreparedName(statement: Statement): { name: string; start: number; end: number } | undefined {
  const code = statement.code
  const head = /^(PREPARE|EXECUTE|DEALLOCATE)\s/i.test(code)
  // EXPLAIN EXECUTE name, CREATE TABLE ... AS EXECUTE name: the statement it runs is named there.
  if (!head && !(/^(EXPLAIN|CREATE)\s/i.test(code) && /\sEXECUTE\s/i.test(code))) return undefined
  const text = statement.text
  const at = afterLeadingComments(text)
  const m = (head ? HEAD_NAME : INNER_EXECUTE).exec(text.slice(at))
  if (!m) return undefined
  const written = m[1]!
  if (/^(ALL|TRANSACTION)$/i.test(written)) return undefined
  const name = written.startsWith('"') ? written.slice(1, -1).replace(/""/g, '"') : written.replace(/[A-Z]/g, (c) => c.toLowerCase())
  const end = at + m[0].length
  return { name, start: end - written.length, end }
}

/**
 * Where a statement names a cursor the proxy may have to rename (see Session#ownCursorName): the cursor a
 * `DECLARE` opens (and whether WITH HOLD), and the one `FETCH`, `MOVE` or `CLOSE` works on (the name they end
 * with), folded as PostgreSQL folds it.
 */
export function sqlCursorName(statement: Statement): { verb: 'declare' | 'use' | 'close'; hold?: boolean; name: string; start: number; end: number } | undefined {
  const code = statement.code
  const verb = /^(DECLARE|FETCH|MOVE|CLOSE)\s/i.exec(code)?.[1]?.toUpperCase()
  if (!verb) return undefined
  const text = statement.text
  const at = afterLeadingComments(text)
  const m = (verb === 'DECLARE' ? DECLARED_NAME : verb === 'CLOSE' ? CLOSED_NAME : LAST_NAME).exec(text.slice(at))
  if (!m) return undefined
  const written = m[1]!
  if (verb === 'CLOSE' && /^ALL$/i.test(written)) return undefined
  const name = written.startsWith('"') ? written.slice(1, -1).replace(/""/g, '"') : written.replace(/[A-Z]/g, (c) => c.toLowerCase())
  // The name ends the match, less the spaces after it for FETCH, MOVE and CLOSE.
  const end = at + (verb === 'DECLARE' ? m[0] : m[0].trimEnd()).length
  // Read in the text, where it is to be renamed: a last word in a line comment (`FETCH c -- c`) only looks
  // like the name (a name with a comment after it is left as it is). A block comment cannot end a match.
  const start = end - written.length
  if (verb !== 'DECLARE' && text.slice(text.lastIndexOf('\n', start - 1) + 1, start).includes('--')) return undefined
  if (verb === 'DECLARE') return { verb: 'declare', hold: holdsCursor(code.replace(/\s+/g, ' ').toUpperCase()), name, start, end }
  return { verb: verb === 'CLOSE' ? 'close' : 'use', name, start, end }
}

const NAME = '("(?:[^"]|"")+"|[A-Za-z_\\u0080-\\uffff][\\w$\\u0080-\\uffff]*)'
/** Spaces and comments between two words. */
const GAP = '(?:\\s|/\\*[\\s\\S]*?\\*/|--[^\\n]*(?:\\n|$))+'
const DECLARED_NAME = new RegExp(`^DECLARE${GAP}${NAME}`, 'i')
const CLOSED_NAME = new RegExp(`^CLOSE${GAP}${NAME}\\s*$`, 'i')
/** FETCH and MOVE end with the cursor's name, whatever direction and count come before it. */
const LAST_NAME = new RegExp(`^(?:FETCH|MOVE)\\s+(?:[\\s\\S]*\\s)?${NAME}\\s*$`, 'i')
const HEAD_NAME = new RegExp(`^(?:PREPARE|EXECUTE|DEALLOCATE(?:\\s+PREPARE)?)\\s+${NAME}`, 'i')
const INNER_EXECUTE = new RegExp(
  `^(?:EXPLAIN\\b(?:\\s*\\([^)]*\\))?(?:\\s+(?:ANALYZE|VERBOSE))*|CREATE\\s+(?:(?:GLOBAL|LOCAL)\\s+)?(?:TEMP(?:ORARY)?\\s+|UNLOGGED\\s+)?TABLE\\s[\\s\\S]*?\\bAS)\\s+EXECUTE\\s+${NAME}`,
  'i',
)

/** Where a statement's first word starts: after the spaces and comments before it. */
function afterLeadingComments(text: string): number {
  let i = 0
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i)
      i = end < 0 ? text.length : end
    } else if (text.startsWith('/*', i)) i = skipBlockComment(text, i)
    else return i
  }
}

/** A name as SQL writes an identifier, quoted (so that the server takes it as it is). */
export function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/**
 * The proxy's own savepoints (checkpoints, the app's transaction, a batch) are named `venomqa_...`, in the
 * same transaction as the app's: an app's ROLLBACK TO or RELEASE of one would undo or drop a checkpoint,
 * and a SAVEPOINT of the same name would shadow it. So the app may not name one so.
 */
export const RESERVED_SAVEPOINT_PREFIX = 'venomqa_'

/**
 * SAVEPOINT name, RELEASE [SAVEPOINT] name, ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name; the name
 * bare, quoted, or quoted with Unicode escapes (`U&"..."`).
 */
const SAVEPOINT_NAME = /^(?:SAVEPOINT|RELEASE(?:\s+SAVEPOINT)?|ROLLBACK(?:\s+(?:WORK|TRANSACTION))?\s+TO(?:\s+SAVEPOINT)?)\s+((?:U&)?"(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)/i

/** What may follow a `U&"..."` name: UESCAPE and a string literal (emptied to '' in the code). */
const UESCAPE = /^\s*UESCAPE(?:\s*|\s+E)''\s*$/i

/** An app's savepoint statement, refused when it names one of the proxy's savepoints, or a name it cannot read. */
function appSavepoint(verb: string, statement: Statement): StatementKind {
  const code = statement.code.trim()
  const m = SAVEPOINT_NAME.exec(code)
  const written = m?.[1]
  const rest = m ? code.slice(m[0].length) : ''
  let name: string | undefined
  if (written && /^U&/i.test(written)) {
    name = unicodeEscapedName(written.slice(3, -1).replace(/""/g, '"'), rest, statement.text)
    // A name the proxy cannot read could be one of its own: refused rather than guessed.
    if (name === undefined) return { kind: 'refused', reason: 'unreadable-savepoint', what: `${verb} ${written}` }
  } else if (written && !/^[^\s;]/.test(rest)) {
    // As PostgreSQL reads the name: quoted, exactly; unquoted, A to Z folded to lower case (in UTF-8 no
    // other letter is, so `Ä` and `"ä"` are two names).
    name = written.startsWith('"') ? written.slice(1, -1).replace(/""/g, '"') : written.replace(/[A-Z]+/g, (up) => up.toLowerCase())
  }
  if (name?.startsWith(RESERVED_SAVEPOINT_PREFIX)) return { kind: 'refused', reason: 'reserved-savepoint', what: `${verb} ${name}` }
  // Another name written otherwise is not read: undefined, which the cursor names' bookkeeping takes as a
  // savepoint it cannot place (see PlainCursors). PostgreSQL refuses such a statement.
  return name === undefined ? { kind: 'savepoint', verb } : { kind: 'savepoint', verb, name }
}

/**
 * The name a `U&"..."` identifier stands for, as PostgreSQL decodes it (doubled quotes already undone):
 * `\XXXX` and `\+XXXXXX` code points (a UTF-16 surrogate pair as two), `\\` for the escape character
 * itself, which `UESCAPE 'c'` after the name may change. Undefined where PostgreSQL refuses the name, and
 * where the proxy cannot be sure how it reads the escape character: a backslash in its literal reads
 * differently with standard_conforming_strings off, which the classifier does not know.
 */
function unicodeEscapedName(body: string, rest: string, text: string): string | undefined {
  let escapeChar = '\\'
  if (rest.trim()) {
    if (!UESCAPE.test(rest)) return undefined
    const literals = literalsOf(text)
    if (literals.length !== 1 || !isUnicodeEscapeChar(literals[0]!)) return undefined
    escapeChar = literals[0]!
  }
  let out = ''
  /** The first half of a surrogate pair, waiting for its second. */
  let high = 0
  for (let i = 0; i < body.length; ) {
    const c = body[i]!
    if (c !== escapeChar || body[i + 1] === escapeChar) {
      if (high) return undefined
      out += c
      i += c === escapeChar ? 2 : 1
      continue
    }
    const long = body[i + 1] === '+'
    const digits = long ? body.slice(i + 2, i + 8) : body.slice(i + 1, i + 5)
    if (!/^[0-9A-Fa-f]+$/.test(digits) || digits.length !== (long ? 6 : 4)) return undefined
    i += long ? 8 : 5
    const point = Number.parseInt(digits, 16)
    if (point === 0 || point > 0x10ffff) return undefined
    const second = point >= 0xdc00 && point <= 0xdfff
    if (high) {
      if (!second) return undefined
      out += String.fromCodePoint(0x10000 + ((high - 0xd800) << 10) + (point - 0xdc00))
      high = 0
    } else if (second) return undefined
    else if (point >= 0xd800 && point <= 0xdbff) high = point
    else out += String.fromCodePoint(point)
  }
  return high ? undefined : out
}

/** PostgreSQL's rule for UESCAPE: one single-byte character, not a hex digit, +, a quote or a space (and no backslash: see above). */
function isUnicodeEscapeChar(c: string): boolean {
  return c.length === 1 && c < '\u0080' && !/[0-9A-Fa-f+'"\s\\]/.test(c)
}

/**
 * What a statement leaves that PostgreSQL ends with the transaction, and the proxy's RELEASE does not (it
 * hands it to the base transaction, which never ends): settings made with SET LOCAL or
 * set_config(..., true), and cursors without HOLD.
 */
export interface TransactionScoped {
  localSettings: boolean
  cursors: boolean
  /**
   * Not transaction-scoped, but found in the same reading: the names of the settings the statement makes
   * with set_config(name, value, false) for the session (see `sessionConfigCalls`).
   */
  sessionConfig?: readonly string[]
}

export function transactionScoped(statement: Statement): TransactionScoped {
  // Read from the code as it is, case-insensitively: every statement of the app passes here, and a copy
  // made one-spaced and upper-case (as classify reads it) would be made for nothing in almost all of them.
  const code = statement.code
  const configured = /set_config/i.test(code)
  const scoped: TransactionScoped = {
    localSettings: /^\s*SET\s+LOCAL\b/i.test(code) || (configured && /\bSET_CONFIG\s*\((?:[^()]|\([^()]*\))*,\s*TRUE\s*\)/i.test(code)),
    cursors: /^\s*DECLARE\b/i.test(code),
  }
  if (configured) {
    const { names } = sessionConfigCalls(statement)
    if (names.length) scoped.sessionConfig = names
  }
  return scoped
}

/**
 * The settings a statement makes for the session with set_config(name, value, is_local), unless is_local
 * is a literal true (those end with the transaction, see `transactionScoped`): their names, written as
 * string literals, and whether some call gives its name otherwise (a parameter, an expression), which the
 * proxy cannot follow. A SET statement says what it sets; a set_config call's value is often a parameter,
 * so the proxy reads the values back, by name, before another connection takes the session.
 */
export function sessionConfigCalls(statement: Statement): { names: string[]; unnamed: boolean } {
  const names: string[] = []
  let unnamed = false
  // Calls are found in the code (no comments, every literal emptied to ''), and a name written as a
  // literal is the literal at the same place in the text: the k-th '' of the code is the text's k-th literal.
  const { code } = statement
  let literals: string[] | undefined
  for (const call of code.matchAll(/\bset_config\s*\(/gi)) {
    const args = callArguments(code, call.index + call[0].length)
    if (args?.length !== 3) continue
    // is_local true (a literal): the setting ends with the transaction, see transactionScoped.
    const local = args[2]!
    if (/^true$/i.test(local.text)) continue
    if (local.text === "''") {
      literals ??= literalsOf(statement.text)
      if (/^(t|true|on|yes|1)$/i.test(literals[countEmptied(code, local.at)] ?? '')) continue
    }
    if (/^''(?:\s*::\s*text)?$/.test(args[0]!.text)) {
      literals ??= literalsOf(statement.text)
      const name = literals[countEmptied(code, args[0]!.at)]
      // idle_in_transaction_session_timeout is answered without being set (see ownCalls): nothing to follow.
      if (name === undefined) unnamed = true
      else if (name.toLowerCase() !== 'idle_in_transaction_session_timeout') names.push(name)
    } else unnamed = true
  }
  return { names, unnamed }
}

/** How many literals the code holds before `at` (each emptied to ''). */
function countEmptied(code: string, at: number): number {
  return code.slice(0, at).split("''").length - 1
}

/** The arguments of a call whose '(' ends just before `from`, trimmed, with where each starts; undefined when it is not closed. */
function callArguments(code: string, from: number): { text: string; at: number }[] | undefined {
  const args: { text: string; at: number }[] = []
  let depth = 0
  let start = from
  const arg = (end: number) => {
    const raw = code.slice(start, end)
    args.push({ text: raw.trim(), at: start + raw.length - raw.trimStart().length })
  }
  for (let i = from; i < code.length; i++) {
    const c = code[i]
    // In the code, literals are '' and names in double quotes are as written (a doubled quote inside).
    if (c === "'" || c === '"') {
      for (i++; i < code.length; i++) if (code[i] === c && code[++i] !== c) break
      i--
    } else if (c === '(') depth++
    else if (c === ')') {
      if (depth-- === 0) {
        arg(i)
        return args
      }
    } else if (c === ',' && depth === 0) {
      arg(i)
      start = i + 1
    }
  }
  return undefined
}

/** A string literal PostgreSQL reads the same whatever standard_conforming_strings says (an escape string). */
export function escapeString(value: string): string {
  return `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

/** Behaviours that differ behind the proxy without breaking anything: the app is told once. */
export type Caveat = 'advisory-lock' | 'row-lock' | 'set-config-name'

export function caveatsOf(statement: Statement): Caveat[] {
  const s = statement.code.toUpperCase()
  const out: Caveat[] = []
  if (/\bPG_(TRY_)?ADVISORY_(XACT_)?LOCK(_SHARED)?\s*\(/.test(s)) out.push('advisory-lock')
  if (/\bFOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE|KEY\s+SHARE)\b/.test(s) || /^\s*LOCK\b/.test(s)) out.push('row-lock')
  if (/SET_CONFIG/.test(s) && sessionConfigCalls(statement).unnamed) out.push('set-config-name')
  return out
}
