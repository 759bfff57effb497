import type { RedisOptions } from 'ioredis'
import { ConfigurationError, redactUrl } from '@venomqa/example-app-kit'

/** redis://[user:pass@]host:port/db as ioredis options, so BullMQ can own (and close) its connections. */
export function redisOptionsFromUrl(url: string): RedisOptions {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new ConfigurationError(`REDIS_URL "${redactUrl(url)}" is not a URL (expected redis://host:port/db)`)
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new ConfigurationError(`REDIS_URL must start with redis:// or rediss://, got "${u.protocol}"`)
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0
  if (!Number.isInteger(db) || db < 0) throw new ConfigurationError(`REDIS_URL "${redactUrl(url)}" names the database "${u.pathname.slice(1)}", which is not a number`)
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  }
}
