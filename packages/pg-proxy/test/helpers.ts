import { type ChildProcess, spawn } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { type PgTestDatabases, pgDatabaseUrl, pgTestDatabases, withPgClient } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll } from 'vitest'
import { PgProxy, type PgProxyOptions } from '../src/index'
import { FrameReader, type Message } from '../src/protocol/frames'
import { cancelRequest, parseFields, readDataRow, startupMessage, terminate } from '../src/protocol/messages'

export const PG = { host: '127.0.0.1', port: 5432 }
export { PG_ADMIN_URL as ADMIN_URL, pgDatabaseUrl as dbUrl, withPgClient as withClient } from '@venomqa/test-utils/postgres'
export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures')
/** The built `venomqa-pg-proxy` command. */
export const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js')

/**
 * The prefix of a test file's database names, `old` unless VENOMQA_PG_PROXY_DB_PREFIX gives another (lower
 * case letters, digits, `_`): test runs that share one server keep to databases of their own.
 */
export const dbPrefix = (old: string): string => {
  const prefix = process.env.VENOMQA_PG_PROXY_DB_PREFIX
  return prefix && /^[a-z][a-z0-9_]*_$/.test(prefix) ? prefix : old
}

/**
 * A test file's own database, `<prefix><pid>_<name>` (the prefix as dbPrefix gives it), and the guard that
 * creates and drops names of that prefix only.
 */
export function fileDatabase(prefix: string, name: string): { databases: PgTestDatabases; DB: string; prefix: string } {
  const own = dbPrefix(prefix)
  return { databases: pgTestDatabases(new RegExp(`^${own}\\d+_[a-z0-9_]+$`)), DB: `${own}${process.pid}_${name}`, prefix: own }
}

/** A database name of this test process only: venomqa_proxy_<pid>_<suffix>. */
const PREFIX = dbPrefix('venomqa_proxy_')
export const dbName = (suffix: string) => `${PREFIX}${process.pid}_${suffix}`

const databases = pgTestDatabases(new RegExp(`^${PREFIX}\\d+_[a-z0-9_]+$`))
export const createDatabase = databases.create
export const dropDatabase = databases.drop

export async function startProxy(db: string, options: Partial<PgProxyOptions> = {}): Promise<PgProxy> {
  const proxy = new PgProxy({ upstream: pgDatabaseUrl(db), ...options })
  await proxy.start()
  return proxy
}

/**
 * A database of the test file's, made with `setup` before its tests, behind a proxy given to `use`; the
 * clients `connect` opens (to the proxy unless told) and those given to `endAfter` are ended after the tests, then the proxy and the
 * database go. For the files that compare a connection's session through the proxy with PostgreSQL's.
 */
export function proxiedDatabase(databases: PgTestDatabases, db: string, setup: string, use: (proxy: PgProxy) => void) {
  let proxy: PgProxy | undefined
  const clients: pg.Client[] = []
  beforeAll(async () => {
    await databases.create(db, setup)
    proxy = await startProxy(db)
    use(proxy)
  })
  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => {})
    await proxy?.stop()
    await databases.drop(db)
  })
  return {
    async connect(url = proxy!.url, config: pg.ClientConfig = {}): Promise<pg.Client> {
      const c = new pg.Client({ connectionString: url, ...config })
      c.on('error', () => {})
      await c.connect()
      clients.push(c)
      return c
    },
    /** A client the test made itself, ended with the others. */
    endAfter(c: pg.Client): void {
      clients.push(c)
    },
  }
}

/** The first column of the first row `sql` gives. */
export const one = async (c: pg.Client, sql: string | pg.QueryConfig) => Object.values((await c.query(sql)).rows[0] ?? {})[0]

/**
 * Every row of every table of the app's schemas (as JSON, sorted) and every sequence's position, as the
 * proxy's session sees them (the app's data lives in its uncommitted transaction: only it can see it).
 */
export function dump(proxy: PgProxy): Promise<Record<string, unknown>> {
  return dumpWith((sql) => proxy.query(sql))
}

/** The same dump through any connection (a plain pg client on a reference database, say). */
export function dumpClient(client: pg.Client): Promise<Record<string, unknown>> {
  return dumpWith(async (sql) => (await client.query<(string | null)[]>({ text: sql, rowMode: 'array' })).rows)
}

async function dumpWith(q: (sql: string) => Promise<(string | null)[][]>): Promise<Record<string, unknown>> {
  const relations = (kind: string) =>
    q(`SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = '${kind}' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1`)
  const out: Record<string, unknown> = {}
  for (const [t] of await relations('r')) out[t!] = (await q(`SELECT to_jsonb(x)::text FROM ${t} x ORDER BY 1`)).map((r) => r[0])
  for (const [s] of await relations('S')) out[`seq ${s}`] = (await q(`SELECT last_value || ' ' || is_called FROM ${s}`))[0]![0]
  return out
}

