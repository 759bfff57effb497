/**
 * Clients whose client_encoding is not UTF8: the bytes of their queries and parameters reach PostgreSQL as
 * they sent them, and what PostgreSQL answers reaches them as it sent it, the same as on a direct connection.
 * The node driver writes every query text as UTF-8, so these clients speak the protocol byte by byte.
 */
import { describeWithService } from '@venomqa/test-utils'
import net from 'node:net'
import pg from 'pg'
import { expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { FrameReader, int16, message } from '../src/protocol/frames'
import { readRowDescriptionNames, startupMessage, terminate } from '../src/protocol/messages'
import { PG, dbUrl, fileDatabase, proxiedDatabase } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const { databases, DB } = fileDatabase('venomqa_enc_', 'encodings')

/** Text in a single-byte encoding, one byte a character (LATIN1 and WIN1252 agree but for 0x80 to 0x9F). */
const bytes = (text: string) => Buffer.from(text, 'latin1')
const cstr = (b: Buffer | string) => Buffer.concat([typeof b === 'string' ? bytes(b) : b, Buffer.from([0])])
const Q = (sql: Buffer | string) => message('Q', cstr(sql))
const P = (sql: Buffer | string) => message('P', cstr(''), cstr(sql), int16(0))
/** Bind of the unnamed statement with text parameters (null for NULL) and text results. */
const B = (...values: Buffer[]) =>
  message('B', cstr(''), cstr(''), int16(0), int16(values.length), ...values.flatMap((v) => [Buffer.from([0, 0, 0, v.length].map((_, i) => (v.length >> (24 - 8 * i)) & 255)), v]), int16(0))
const E = () => message('E', cstr(''), 0)
const D = () => message('D', bytes('P'), cstr(''))
const S = () => message('S')

/**
 * What a client sees of each answer: rows and fields as hex bytes, errors by code, message and position
 * (read byte for byte), command tags, and the client_encoding it is told of.
 */
async function client(url: string, params: Record<string, string> = {}) {
  const u = new URL(url)
  const socket = net.connect({ host: u.hostname, port: Number(u.port) })
  socket.on('error', () => {})
  const reader = new FrameReader()
  let seen: string[] = []
  let ready: (() => void) | undefined
  socket.on('data', (chunk) => {
    for (const m of reader.push(chunk)) {
      if (m.type === 'S') {
        const [name, value] = m.body.toString('latin1').split('\0')
        if (name === 'client_encoding') seen.push(`encoding ${value}`)
      } else if (m.type === 'D' || m.type === 'C') seen.push(`${m.type} ${m.body.toString('hex')}`)
      // Its names: a temporary table's oid differs from one connection to another.
      else if (m.type === 'T') seen.push(`T ${readRowDescriptionNames(m.body).join()}`)
      else if (m.type === 'E') {
        const fields = Object.fromEntries(
          m.body
            .toString('latin1')
            .split('\0')
            .filter(Boolean)
            .map((f) => [f[0], f.slice(1)]),
        )
        seen.push(`error ${fields.C} ${Buffer.from(fields.M ?? '', 'latin1').toString('hex')} at ${fields.P ?? '-'}`)
      } else if (m.type === 'Z') {
        seen.push(`ready ${m.body.toString('latin1')}`)
        ready?.()
      }
    }
  })
  // A connection that closes before it is ready (a database that is not there) fails the test, not its timeout.
  let closed: ((error: Error) => void) | undefined
  socket.on('close', () => closed?.(new Error(`the connection to ${url} closed before it was ready`)))
  const answered = () =>
    new Promise<void>((resolve, reject) => {
      ready = resolve
      closed = reject
    })
  const started = answered()
  socket.write(startupMessage({ user: 'postgres', database: decodeURIComponent(u.pathname.slice(1)), ...params }))
  await started
  return {
    async send(...messages: Buffer[]): Promise<string[]> {
      seen = []
      const done = answered()
      socket.write(Buffer.concat(messages))
      await done
      return seen
    },
    end: () => socket.end(terminate()),
  }
}

type Client = Awaited<ReturnType<typeof client>>

/** The same exchange on a direct connection and through the proxy: what each client saw. */
async function both(proxy: PgProxy, params: Record<string, string>, db: string, exchange: (c: Client) => Promise<string[][]>): Promise<[string[][], string[][]]> {
  const out: string[][][] = []
  for (const url of [dbUrl(db), proxy.url]) {
    const c = await client(url, params)
    try {
      out.push(await exchange(c))
    } finally {
      c.end()
    }
  }
  return [out[0]!, out[1]!]
}

describe('clients whose client_encoding is not UTF8', () => {
  let proxy: PgProxy
  proxiedDatabase(databases, DB, 'CREATE SEQUENCE s START 1000; CREATE TABLE t (who text, v text)', (p) => (proxy = p))

  it('a LATIN1 client (startup) inserts and selects café through simple and extended queries, byte for byte', async () => {
    const [direct, proxied] = await both(proxy, { client_encoding: 'LATIN1' }, DB, async (c) => [
      await c.send(Q("CREATE TEMP TABLE l1 (v text); INSERT INTO l1 VALUES ('café') RETURNING v, length(v), octet_length(v)")),
      await c.send(Q("SELECT v, length(v), v = 'café' AS same FROM l1 WHERE v = 'café'")),
      await c.send(P("INSERT INTO l1 VALUES ('crème'), ($1) RETURNING v, length(v), v = 'crème' OR v = 'déjà vu'"), B(bytes('déjà vu')), D(), E(), S()),
      await c.send(P("SELECT string_agg(v, ' ' ORDER BY v), count(*) FROM l1 WHERE v <> 'éèà'"), B(), E(), S()),
      await c.send(Q('DROP TABLE l1')),
    ])
    expect(direct[0]).toContain(`D ${Buffer.concat([Buffer.from([0, 3, 0, 0, 0, 4]), bytes('café')]).toString('hex')}00000001340000000135`)
    expect(proxied).toEqual(direct)
  })

  it("a client that SETs client_encoding WIN1252 sends '€', then goes back to UTF8", async () => {
    const euro = Buffer.from([0x80])
    const [direct, proxied] = await both(proxy, {}, DB, async (c) => [
      await c.send(Q("SET client_encoding TO 'WIN1252'")),
      await c.send(Q(Buffer.concat([bytes("SELECT '"), euro, bytes("' AS e, length('"), euro, bytes("é'), ascii('"), euro, bytes("')")]))),
      await c.send(P(Buffer.concat([bytes("SELECT $1::text || '"), euro, bytes("', ascii($1)")])), B(Buffer.concat([euro, bytes('café')])), D(), E(), S()),
      await c.send(Q("SET client_encoding TO 'UTF8'")),
      await c.send(Q(Buffer.from("SELECT 'café €' AS u, length('café €')", 'utf8'))),
      await c.send(P(Buffer.from("SELECT $1::text || ' €'", 'utf8')), B(Buffer.from('café', 'utf8')), E(), S()),
    ])
    expect(direct[1]!.join()).toContain('80')
    expect(proxied).toEqual(direct)
  })

  it("puts an error's position after a non-ASCII character of a LATIN1 client's query, a rewritten currval before it", async () => {
    const [direct, proxied] = await both(proxy, { client_encoding: 'LATIN1' }, DB, async (c) => [
      await c.send(Q("SELECT nextval('s') > 0")),
      await c.send(Q("SELECT currval('s') > 0, 'é à', \"nosuché\"")),
      await c.send(Q("SELECT 'ü'; SELECT currval('s'), lastval(), 'ñ' || nosuch")),
      await c.send(P("SELECT currval('s'), 'é', \"colé\""), B(), E(), S()),
    ])
    expect(direct[1]!.some((l) => / at 33$/.test(l))).toBe(true)
    expect(proxied).toEqual(direct)
  })

  it('a LATIN1 client prepares beside a connection that holds the session in its transaction, byte for byte', async () => {
    const holder = new pg.Client({ connectionString: proxy.url })
    await holder.connect()
    const latin1 = await client(proxy.url, { client_encoding: 'LATIN1' })
    try {
      await holder.query('BEGIN')
      await holder.query('SELECT 1')
      // Prepares only: run aside, while the holder keeps the session idle in its transaction.
      const parse = message('P', cstr('s1'), cstr("SELECT 'café'::text AS v, length('café') AS n"), int16(0))
      expect(await latin1.send(parse, message('D', bytes('S'), cstr('s1')), S())).toEqual(['T v,n', 'ready I'])
      await holder.query('COMMIT')
      const rows = await latin1.send(message('B', cstr(''), cstr('s1'), int16(0), int16(0), int16(0)), E(), S())
      expect(rows[0]).toBe(`D 0002${'00000004'}${bytes('café').toString('hex')}${'00000001'}${Buffer.from('4').toString('hex')}`)
    } finally {
      latin1.end()
      await holder.end()
    }
  })

  it("a LATIN1 client's setting of a non-ASCII value and set_config's are given the session again as they were, after other connections had it", async () => {
    const latin1 = await client(proxy.url, { client_encoding: 'LATIN1' })
    const other = await client(proxy.url, { client_encoding: 'LATIN1' })
    const utf8 = new pg.Client({ connectionString: proxy.url })
    await utf8.connect()
    try {
      await latin1.send(Q("SET vq.who TO 'café'; SELECT set_config('vq.what', 'crème', false)"))
      // The session goes to a UTF8 connection, then to another LATIN1 one, then back.
      for (const next of [() => utf8.query('SELECT 1'), () => other.send(Q('SELECT 1'))]) {
        await next()
        const shown = await latin1.send(Q("SELECT current_setting('vq.who'), current_setting('vq.what')"))
        expect(shown[1]).toBe(`D 0002${'00000004'}${bytes('café').toString('hex')}${'00000005'}${bytes('crème').toString('hex')}`)
      }
    } finally {
      latin1.end()
      other.end()
      await utf8.end()
    }
  })

  // The proxy reads a single-byte client's text one character a byte, and gives the session its settings
  // again as UTF-8: 0x80 must go as the euro sign it is in WIN1252, not as U+0080, which the server cannot
  // convert back to WIN1252 (22P05).
  it("a WIN1252 client's settings of a character of 0x80 to 0x9F are given the session again as they were", async () => {
    // 0x80 is the euro sign in WIN1252 (U+20AC), a control character in LATIN1.
    const euro = (sql: string) => Q(Buffer.from(sql.replaceAll('<80>', '\x80'), 'latin1'))
    const seen: string[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const win = await client(url, { client_encoding: 'WIN1252' })
      const utf8 = new pg.Client({ connectionString: proxy.url })
      await utf8.connect()
      try {
        await win.send(euro("SET application_name = '<80>'; SET vq.who = '<80>'"))
        // Another connection has the session in between (through the proxy).
        await utf8.query('SELECT 1')
        seen.push(await win.send(Q("SELECT current_setting('application_name'), current_setting('vq.who')")))
      } finally {
        win.end()
        await utf8.end()
      }
    }
    expect(seen[0]![1]).toMatch(/80$/)
    expect(seen[1]).toEqual(seen[0])
  })

  it("a WIN1251 client's Cyrillic settings and set_config values are given the session again as they were", async () => {
    // 'Привет' in WIN1251.
    const privet = Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2])
    const seen: string[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const cyr = await client(url, { client_encoding: 'WIN1251' })
      const utf8 = new pg.Client({ connectionString: proxy.url })
      await utf8.connect()
      try {
        await cyr.send(Q(Buffer.concat([bytes("SET vq.who = '"), privet, bytes("'; SELECT set_config('vq.too', '"), privet, bytes("', false)")])))
        await utf8.query('SELECT 1')
        seen.push(await cyr.send(Q("SELECT current_setting('vq.who'), current_setting('vq.too')")))
      } finally {
        cyr.end()
        await utf8.end()
      }
    }
    expect(seen[0]![1]).toContain(privet.toString('hex'))
    expect(seen[1]).toEqual(seen[0])
  })

  // Settings made in a transaction are kept at its COMMIT: each is text in the encoding it was sent in, not
  // the one the COMMIT came in.
  it('settings of a transaction that changed client_encoding before its COMMIT are given the session again as they were', async () => {
    // Z with caron: 0xAE in LATIN2, two bytes in UTF-8.
    const zcaron = Buffer.from([0xae])
    const seen: string[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const fromUtf8 = await client(url)
      const fromLatin2 = await client(url, { client_encoding: 'LATIN2' })
      const utf8 = new pg.Client({ connectionString: proxy.url })
      await utf8.connect()
      try {
        await fromUtf8.send(Q(Buffer.from("BEGIN; SET vq.who = '\u017d'", 'utf8')))
        await fromUtf8.send(Q("SET client_encoding TO 'LATIN2'"))
        await fromUtf8.send(Q('COMMIT'))
        await fromLatin2.send(Q(Buffer.concat([bytes("BEGIN; SET vq.who = '"), zcaron, bytes("'")])))
        await fromLatin2.send(Q("SET client_encoding TO 'UTF8'"))
        await fromLatin2.send(Q('COMMIT'))
        await utf8.query('SELECT 1')
        seen.push(await fromUtf8.send(Q("SELECT current_setting('vq.who')")))
        seen.push(await fromLatin2.send(Q("SELECT current_setting('vq.who')")))
      } finally {
        fromUtf8.end()
        fromLatin2.end()
        await utf8.end()
      }
    }
    expect(seen[0]![1]).toMatch(/ae$/)
    expect(seen[1]![1]).toMatch(/c5bd$/)
    expect(seen.slice(2)).toEqual(seen.slice(0, 2))
  })

  it('a setting after a SET client_encoding in one pipelined batch is read in the new encoding, as PostgreSQL reads it', async () => {
    // Z with caron: 0xAE in LATIN2.
    const zcaron = Buffer.from([0xae])
    const seen: string[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await client(url)
      const utf8 = new pg.Client({ connectionString: proxy.url })
      await utf8.connect()
      try {
        seen.push(await c.send(P("SET client_encoding TO 'LATIN2'"), B(), E(), P(Buffer.concat([bytes("SET vq.pipelined = '"), zcaron, bytes("'")])), B(), E(), S()))
        await utf8.query('SELECT 1')
        seen.push(await c.send(Q("SELECT current_setting('vq.pipelined')")))
      } finally {
        c.end()
        await utf8.end()
      }
    }
    expect(seen[1]).toContain(`D ${Buffer.from([0, 1, 0, 0, 0, 1, 0xae]).toString('hex')}`)
    expect(seen.slice(2)).toEqual(seen.slice(0, 2))
  })

  it('a simple query that changes client_encoding partway is read as a whole in the encoding it came in', async () => {
    const seen: string[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await client(url)
      try {
        seen.push(await c.send(Q(Buffer.from("BEGIN; SET client_encoding TO 'LATIN2'; SET vq.partway = '\u017d'; COMMIT", 'utf8'))))
        seen.push(await c.send(Q("SELECT current_setting('vq.partway')")))
      } finally {
        c.end()
      }
    }
    expect(seen[1]).toContain(`D ${Buffer.from([0, 1, 0, 0, 0, 1, 0xae]).toString('hex')}`)
    expect(seen.slice(2)).toEqual(seen.slice(0, 2))
  })

  it('refuses the rest of a simple query that changed client_encoding partway when the new one cannot write its characters', async () => {
    const c = await client(proxy.url)
    try {
      // Z with caron has no byte in LATIN1: PostgreSQL read it in UTF8, the proxy cannot send it in LATIN1.
      const seen = await c.send(Q(Buffer.from("BEGIN; SET client_encoding TO 'LATIN1'; SET vq.refused = '\u017d'; COMMIT", 'utf8')))
      expect(seen.filter((s) => s.startsWith('error ')).map((s) => s.split(' ')[1])).toEqual(['0A000'])
      expect(seen.at(-1)).toBe('ready E')
      expect(await c.send(Q('ROLLBACK'))).toContain('ready I')
    } finally {
      c.end()
    }
  })

  it('a LATIN1 client through the node driver: a literal and a parameter', async () => {
    const results: unknown[] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = new pg.Client({ connectionString: url, client_encoding: 'LATIN1' } as pg.ClientConfig)
      c.on('error', () => {})
      await c.connect()
      try {
        // The driver writes text as UTF-8 whatever the client_encoding: read as LATIN1, 'é' is two characters.
        const r = await c.query({ text: "SELECT length('café') AS literal, length($1::text) AS param", values: ['crème'], rowMode: 'array' })
        results.push(r.rows)
      } finally {
        await c.end()
      }
    }
    expect(results[1]).toEqual(results[0])
  })
})

