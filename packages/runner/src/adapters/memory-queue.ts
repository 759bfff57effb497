import {
  type EnqueueOptions,
  type Job,
  type JobResult,
  type JobStatus,
  type QueuePort,
  type TimePort,
  UserError,
  errorMessage,
  refuseRenamed,
} from '@venomqa/core'

/** What a processor receives for each attempt. */
export interface JobContext<D = unknown> {
  id: string
  name: string
  queue: string
  data: D
  /** 1 for the first attempt. */
  attempt: number
}

export type JobProcessor<D = any, R = unknown> = (job: JobContext<D>) => R | Promise<R>

export interface MemoryQueueOptions {
  /** Delayed jobs wait on this clock (a ControllableClock releases them on `advance`). Default: real timers. */
  clock?: Pick<TimePort, 'now' | 'scheduleAfter' | 'cancel'>
  /** Jobs of one queue run at once. Default 1, like a BullMQ worker. */
  concurrency?: number
  /** Queue name when enqueue gives none. Default 'default'. */
  defaultQueue?: string
}

interface JobRecord {
  id: string
  name: string
  queue: string
  /** JSON text: jobs cross a serialisation boundary in a real queue, so they do here too. */
  dataJson: string
  status: JobStatus
  attempts: number
  maxAttempts: number
  result?: unknown
  error?: string
  createdAt: string
  finishedAt?: string
  /** Cancels the pending delay (a clock timer id or a real timer). */
  cancelDelay?: () => void
}

const FINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled'])

/**
 * The queue port in memory: register processors with `process(name, fn)`, and enqueued jobs run
 * asynchronously, with retries up to `attempts`, delays, cancellation and results.
 * A job whose name has no processor waits until one is registered.
 */
export class MemoryQueue implements QueuePort {
  readonly #jobs = new Map<string, JobRecord>()
  readonly #processors = new Map<string, JobProcessor>()
  readonly #listeners = new Set<() => void>()
  readonly #activePerQueue = new Map<string, number>()
  readonly #clock?: MemoryQueueOptions['clock']
  readonly #concurrency: number
  readonly #defaultQueue: string
  #nextId = 1
  #closed = false

  constructor(options: MemoryQueueOptions = {}) {
    this.#clock = options.clock
    const c = options.concurrency ?? 1
    if (!Number.isInteger(c) || c < 1) throw new UserError('E_QUEUE', `MemoryQueue({ concurrency }): expected a whole number of 1 or more, got ${c}`)
    this.#concurrency = c
    this.#defaultQueue = options.defaultQueue ?? 'default'
  }

  /** Run jobs named `name` with `fn`; a job fails when `fn` throws. Jobs already waiting start now. */
  process<D = any, R = unknown>(name: string, fn: JobProcessor<D, R>): void {
    if (typeof fn !== 'function') throw new UserError('E_QUEUE', `queue.process("${name}", fn): fn must be a function`)
    this.#processors.set(name, fn as JobProcessor)
    this.#schedulePump()
  }

