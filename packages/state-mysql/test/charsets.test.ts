import { describeWithService } from '@venomqa/test-utils'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { expect, it } from 'vitest'
import { MysqlSnapshotBackend } from '../src'
import { HOST, PORT, admin, dbName, dropDatabase, privateObjects, urlFor } from './helpers'

const describe = await describeWithService('MariaDB', HOST, PORT)

/**
 * Characters of many scripts, among them multi-byte ones whose second byte is 0x5C (a backslash in ASCII:
 * `ソ`, `表`, `能` in Shift-JIS, `許`, `功` in Big5), for which SQL built by hand in the wrong character set
 * goes wrong. Each character set keeps those the server can convert to it and back.
 */
const CANDIDATES = [
  ...'éÉèàçñüÄäÖöÅåøßÆœ¿¡°±µ¶·×÷',
  ...'čšžČŠŽłŁőűąęėįųāēīūğşıİțș',
  ...'ЖжЯяЁёЄєЇїЎў',
  ...'ΩωΑαΣσ',
  ...'אבגש',
  ...'عربي',
  ...'กขคง',
  ...'ԱաԲբ',
  ...'აბგ',
  ...'€£¥©®™',
  ...'あいうカタナ漢字ソ表能予十申許功蓋丂',
  ...'한국어',
  ...'中文简体繁體',
  ...'ｱｲｳ①②',
  '😀',
  '\\',
  "'",
  '~',
]

/** The candidates `charset` holds, as the server converts them, each with its bytes there (hex). */
async function heldBy(conn: Connection, charset: string): Promise<{ ch: string; hex: string }[]> {
  const probes = CANDIDATES.map(() => `SELECT CONVERT(CONVERT(? USING ${charset}) USING utf8mb4) = ? COLLATE utf8mb4_bin AS ok, HEX(CONVERT(? USING ${charset})) AS hex`)
  const [rows] = await conn.query<RowDataPacket[]>(probes.join(' UNION ALL '), CANDIDATES.flatMap((c) => [c, c, c]))
  return CANDIDATES.map((ch, i) => ({ ch, hex: String(rows[i]?.hex), ok: Number(rows[i]?.ok) === 1 })).filter((c) => c.ok)
}

/** Every row of each table, every column as HEX(), in a stable order: what a rollback must give back, byte for byte. */
async function bytesOf(conn: Connection): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {}
  for (const [table, columns] of Object.entries(COLUMNS)) {
    const [rows] = await conn.query<RowDataPacket[]>(`SELECT CONCAT_WS('|', ${columns.map((c) => `IFNULL(HEX(${c}), 'NULL')`).join(', ')}) AS r FROM ${table}`)
    out[table] = rows.map((r) => String(r.r)).sort()
  }
  return out
}

const COLUMNS = { keyed: ['k', 'v', 't', 'c', 'e', 's'], loose: ['v'], mixed: ['id', 'v'], said: ['id', 'what'] }

/**
 * Whether the server takes `charset` as a client character set (SET character_set_client = ucs2 fails): no
 * app writes in the others. On a connection of its own, which keeps the server from telling the driver
 * (mysql2 encodes in the character set it is told of, or fails to, from then on).
 */
async function isClientCharset(charset: string): Promise<boolean> {
  const conn = await admin()
  try {
    await conn.query("SET SESSION session_track_system_variables = ''")
    await conn.query(`SET SESSION character_set_client = ${charset}`)
    return true
  } catch {
    return false
  } finally {
    await conn.end()
  }
}

/** The app's trigger, SHOW CREATE TRIGGER's text and settings, as a schema dump prints it. */
async function shownTrigger(conn: Connection, name: string): Promise<Record<string, unknown>> {
  const [rows] = await conn.query<RowDataPacket[]>(`SHOW CREATE TRIGGER ${name}`)
  const { Created: _, ...shown } = rows[0]!
  return shown
}

/**
 * Create `statement`, a CREATE TRIGGER, as a client writing in `charset` sends it: the server converts the
 * text to that character set, and prepares it with character_set_client set to it (a driver encodes the text
 * itself, but none here knows every character set the server does). On a connection of its own, which
 * keeps the server from telling the driver of the new character set: mysql2 would encode in it from then on.
 */
