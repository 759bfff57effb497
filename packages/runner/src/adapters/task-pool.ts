import { type ConcurrencyPort, type TaskResult, type TaskStatus, UserError, errorMessage, refuseRenamed } from '@venomqa/core'

export interface TaskPoolOptions {
  /** Most tasks running at once across the pool. Default: no limit. */
  maxWorkers?: number
}

type TaskFn<T> = (signal: AbortSignal) => Promise<T> | T

interface Task {
  id: string
  status: TaskStatus
  fn: TaskFn<unknown>
  controller: AbortController
  /** Slots the task must hold to run: the pool's, and its mapAsync batch's if any. */
  gates: Gate[]
  startedAt?: number
  result?: TaskResult
  settled: Promise<TaskResult>
  settle(result: TaskResult): void
}

/** A counting semaphore: at most `limit` holders, waiters served in order. */
class Gate {
  #holders = 0
  readonly limit: number
  constructor(limit: number) {
    this.limit = limit
  }
  get free(): boolean {
    return this.#holders < this.limit
  }
  take(): void {
    this.#holders++
  }
  give(): void {
    this.#holders--
  }
}

/**
 * The concurrency port on the event loop: async tasks with a true concurrency limit (a slot is freed only
 * when a task's promise settles, even if it was cancelled and ignores its signal), per-task results, and
 * timeouts that abort the unfinished tasks through their AbortSignal.
 */
export class TaskPool implements ConcurrencyPort {
  readonly #tasks = new Map<string, Task>()
  /** Tasks waiting for a slot, in spawn order. */
  readonly #waiting: Task[] = []
  #pumping = false
  readonly #pool: Gate
  #nextId = 1
  #running = 0
  #maxRunning = 0

  constructor(options: TaskPoolOptions = {}) {
    this.#pool = new Gate(checkLimit(options.maxWorkers, 'TaskPool({ maxWorkers })') ?? Number.POSITIVE_INFINITY)
  }

  spawn<T>(task: TaskFn<T>): string {
    if (typeof task !== 'function') throw new UserError('E_TASK', 'concurrency.spawn(task): task must be a function')
    return this.#add(task, [this.#pool]).id
  }

  mapAsync<I, T>(items: Iterable<I>, fn: (item: I, signal: AbortSignal) => Promise<T> | T, options: { limit?: number } = {}): string[] {
    if (typeof fn !== 'function') throw new UserError('E_TASK', 'concurrency.mapAsync(items, fn): fn must be a function')
    const limit = checkLimit(options.limit, 'mapAsync({ limit })')
    const gates = limit === undefined ? [this.#pool] : [this.#pool, new Gate(limit)]
    // Create every task before starting any, so ids come back in item order whatever runs first.
    const tasks = Array.from(items, (item) => this.#add((signal) => fn(item, signal), gates, false))
    this.#pump()
    return tasks.map((t) => t.id)
  }

  async join<T = unknown>(id: string, options: { timeoutMs?: number } = {}): Promise<TaskResult<T>> {
    const [result] = await this.joinAll<T>([id], options)
    return result
  }

  async joinAll<T = unknown>(ids: string[], options: { timeoutMs?: number } = {}): Promise<TaskResult<T>[]> {
    refuseRenamed(options, { timeout: 'timeoutMs' }, 'concurrency.joinAll()')
    const tasks = ids.map((id) => this.#get(id))
    const all = Promise.all(tasks.map((t) => t.settled))
    if (options.timeoutMs === undefined) return (await all) as TaskResult<T>[]
    const timeout = options.timeoutMs
    if (!Number.isFinite(timeout) || timeout < 0) throw new UserError('E_TASK', `joinAll: timeoutMs must be 0 ms or more, got ${timeout}`)
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeout)
    })
    try {
      if ((await Promise.race([all, deadline])) === 'timeout') {
        for (const t of tasks) {
          if (t.result) continue
          this.#finish(t, { success: false, error: `task ${t.id} timed out after ${timeout} ms` }, 'failed')
          t.controller.abort(new Error(`task ${t.id} timed out after ${timeout} ms`))
        }
      }
    } finally {
      clearTimeout(timer)
    }
    return (await all) as TaskResult<T>[]
  }

