import { ConfigError, type MainSystem, type Ports, type StateBackend, errorMessage } from '@venomqa/core'
import type { Dispatcher } from 'undici'
import type { Lane, WorkerLane } from './executor'
import { type TokenStore, UndiciHttpClient } from './http-client'
import type { DetachedRequests } from './http/detached'
import type { HttpClientOptions, WorkerResources, WorkerSetup } from './types'
import { laneWorld } from './world'

interface Made {
  baseUrl: string
  backends: StateBackend[]
  ports: Ports
  close?: () => void | Promise<void>
}

export interface WorkerPoolOptions {
  setup?: WorkerSetup
  /** Worker 0: the run's own base URL and ports. */
  mainBaseUrl: string
  mainPorts: Map<string, unknown>
  /** Worker 0's state backends, for setups that copy them (in-memory state) or check they copy them all. */
  mainBackends: readonly StateBackend[]
  makePorts: (map: Map<string, unknown>) => Ports
  dispatcher: () => Dispatcher
  tokens: TokenStore
  detached: DetachedRequests
  http: Omit<HttpClientOptions, 'baseUrl'>
}

/**
 * The extra workers of a run, made on first use and kept until the run's runner closes. Without a
 * setup, workers share worker 0's app and only get their own context: that is allowed only when every
 * state backend is parallel-safe (see the refusal in Runner.run).
 */
export class WorkerPool {
  readonly #o: WorkerPoolOptions
  readonly #made = new Map<number, Promise<Made>>()

  constructor(options: WorkerPoolOptions) {
    this.#o = options
  }

  resources(index: number): Promise<Made> {
    let made = this.#made.get(index)
    if (!made) {
      made = this.#create(index)
      this.#made.set(index, made)
      made.catch(() => this.#made.delete(index))
    }
    return made
  }

  async #create(index: number): Promise<Made> {
    const { setup } = this.#o
    if (!setup) return { baseUrl: this.#o.mainBaseUrl, backends: [], ports: this.#o.makePorts(this.#o.mainPorts) }
    let res: WorkerResources
    try {
      res = await setup.create(index, this.#main())
    } catch (err) {
      throw new Error(`workerSetup.create(${index}) failed: ${errorMessage(err)}`, { cause: err })
    }
    if (!res || typeof res !== 'object' || (res.baseUrl !== undefined && typeof res.baseUrl !== 'string'))
      throw new Error(`workerSetup.create(${index}) must return { baseUrl?, stateBackends?, ports?, close? }`)
    const backends = res.stateBackends ?? []
    refuseSharedBackends(index, backends, this.#o.mainBackends)
    for (const b of backends) await b.connect()
    const ports = new Map(this.#o.mainPorts)
    for (const [k, v] of Object.entries(res.ports ?? {})) ports.set(k, v)
    return { baseUrl: res.baseUrl ?? this.#o.mainBaseUrl, backends, ports: this.#o.makePorts(ports), close: res.close?.bind(res) }
  }

  #main(): MainSystem {
    return { baseUrl: this.#o.mainBaseUrl, ports: this.#o.mainPorts, stateBackends: this.#o.mainBackends }
  }

  /** A fresh lane on worker `index` for one journey: its own World, context and HTTP client. */
  async lane(index: number, baseUrlOverride?: string): Promise<Lane> {
    const made = await this.resources(index)
    const http = new UndiciHttpClient({ ...this.#o.http, baseUrl: baseUrlOverride ?? made.baseUrl }, { dispatcher: this.#o.dispatcher(), tokens: this.#o.tokens, detached: this.#o.detached })
    const world = laneWorld(made.backends, http)
    return { index, world, http, ports: made.ports }
  }

  /** Lanes 1..count for the parallel paths of one journey's branch; `baseUrl`, the journey's own, wins there too. */
  async workerLanes(count: number, journey: string, baseUrl?: string): Promise<WorkerLane[]> {
    // Workers are made at once: each may start an app process, create a database, start a server.
    const made = await Promise.allSettled(Array.from({ length: count }, (_, k) => this.resources(k + 1)))
    const failed = made.find((r) => r.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
    const out: WorkerLane[] = []
    for (let i = 1; i <= count; i++) {
      const lane = await this.lane(i, baseUrl)
      out.push({
        ...lane,
        sync: async (checkpoint: string, main: Lane) => {
          const ctx = main.world.contextAt(checkpoint)
          const extras = main.world.extrasAt(checkpoint)
          if (!ctx || !extras) throw new Error(`the main line has no open checkpoint "${checkpoint}"`)
          await lane.world.releaseAll()
          await this.#o.setup?.sync?.(i, { checkpoint, journey, main: this.#main() })
          lane.world.ctx.restore(ctx)
          lane.http.restoreHeaders(extras[0] as Record<string, string>)
          await lane.world.checkpoint(checkpoint)
        },
      })
    }
    return out
  }

  /**
   * Close every worker, all at once: each has its own app and resources, and stopping an app takes a
   * while (one after another, a run's end waited for each in turn). The errors, by worker, the last made first.
   */
  async close(): Promise<string[]> {
    const closing = [...this.#made].reverse().map(async ([index, made]) => {
      const errors: string[] = []
      try {
        const m = await made
        for (const b of m.backends) await b.disconnect().catch((e: unknown) => errors.push(`worker ${index}, backend ${b.name}: ${errorMessage(e)}`))
        await m.close?.()
      } catch (err) {
        errors.push(`worker ${index}: ${errorMessage(err)}`)
      }
      return errors
    })
    const errors = (await Promise.all(closing)).flat()
    this.#made.clear()
    return errors
  }
}

/**
 * A worker with fewer state backends than the run has of those that cannot be shared would run its paths
 * on the run's own database at the same time as the others: each path would see the others' writes and
 * no rollback would keep them apart. The ready-made setups refuse this when composed (see composeWorkers);
 * this is the same rule for a setup written by hand.
 */
function refuseSharedBackends(index: number, own: readonly StateBackend[], main: readonly StateBackend[]): void {
  const unshareable = main.filter((b) => !b.parallelSafe)
  if (own.length >= unshareable.length) return
  const names = unshareable.map((b) => `"${b.name}" (${b.mechanism})`).join(', ')
  throw new ConfigError(
    `workerSetup.create(${index}) gave ${own.length} state backend${own.length === 1 ? '' : 's'} for the run's ${unshareable.length} that cannot be shared (${names}): ` +
      "each worker needs its own copy of each, with its own app, or paths running at once would see each other's writes. Return them as stateBackends, or use the ready-made setups (see docs/parallel.md)",
    { where: 'workerSetup' },
  )
}
