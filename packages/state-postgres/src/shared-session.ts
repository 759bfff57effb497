import { errorMessage } from '@venomqa/core'
import type pg from 'pg'

/**
 * Why a backend's connection does not have a server session of its own, or undefined when it does.
 *
 * A backend keeps state in its session: settings (the snapshot mechanism's `session_replication_role =
 * replica`, under which no trigger fires and no foreign key is checked) and an advisory lock held for the
 * run. Through a pooler in transaction pooling (PgBouncer's, Odyssey's, Supavisor's, RDS Proxy's before it
 * pins), each transaction may run on another server connection, and the pooler hands that state to the app's
 * transactions: the app's writes then ran untracked and unchecked, during the run and after it, until the
 * pooler closed that server connection; and the rollbacks left paths' rows behind, without an error.
 *
 * Straight to the server, the process id a connection is given (its cancel key, BackendKeyData) is the one
 * its session runs in, and nothing more is asked. Any pooler or proxy gives one of its own; many keep a
 * session to one server connection all the same (PgBouncer's session pooling, pgpool-II, Neon's proxy), so
 * that alone says nothing. Then a second connection opens a transaction while this one is idle, and this one
 * asks again: a pooler that shares server connections between transactions hands the second one the server
 * connection this one just left (PgBouncer by default), or gives this one another (round robin, or when the
 * second took it). Where this one's session is its own, neither happens. Twice: with two server connections
 * in round robin, the second gets the other one first, and this one its own again; the next time, the
 * second gets this one's.
 *
 * Every answer is waited for `waitMs` at most: through a pooler in transaction pooling whose server
 * connections are all in use (the app's transactions), a query waits for one, for good where the pooler
 * lets it (PgBouncer's query_wait_timeout = 0); a session of its own answers at once.
 */
export async function sessionNotOwn(client: pg.Client, another: () => pg.Client, waitMs: number): Promise<string | undefined> {
  const given = (client as unknown as { processID?: number | null }).processID
  const first = await serverProcess(client, waitMs).catch((err: unknown) =>
    Promise.reject(isQueryTimeout(err) ? new Error(`its first query got no answer in ${waitMs} ms (a pooler with no server connection free?)`) : err),
  )
  if (given === undefined || given === null || given === first) return undefined
  const probe = another()
  // A pooler or proxy may end the probe's session on its own (venomqa-pg-proxy ends one left idle in a
  // transaction while another waits): an 'error' of an idle client, which unheard would end the process.
  probe.on('error', () => {})
  try {
    await probe.connect()
    for (let round = 0; round < 2; round++) {
      const probed = await probe.query(timed('BEGIN', waitMs)).then(
        () => serverProcess(probe, waitMs),
        (err: unknown) => {
          if (isQueryTimeout(err)) return undefined
          // PgBouncer in statement pooling: "transaction blocks not allowed in statement pooling mode".
          return notOwn(`a second connection's BEGIN was refused (${errorMessage(err)})`)
        },
      )
      if (typeof probed === 'string') return probed
      // Decided at once: asked again now, this connection would wait behind the probe's transaction on a
      // proxy that runs one at a time.
      if (probed === first) return notOwn(`a second connection's transaction ran in server process ${first}, the one this connection's session had just run in`)
      // No server connection for the probe in time: its BEGIN, still waiting, goes with it, or it would take
      // the next one free before this connection; a session of its own answers all the same.
      if (probed === undefined) await probe.end().catch(() => {})
      const again = await serverProcess(client, waitMs).catch((err: unknown) => (isQueryTimeout(err) ? undefined : Promise.reject(err)))
      if (again === undefined) return notOwn(`this connection's session had just run in server process ${first}, then its next query got no answer in ${waitMs} ms, waiting for a server connection`)
      if (again !== first) return notOwn(`this connection's session ran in server process ${first}, then in ${again}`)
      if (probed === undefined) return undefined
      await probe.query(timed('COMMIT', waitMs))
    }
    return undefined
  } finally {
    await probe.end().catch(() => {})
  }
}

function notOwn(how: string): string {
  return (
    `its session is not its own: it goes through a connection pooler or proxy that shares server connections between transactions (PgBouncer or Odyssey in transaction pooling, venomqa-pg-proxy): ${how}. ` +
    `The pooler would hand the settings and the lock the backend keeps in its session to the app's transactions (the snapshot mechanism's session_replication_role = replica turns off their triggers and foreign keys). ` +
    `Give the backend the server's own address (the host and port PostgreSQL listens on), or a pooler's in session pooling; the app may keep going through the pooler`
  )
}

/**
 * The server process the connection's query ran in, as the server lists its processes. Not a bare
 * `pg_backend_pid()`: venomqa-pg-proxy answers that with the id it gave the connection at its start, as
 * PostgreSQL would (docs/proxy.md), which is the very id compared with here; in a statement about server
 * processes it leaves the call to the server.
 */
async function serverProcess(client: pg.Client, waitMs: number): Promise<number> {
  const { rows } = await client.query<{ pid: number }>(timed('SELECT a.pid FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()', waitMs))
  return rows[0]!.pid
}

/** A query pg gives up on after `waitMs` (its per-query `query_timeout`, which @types/pg does not list). */
function timed(text: string, waitMs: number): pg.QueryConfig {
  return { text, query_timeout: waitMs } as pg.QueryConfig
}

/** pg's words for a query_timeout. */
const isQueryTimeout = (err: unknown) => err instanceof Error && /Query read timeout/i.test(err.message)
