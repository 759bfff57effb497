import { type EnqueueOptions, type Job, type JobResult, type JobStatus, type QueuePort, UserError, refuseRenamed } from '@venomqa/core'
import { createRequire } from 'node:module'
import type { Job as BullJob, Queue, QueueEvents } from 'bullmq'
import type { Redis } from 'ioredis'
import { type ConnectionOptions, type OwnedClient, closeClient, describeClient, describeServer, explained, openClient, ping, urlPlaceOf, whenAnswering } from './connection'

export interface BullQueueOptions extends ConnectionOptions {
  /** The queue used when a call names none. Default 'default'. */
  name?: string
  /** BullMQ's key prefix. Default 'bull', as in BullMQ. */
  prefix?: string
  /** getJobResult's wait when the call gives none, ms. Default 30 000. */
  defaultTimeoutMs?: number
  /**
   * Given the key prefix of a queue (`bull:emails:`), why a rollback would leave its jobs, or undefined.
   * Told through `onNotice` when the queue is first used; the plugin gives it from its state scope.
   */
  outsideRollback?: (queueKeys: string, queue: string) => string | undefined
}

let bullmqModule: typeof import('bullmq') | undefined

/**
 * BullMQ, required when the port first opens a queue. Loading it takes 50 to 100 ms (about as long as the
 * rest of the plugin), which every run that configures the plugin paid at start-up, also when no journey
 * touches a queue, and every `venomqa plugins` or `doctor`. BullMQ has no exports map and Node takes its
 * CommonJS `main` for `import` as for `require`: this is the one instance an app's own `import` gets.
 */
function bullmq(): typeof import('bullmq') {
  bullmqModule ??= createRequire(import.meta.url)('bullmq') as typeof import('bullmq')
  return bullmqModule
}

/** The Redis versions BullMQ refuses below, and advises against below (its RedisConnection's minimumVersion and recommendedMinimumVersion). */
const BULLMQ_MINIMUM_REDIS = '5.0.0'
const BULLMQ_RECOMMENDED_REDIS = '6.2.0'

/** Whether a version (`7.0.15`, `6.2`) is below `floor`, comparing major, minor and patch as numbers. */
function versionBelow(version: string, floor: string): boolean {
  const parts = (v: string) => v.split('.').map((n) => Number.parseInt(n, 10) || 0)
  const [a, b] = [parts(version), parts(floor)]
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0)
  return false
}

/** Text matched as itself in a SCAN pattern (a queue name or prefix with `*`, `?` or `[`). */
function globEscaped(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}

const STATUS: Record<string, JobStatus> = {
  waiting: 'waiting',
  wait: 'waiting',
  prioritized: 'waiting',
  'waiting-children': 'waiting',
  paused: 'waiting',
  delayed: 'delayed',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
}

const BULL_STATES: Partial<Record<JobStatus, ('wait' | 'prioritized' | 'waiting-children' | 'paused' | 'delayed' | 'active' | 'completed' | 'failed')[]>> = {
  waiting: ['wait', 'prioritized', 'waiting-children', 'paused'],
  delayed: ['delayed'],
  active: ['active'],
  completed: ['completed'],
  failed: ['failed'],
}

/** BullMQ's job states mapped onto the port's. */
export function toJobStatus(state: string): JobStatus {
  return STATUS[state] ?? 'unknown'
}

function toJob(job: BullJob, queue: string, status: JobStatus): Job {
  return {
    id: String(job.id),
    name: job.name,
    queue,
    data: job.data,
    status,
    attempts: job.attemptsMade,
    result: job.returnvalue ?? undefined,
    error: job.failedReason || undefined,
    createdAt: job.timestamp ? new Date(job.timestamp).toISOString() : undefined,
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
  }
}

/**
 * QueuePort on BullMQ. A Queue (and, for getJobResult, a QueueEvents) is opened per queue name on first
 * use; close() closes them all. Jobs are added and inspected here; processing is the app's Worker's job.
 */
