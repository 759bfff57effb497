import { StateError, errorMessage, isUserError, redactConnectionUrl, redactCredentials } from '@venomqa/core'
import pg from 'pg'
import { sessionNotOwn } from './shared-session'

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
    display: redactConnectionUrl(url),
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
  return redactCredentials(msg)
}

/** Named after the backend, so that an operator (or a test) can tell its sessions apart in pg_stat_activity. */
function newClient(url: string, connectTimeoutMs: number, backend: string, more: pg.ClientConfig = {}): pg.Client {
  return new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, application_name: `venomqa ${backend}`.slice(0, 63), ...more })
}

/** Open one client; a failure becomes a StateError naming the server, the database and the cause. */
export async function openClient(backend: string, url: string, connectTimeoutMs: number, purpose: string, signal?: AbortSignal): Promise<pg.Client> {
  signal?.throwIfAborted()
  const target = describeTarget(url)
  const client = newClient(url, connectTimeoutMs, backend)
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
  const shared = await sessionNotOwn(client, () => newClient(url, connectTimeoutMs, backend), connectTimeoutMs).catch((err: unknown) => err as Error)
  if (shared) {
    await client.end().catch(() => {})
    const why = shared instanceof Error ? `checking that its session is its own failed: ${describePgError(shared)}` : shared
    throw new StateError(backend, `cannot use ${where(target)} to ${purpose}: ${why} [${target.display}]`, { cause: shared })
  }
  return client
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
    // A mistake in the options met while doing it (a table the database does not have) stays the user's.
    if (err instanceof StateError || isUserError(err)) throw err
    const lost = client && lostWith.get(client)
    const why = lost === undefined ? '' : `: the connection was lost (${describePgError(lost)})`
    throw new StateError(backend, `${doing} on ${where(target)} failed: ${describePgError(err)}${why}`, { cause: err })
  }
}

/** True when the database at `url` accepts a connection. Never throws. */
export async function databaseAnswers(name: string, url: string, connectTimeoutMs: number): Promise<boolean> {
  return (await databaseProblem(name, url, connectTimeoutMs)) === undefined
}

/**
 * Why the database does not answer (what `venomqa doctor` shows), or undefined when it does. Throws only a
 * mistake in the options that `check` found (a ConfigError): doctor tells it at its key, as a run does.
 */
export async function databaseProblem(
  name: string,
  url: string,
  connectTimeoutMs: number,
  check?: (client: pg.Client) => Promise<string | undefined>,
): Promise<string | undefined> {
  try {
    const client = await openClient(name, url, connectTimeoutMs, 'check health')
    try {
      return await check?.(client)
    } finally {
      await client.end().catch(() => {})
    }
  } catch (err) {
    if (isUserError(err)) throw err
    return errorMessage(err)
  }
}

/** The backend's open client, or a StateError saying connect() has not run. */
export function connectedClient(client: pg.Client | undefined, name: string, target: Target): pg.Client {
  if (!client) throw new StateError(name, `not connected to ${where(target)}: call connect() first`)
  return client
}
