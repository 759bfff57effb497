import type { Connection, RowDataPacket } from 'mysql2/promise'
import { isPrivilegeError } from './connection'
import { ident, isPrivateName, privateName } from './sql'
import { QUIET_FLAG } from './tracking'

/**
 * The app's own triggers, kept from firing while the backend restores rows.
 *
 * Why: a restore deletes rows and inserts the saved ones again. Left as they are, the app's triggers fire
 * on those writes as on any other: an audit trigger logs rows no checkpoint holds, a BEFORE INSERT trigger
 * rewrites the restored values (a timestamp, a counter), and the database is not what it was at the
 * checkpoint. PostgreSQL turns triggers off for a restore's transaction (session_replication_role); MySQL
 * and MariaDB have no such switch. So while the backend is connected, each app trigger of a tracked table
 * runs as a private copy whose body is guarded by a flag that only the backend's own session sets (and a
 * worker's copier, whose rows the main database's triggers wrote already): for every other session the
 * copy does exactly what the original did, as its definer, with its sql_mode and character set.
 *
 * The copy takes the original's place in the firing order (created PRECEDES the original, which is then
 * dropped, under a write lock of the table, so that no write fires both or neither). Each original is
 * saved first, in a private table: disconnect puts every one back in its place, and so does the next
 * connect after a run that crashed.
 */

/** The private table that holds the originals while their copies run. */
export const SAVED_TRIGGERS = '_venomqa_app_triggers'

export interface AppTrigger {
  name: string
  table: string
  /** BEFORE or AFTER. */
  timing: string
  /** INSERT, UPDATE or DELETE. */
  event: string
  definer: string
  sqlMode: string
  charset: string
  collation: string
  body: string
  /**
   * The statement as the server keeps it (SHOW CREATE TRIGGER's `SQL Original Statement`): the app's own
   * spelling, which a schema dump prints. Absent in what an older run saved.
   */
  statement?: string
  /**
   * Set in SAVED_TRIGGERS when its group began to come back in its own words (see putBackInOwnWords): found
   * back, with its copy gone or still there, it is the put-back's doing, not a trigger the app made again.
   */
  ownWordsBegun?: boolean
}

/** The private name of a trigger's guarded copy. */
export const copyName = (trigger: string) => privateName('app', trigger)