export class BullQueue implements QueuePort {
  readonly defaultQueue: string
  readonly prefix: string
  readonly #client: OwnedClient
  readonly #defaultTimeout: number
  readonly #queues = new Map<string, Queue>()
  readonly #events = new Map<string, { events: QueueEvents; ready: Promise<QueueEvents> }>()
  #blockingTemplate: Redis | undefined
  readonly #onNotice: ((message: string) => void) | undefined
  readonly #outsideRollback: BullQueueOptions['outsideRollback']
  /** The server's check (see checkServer), once it passed or is under way. */
  #serverChecked: Promise<void> | undefined
  #closed = false
  /** Queue names already looked up by #tellIfNeverUsed: it tells each at most once. */
  readonly #namesChecked = new Set<string>()
  /**
   * The scope notice (outsideRollback) of each queue opened during the call under way, told as the call
   * ends: a read that finds the queue's jobs under another BullMQ prefix tells that instead, whose advice
   * comes first (advice to add `bull:` to the scope is wrong for an app whose jobs are under `myapp:`).
   */
  readonly #scopeUntold = new Map<string, string>()
  /** How many calls are under way (see #do): a queue opened outside one tells its scope notice at once. */
  #calls = 0

  constructor(options: BullQueueOptions = {}) {
    this.defaultQueue = options.name ?? 'default'
    this.prefix = options.prefix ?? 'bull'
    refuseRenamed(options, { defaultTimeout: 'defaultTimeoutMs' }, 'BullQueue()')
    this.#defaultTimeout = options.defaultTimeoutMs ?? 30_000
    this.#onNotice = options.onNotice
    this.#outsideRollback = options.outsideRollback
    this.#client = openClient(options)
    if (this.#client.redis.options.keyPrefix)
      throw new UserError('E_QUEUE_CONFIG', 'queue: BullMQ cannot use an ioredis client with keyPrefix; use the queue "prefix" option instead')
  }

  get redis(): Redis {
    return this.#client.redis
  }

  /**
   * The same port on another Redis DB, with `keyPrefix` put before BullMQ's prefix: a worker's copy for
   * parallel paths (redisWorkers).
   */
  twin(connection: ConnectionOptions, keyPrefix = ''): BullQueue {
    return new BullQueue({ ...connection, name: this.defaultQueue, prefix: keyPrefix + this.prefix, defaultTimeoutMs: this.#defaultTimeout, onNotice: this.#onNotice })
  }

  async #do<T>(what: string, run: () => Promise<T>): Promise<T> {
    this.#calls++
    try {
      return await explained(`queue ${what}`, this.#client, async () => {
        // BullMQ waits for a connection that is not ready without a deadline: check it first, with one.
        await whenAnswering(this.redis, 3000)
        await this.checkServer()
        return run()
      })
    } finally {
      this.#calls--
      this.#tellScope()
    }
  }

  /** The scope notices of the queues opened meanwhile, that nothing replaced (see #scopeUntold). */
  #tellScope(): void {
    for (const notice of this.#scopeUntold.values()) this.#onNotice?.(notice)
    this.#scopeUntold.clear()
  }

  /**
   * The jobs of queue `name` are under `other`, not under this port's prefix: the scope notice for this
   * prefix would send the user to the wrong keys, and is not told. What to add to the scope once the prefix
   * is the app's, when its keys are outside it too: ` Then: <the scope notice for it>`, or nothing.
   */
  #scopeUnderPrefix(name: string, other: string): string {
    this.#scopeUntold.delete(name)
    const outside = this.#outsideRollback?.(`${other}:${name}:`, name)
    return outside === undefined ? '' : `. Then: ${outside}`
  }