describe('a UTF8 client that sends bytes that are not UTF-8', () => {
  let proxy: PgProxy
  proxiedDatabase(databases, `${DB}_bad`, 'CREATE TABLE t (v text)', (p) => (proxy = p))

  it('is refused by PostgreSQL as a direct client is (22021), in a query and in a Parse, and nothing is stored', async () => {
    // 0xC3 0x28: a two-byte sequence's lead byte followed by one that does not continue it.
    const bad = Buffer.concat([bytes("INSERT INTO t VALUES ('caf"), Buffer.from([0xc3, 0x28]), bytes("')")])
    const [direct, proxied] = await both(proxy, {}, `${DB}_bad`, async (c) => [
      await c.send(Q(bad)),
      await c.send(P(bad), B(), E(), S()),
      await c.send(Q('SELECT count(*) FROM t')),
    ])
    expect(direct[0]![0]).toMatch(/^error 22021 /)
    expect(direct[2]).toContain(`D 0001000000013${'0'}`)
    expect(proxied).toEqual(direct)
  })
})

describe('a client whose client_encoding is a multi-byte encoding other than UTF8', () => {
  let proxy: PgProxy
  proxiedDatabase(databases, `${DB}_sjis`, '', (p) => (proxy = p))

  it('runs its ASCII queries, refuses one with other bytes naming the encoding, and takes UTF8 again', async () => {
    const c = await client(proxy.url, { client_encoding: 'SJIS' })
    try {
      expect(await c.send(Q("SELECT 'abc'"))).toEqual(['T ?column?', 'D 000100000003616263', expect.stringMatching(/^C /), 'ready I'])
      // 0x835C is one character in SJIS ("ソ"); its second byte is a backslash.
      const refused = await c.send(Q(Buffer.concat([bytes("SELECT '"), Buffer.from([0x83, 0x5c]), bytes("'")])))
      expect(refused).toEqual([expect.stringMatching(/^error 0A000 /), 'ready I'])
      expect(Buffer.from(refused[0]!.split(' ')[2]!, 'hex').toString('latin1')).toMatch(/client_encoding SJIS/)
      expect(await c.send(Q("SET client_encoding TO 'UTF8'"))).toEqual([expect.stringMatching(/^C /), 'encoding UTF8', 'ready I'])
      expect((await c.send(Q(Buffer.from("SELECT 'ソ'", 'utf8'))))[1]).toBe(`D 0001000000${'03'}${Buffer.from('ソ').toString('hex')}`)
    } finally {
      c.end()
    }
  })

  it('refuses the same in a batch it prepares beside a connection that holds the session, and the holder goes on', async () => {
    const holder = new pg.Client({ connectionString: proxy.url })
    await holder.connect()
    const c = await client(proxy.url, { client_encoding: 'SJIS' })
    try {
      await holder.query('BEGIN')
      await holder.query('CREATE TABLE held (v text)')
      const parse = message('P', cstr('s1'), Buffer.concat([bytes("SELECT '"), Buffer.from([0x83, 0x5c]), bytes("'"), Buffer.from([0])]), int16(0))
      const refused = await c.send(parse, S())
      expect(refused).toEqual([expect.stringMatching(/^error 0A000 /), 'ready I'])
      await holder.query("INSERT INTO held VALUES ('still mine')")
      await holder.query('COMMIT')
      expect((await holder.query('SELECT v FROM held')).rows).toEqual([{ v: 'still mine' }])
      expect(await c.send(Q("SELECT 'abc'"))).toEqual(['T ?column?', 'D 000100000003616263', expect.stringMatching(/^C /), 'ready I'])
    } finally {
      c.end()
      await holder.end()
    }
  })
})
