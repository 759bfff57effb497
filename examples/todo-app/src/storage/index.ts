import { ConfigurationError } from '@venomqa/example-app-kit'
import { MemoryStore } from './memory'
import { MysqlStore } from './mysql'
import { PostgresStore } from './postgres'
import type { Store } from './types'

export type { Store, StorageKind, User, Todo, Comment, Stats, Quota } from './types'
export { MemoryStore } from './memory'

/** DATABASE_URL's scheme picks the store; no URL (or 'memory') keeps everything in this process. */
export function openStore(databaseUrl: string | undefined, onPoolError: (err: Error) => void): Store {
  if (!databaseUrl || databaseUrl === 'memory' || databaseUrl === 'memory://') return new MemoryStore()
  const scheme = /^([a-z0-9+]+):/i.exec(databaseUrl)?.[1]?.toLowerCase()
  if (scheme === 'postgres' || scheme === 'postgresql') return new PostgresStore(databaseUrl, onPoolError)
  if (scheme === 'mysql' || scheme === 'mariadb') return new MysqlStore(databaseUrl)
  throw new ConfigurationError(
    `DATABASE_URL has the scheme "${scheme ?? databaseUrl}", which the todo app does not know: use postgres://, mysql:// or mariadb://, or leave it unset for memory`,
  )
}
