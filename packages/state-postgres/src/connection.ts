import { StateError, errorMessage } from '@venomqa/core'
import pg from 'pg'
import { maskUrl } from './options'

/** Where a backend connects, for messages: never the password. */
export interface Target {
  host: string
  port: number
  database: string
  user: string
  /** The URL with its password masked. */
  display: string
}

export function describeTarget(url: string): Target {
  const probe = new pg.Client({ connectionString: url })
  return {
    host: probe.host,
    port: probe.port,
    database: probe.database ?? '',
    user: probe.user ?? '',
    display: maskUrl(url),
  }
}

export function where(t: Target): string {
  return `database "${t.database}" at ${t.host}:${t.port} (user "${t.user}")`
}

interface PgErrorLike {
  code?: string
  message?: string
  detail?: string
  hint?: string
}

/** A driver or server error as one sentence: what the server said, plus what the code means when it helps. */
export function describePgError(err: unknown): string {
  const e = (err ?? {}) as PgErrorLike & { errors?: unknown[] }
  // A refused connection to "localhost" comes as an AggregateError with an empty message.
  if (!e.message && Array.isArray(e.errors) && e.errors.length) return describePgError(e.errors[0])
  const code = e.code
  let msg = errorMessage(err)
  if (code === 'ECONNREFUSED') msg = 'connection refused (is PostgreSQL running, and on that port?)'
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') msg = 'host name not found'
  else if (code === '28P01' || code === '28000') msg = `authentication failed: ${msg}`
  else if (code === '3D000') msg = `the database does not exist: ${msg}`
  else if (code === '42501') msg = `permission denied: ${msg}`
  else if (code === '55P03')
    msg = `${msg}: another connection holds a lock on a table (a request of the app still running, or a connection left idle in a transaction); see lockTimeoutMs`
  else if (code === 'ETIMEDOUT' || /connection timeout|timeout expired/i.test(msg)) msg = `no answer in time (${msg})`
  if (e.detail) msg += ` (${e.detail})`
  if (e.hint) msg += ` Hint: ${e.hint}`
  return maskSecrets(msg)
}

function maskSecrets(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
}

/** Open one client; a failure becomes a StateError naming the server, the database and the cause. */
export async function openClient(backend: string, url: string, connectTimeoutMs: number, purpose: string, signal?: AbortSignal): Promise<pg.Client> {
  signal?.throwIfAborted()
  const target = describeTarget(url)
  // Named after the backend, so that an operator (or a test) can tell its sessions apart in pg_stat_activity.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, application_name: `venomqa ${backend}`.slice(0, 63) })
  // A server that ends the session (admin shutdown, pg_terminate_backend) emits 'error' on an idle client;
  // without a listener Node would exit. The next query then fails with pg's "Client has encountered a
  // connection error and is not queryable", which says nothing of why: the error is kept to say it.
  client.on('error', (err) => {
    if (!lostWith.has(client)) lostWith.set(client, err)
  })
  // end() would send Terminate and wait for the server to close, which one that does not answer never does.
  const stopConnecting = () => pgSocketOf(client)?.destroy()
  signal?.addEventListener('abort', stopConnecting, { once: true })
  try {
    await client.connect()
  } catch (err) {
    await client.end().catch(() => {})
    if (signal?.aborted) throw signal.reason
    throw new StateError(backend, `cannot connect to ${where(target)} to ${purpose}: ${describePgError(err)} [${target.display}]`, { cause: err })
  } finally {
    signal?.removeEventListener('abort', stopConnecting)
  }
  const between = await middlebox(client).catch((err: unknown) => err as Error)
  if (between) {
    await client.end().catch(() => {})
    const why = between instanceof Error ? `checking that it leads to the server itself failed: ${describePgError(between)}` : between
    throw new StateError(backend, `cannot use ${where(target)} to ${purpose}: ${why} [${target.display}]`, { cause: between })
  }
  return client
}

/**
 * Why the connection does not lead straight to a server session of its own, or undefined when it does.
 *
 * A backend keeps state in its session: settings (the snapshot mechanism's `session_replication_role =
 * replica`, under which no trigger fires and no foreign key is checked), and an advisory lock held for the
 * run. Through a connection pooler in transaction pooling (PgBouncer's, pgpool-II's, Odyssey's), each
 * transaction may run on another server connection, and the pooler hands that state to the app's
 * transactions: the app's writes then ran untracked and unchecked, during the run and after it, until the
 * pooler closed that server connection. The tell is the process id: a pooler or proxy gives its client
 * a cancel key of its own (BackendKeyData), never the id of the server process the session runs in.
 * Session pooling would be safe, but cannot be told apart from the client's side; a backend needs the
 * server's own address either way, and the app may keep going through the pooler.
 */
async function middlebox(client: pg.Client): Promise<string | undefined> {
  const given = (client as unknown as { processID?: number | null }).processID
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  const actual = rows[0]?.pid
  if (given === undefined || given === null || given === actual) return undefined
  return (
    `it goes through a connection pooler or proxy (PgBouncer, pgpool-II, Odyssey, venomqa-pg-proxy): the session runs in server process ${actual}, ` +
    `the connection was given process id ${given}. A pooler in transaction pooling would hand the settings and the lock the backend keeps ` +
    `in its session to the app's transactions (the snapshot mechanism's session_replication_role = replica turns off their triggers and foreign keys). ` +
    `Give the backend the server's own address (the host and port PostgreSQL listens on); the app may keep going through the pooler`
  )
}

/** The socket of a pg client, which pg keeps on its connection and does not type. */
function pgSocketOf(client: pg.Client): { destroy(): void } | undefined {
  return (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream
}

/** Why a client of openClient stopped being usable: the error its connection met (the server ended the session). */
const lostWith = new WeakMap<pg.Client, unknown>()

/**
 * Run `fn`; an error becomes a StateError that says what was being done where. With the `client` it ran
 * on, a query refused because the connection was lost says what lost it ("terminating connection due to
 * administrator command").
 */
export async function step<T>(backend: string, target: Target, doing: string, fn: () => Promise<T>, client?: pg.Client): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof StateError) throw err
    const lost = client && lostWith.get(client)
    const why = lost === undefined ? '' : `: the connection was lost (${describePgError(lost)})`
    throw new StateError(backend, `${doing} on ${where(target)} failed: ${describePgError(err)}${why}`, { cause: err })
  }
}

/** True when the database at `url` accepts a connection. Never throws. */
export async function databaseAnswers(name: string, url: string, connectTimeoutMs: number): Promise<boolean> {
  return (await databaseProblem(name, url, connectTimeoutMs)) === undefined
}

/** Why the database does not answer (what `venomqa doctor` shows), or undefined when it does. Never throws. */
export async function databaseProblem(name: string, url: string, connectTimeoutMs: number): Promise<string | undefined> {
  try {
    const client = await openClient(name, url, connectTimeoutMs, 'check health')
    await client.end()
    return undefined
  } catch (err) {
    return errorMessage(err)
  }
}

/** The backend's open client, or a StateError saying connect() has not run. */
export function connectedClient(client: pg.Client | undefined, name: string, target: Target): pg.Client {
  if (!client) throw new StateError(name, `not connected to ${where(target)}: call connect() first`)
  return client
}
