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
 * second took it). Where this one's session is its own, neither happens.
 */
export async function sessionNotOwn(client: pg.Client, another: () => pg.Client): Promise<string | undefined> {
  const given = (client as unknown as { processID?: number | null }).processID
  const first = await serverProcess(client)
  if (given === undefined || given === null || given === first) return undefined
  // `another` gives up on a query after a while (query_timeout): a pooler with no server connection to
  // spare makes the probe wait, and then this connection's is its own.
  const probe = another()
  // A pooler or proxy may end the probe's session on its own (venomqa-pg-proxy ends one left idle in a
  // transaction while another waits): an 'error' of an idle client, which unheard would end the process.
  probe.on('error', () => {})
  try {
    await probe.connect()
    const probed = await probe.query('BEGIN').then(
      () => serverProcess(probe),
      (err: unknown) => (isQueryTimeout(err) ? undefined : Promise.reject(err)),
    )
    // Decided at once: asked again now, this connection would wait behind the probe's transaction on a
    // proxy that runs one at a time.
    if (probed === first) return notOwn(`a second connection's transaction ran in server process ${first}, the one this connection's session had just run in`)
    const again = await serverProcess(client)
    return again === first ? undefined : notOwn(`this connection's session ran in server process ${first}, then in ${again}`)
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

async function serverProcess(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  return rows[0]!.pid
}

/** pg's words for a query_timeout. */
const isQueryTimeout = (err: unknown) => err instanceof Error && /Query read timeout/i.test(err.message)
