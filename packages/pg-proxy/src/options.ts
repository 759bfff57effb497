import { ConfigError } from '@venomqa/core'
import { upstreamTlsProblem } from './upstream'

export interface PgProxyStateOptions {
  /**
   * The real database, postgres://user:password@host:port/database: the backend starts the proxy in this
   * process. Give this or `control`.
   */
  upstream?: string
  /** Where the in-process proxy listens for the app, `host:port`. Default `127.0.0.1:0` (any free port). */
  listen?: string
  /** Clients must give this password (md5); without it only loopback clients are accepted. */
  password?: string
  /** A proxy started on its own (`venomqa-pg-proxy --control ...`): its control URL, http://host:port. */
  control?: string
  /** The backend's name in results and errors. Default `pg-proxy:<database>`. */
  name?: string
  /** How long a connection may stay idle inside a transaction while another waits, ms. Default 5000. */
  idleInTransactionTimeoutMs?: number
  /** How long to wait for the database at connect, ms. Default 5000. */
  connectTimeoutMs?: number
}

export interface ResolvedOptions {
  upstream?: string
  host: string
  port: number
  password?: string
  control?: string
  name?: string
  idleInTransactionTimeoutMs: number
  connectTimeoutMs: number
}

const KNOWN = ['upstream', 'listen', 'password', 'control', 'name', 'idleInTransactionTimeoutMs', 'connectTimeoutMs']
const WHERE = '@venomqa/pg-proxy options'

const fail = (key: string, message: string): never => {
  throw new ConfigError(`${WHERE}: ${message}`, { where: key })
}

function positive(value: unknown, key: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(key, `\`${key}\` must be a positive number of milliseconds`)
  return value as number
}

/** `host:port`, `[v6]:port` or `:port`. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value.trim())
  if (!m) throw new Error(`expected host:port, got ${JSON.stringify(value)}`)
  const port = Number(m[3])
  if (port > 65535) throw new Error(`port ${port} is out of range`)
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port }
}

/** Validate options from config or code; every mistake names the key. */
export function resolveOptions(input: PgProxyStateOptions | Record<string, unknown> | undefined): ResolvedOptions {
  const o = (input ?? {}) as Record<string, unknown>
  for (const key of Object.keys(o)) if (!KNOWN.includes(key)) fail(key, `unknown option \`${key}\` (known: ${KNOWN.join(', ')})`)
  const { upstream, control } = o
  if ((upstream === undefined || upstream === '') === (control === undefined || control === ''))
    fail('upstream', 'give exactly one of `upstream` (the database: the proxy starts here) and `control` (drive a running venomqa-pg-proxy)')
  if (upstream !== undefined && upstream !== '') {
    if (typeof upstream !== 'string' || !/^postgres(ql)?:\/\//i.test(upstream)) fail('upstream', '`upstream` must be a postgres:// or postgresql:// URL')
    try {
      new URL(upstream as string)
    } catch {
      fail('upstream', '`upstream` is not a valid URL')
    }
    const tls = upstreamTlsProblem(upstream as string)
    if (tls) fail('upstream', `\`upstream\`: ${tls}`)
  }
  if (control !== undefined && control !== '' && (typeof control !== 'string' || !/^https?:\/\/[^/]+/.test(control)))
    fail('control', '`control` must be the proxy\'s control URL, e.g. http://127.0.0.1:6544')
  let listen = { host: '127.0.0.1', port: 0 }
  if (o.listen !== undefined) {
    if (typeof o.listen !== 'string') fail('listen', '`listen` must be host:port')
    try {
      listen = parseListen(o.listen as string)
    } catch (err) {
      fail('listen', `\`listen\`: ${(err as Error).message}`)
    }
  }
  for (const key of ['password', 'name'])
    if (o[key] !== undefined && (typeof o[key] !== 'string' || o[key] === '')) fail(key, `\`${key}\` must be a non-empty string`)
  return {
    upstream: (upstream as string) || undefined,
    control: (control as string) || undefined,
    host: listen.host,
    port: listen.port,
    password: o.password as string | undefined,
    name: o.name as string | undefined,
    idleInTransactionTimeoutMs: positive(o.idleInTransactionTimeoutMs, 'idleInTransactionTimeoutMs', 5000),
    connectTimeoutMs: positive(o.connectTimeoutMs, 'connectTimeoutMs', 5000),
  }
}

/**
 * The URL with its password replaced, for messages. Parsed as node-pg parses it, so a password that holds
 * an `@` is masked whole (the host starts after the last `@`); what does not parse is masked up to its
 * last `@`, so that too much is hidden rather than a tail of the password shown.
 */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    if (u.searchParams.has('password')) u.searchParams.set('password', '***')
    return u.toString()
  } catch {
    return maskSecrets(url)
  }
}

/** Every postgres:// URL's password in a text (an error message, say), up to the URL's last `@`. */
export function maskSecrets(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)\S*@/gi, '$1***@').replace(/(password=)[^&\s]*/gi, '$1***')
}
