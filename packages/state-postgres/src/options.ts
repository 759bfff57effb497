import { ConfigError } from '@venomqa/core'

export type PostgresMechanism = 'snapshot' | 'savepoint' | 'template'
export const MECHANISMS: readonly PostgresMechanism[] = ['snapshot', 'savepoint', 'template']

export interface PostgresStateOptions {
  /** postgres://user:password@host:port/database */
  url?: string
  /** Same as `url`. */
  connectionString?: string
  /** Schemas whose tables are tracked. Default ['public']. */
  schemas?: string[]
  /** Track only these tables (`name` or `schema.name`) instead of every table of `schemas`. */
  tables?: string[]
  /** Tables (`name` or `schema.name`) left alone. */
  exclude?: string[]
  /** How checkpoints are taken and restored. Default 'snapshot'. */
  mechanism?: PostgresMechanism
  /** The backend's name in results and errors. Default `postgres:<database>`. */
  name?: string
  /** Database the `template` mechanism connects to while it copies and drops the working one. Default 'postgres'. */
  adminDatabase?: string
  /** How long to wait for a connection, ms. Default 5000. */
  connectTimeoutMs?: number
  /** How long to wait for a table lock (installing triggers, restoring), ms. Default 10 000. */
  lockTimeoutMs?: number
}

export interface ResolvedOptions {
  url: string
  schemas: string[]
  tables?: string[]
  exclude: string[]
  mechanism: PostgresMechanism
  name?: string
  adminDatabase: string
  connectTimeoutMs: number
  lockTimeoutMs: number
}

const KNOWN = new Set(['url', 'connectionString', 'schemas', 'tables', 'exclude', 'mechanism', 'name', 'adminDatabase', 'connectTimeoutMs', 'lockTimeoutMs'])
const WHERE = '@venomqa/state-postgres options'

function stringList(value: unknown, key: string): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === ''))
    throw new ConfigError(`${WHERE}: \`${key}\` must be a list of non-empty strings`, { where: key })
  return value.map((v: string) => v.trim())
}

function positive(value: unknown, key: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new ConfigError(`${WHERE}: \`${key}\` must be a positive number of milliseconds`, { where: key })
  return value
}

/** Validate options from config or code; every mistake names the key. */
export function resolveOptions(input: PostgresStateOptions | Record<string, unknown> | undefined): ResolvedOptions {
  const o = (input ?? {}) as Record<string, unknown>
  for (const key of Object.keys(o))
    if (!KNOWN.has(key)) throw new ConfigError(`${WHERE}: unknown option \`${key}\` (known: ${[...KNOWN].join(', ')})`, { where: key })
  const url = o.url ?? o.connectionString
  if (url === undefined || url === '')
    throw new ConfigError(`${WHERE}: \`url\` is required, e.g. url: '\${DATABASE_URL}' or 'postgres://user@127.0.0.1:5432/app'`, { where: 'url' })
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//i.test(url))
    throw new ConfigError(`${WHERE}: \`url\` must be a postgres:// or postgresql:// URL, got ${typeof url === 'string' ? maskUrl(url) : typeof url}`, { where: 'url' })
  try {
    new URL(url)
  } catch {
    throw new ConfigError(`${WHERE}: \`url\` is not a valid URL: ${maskUrl(url)}`, { where: 'url' })
  }
  const mechanism = o.mechanism ?? 'snapshot'
  if (!MECHANISMS.includes(mechanism as PostgresMechanism))
    throw new ConfigError(`${WHERE}: \`mechanism\` must be one of ${MECHANISMS.join(', ')}, got ${JSON.stringify(mechanism)}`, { where: 'mechanism' })
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name === ''))
    throw new ConfigError(`${WHERE}: \`name\` must be a non-empty string`, { where: 'name' })
  if (o.adminDatabase !== undefined && (typeof o.adminDatabase !== 'string' || o.adminDatabase === ''))
    throw new ConfigError(`${WHERE}: \`adminDatabase\` must be a database name`, { where: 'adminDatabase' })
  const schemas = stringList(o.schemas, 'schemas') ?? ['public']
  if (schemas.length === 0) throw new ConfigError(`${WHERE}: \`schemas\` must name at least one schema`, { where: 'schemas' })
  const tables = stringList(o.tables, 'tables')
  if (tables && tables.length === 0) throw new ConfigError(`${WHERE}: \`tables\` is empty: leave it out to track every table of ${schemas.join(', ')}`, { where: 'tables' })
  return {
    url,
    schemas,
    tables,
    exclude: stringList(o.exclude, 'exclude') ?? [],
    mechanism: mechanism as PostgresMechanism,
    name: o.name as string | undefined,
    adminDatabase: (o.adminDatabase as string | undefined) ?? 'postgres',
    connectTimeoutMs: positive(o.connectTimeoutMs, 'connectTimeoutMs', 5000),
    lockTimeoutMs: positive(o.lockTimeoutMs, 'lockTimeoutMs', 10_000),
  }
}

/** The URL with its password replaced, for messages. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    const pw = u.searchParams.get('password')
    if (pw !== null) u.searchParams.set('password', '***')
    return u.toString()
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@').replace(/(password=)[^&\s]*/gi, '$1***')
  }
}

/** The same URL pointing at another database (for the template mechanism's admin connection). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = '/' + encodeURIComponent(database)
  return u.toString()
}
