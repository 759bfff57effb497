import type { Queue, Worker } from 'bullmq'
import type { Todo } from '../storage'
import { redactUrl } from '@venomqa/example-app-kit'
import { redisOptionsFromUrl } from './redis'

export const QUEUE_NAME = 'todo-events'
export const TODO_CREATED = 'todo-created'

export interface TodoCreatedJob {
  todoId: number
  userId: number
}

/** The BullMQ queue that gets a 'todo-created' job per new todo, and optionally the worker that handles them. */
export class TodoEvents {
  readonly #queue: Queue<TodoCreatedJob>
  readonly #worker: Worker<TodoCreatedJob> | undefined

  private constructor(queue: Queue<TodoCreatedJob>, worker: Worker<TodoCreatedJob> | undefined) {
    this.#queue = queue
    this.#worker = worker
  }

  /** Start loading BullMQ (the slowest module to import) while other things connect. */
  static preload(): void {
    import('bullmq').catch(() => {})
  }

  /**
   * Call once Redis is known to answer (the cache connects first): BullMQ reconnects forever, so
   * against an unreachable Redis `waitUntilReady` would never settle.
   */
  static async start(options: { url: string; prefix: string; runWorker: boolean; log: (message: string) => void }): Promise<TodoEvents> {
    const connection = redisOptionsFromUrl(options.url)
    // Loaded only when REDIS_URL is set: BullMQ is the slowest module of the app to import.
    const { Queue, Worker } = await import('bullmq')
    const queue = new Queue<TodoCreatedJob>(QUEUE_NAME, {
      connection,
      prefix: options.prefix,
      // Finished jobs stay inspectable (tests read their return values) without growing without bound.
      defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 1000 },
    })
    queue.on('error', (err) => options.log(`bullmq queue: ${err.message}`))
    let worker: Worker<TodoCreatedJob> | undefined
    try {
      await queue.waitUntilReady()
      if (options.runWorker) {
        worker = new Worker<TodoCreatedJob>(
          QUEUE_NAME,
          async (job) => {
            // Stands in for real work (a notification); the return value is what tests check.
            return { notified: true, todoId: job.data.todoId }
          },
          { connection, prefix: options.prefix },
        )
        worker.on('error', (err) => options.log(`bullmq worker: ${err.message}`))
        await worker.waitUntilReady()
      }
    } catch (err) {
      await worker?.close().catch(() => {})
      await queue.close().catch(() => {})
      throw new Error(`cannot reach Redis for the BullMQ queue at ${redactUrl(options.url)}: ${(err as Error).message}`)
    }
    return new TodoEvents(queue, worker)
  }

  async todoCreated(todo: Todo): Promise<void> {
    await this.#queue.add(TODO_CREATED, { todoId: todo.id, userId: todo.userId })
  }

  async close(): Promise<void> {
    await this.#worker?.close()
    await this.#queue.close()
  }
}

