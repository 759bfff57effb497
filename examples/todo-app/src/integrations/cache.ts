import type { Redis } from 'ioredis'
import type { Todo } from '../storage'
import { redactUrl } from '@venomqa/example-app-kit'
import { redisOptionsFromUrl } from './redis'

const TTL_SECONDS = 60

/**
 * Read-through cache of single todos under `<prefix>todo:<id>`. A Redis failure never fails a request:
 * a read that errors counts as a miss, a write or delete that errors is logged.
 */
export class TodoCache {
  readonly #redis: Redis
  readonly #prefix: string
  readonly #log: (message: string) => void

  private constructor(redis: Redis, prefix: string, log: (message: string) => void) {
    this.#redis = redis
    this.#prefix = prefix
    this.#log = log
  }

  static async connect(url: string, prefix: string, log: (message: string) => void): Promise<TodoCache> {
    const options = redisOptionsFromUrl(url)
    const { Redis } = await import('ioredis')
    // One retry per command: a cache that is down should cost a request milliseconds, not seconds.
    const redis = new Redis({ ...options, maxRetriesPerRequest: 1, lazyConnect: true })
    let lastError: Error | undefined
    let connected = false
    redis.on('error', (err: Error) => {
      lastError = err
      // Before the first connection, the failure is reported once, by the throw below.
      if (connected) log(`redis cache: ${err.message}`)
    })
    try {
      await redis.connect()
      connected = true
    } catch (err) {
      redis.disconnect()
      throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${(lastError ?? (err as Error)).message}`)
    }
    return new TodoCache(redis, prefix, log)
  }

  key(id: number): string {
    return `${this.#prefix}todo:${id}`
  }

  async get(id: number): Promise<Todo | null> {
    try {
      const text = await this.#redis.get(this.key(id))
      return text ? (JSON.parse(text) as Todo) : null
    } catch (err) {
      this.#log(`cache read of ${this.key(id)} failed, reading the database: ${(err as Error).message}`)
      return null
    }
  }

  async set(todo: Todo): Promise<void> {
    await this.#redis.set(this.key(todo.id), JSON.stringify(todo), 'EX', TTL_SECONDS).catch((err: Error) => {
      this.#log(`cache write of ${this.key(todo.id)} failed: ${err.message}`)
    })
  }

  async invalidate(id: number): Promise<void> {
    await this.#redis.del(this.key(id)).catch((err: Error) => {
      this.#log(`cache invalidation of ${this.key(id)} failed: ${err.message}`)
    })
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect())
  }
}