async function createTriggerIn(database: string, charset: string, statement: string): Promise<void> {
  const conn = await admin(database)
  try {
    await conn.query("SET SESSION session_track_system_variables = ''")
    await conn.query(`SET @venomqa_my_trigger = CONVERT(? USING ${charset})`, [statement])
    await conn.query(`SET SESSION character_set_client = ${charset}, collation_connection = @@collation_database`)
    await conn.query('PREPARE venomqa_my_trigger FROM @venomqa_my_trigger')
    await conn.query('EXECUTE venomqa_my_trigger')
  } finally {
    await conn.end()
  }
}

/**
 * A database whose default is `charset`: a table keyed by a string in it (key logs and history tables copy
 * the key's type), with ENUM and SET members beyond ASCII, a table without a key (restored whole), a column
 * in it in a utf8mb4 table, and an app trigger written in it. Rows are changed under a checkpoint and a nested
 * one, each rolled back: the bytes must be the checkpoint's, the trigger must write what it wrote before the
 * run (it runs as the backend's copy meanwhile), and read the same in SHOW CREATE TRIGGER after it.
 */
async function roundTrip(charset: string): Promise<void> {
  const db = dbName(`cs_${charset}`)
  const root = await admin()
  let app: Connection | undefined
  const backend = new MysqlSnapshotBackend({ url: urlFor(db) })
  try {
    const held = await heldBy(root, charset)
    const chars = held.map((c) => c.ch)
    await root.query(`DROP DATABASE IF EXISTS \`${db}\``)
    await root.query(`CREATE DATABASE \`${db}\` CHARACTER SET ${charset}`)
    app = await admin(db)
    const nonAscii = chars.filter((c) => /[^\x00-\x7f]/.test(c))
    const first = nonAscii[0] ?? 'y'
    // ENUM and SET values beyond ASCII, the last one outside the BMP where the character set holds one.
    const members = [...new Set(['x', first, nonAscii[nonAscii.length - 1] ?? 'z'])]
    const list = (values: string[]) => values.map((v) => app!.escape(v)).join(', ')
    await app.query(`CREATE TABLE keyed (k VARCHAR(12) NOT NULL PRIMARY KEY, v VARCHAR(40), t TEXT, c CHAR(4), e ENUM(${list(members)}), s SET(${list(members)}))`)
    await app.query('CREATE TABLE loose (v VARCHAR(40))')
    await app.query(`CREATE TABLE mixed (id INT PRIMARY KEY, v VARCHAR(40) CHARACTER SET ${charset}) DEFAULT CHARSET utf8mb4`)
    await app.query('CREATE TABLE said (id INT AUTO_INCREMENT PRIMARY KEY, what TEXT)')
    // The app's trigger, written by a client in the character set (where the server takes it as one), its text
    // beyond ASCII. Not the letters that take the byte of a quote or a backslash (swe7's Ö is 0x5C): the server
    // reads them as such in the app's own trigger.
    const literal = held.filter((c) => /[^\x00-\x7f]/.test(c.ch) && c.hex !== '5C' && c.hex !== '27').map((c) => c.ch)
    const triggered = literal.length > 0 && (await isClientCharset(charset))
    if (triggered) await createTriggerIn(db, charset, `CREATE TRIGGER keyed_said AFTER INSERT ON keyed FOR EACH ROW INSERT INTO said (what) VALUES ('${literal.join('')}')`)
    // One multi-row INSERT a table (the trigger still fires for each row, in order): a round trip a row
    // made this, over some forty character sets, the longest test of the package.
    const insert = async (table: string, rows: unknown[][]) => {
      if (rows.length) await app!.query(`INSERT INTO ${table} VALUES ${rows.map((r) => `(${r.map(() => '?').join(', ')})`).join(', ')}`, rows.flat())
    }
    await insert('keyed', chars.map((ch, i) => [`${i}${ch}`, `${ch}${ch}v`, `t${ch}`.repeat(3), ch, members[i % members.length]!, i % 2 ? members.join(',') : members[i % members.length]!]))
    await insert('loose', chars.map((ch) => [`${ch}l`]))
    await insert('mixed', chars.map((ch, i) => [i, `m${ch}`]))
    const original = await bytesOf(app)
    /** What the trigger wrote for each insert before the run, which it must write during the run and after it. */
    const saidBefore = new Set(original.said!.map((r) => r.slice(r.indexOf('|'))))
    const trigger = triggered ? await shownTrigger(app, 'keyed_said') : undefined

    await backend.connect()
    await backend.checkpoint('base')
    const change = async (tag: string) => {
      const ch = chars[chars.length - 1] ?? 'z'
      await app!.query(`UPDATE keyed SET v = CONCAT(v, ?), t = NULL, e = 'x', s = '' LIMIT 3`, [tag])
      await app!.query('UPDATE keyed SET k = ? ORDER BY k LIMIT 1', [`${tag}${ch}`])
      await app!.query('DELETE FROM keyed ORDER BY k DESC LIMIT 1')
      await app!.query('INSERT INTO keyed (k, v) VALUES (?, ?)', [`n${tag}${ch}`, ch])
      await app!.query('DELETE FROM loose LIMIT 2')
      await app!.query('INSERT INTO loose VALUES (?)', [`${tag}${ch}`])
      await app!.query('UPDATE mixed SET v = CONCAT(v, ?) LIMIT 2', [ch])
      await app!.query('DELETE FROM mixed ORDER BY id DESC LIMIT 1')
      await app!.query('INSERT INTO mixed VALUES (1000, ?)', [`${tag}${ch}`])
    }
    await change('a')
    const changed = await bytesOf(app)
    expect([...new Set(changed.said!.map((r) => r.slice(r.indexOf('|'))))], 'what the trigger writes while the run is connected').toEqual([...saidBefore])
    await backend.checkpoint('inner')
    await change('b')
    await backend.rollback('inner')
    expect(await bytesOf(app), 'after the rollback to the nested checkpoint').toEqual(changed)
    await backend.rollback('base')
    expect(await bytesOf(app), 'after the rollback to the first checkpoint').toEqual(original)
    await backend.disconnect()
    expect(await privateObjects(db)).toEqual([])
    if (trigger) expect(await shownTrigger(app, 'keyed_said'), 'the trigger after the run').toEqual(trigger)
  } finally {
    // A connection the server already ended (a loaded machine, a failed round trip) throws at end(): the
    // database is dropped all the same.
    await backend.disconnect().catch(() => undefined)
    await app?.end().catch(() => undefined)
    await root.end().catch(() => undefined)
    await dropDatabase(db)
  }
}