/** The triggers of a database, every one, in the order they fire. */
async function readTriggers(conn: Connection, database: string): Promise<AppTrigger[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event, DEFINER AS definer,
        SQL_MODE AS sqlMode, CHARACTER_SET_CLIENT AS charset, COLLATION_CONNECTION AS coll, ACTION_STATEMENT AS body
      FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
      ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER`,
    [database],
  )
  return rows.map((r) => ({
    name: String(r.name),
    table: String(r.tbl),
    timing: String(r.timing),
    event: String(r.event),
    definer: String(r.definer),
    sqlMode: String(r.sqlMode),
    charset: String(r.charset),
    collation: String(r.coll),
    body: String(r.body),
  }))
}

/** The app's triggers on `tables`, in the order they fire, each with its statement as the server keeps it. */
export async function readAppTriggers(conn: Connection, database: string, tables: readonly string[]): Promise<AppTrigger[]> {
  if (!tables.length) return []
  const wanted = new Set(tables)
  const triggers = (await readTriggers(conn, database)).filter((t) => wanted.has(t.table) && !isPrivateName(t.name))
  for (const t of triggers) {
    const statement = await keptStatement(conn, database, t.name)
    if (statement === undefined) continue
    t.statement = statement
    t.body = wholeBody(t.body, statement)
  }
  return triggers
}

/** SHOW CREATE TRIGGER's `SQL Original Statement`, read in the connection's utf8mb4. */
async function keptStatement(conn: Connection, database: string, name: string): Promise<string | undefined> {
  const [rows] = await conn.query<RowDataPacket[]>(`SHOW CREATE TRIGGER ${ident(database)}.${ident(name)}`)
  const statement = rows[0]?.['SQL Original Statement']
  return typeof statement === 'string' ? statement : undefined
}

/**
 * `body` (information_schema's) as the app wrote it, from the statement the server kept, which ends with it
 * whole. information_schema hands the body in utf8mb3, where a character outside the BMP (an emoji) reads
 * as '?'; and MariaDB garbles there the string literals of a trigger written in another character set
 * (`'\u{20AC}\u{20AC}\u{20AC}\u{20AC}\u{20AC}\u{20AC}\u{20AC}\u{20AC}\u{20AC}\u{20AC}'` reads `'\u{20AC}\u{20AC}\u{20AC}\u{20AC}\u{20AC}\u{20AC}'`, `'\u{2122}'` reads `''`): a copy or a trigger made from that writes '?' or
 * another text. The statement's tail from where its body starts (see bodyStart) is taken when it reads as
 * information_schema's body but for the strings' contents, each '?' standing for any one character; else
 * its tail as long as information_schema's body, when that reads the same.
 */
function wholeBody(body: string, statement: string): string {
  const start = bodyStart(statement)
  const tail = start === undefined ? '' : statement.slice(start)
  if (tail && sameBut(withoutStrings(body), withoutStrings(tail))) return tail
  const chars = [...body]
  const end = [...statement].slice(-chars.length)
  return sameBut(chars.join(''), end.join('')) ? end.join('') : body
}

/** Equal, each '?' of `lossy` standing for any one character of `whole`. */
function sameBut(lossy: string, whole: string): boolean {
  const [a, b] = [[...lossy], [...whole]]
  return a.length === b.length && a.every((c, i) => c === b[i] || c === '?')
}

/** `sql` with every quoted string's content left out (a double-quoted one too: a name under ANSI_QUOTES, else a string). */
const withoutStrings = (sql: string) => sql.replace(/'(?:[^'\\]|\\[\s\S]|'')*'|"(?:[^"\\]|\\[\s\S]|"")*"/g, "''")

/** A CREATE TRIGGER statement's parts, as the server reads them: spaces, comments, quoted names and strings, words, signs. */
const TOKEN = /\s+|\/\*[\s\S]*?\*\/|--(?=\s|$)[^\n]*|#[^\n]*|`(?:[^`]|``)*`|"(?:[^"\\]|\\[\s\S]|"")*"|'(?:[^'\\]|\\[\s\S]|'')*'|[\w$]+|[\s\S]/gy
const isBlank = (token: string) => /^(\s|\/\*|--|#)/.test(token)

/**
 * Where the body starts in a CREATE TRIGGER statement: after FOR EACH ROW, an order clause (FOLLOWS or
 * PRECEDES a trigger) and the spaces and comments before it, where information_schema's body starts. Quoted
 * names, strings and comments are read whole: a name may read `for each row`. Undefined when not found.
 */
export function bodyStart(statement: string): number | undefined {
  const token = new RegExp(TOKEN)
  const next = () => {
    for (let t = token.exec(statement); t; t = token.exec(statement)) if (!isBlank(t[0])) return { word: t[0].toUpperCase(), start: t.index }
    return undefined
  }
  const last: string[] = []
  for (let t = next(); t; t = next()) {
    last.push(t.word)
    if (last.slice(-3).join(' ') !== 'FOR EACH ROW') continue
    const first = next()
    if (first?.word !== 'FOLLOWS' && first?.word !== 'PRECEDES') return first?.start
    next()
    return next()?.start
  }
  return undefined
}

/**
 * The app's triggers as the app wrote them, in the order they fire, while a backend may be connected to
 * the database: a guarded copy stands for its original, saved in SAVED_TRIGGERS; the backend's own
 * change-tracking triggers are left out. What a worker's database is given (see MysqlCopier.copyTriggers).
 */
export async function appTriggersAsWritten(conn: Connection, database: string): Promise<AppTrigger[]> {
  const originals = new Map((await savedOriginals(conn, database) ?? []).map((t) => [copyName(t.name), t]))
  const present = await readTriggers(conn, database)
  // An original the app created again since it was swapped (see quietAppTriggers) is the one it wrote last.
  const own = new Set(present.filter((t) => !isPrivateName(t.name)).map((t) => t.name))
  const written: AppTrigger[] = []
  for (const t of present) {
    const original = originals.get(t.name)
    if (original) {
      if (!own.has(original.name)) written.push(original)
    } else if (!isPrivateName(t.name)) {
      const statement = await keptStatement(conn, database, t.name)
      written.push(statement === undefined ? t : { ...t, statement, body: wholeBody(t.body, statement) })
    }
  }
  return written
}

/**
 * Create `triggers`, as they were written, in the current database (`USE` it first), in their order: each
 * in the session settings it was made with, under its own definer. With `ownWords` (MariaDB), each from the
 * statement the server kept of it, as it is (its comments, its spelling: what a schema dump prints), when
 * that names no database (`ON shop.items` would make it on the main database's table); such a statement
 * holds no FOLLOWS or PRECEDES (see putBackInOwnWords), and each trigger made last of its group in firing
 * order keeps its place. One the server refuses so is made from its parts.
 */
export async function createTriggers(conn: Connection, triggers: readonly AppTrigger[], { ownWords = false } = {}): Promise<void> {
  for (const t of triggers) {
    try {
      if (ownWords && t.statement && namesNoDatabase(t.statement)) {
        try {
          await createAs(conn, t, t.statement)
          continue
        } catch (err) {
          if (isPassing(err)) throw err
        }
      }
      await createAs(conn, t, createTrigger(t, t.name, '', t.body))
    } catch (err) {
      throw new TriggerSwapError(t, err)
    }
  }
}

/** Whether a CREATE TRIGGER statement names no database before its body (`db.trigger`, `ON db.table`): a `.` outside quotes there. */
function namesNoDatabase(statement: string): boolean {
  const start = bodyStart(statement)
  if (start === undefined) return false
  const token = new RegExp(TOKEN)
  for (let t = token.exec(statement); t && t.index < start; t = token.exec(statement)) if (t[0] === '.') return false
  return true
}

/**
 * `'user'@'host'` from information_schema's `user@host` (the host may hold an `@`, the user may not be
 * split at one: MySQL splits at the last), or a role's quoted name (MariaDB), which has none.
 */
export function definerSql(definer: string): string {
  const at = definer.lastIndexOf('@')
  const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
  return at < 0 ? ident(definer) : `${quote(definer.slice(0, at))}@${quote(definer.slice(at + 1))}`
}

/**
 * The CREATE TRIGGER statement of `t` under `name`, placed `order` (`PRECEDES x`), with `body`. A newline
 * ends the body before anything follows it: the app's body may end in a `--` comment.
 */
function createTrigger(t: AppTrigger, name: string, order: string, body: string): string {
  return `CREATE DEFINER=${definerSql(t.definer)} TRIGGER ${ident(name)} ${t.timing} ${t.event} ON ${ident(t.table)} FOR EACH ROW ${order}\n${body}`
}

/** The copy's body: the original's, skipped in the sessions that restore or copy rows. */
export function guardedBody(body: string): string {
  return `IF ${QUIET_FLAG} IS NULL THEN\n${body}\n; END IF`
}

/** One trigger failed to swap: which, and the error. */
export class TriggerSwapError extends Error {
  constructor(
    readonly trigger: AppTrigger,
    readonly cause: unknown,
  ) {
    super(`trigger "${trigger.name}" on table "${trigger.table}"`)
  }
}

/**
 * Replace `triggers` with their guarded copies, each original saved first. A trigger that cannot be
 * swapped (a definer this user may not create triggers for, its table's lock not to be had) throws a
 * TriggerSwapError; the ones before it stay swapped, and putBackAppTriggers restores them. Called again
 * with the app's triggers read anew, it goes on where it stopped: a swapped trigger is read as its copy.
 */
export async function quietAppTriggers(conn: Connection, triggers: readonly AppTrigger[]): Promise<void> {
  if (!triggers.length) return
  // `name` holds a trigger name, which is case-sensitive on Linux: compared byte for byte (utf8mb4_bin), not
  // under the charset's default collation, which would merge two triggers named apart by case or accents.
  await conn.query(
    `CREATE TABLE IF NOT EXISTS ${ident(SAVED_TRIGGERS)} (name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, saved JSON NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  )
  for (const t of triggers) {
    try {
      // A trigger the app dropped and created again while the backend was connected (it ran its schema script
      // again): the copy of the old one goes, or both would fire.
      await conn.query(`DROP TRIGGER IF EXISTS ${ident(copyName(t.name))}`)
      await conn.query(`INSERT INTO ${ident(SAVED_TRIGGERS)} (name, saved) VALUES (?, ?) ON DUPLICATE KEY UPDATE saved = VALUES(saved)`, [t.name, JSON.stringify(t)])
      await swap(conn, t, createTrigger(t, copyName(t.name), `PRECEDES ${ident(t.name)}`, guardedBody(t.body)), t.name)
    } catch (err) {
      throw new TriggerSwapError(t, err)
    }
  }
}

/**
 * Put back every saved original in its place, its copy dropped, then forget them. After a crash any of a
 * swap's states may be left: the copy alone (put the original back), both (drop the copy), the original
 * alone (nothing to do), or neither (the app dropped it: nothing either).
 *
 * On MariaDB an original comes back in its own words (see putBackInOwnWords), and so does its group
 * whole (see swapNeighbours); else it is made again from information_schema's parts just before its copy.
 * Made from its parts, it does the same but reads differently in SHOW CREATE TRIGGER (quoted names,
 * upper-case keywords, a line break before the body, no comment before it), so a schema dump taken after a
 * run (mysqldump, Rails' structure.sql) shows a change nobody made.
 */
export async function putBackAppTriggers(conn: Connection, database: string): Promise<void> {
  let saved = await savedOriginals(conn, database)
  if (!saved) return
  let present = await readTriggers(conn, database)
  let exists = new Set(present.map((t) => t.name))
  const [[server]] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS v')
  const mariadb = /mariadb/i.test(String(server?.v))
  for (const t of saved) if (exists.has(copyName(t.name)) && exists.has(t.name)) await conn.query(`DROP TRIGGER IF EXISTS ${ident(copyName(t.name))}`)
  present = await readTriggers(conn, database)
  if (mariadb && (await swapNeighbours(conn, database, present, saved))) {
    saved = (await savedOriginals(conn, database)) ?? []
    present = await readTriggers(conn, database)
  }
  exists = new Set(present.map((t) => t.name))
  const toPutBack = saved.filter((t) => exists.has(copyName(t.name)) && !exists.has(t.name))
  const inOwnWords = mariadb ? ownWordsGroups(present, toPutBack, saved) : []
  for (const group of inOwnWords) await putBackInOwnWords(conn, group)
  const done = new Set(inOwnWords.flat())
  for (const t of toPutBack) {
    if (done.has(t)) continue
    const copy = copyName(t.name)
    await swap(conn, t, createTrigger(t, t.name, `PRECEDES ${ident(copy)}`, t.body), copy)
  }
  await conn.query(`DROP TABLE ${ident(SAVED_TRIGGERS)}`)
}

/**
 * Swap for guarded copies the app's triggers that share a group (table, timing, event) with copies to put
 * back: ones the app made after the last swap (at the end of a run, or before a crash). Their own words
 * put back only the last of a group (see putBackInOwnWords): with such a trigger among the copies, the
 * originals would have come back from their parts instead, in their places, losing their own words (the
 * comments, the spelling a schema dump prints). Swapped too, it comes back in its own words with them, in
 * its place. One this user may not create (another definer, without SUPER) stays, and so does the
 * fallback for its group. True when it swapped any.
 */
async function swapNeighbours(conn: Connection, database: string, present: readonly AppTrigger[], saved: readonly AppTrigger[]): Promise<boolean> {
  const copies = new Set(saved.map((t) => copyName(t.name)))
  const madeBack = new Set(saved.filter((t) => t.ownWordsBegun).map((t) => t.name))
  const withCopies = new Set(present.filter((t) => copies.has(t.name)).map(groupOf))
  const loud = new Set(present.filter((t) => !isPrivateName(t.name) && !madeBack.has(t.name) && withCopies.has(groupOf(t))).map((t) => t.name))
  if (!loud.size) return false
  const tables = [...new Set(present.filter((t) => loud.has(t.name)).map((t) => t.table))]
  for (const t of await readAppTriggers(conn, database, tables)) {
    if (!loud.has(t.name)) continue
    await quietAppTriggers(conn, [t]).catch((err: unknown) => {
      if (!(err instanceof TriggerSwapError && isPrivilegeError(err.cause))) throw err
    })
  }
  return true
}

/** The group of triggers `t` fires in: its table, timing and event. */
const groupOf = (t: AppTrigger) => `${t.table}\u0000${t.timing}\u0000${t.event}`

/**
 * The originals to put back that can come back in their own words, by table, timing and event, each group
 * in the order its copies fire: those whose group holds no trigger of the app's but copies to put back
 * (the backend's own change-tracking triggers, about to go, do not count), every one with a statement saved.
 *
 * An original that an earlier put-back of its group in its own words made already (it stopped halfway: the
 * connection lost, a table lock briefly held by the server's purge, a statement refused) does not count
 * either: made last of its group, it fires after every copy still there, so the rest, made last in turn,
 * come after it, as they fired. Counted as the app's, the rest would be made before it, for good.
 */
function ownWordsGroups(present: readonly AppTrigger[], toPutBack: readonly AppTrigger[], saved: readonly AppTrigger[]): AppTrigger[][] {
  const byCopy = new Map(toPutBack.map((t) => [copyName(t.name), t]))
  const madeBack = new Set(saved.filter((t) => t.ownWordsBegun).map((t) => t.name))
  const groups = new Map<string, AppTrigger[]>()
  const mixed = new Set<string>()
  // `present` is in firing order (see readTriggers).
  for (const p of present) {
    const original = byCopy.get(p.name)
    if (original) groups.set(groupOf(p), [...(groups.get(groupOf(p)) ?? []), original])
    else if (!isPrivateName(p.name) && !madeBack.has(p.name)) mixed.add(groupOf(p))
  }
  return [...groups].filter(([key, ts]) => !mixed.has(key) && ts.every((t) => t.statement)).map(([, ts]) => ts)
}

/**
 * Put back `group` (one table, timing and event; see ownWordsGroups) with the statements the server kept
 * of them, as they are. Such a statement holds no FOLLOWS or PRECEDES (MariaDB keeps the text without it),
 * so each original is made last of its group; made in the order the copies fire, each copy dropped after
 * its original, they end in the order they had. Nothing is spliced into the text: it is what the server
 * parses each time it opens the table, so it is taken as it was. Cutting an order clause into it was
 * tried, and where MariaDB cuts that clause out again depends on the sql_mode: cut wrongly, the kept text
 * no longer parses and every write to the table fails (ER_TRG_CORRUPTED_FILE), which DROP TRIGGER does
 * not mend. The table stays locked for writing throughout, so that no write fires the group half put back.
 * A statement the server refuses all the same is made from its parts, last too; a lock conflict is no
 * refusal, and fails the put-back for its caller to try again.
 */
async function putBackInOwnWords(conn: Connection, group: readonly AppTrigger[]): Promise<void> {
  // Said first, so that a put-back that stops halfway is finished as it began (see ownWordsGroups).
  await conn.query(`UPDATE ${ident(SAVED_TRIGGERS)} SET saved = JSON_SET(saved, '$.ownWordsBegun', TRUE) WHERE name IN (?)`, [group.map((t) => t.name)])
  await conn.query(`LOCK TABLES ${ident(group[0]!.table)} WRITE`)
  try {
    for (const t of group) {
      try {
        await createAs(conn, t, t.statement!)
      } catch (err) {
        // Not the statement's fault: a lock only tried (InnoDB's purge holds the table a moment), a connection
        // lost. Made from its parts, it would stay so; the put-back is tried again, from here (see ownWordsGroups).
        if (isPassing(err)) throw err
        await createAs(conn, t, createTrigger(t, t.name, '', t.body))
      }
      await conn.query(`DROP TRIGGER ${ident(copyName(t.name))}`)
    }
  } finally {
    await conn.query('UNLOCK TABLES')
  }
}

/** An error that says nothing of the statement run: a lock not had (only tried, or a deadlock), the connection gone. */
function isPassing(err: unknown): boolean {
  const { code, fatal } = (err ?? {}) as { code?: string; fatal?: boolean }
  return fatal === true || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'ER_LOCK_DEADLOCK'
}

/** The originals saved in SAVED_TRIGGERS of `database`; undefined when it has no such table (nothing is swapped). */
async function savedOriginals(conn: Connection, database: string): Promise<AppTrigger[] | undefined> {
  const [tables] = await conn.query<RowDataPacket[]>('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [database, SAVED_TRIGGERS])
  if (!tables.length) return undefined
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT saved FROM ${ident(database)}.${ident(SAVED_TRIGGERS)}`)
  // MariaDB hands JSON columns back as text, MySQL as values.
  return rows.map((r) => (typeof r.saved === 'string' ? JSON.parse(r.saved) : r.saved) as AppTrigger)
}

/** What creating a trigger that runs as another user takes: said when a privilege is what was missing. */
export function otherDefinerNeeds(t: AppTrigger): string {
  return `it runs as ${definerSql(t.definer)}, and creating a trigger that runs as another user needs SUPER on MariaDB, SET_USER_ID on MySQL 8`
}

/**
 * Create one trigger and drop another of the same table, with the table locked for writing, so that no
 * write in between fires both or neither; the trigger in the session settings it was made with, which it keeps.
 */
async function swap(conn: Connection, t: AppTrigger, create: string, drop: string): Promise<void> {
  await conn.query(`LOCK TABLES ${ident(t.table)} WRITE`)
  try {
    await createAs(conn, t, create)
    await conn.query(`DROP TRIGGER ${ident(drop)}`)
  } finally {
    await conn.query('UNLOCK TABLES')
  }
}

/** The prepared statement a trigger is made through when its character set is not the connection's, and the variable that holds its text. */
const PREPARED = 'venomqa_trigger'
const PREPARED_TEXT = '@venomqa_trigger'

/** The character sets whose text the driver sends as it is (UTF-8). */
const UTF8 = /^utf8(mb3|mb4)?$/i

/** The session settings a trigger or a stored routine was made in, which it keeps and runs in. */
export type MadeIn = Pick<AppTrigger, 'name' | 'sqlMode' | 'charset' | 'collation'>

/**
 * Run `create`, a CREATE TRIGGER statement of `t` (or CREATE PROCEDURE or FUNCTION), in the session settings
 * `t` was made with, which it keeps: its sql_mode, the character set its client wrote it in, its connection's collation.
 *
 * The driver (mysql2) follows the server's report of a new character_set_client and encodes what it sends
 * next in that character set, as it names it: it knows no `ujis` or `macce` and went on sending UTF-8,
 * read byte for byte as EUC-JP or Mac Central European (`'\u{10D}\u{161}\u{17E}'` became `'\u{144}\u{107}\u{147}\u{B0}\u{147}\u{13A}'`, `'\u{6F22}\u{5B57}'` no text at all);
 * it takes `macce` for Mac Roman; and it has no encoder for `dec8`, `swe7`, `hp8`, `keybcs2`, `geostd8` or
 * `eucjpms`, so that every statement after failed. The copy of such a trigger then failed or wrote that
 * on every insert of the app, and so did the original once put back. So the report is turned off for this
 * session (the driver goes on sending UTF-8), and a statement in another character set goes to the server
 * as UTF-8 bytes in hex, for the server to convert into the trigger's character set itself, into a variable
 * the statement is prepared from once the session is the trigger's. A statement that
 * character set cannot hold (swe7 has no backquote, the text made here quotes names with one), or a server
 * that cannot prepare a CREATE TRIGGER (MySQL), is read as the UTF-8 it is, in the trigger's collation: the
 * same trigger, whose character_set_client then reads utf8mb4.
 */
export async function createAs(conn: Connection, t: MadeIn, create: string): Promise<void> {
  if (!/^\w+$/.test(t.charset)) throw new Error(`"${t.name}" has a character set named ${JSON.stringify(t.charset)}`)
  // A server without the variable reports nothing either.
  await conn.query("SET SESSION session_track_system_variables = ''").catch(() => undefined)
  // The text in the trigger's character set, and whether it holds all of it; set in the session's own character
  // set, before it changes.
  const utf8 = `_utf8mb4 X'${Buffer.from(create, 'utf8').toString('hex')}'`
  await conn.query(`SET ${PREPARED_TEXT} = CONVERT(${utf8} USING ${t.charset})`)
  const [[own]] = await conn.query<RowDataPacket[]>(
    `SELECT @@SESSION.sql_mode AS m, @@character_set_client AS cs, @@collation_connection AS co, CONVERT(${PREPARED_TEXT} USING utf8mb4) = ${utf8} COLLATE utf8mb4_bin AS kept`,
  )
  const set = (mode: unknown, charset: unknown, collation: unknown) =>
    conn.query('SET SESSION sql_mode = ?, character_set_client = ?, collation_connection = ?', [mode, charset, collation])
  try {
    if (!UTF8.test(t.charset) && Number(own!.kept) === 1) {
      await set(t.sqlMode, t.charset, t.collation)
      if (await runPrepared(conn)) return
    }
    await set(t.sqlMode, UTF8.test(t.charset) ? t.charset : 'utf8mb4', t.collation)
    await conn.query(create)
  } finally {
    await set(own!.m, own!.cs, own!.co)
    await conn.query(`SET ${PREPARED_TEXT} = NULL`)
  }
}

/**
 * Prepare the statement in PREPARED_TEXT and run it; false when the server cannot prepare such a statement (MySQL).
 * The server's lexer reads `@` as itself in any client character set (swe7's 0x40 too).
 */
async function runPrepared(conn: Connection): Promise<boolean> {
  try {
    await conn.query(`PREPARE ${PREPARED} FROM ${PREPARED_TEXT}`)
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_UNSUPPORTED_PS') return false
    throw err
  }
  try {
    await conn.query(`EXECUTE ${PREPARED}`)
  } finally {
    await conn.query(`DEALLOCATE PREPARE ${PREPARED}`)
  }
  return true
}