  /** Cancel a pending task, or abort a running one through its signal. False if it had already finished. */
  cancel(id: string): boolean {
    const task = this.#get(id)
    if (task.result) return false
    this.#finish(task, { success: false, error: `task ${id} was cancelled` }, 'cancelled')
    task.controller.abort(new Error(`task ${id} was cancelled`))
    return true
  }

  cancelAll(): number {
    let n = 0
    for (const task of this.#tasks.values()) if (!task.result && this.cancel(task.id)) n++
    return n
  }

  status(id: string): TaskStatus | undefined {
    return this.#tasks.get(id)?.status
  }

  /** The result of a finished task; undefined while it runs. */
  result<T = unknown>(id: string): TaskResult<T> | undefined {
    return this.#get(id).result as TaskResult<T> | undefined
  }

  /** Tasks whose code is executing now, and the most seen at once. */
  stats(): { running: number; waiting: number; maxRunning: number; total: number } {
    return { running: this.#running, waiting: this.#waiting.length, maxRunning: this.#maxRunning, total: this.#tasks.size }
  }

  #add(fn: TaskFn<unknown>, gates: Gate[], pump = true): Task {
    let settle!: (r: TaskResult) => void
    const settled = new Promise<TaskResult>((resolve) => {
      settle = resolve
    })
    const task: Task = { id: `task-${this.#nextId++}`, status: 'pending', fn, controller: new AbortController(), gates, settled, settle }
    this.#tasks.set(task.id, task)
    this.#waiting.push(task)
    if (pump) this.#pump()
    return task
  }

  #get(id: string): Task {
    const task = this.#tasks.get(id)
    if (!task) throw new UserError('E_TASK', `concurrency: no task with id "${id}"`)
    return task
  }

  /**
   * Start every waiting task whose gates all have a free slot, in spawn order. A task may spawn others
   * synchronously while it starts: those land on the same list and the running loop picks them up.
   */
  #pump(): void {
    if (this.#pumping) return
    this.#pumping = true
    try {
      for (let i = 0; i < this.#waiting.length; ) {
        const task = this.#waiting[i]
        if (task.result) this.#waiting.splice(i, 1) // cancelled or timed out before it started
        else if (!task.gates.every((g) => g.free)) i++
        else {
          this.#waiting.splice(i, 1)
          this.#start(task)
        }
      }
    } finally {
      this.#pumping = false
    }
  }

  #start(task: Task): void {
    for (const g of task.gates) g.take()
    task.status = 'running'
    task.startedAt = performance.now()
    this.#running++
    this.#maxRunning = Math.max(this.#maxRunning, this.#running)
    let outcome: Promise<unknown>
    try {
      outcome = Promise.resolve(task.fn(task.controller.signal))
    } catch (err) {
      outcome = Promise.reject(err)
    }
    outcome.then(
      (value) => this.#finish(task, { success: true, value }, 'completed'),
      (err) => this.#finish(task, { success: false, error: errorMessage(err) }, 'failed'),
    ).finally(() => {
      // The slot is given back only now that the task's code has really stopped.
      this.#running--
      for (const g of task.gates) g.give()
      this.#pump()
    })
  }

  /** Record the first outcome only: a task cancelled or timed out stays so when its code ends later. */
  #finish(task: Task, outcome: { success: boolean; value?: unknown; error?: string }, status: TaskStatus): void {
    if (task.result) return
    task.status = status
    const durationMs = task.startedAt === undefined ? 0 : performance.now() - task.startedAt
    task.result = { id: task.id, ...outcome, durationMs }
    task.settle(task.result)
  }
}

function checkLimit(limit: number | undefined, where: string): number | undefined {
  if (limit === undefined) return undefined
  if (!(Number.isInteger(limit) && limit >= 1) && limit !== Number.POSITIVE_INFINITY)
    throw new UserError('E_TASK', `${where}: expected a whole number of 1 or more, got ${limit}`)
  return limit
}
