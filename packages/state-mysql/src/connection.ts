import { ConfigError, StateError, errorMessage, redactConnectionUrl } from '@venomqa/core'
import mysqlCore from 'mysql2'
import type { Connection, ConnectionOptions } from 'mysql2/promise'
import { mysqlUrlProblem } from './options'

/** Where to connect, parsed from the URL, and how to name it in messages without the password. */
export interface Target {
  readonly config: ConnectionOptions
  readonly database: string
  /** The URL with its password masked: safe for messages and reports. */
  readonly display: string
}

/**
 * Parse `mysql://user:pass@host:port/db` (or `mariadb://`). `database` overrides the URL's path. A URL
 * that cannot be used is the user's to fix: a ConfigError at `url` (exit 2), not a state failure.
 */
export function parseTarget(backend: string, url: string, database?: string): Target {
  const display = redactConnectionUrl(url)
  const mistake = (message: string) => new ConfigError(`state backend "${backend}": ${message}`, { where: 'url' })
  // The option's own check, for code that gives a URL without it (mysqlWorkers): read as written, a piece
  // of an unencoded password would be the host, or "URI malformed" the whole message.
  const unencoded = /^(mysql|mariadb):\/\//i.test(url) ? mysqlUrlProblem(url) : undefined
  if (unencoded) throw mistake(`the url ${unencoded}`)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw mistake(`the url "${display}" is not a valid URL (expected mysql://user:password@host:3306/database)`)
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') throw mistake(`the url "${display}" must start with mysql:// or mariadb://`)
  const db = database ?? decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  if (!db) throw mistake(`no database named: put it in the url (${display.replace(/\/+$/, '')}/<database>) or give the "database" option`)
  return {
    database: db,
    display,
    config: {
      host: parsed.hostname || '127.0.0.1',
      port: parsed.port ? Number(parsed.port) : 3306,
      user: decodeURIComponent(parsed.username || 'root'),
      password: decodeURIComponent(parsed.password),
      database: db,
      connectTimeout: 10_000,
    },
  }
}

/**
 * Open one connection, turning driver errors into a message that says what failed and where. When `signal`
 * aborts first, the connection being made is destroyed and the call rejects with the signal's reason.
 */
export async function openConnection(backend: string, target: Target, extra: ConnectionOptions = {}, signal?: AbortSignal): Promise<Connection> {
  signal?.throwIfAborted()
  try {
    return await connectUnlessAborted({ ...target.config, ...extra }, signal)
  } catch (err) {
    if (signal?.aborted) throw signal.reason
    throw new StateError(backend, `cannot connect to ${target.display}: ${describeConnectError(err, target)}`, { cause: err })
  }
}

/** mysql2/promise's createConnection gives no handle on a connection still being made: its core API does. */
function connectUnlessAborted(config: ConnectionOptions, signal?: AbortSignal): Promise<Connection> {
  const conn = mysqlCore.createConnection(config)
  return new Promise((resolve, reject) => {
    const stop = () => {
      // What the destroyed socket reports after this goes nowhere: an 'error' with no listener would throw.
      conn.on('error', () => {})
      conn.destroy()
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', stop, { once: true })
    conn.once('connect', () => {
      signal?.removeEventListener('abort', stop)
      resolve(conn.promise())
    })
    conn.once('error', (err) => {
      signal?.removeEventListener('abort', stop)
      reject(err)
    })
  })
}

function describeConnectError(err: unknown, target: Target): string {
  const code = (err as { code?: string }).code
  const where = `${target.config.host}:${target.config.port}`
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused at ${where} (is MySQL/MariaDB running there?)`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host "${target.config.host}" not found`
    case 'ETIMEDOUT':
      return `no answer from ${where} (timed out)`
    case 'ER_ACCESS_DENIED_ERROR':
      return `access denied for user "${target.config.user}" (check the user and password in the url)`
    case 'ER_DBACCESS_DENIED_ERROR':
      return `user "${target.config.user}" has no access to database "${target.database}"`
    case 'ER_BAD_DB_ERROR':
      return `database "${target.database}" does not exist`
    default:
      return errorMessage(err)
  }
}

/** A driver error in one line, with its code: `ER_TABLEACCESS_DENIED_ERROR: TRIGGER command denied...`. */
export function describeSqlError(err: unknown): string {
  const code = (err as { code?: string }).code
  const message = errorMessage(err)
  return code && !message.startsWith(code) ? `${code}: ${message}` : message
}

export function isPrivilegeError(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? ''
  return /^ER_(TABLEACCESS|DBACCESS|SPECIFIC_ACCESS|ACCESS|COLUMNACCESS|PROCACCESS)_DENIED_ERROR$/.test(code)
}