/** Run a program to its end; its stdout, or an error with everything it printed. */
export function run(command: string, args: string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<string> {
  return runBoth(command, args, options).then((r) => r.stdout)
}

/** Run a program to its end; stdout and stderr, or an error with everything it printed. */
export function runBoth(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // A program that hangs is ended at timeoutMs (SIGTERM), so that a failed test leaves no process behind.
    const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'], ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}) })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve({ stdout: out, stderr: err }) : reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${out}\n${err}`))))
    child.stdin.end(options.input ?? '')
  })
}

/** A node script from fixtures/, as its own process; its stdout parsed as JSON. */
export async function runFixture(script: string, env: Record<string, string>): Promise<any> {
  const out = await run(process.execPath, [path.join(FIXTURES, script)], { env })
  return JSON.parse(out.trim().split('\n').pop()!)
}

/** Wait until `check` holds: for states the test cannot await directly (a connection queued in the proxy). */
export async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error(`never happened: ${what}`)
}

/** What hangs fails the test at once, saying what never came (rather than at the test's timeout). */
export function within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)))
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

/** A `venomqa-pg-proxy` started by a test: where it listens (as it printed it), and all it printed so far. */
export interface StartedCli {
  child: ChildProcess
  url: string
  control: string
  output(): string
  /** Its exit code, once it exits. */
  exited: Promise<number | null>
}