  async enqueue(name: string, data: unknown, options: EnqueueOptions = {}): Promise<string> {
    if (this.#closed) throw new UserError('E_QUEUE_CLOSED', `queue.enqueue("${name}"): the queue is closed`)
    if (typeof name !== 'string' || !name) throw new UserError('E_QUEUE', 'queue.enqueue(name, data): name must be a non-empty string')
    const attempts = options.attempts ?? 1
    if (!Number.isInteger(attempts) || attempts < 1) throw new UserError('E_QUEUE_OPTIONS', `queue.enqueue("${name}"): attempts must be a whole number of 1 or more`)
    const delay = options.delayMs ?? 0
    if (!Number.isFinite(delay) || delay < 0) throw new UserError('E_QUEUE_OPTIONS', `queue.enqueue("${name}"): delayMs must be 0 or more`)
    // Same id twice keeps the first job, as BullMQ does.
    if (options.jobId !== undefined && this.#jobs.has(options.jobId)) return options.jobId
    let dataJson: string | undefined
    try {
      dataJson = JSON.stringify(data ?? null)
    } catch (err) {
      throw new UserError('E_QUEUE', `queue.enqueue("${name}"): data cannot be serialised as JSON (${errorMessage(err)})`)
    }
    const job: JobRecord = {
      id: options.jobId ?? `job-${this.#nextId++}`,
      name,
      queue: options.queue ?? this.#defaultQueue,
      dataJson: dataJson ?? 'null',
      status: delay > 0 ? 'delayed' : 'waiting',
      attempts: 0,
      maxAttempts: attempts,
      createdAt: this.#now().toISOString(),
    }
    this.#jobs.set(job.id, job)
    if (delay > 0) this.#delay(job, delay)
    else this.#schedulePump()
    return job.id
  }

  async getJob(id: string, queue?: string): Promise<Job | undefined> {
    const job = this.#find(id, queue)
    return job && view(job)
  }

  /**
   * Wait until the job has finished (completed, failed or cancelled); undefined at the timeout or if the
   * job is cleared meanwhile. An unknown id is an error, as with the Redis queue.
   */
  async getJobResult(id: string, options: { queue?: string; timeoutMs?: number } = {}): Promise<JobResult | undefined> {
    refuseRenamed(options, { timeout: 'timeoutMs' }, 'queue.getJobResult()')
    const timeout = options.timeoutMs ?? 30_000
    const finished = () => {
      const job = this.#find(id, options.queue)
      if (!job) return null
      return FINAL.has(job.status) ? job : undefined
    }
    const first = finished()
    if (first === null)
      throw new UserError('E_QUEUE_JOB', `queue "${options.queue ?? this.#defaultQueue}" has no job "${id}" (never added, or cleared)`)
    if (first) return resultOf(first)
    return new Promise((resolve) => {
      const check = () => {
        const job = finished()
        if (job === undefined) return
        stop()
        resolve(job === null ? undefined : resultOf(job))
      }
      const timer = setTimeout(() => {
        stop()
        resolve(undefined)
      }, timeout)
      const stop = () => {
        clearTimeout(timer)
        this.#listeners.delete(check)
      }
      this.#listeners.add(check)
    })
  }

  /** Cancel a waiting or delayed job. A job already running or finished cannot be cancelled (false). */
  async cancel(id: string, queue?: string): Promise<boolean> {
    const job = this.#find(id, queue)
    if (!job || (job.status !== 'waiting' && job.status !== 'delayed')) return false
    job.cancelDelay?.()
    this.#settle(job, 'cancelled', { error: 'cancelled' })
    return true
  }

  /** Jobs waiting or delayed in the queue. */
  async length(queue?: string): Promise<number> {
    return this.#inQueue(queue).filter((j) => j.status === 'waiting' || j.status === 'delayed').length
  }

  async getActiveJobs(queue?: string): Promise<Job[]> {
    return this.#inQueue(queue).filter((j) => j.status === 'active').map(view)
  }

  async getFailedJobs(queue?: string): Promise<Job[]> {
    return this.#inQueue(queue).filter((j) => j.status === 'failed').map(view)
  }

  /** Put a failed job back in the queue for one more attempt. False unless it had failed. */
  async retry(id: string, queue?: string): Promise<boolean> {
    const job = this.#find(id, queue)
    if (job?.status !== 'failed') return false
    job.status = 'waiting'
    job.maxAttempts = job.attempts + 1
    job.error = undefined
    job.finishedAt = undefined
    this.#schedulePump()
    return true
  }

  /** Remove every job of the queue. A job running now finishes, but its outcome is dropped. */
  async clear(queue?: string): Promise<void> {
    for (const job of this.#inQueue(queue)) {
      job.cancelDelay?.()
      this.#jobs.delete(job.id)
    }
    this.#notify()
  }

  async healthCheck(): Promise<boolean> {
    return !this.#closed
  }

  /** Resolve when no job is waiting or running (delayed jobs are not waited for). */
  async drain(): Promise<void> {
    const busy = () => [...this.#jobs.values()].some((j) => j.status === 'active' || (j.status === 'waiting' && this.#processors.has(j.name)))
    while (busy()) await new Promise<void>((resolve) => {
      const wake = () => {
        this.#listeners.delete(wake)
        resolve()
      }
      this.#listeners.add(wake)
    })
  }

  /** Stop starting jobs and drop pending delays. */
  close(): void {
    this.#closed = true
    for (const job of this.#jobs.values()) job.cancelDelay?.()
  }

  #now(): Date {
    return this.#clock ? this.#clock.now() : new Date()
  }

  #find(id: string, queue?: string): JobRecord | undefined {
    const job = this.#jobs.get(id)
    return job && (queue === undefined || job.queue === queue) ? job : undefined
  }

  #inQueue(queue?: string): JobRecord[] {
    const name = queue ?? this.#defaultQueue
    return [...this.#jobs.values()].filter((j) => j.queue === name)
  }

  #delay(job: JobRecord, ms: number): void {
    const release = () => {
      job.cancelDelay = undefined
      if (job.status !== 'delayed' || this.#jobs.get(job.id) !== job) return
      job.status = 'waiting'
      this.#schedulePump()
    }
    if (this.#clock) {
      const clock = this.#clock
      const timerId = clock.scheduleAfter(ms, release)
      job.cancelDelay = () => clock.cancel(timerId)
    } else {
      const timer = setTimeout(release, ms)
      timer.unref?.()
      job.cancelDelay = () => clearTimeout(timer)
    }
  }

  /** Jobs start on a later tick: enqueue returns before its job runs, as with a real queue. */
  #schedulePump(): void {
    setImmediate(() => this.#pump())
  }

  #pump(): void {
    if (this.#closed) return
    for (const job of this.#jobs.values()) {
      if (job.status !== 'waiting') continue
      const fn = this.#processors.get(job.name)
      if (!fn) continue
      const active = this.#activePerQueue.get(job.queue) ?? 0
      if (active >= this.#concurrency) continue
      this.#activePerQueue.set(job.queue, active + 1)
      void this.#run(job, fn)
    }
  }

  async #run(job: JobRecord, fn: JobProcessor): Promise<void> {
    job.status = 'active'
    job.attempts++
    this.#notify()
    try {
      const result = await fn({ id: job.id, name: job.name, queue: job.queue, data: JSON.parse(job.dataJson), attempt: job.attempts })
      if (this.#jobs.get(job.id) === job) this.#settle(job, 'completed', { result: roundTrip(result) })
    } catch (err) {
      if (this.#jobs.get(job.id) !== job) return
      if (job.attempts < job.maxAttempts) {
        job.status = 'waiting'
        job.error = errorMessage(err)
      } else this.#settle(job, 'failed', { error: errorMessage(err) })
    } finally {
      this.#activePerQueue.set(job.queue, (this.#activePerQueue.get(job.queue) ?? 1) - 1)
      this.#notify()
      this.#schedulePump()
    }
  }

  #settle(job: JobRecord, status: JobStatus, outcome: { result?: unknown; error?: string }): void {
    job.status = status
    job.result = outcome.result
    job.error = outcome.error
    job.finishedAt = this.#now().toISOString()
    this.#notify()
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener()
  }
}

function roundTrip(value: unknown): unknown {
  if (value === undefined) return undefined
  try {
    return JSON.parse(JSON.stringify(value))
  } catch {
    return String(value)
  }
}

function view(job: JobRecord): Job {
  return {
    id: job.id,
    name: job.name,
    queue: job.queue,
    data: JSON.parse(job.dataJson),
    status: job.status,
    attempts: job.attempts,
    result: job.result,
    error: job.error,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
  }
}

function resultOf(job: JobRecord): JobResult {
  return job.status === 'completed' ? { id: job.id, success: true, result: job.result } : { id: job.id, success: false, error: job.error ?? job.status }
}