/**
 * Character sets whose round trips run at once: one. Four at once (each on a database of its own) saved some
 * thirty seconds, but twice in about a dozen suite runs MariaDB 10.11 left a trigger file's backup
 * (`loose.TRG-`, the table's triggers before one of the backend's was added or dropped) in a database's
 * directory, and DROP DATABASE then failed with errno 39 "Directory not empty", the database left behind.
 * It was not seen in the many runs before the round trips ran at once. A server's fault, not the backend's
 * (the backup is the server's own, made and removed inside one statement); a user's workers on one server
 * could meet it too.
 */
const ROUND_TRIPS_AT_ONCE = 1

describe('character sets', () => {
  it('restores rows byte for byte, and keeps the app’s triggers, in every character set the server offers: as a database default, a table key, a column, a trigger’s', async () => {
    const root = await admin()
    const [sets] = await root.query<RowDataPacket[]>('SHOW CHARACTER SET')
    await root.end()
    const charsets = sets.map((r) => String(r.Charset)).sort()
    expect(charsets).toEqual(expect.arrayContaining(['big5', 'sjis', 'ujis', 'macce', 'ucs2', 'utf16', 'utf32', 'swe7']))
    const failures: Record<string, string> = {}
    // Each character set has a database of its own; the round trips run ROUND_TRIPS_AT_ONCE at a time (see there).
    const waiting = [...charsets]
    const lane = async () => {
      for (let charset = waiting.shift(); charset !== undefined; charset = waiting.shift()) {
        try {
          await roundTrip(charset)
        } catch (err) {
          failures[charset] = (err as Error).message.slice(0, 600)
        }
      }
    }
    await Promise.all(Array.from({ length: ROUND_TRIPS_AT_ONCE }, lane))
    expect(failures).toEqual({})
  })
})