/** Start `venomqa-pg-proxy` on free ports (and `args`, with `env` added to this process's); resolve with the URLs it prints. */
export function startCli(upstream: string, args: string[] = [], env: Record<string, string> = {}): Promise<StartedCli> {
  const child = spawn(process.execPath, [CLI, '--upstream', upstream, '--listen', '127.0.0.1:0', '--control', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let out = ''
  return new Promise((resolve, reject) => {
    // A guard against a proxy that never starts, so the failure shows its output (not a timed assertion).
    const guard = setTimeout(() => reject(new Error(`venomqa-pg-proxy did not say where it listens:\n${out}`)), 15_000)
    const onData = (d: Buffer) => {
      out += d
      const url = /listening on (postgres\S+)/.exec(out)?.[1]
      const control = /control on (http\S+)/.exec(out)?.[1]
      if (url && control) {
        clearTimeout(guard)
        resolve({ child, url, control, output: () => out, exited })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (d) => (out += d))
    void exited.then((code) => reject(new Error(`venomqa-pg-proxy exited ${code}:\n${out}`)))
  })
}

/** Stop it as Ctrl-C would (if it still runs), and wait for it to exit. */
export async function stopCli(cli: StartedCli): Promise<void> {
  if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGTERM')
  await cli.exited
}

/**
 * A cancel request for what `client` runs, as a driver sends it: on a connection of its own, which the
 * proxy closes once it has read it. Resolves then: the proxy has answered, sent, held or dropped it.
 */
export function sendCancel(proxy: PgProxy, client: pg.Client | { processID: number; secretKey: number }): Promise<void> {
  const key = client as unknown as { processID: number; secretKey: number }
  return new Promise<void>((resolve, reject) => {
    const s = net.connect(Number(new URL(proxy.url).port), '127.0.0.1', () => s.write(cancelRequest(key.processID, key.secretKey)))
    s.on('error', reject)
    s.on('close', () => resolve())
  })
}

/** A connection that speaks the protocol message by message: what a driver would not let a test send. */
export async function rawConnection(url: string) {
  const u = new URL(url)
  const socket = net.connect({ host: u.hostname, port: Number(u.port) })
  const reader = new FrameReader()
  let answer = { errors: [] as string[], rows: [] as (string | null)[][], status: '' }
  /** The type of every message the server sent since the last `send` (see `types`). */
  let types: string[] = []
  /** The ReadyForQuery messages still awaited, counted as they come: two can come in one chunk. */
  let awaited: { left: number; resolve: () => void } | undefined
  const key = { processID: 0, secretKey: 0 }
  /** Who waits for a message of one type (see `until`). */
  const watchers: { type: string; resolve: (m: Message) => void }[] = []
  socket.on('data', (chunk) => {
    for (const m of reader.push(chunk)) {
      types.push(m.type)
      // The oldest watcher of the type: two awaiting one type get two messages.
      const watcher = watchers.find((w) => w.type === m.type)
      if (watcher) {
        watchers.splice(watchers.indexOf(watcher), 1)
        watcher.resolve(m)
      }
      if (m.type === 'K') Object.assign(key, { processID: m.body.readInt32BE(0), secretKey: m.body.readInt32BE(4) })
      else if (m.type === 'E') answer.errors.push(parseFields(m.body).C ?? '')
      else if (m.type === 'D') answer.rows.push(readDataRow(m.body))
      else if (m.type === 'Z') {
        answer.status = String.fromCharCode(m.body[0]!)
        if (awaited && --awaited.left === 0) {
          awaited.resolve()
          awaited = undefined
        }
      }
    }
  })
  const untilReady = (count = 1) => new Promise<void>((resolve) => (awaited = { left: count, resolve }))
  const started = untilReady()
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.once('connect', () => resolve())
  })
  // A connection the test ends or drops may be reset: that is no failure of the test.
  socket.on('error', () => {})
  socket.write(startupMessage({ user: 'postgres', database: decodeURIComponent(u.pathname.slice(1)) }))
  await started
  types = []
  return {
    /** What a cancel request for this connection names (sendCancel). */
    key,
    /** Sends the messages (in one write) and resolves at the `readies`th ReadyForQuery with what came before it. */
    async send(messages: Buffer[], readies = 1) {
      answer = { errors: [], rows: [], status: '' }
      types = []
      const done = untilReady(readies)
      socket.write(Buffer.concat(messages))
      await done
      return answer
    },
    /** Sends the messages without waiting for anything. */
    write: (messages: Buffer[]) => socket.write(Buffer.concat(messages)),
    /** Resolves at the next message of this type from the server that no earlier call awaits, with it. */
    until: (type: string) => new Promise<Message>((resolve) => watchers.push({ type, resolve })),
    /** Everything the connection got so far, since the last `send`: errors (SQLSTATEs), rows, the last status. */
    answer: () => answer,
    /** The type of every message the connection got since the last `send` (or since it started), in order. */
    types: () => types,
    /** Resolves when the connection is closed, by either side. */
    closed,
    end: () => socket.end(terminate()),
    /** Gone without a word, as a killed client is: its side ended (a FIN), which to a server is the end of its input. */
    destroy: () => socket.destroy(),
    /**
     * Gone at once, its connection reset (an RST, as from a client killed with answers unread): nothing can
     * reach it. Once what it wrote has left, and not from a write's callback: a reset asked for with a
     * write still under way goes out as a FIN.
     */
    reset: () =>
      new Promise<void>((resolve) =>
        socket.write(Buffer.alloc(0), () =>
          setImmediate(() => {
            socket.resetAndDestroy()
            resolve()
          }),
        ),
      ),
    /**
     * Sends the messages and ends the connection's side without a Terminate (a FIN: `socket.end()`), as a
     * client killed right after sends, or one that only ends its writing: it still reads the answers.
     */
    leaveAfter: (messages: Buffer[]) => socket.end(Buffer.concat(messages)),
  }
}

/**
 * A database that stops answering while its connections stay open (a server paused, a network that drops
 * packets): a relay in front of the real PostgreSQL that, while frozen, holds every byte either way, as a
 * paused server's socket buffers do; `thaw` passes what it held on, and what comes after. Real PostgreSQL
 * behind it; the relay is the only way to pause a server that other tests share.
 */
export async function freezableRelay(): Promise<{ url: (db: string) => string; freeze(): void; thaw(): void; close(): Promise<void> }> {
  let frozen = false
  const held: (() => void)[] = []
  const sockets = new Set<net.Socket>()
  const pass = (to: net.Socket) => (data: Buffer) => {
    if (frozen) held.push(() => to.write(data))
    else to.write(data)
  }
  const server = net.createServer((client) => {
    const db = net.connect(PG.port, PG.host)
    for (const s of [client, db]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    client.on('data', pass(db))
    db.on('data', pass(client))
    client.on('close', () => db.destroy())
    db.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    url: (db) => pgDatabaseUrl(db).replace(`:${PG.port}/`, `:${port}/`),
    freeze: () => {
      frozen = true
    },
    thaw: () => {
      frozen = false
      for (const write of held.splice(0)) write()
    },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Until the server runs `sql` in database `db` (for the proxy's session): what a cancel sent now stops. */
export async function runningUpstream(db: string, sql: string): Promise<void> {
  await withPgClient(pgDatabaseUrl(db), async (c) => {
    for (;;) {
      const { rows } = await c.query(`SELECT 1 FROM pg_stat_activity WHERE query = $1 AND state = 'active'`, [sql])
      if (rows.length) return
      await new Promise((r) => setTimeout(r, 10))
    }
  })
}
