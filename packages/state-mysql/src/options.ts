import { ConfigError } from '@venomqa/core'
import { maskUrl } from './connection'

export type MysqlMechanism = 'snapshot' | 'savepoint'

export interface MysqlStateOptions {
  /** mysql://user:password@host:3306/database (mariadb:// works too). */
  url: string
  /** Overrides the database named in the url. */
  database?: string
  /** Track only these tables (default: every base table of the database). */
  tables?: string[]
  /** Leave these tables out. */
  exclude?: string[]
  /** 'snapshot' (default): works with an app in its own process. 'savepoint': only for an app that uses this backend's connection. */
  mechanism?: MysqlMechanism
  /** The backend's name in results (default 'mysql'). */
  name?: string
  /** snapshot: seconds to wait for a lock held by the app before failing (default 10). */
  lockWaitTimeout?: number
}

const KEYS = new Set(['url', 'database', 'tables', 'exclude', 'mechanism', 'name', 'lockWaitTimeout'])

/** Check options from config, naming the key that is wrong. */
export function validateOptions(raw: unknown, where = '@venomqa/state-mysql'): MysqlStateOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError(`${where}: options must be an object like { url: 'mysql://root@127.0.0.1:3306/app' }`, { where })
  const o = raw as Record<string, unknown>
  for (const key of Object.keys(o))
    if (!KEYS.has(key)) throw new ConfigError(`${where}: unknown option "${key}" (known: ${[...KEYS].join(', ')})`, { where: `${where}.${key}` })
  if (typeof o.url !== 'string' || !/^(mysql|mariadb):\/\//i.test(o.url))
    throw new ConfigError(
      `${where}: option "url" must be a mysql:// or mariadb:// URL, got ${typeof o.url === 'string' ? `"${maskUrl(o.url)}"` : String(o.url)}`,
      { where: `${where}.url` },
    )
  const text = (key: string) => {
    if (o[key] !== undefined && (typeof o[key] !== 'string' || o[key] === ''))
      throw new ConfigError(`${where}: option "${key}" must be a non-empty string`, { where: `${where}.${key}` })
  }
  const list = (key: string) => {
    const v = o[key]
    if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')))
      throw new ConfigError(`${where}: option "${key}" must be a list of table names`, { where: `${where}.${key}` })
  }
  text('database')
  text('name')
  list('tables')
  list('exclude')
  if (o.mechanism !== undefined && o.mechanism !== 'snapshot' && o.mechanism !== 'savepoint')
    throw new ConfigError(`${where}: option "mechanism" must be "snapshot" or "savepoint", got "${String(o.mechanism)}"`, { where: `${where}.mechanism` })
  if (o.lockWaitTimeout !== undefined && (typeof o.lockWaitTimeout !== 'number' || !(o.lockWaitTimeout > 0)))
    throw new ConfigError(`${where}: option "lockWaitTimeout" must be a positive number of seconds`, { where: `${where}.lockWaitTimeout` })
  return o as unknown as MysqlStateOptions
}