  /**
   * What BullMQ checks of the server on each of its connections, checked once here instead: BullMQ skips
   * its own (skipVersionCheck), which prints its advice with console.warn, over VenomQA's report. A server
   * older than BullMQ supports is refused; one older than it recommends, or that evicts keys when full
   * (a maxmemory-policy other than noeviction drops jobs), is told through `onNotice`. Needs INFO, as
   * BullMQ's check does: a user that may not run it is told so by the call (see explained).
   */
  checkServer(): Promise<void> {
    this.#serverChecked ??= this.#checkServer().catch((err: unknown) => {
      this.#serverChecked = undefined
      throw err
    })
    return this.#serverChecked
  }

  async #checkServer(): Promise<void> {
    const info = await this.redis.info()
    const field = (name: string) => new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(info)?.[1]
    const where = urlPlaceOf(this.redis)
    const server = `Redis at ${describeServer(this.redis)}`
    const at = where === undefined ? server : `${where}: ${server}`
    // Valkey and Dragonfly give their own versions, which BullMQ does not hold against Redis's.
    const version = field('valkey_version') === undefined && field('dragonfly_version') === undefined ? field('redis_version') : undefined
    if (version !== undefined && versionBelow(version, BULLMQ_MINIMUM_REDIS))
      throw new UserError('E_QUEUE_CONFIG', `queue: ${at} is version ${version}, and BullMQ needs Redis ${BULLMQ_MINIMUM_REDIS} or later`)
    if (version !== undefined && versionBelow(version, BULLMQ_RECOMMENDED_REDIS))
      this.#onNotice?.(`${at} is version ${version}: BullMQ, which the queue port runs on, recommends Redis ${BULLMQ_RECOMMENDED_REDIS} or later`)
    const policy = field('maxmemory_policy')
    if (policy !== undefined && policy !== 'noeviction')
      this.#onNotice?.(
        `${at} has maxmemory-policy ${policy}: once it is full it evicts keys, BullMQ's jobs among them, so queued jobs can be lost; set it to noeviction for the queue port (CONFIG SET maxmemory-policy noeviction, or in redis.conf)`,
      )
  }

  /**
   * A read that found nothing in a queue that has never had a job, while others in the DB have: most likely a
   * name other than the app's (`email` for `emails`), which every read would answer with nothing, and the
   * journey's assertion with only "no job". Told once per name; said nothing while no queue has had a job,
   * as before the app's first enqueue.
   */
  async #tellIfNeverUsed(queue: string | undefined): Promise<void> {
    const name = this.#name(queue)
    if (!this.#onNotice || this.#namesChecked.has(name)) return
    this.#namesChecked.add(name)
    // BullMQ counts every job added in `<prefix>:<queue>:id`, custom ids too; `meta` is written by any Queue
    // the app opens on the name (not by this port's, see queue()).
    if ((await this.redis.exists(`${this.prefix}:${name}:id`)) > 0) return
    const elsewhere = await this.#prefixHoldingJobsOf(name)
    if (elsewhere !== undefined) {
      this.#onNotice(
        `queue "${name}" has had no job under the BullMQ prefix "${this.prefix}" in Redis at ${describeClient(this.redis)} (no key ${this.prefix}:${name}:id), ` +
          `but it has under ${elsewhere.text}${this.#scopeUnderPrefix(name, elsewhere.prefix)}`,
      )
      return
    }
    const others = await this.#queuesWithJobs()
    if (others.length === 0) {
      // Name and prefix both other than the app's: every read answers nothing, and said nothing.
      const elsewhereAll = await this.#queuesWithJobsUnderOtherPrefixes()
      if (elsewhereAll.length === 0) return
      this.#onNotice(
        `queue "${name}" has had no job under the BullMQ prefix "${this.prefix}" in Redis at ${describeClient(this.redis)} (no key ${this.prefix}:${name}:id), nor has any queue under it; ` +
          `queues under other prefixes have (prefix:name): ${elsewhereAll.join(', ')}. Is the app's one of them? Give its name and prefix as the plugin's queue: { name, prefix }`,
      )
      return
    }
    this.#onNotice(
      `queue "${name}" has had no job in Redis at ${describeClient(this.redis)} (no key ${this.prefix}:${name}:id); the queues there are: ${others.join(', ')}. ` +
        `Is "${name}" the queue the app adds its jobs to? Give the app's as the plugin's queue: { name } (or the call's queue)`,
    )
  }

  /**
   * Where else the queue has had jobs: an app whose Queue has a prefix of its own (`new Queue('emails', {
   * prefix: 'myapp' })`) keeps them under `myapp:emails:`, where a port on BullMQ's default `bull` finds
   * nothing and, with no queue under `bull:`, had nothing to say. The other prefix and what to give, or
   * undefined. A bounded SCAN, as #queuesWithJobs.
   */
  async #prefixHoldingJobsOf(name: string): Promise<{ prefix: string; text: string } | undefined> {
    const tail = `:${name}:id`
    let cursor = '0'
    for (let round = 0; round < 20; round++) {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `*${globEscaped(tail)}`, 'COUNT', 1000)
      const other = keys.map((key) => key.slice(0, -tail.length)).find((prefix) => prefix !== this.prefix && prefix !== '')
      if (other !== undefined)
        return { prefix: other, text: `"${other}" (${other}${tail}): the app's Queue is made with prefix "${other}". Give it as the plugin's queue: { prefix: "${other}" }` }
      cursor = next
      if (cursor === '0') break
    }
    return undefined
  }

  /** The names of the queues under this prefix that have had a job, from a bounded SCAN (a hint, not a census). */
  async #queuesWithJobs(): Promise<string[]> {
    const head = `${this.prefix}:`
    const found = new Set<string>()
    let cursor = '0'
    for (let round = 0; round < 20; round++) {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${globEscaped(head)}*:id`, 'COUNT', 1000)
      for (const key of keys) found.add(key.slice(head.length, -':id'.length))
      cursor = next
      if (cursor === '0' || found.size >= 20) break
    }
    return [...found].sort()
  }

  /**
   * The queues under prefixes other than this port's that have had a job, as `prefix:name`: an `<a>:<b>:id`
   * key whose `<a>:<b>:meta` is there too (BullMQ writes it for every Queue opened), so that an app's own
   * keys ending in `:id` are not taken for queues. A bounded SCAN, as #queuesWithJobs.
   */
  async #queuesWithJobsUnderOtherPrefixes(): Promise<string[]> {
    const found = new Set<string>()
    let cursor = '0'
    for (let round = 0; round < 20; round++) {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', '*:*:id', 'COUNT', 1000)
      for (const key of keys) {
        const queue = key.slice(0, -':id'.length)
        const cut = queue.lastIndexOf(':')
        if (cut > 0 && queue.slice(0, cut) !== this.prefix && (await this.redis.exists(`${queue}:meta`)) > 0) found.add(queue)
      }
      cursor = next
      if (cursor === '0' || found.size >= 20) break
    }
    return [...found].sort()
  }

  #name(queue: string | undefined): string {
    const name = queue ?? this.defaultQueue
    if (typeof name !== 'string' || name === '' || name.includes(':'))
      throw new UserError('E_QUEUE_NAME', `queue: "${String(name)}" is not a valid BullMQ queue name (non-empty, no ":")`)
    return name
  }

  /** The BullMQ Queue for a name, opened on first use. */
  queue(name?: string): Queue {
    if (this.#closed) throw new UserError('E_QUEUE_CLOSED', 'queue: used after close()')
    const n = this.#name(name)
    let q = this.#queues.get(n)
    if (!q) {
      const { Queue } = bullmq()
      // skipVersionCheck: checkServer does BullMQ's check, without its console lines. skipMetasUpdate: a
      // Queue opened writes `<prefix>:<name>:meta` (its BullMQ version), and a journey that only reads the
      // queue must leave the app's Redis as it found it; adding a job writes what BullMQ needs of it itself.
      q = new Queue(n, { connection: this.redis, prefix: this.prefix, skipVersionCheck: true, skipMetasUpdate: true })
      q.on('error', () => {})
      this.#queues.set(n, q)
      // Jobs a rollback leaves are seen by the paths after it, which fails them far from the cause.
      const outside = this.#outsideRollback?.(`${this.prefix}:${n}:`, n)
      if (outside !== undefined) this.#scopeUntold.set(n, outside)
      if (this.#calls === 0) this.#tellScope()
    }
    return q
  }

  /** QueueEvents needs a blocking connection of its own; BullMQ duplicates this template for each. */
  #eventsFor(name: string): Promise<QueueEvents> {
    let entry = this.#events.get(name)
    if (!entry) {
      this.#blockingTemplate ??= this.redis.duplicate({ maxRetriesPerRequest: null, lazyConnect: true })
      const { QueueEvents } = bullmq()
      const events = new QueueEvents(name, { connection: this.#blockingTemplate, prefix: this.prefix, skipVersionCheck: true })
      events.on('error', () => {})
      const ready = events.waitUntilReady().then(
        () => events,
        async (err) => {
          // Forget a QueueEvents that could not connect, so the next call tries again.
          this.#events.delete(name)
          await events.close().catch(() => {})
          throw err
        },
      )
      entry = { events, ready }
      this.#events.set(name, entry)
    }
    return entry.ready
  }

  async #job(id: string, queue: string | undefined): Promise<BullJob | undefined> {
    if (typeof id !== 'string' || id === '') throw new UserError('E_QUEUE_JOB', `queue: a job id must be a non-empty string, got ${JSON.stringify(id)}`)
    return (await this.queue(queue).getJob(id)) ?? undefined
  }

  async enqueue(name: string, data: unknown, options: EnqueueOptions = {}): Promise<string> {
    if (options.attempts !== undefined && !(Number.isInteger(options.attempts) && options.attempts >= 1))
      throw new UserError('E_QUEUE_OPTIONS', `queue: "attempts" must be an integer >= 1, got ${String(options.attempts)}`)
    if (options.delayMs !== undefined && !(Number.isFinite(options.delayMs) && options.delayMs >= 0))
      throw new UserError('E_QUEUE_OPTIONS', `queue: "delayMs" must be a number >= 0, got ${String(options.delayMs)}`)
    return this.#do('enqueue', async () => {
      const job = await this.queue(options.queue).add(name, data, {
        delay: options.delayMs,
        attempts: options.attempts,
        jobId: options.jobId,
      })
      return String(job.id)
    })
  }

  async getJob(id: string, queue?: string): Promise<Job | undefined> {
    return this.#do('getJob', async () => {
      const job = await this.#job(id, queue)
      if (!job) {
        await this.#tellIfNeverUsed(queue)
        return undefined
      }
      return toJob(job, this.#name(queue), toJobStatus(await job.getState()))
    })
  }

  /**
   * Wait until the job completes or fails for good (retries included). Undefined when it has not finished
   * at the timeout. A job that does not exist is an error, since waiting for it could never end.
   */
  async getJobResult(id: string, options: { queue?: string; timeoutMs?: number } = {}): Promise<JobResult | undefined> {
    refuseRenamed(options, { timeout: 'timeoutMs' }, 'queue.getJobResult()')
    return this.#do('getJobResult', async () => {
      const queue = this.#name(options.queue)
      const timeout = options.timeoutMs ?? this.#defaultTimeout
      const job = await this.#job(id, queue)
      if (!job) {
        const elsewhere = (await this.redis.exists(`${this.prefix}:${queue}:id`)) > 0 ? undefined : await this.#prefixHoldingJobsOf(queue)
        if (elsewhere !== undefined)
          throw new UserError('E_QUEUE_JOB', `queue "${queue}" has no job "${id}" under the BullMQ prefix "${this.prefix}", but it has jobs under ${elsewhere.text}${this.#scopeUnderPrefix(queue, elsewhere.prefix)}`)
        throw new UserError('E_QUEUE_JOB', `queue "${queue}" has no job "${id}" (never added, cancelled, or removed when it finished)`)
      }
      const deadline = performance.now() + timeout
      let timer: ReturnType<typeof setTimeout> | undefined
      const events = await Promise.race([
        this.#eventsFor(queue).catch(() => undefined),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), timeout)
        }),
      ]).finally(() => clearTimeout(timer))
      if (events) {
        try {
          const result = await job.waitUntilFinished(events, Math.max(1, Math.round(deadline - performance.now())))
          return { id, success: true, result }
        } catch {
          // Failed for good, or still running at the timeout: the stored state says which.
        }
      }
      const now = await this.#job(id, queue)
      if (!now) return undefined
      const state = await now.getState()
      if (state === 'failed') return { id, success: false, error: now.failedReason || 'failed' }
      if (state === 'completed') return { id, success: true, result: now.returnvalue }
      return undefined
    })
  }

  /** Remove a job that has not started (waiting or delayed). False for an active or finished job. */
  async cancel(id: string, queue?: string): Promise<boolean> {
    return this.#do('cancel', async () => {
      const job = await this.#job(id, queue)
      if (!job) return false
      const status = toJobStatus(await job.getState())
      if (status !== 'waiting' && status !== 'delayed') return false
      return (await this.queue(queue).remove(id)) === 1
    })
  }

  /** Jobs not yet started: waiting, prioritized and delayed. */
  async length(queue?: string): Promise<number> {
    return this.#do('length', async () => {
      const count = await this.queue(queue).count()
      if (count === 0) await this.#tellIfNeverUsed(queue)
      return count
    })
  }

  async getActiveJobs(queue?: string): Promise<Job[]> {
    return this.#do('getActiveJobs', async () => {
      const jobs = await this.queue(queue).getActive(0, -1)
      return jobs.filter(Boolean).map((j) => toJob(j, this.#name(queue), 'active'))
    })
  }

  async getFailedJobs(queue?: string): Promise<Job[]> {
    return this.#do('getFailedJobs', async () => {
      const jobs = await this.queue(queue).getFailed(0, -1)
      return jobs.filter(Boolean).map((j) => toJob(j, this.#name(queue), 'failed'))
    })
  }

  /**
   * Jobs in the given states (default: all), newest first, at most `limit` per state. Beyond the port: for
   * finding the job an app enqueued when the app does not say its id.
   */
  async getJobs(options: { queue?: string; status?: JobStatus[]; limit?: number } = {}): Promise<Job[]> {
    return this.#do('getJobs', async () => {
      const wanted = options.status ?? ['waiting', 'delayed', 'active', 'completed', 'failed']
      const bull = [...new Set(wanted.flatMap((s) => BULL_STATES[s] ?? []))]
      if (bull.length === 0) return []
      const name = this.#name(options.queue)
      const limit = options.limit ?? 1000
      const q = this.queue(name)
      const out: Job[] = []
      // One type per call, so each job's state is known without asking Redis per job.
      for (const state of bull) {
        for (const job of await q.getJobs([state], 0, limit - 1)) if (job) out.push(toJob(job, name, toJobStatus(state)))
      }
      if (out.length === 0) await this.#tellIfNeverUsed(name)
      return out.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''))
    })
  }

  /** Move a failed job back to waiting. False when the job is not failed. */
  async retry(id: string, queue?: string): Promise<boolean> {
    return this.#do('retry', async () => {
      const job = await this.#job(id, queue)
      if (!job || (await job.getState()) !== 'failed') return false
      await job.retry('failed')
      return true
    })
  }

  /** Remove every job of the queue, in every state, active ones included. */
  async clear(queue?: string): Promise<void> {
    return this.#do('clear', async () => {
      await this.queue(queue).obliterate({ force: true })
    })
  }

  healthCheck(): Promise<boolean> {
    return ping(this.redis)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await Promise.allSettled([...this.#events.values()].map(({ events }) => events.close()))
    await Promise.allSettled([...this.#queues.values()].map((q) => q.close()))
    this.#events.clear()
    this.#queues.clear()
    this.#blockingTemplate?.disconnect()
    await closeClient(this.#client)
  }
}
