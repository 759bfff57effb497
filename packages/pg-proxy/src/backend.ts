import { countRows } from './observe'
import { StateError, type StateBackend } from '@venomqa/core'
import { ControlClient } from './control'
import { type ResolvedOptions, maskUrl } from './options'
import { PgProxy } from './proxy'
import type { RefusalRecord } from './refusals'
import { Upstream, parseUpstreamUrl } from './upstream'

/** How the backend reaches the proxy: one in this process, or one started on its own. */
interface Driver {
  readonly url: string
  checkpoint(name: string): Promise<void>
  rollback(name: string): Promise<void>
  release(name: string): Promise<void>
  refusals(): Promise<RefusalRecord[]>
  observe(): Promise<Record<string, unknown>>
  stop(): Promise<void>
}

/**
 * The `proxy` mechanism: the app connects to the proxy instead of the database, and its transactions run
 * inside the proxy's one transaction, so a checkpoint is a savepoint and a rollback one round trip. The
 * app's connections take turns, so paths cannot run in parallel.
 */
export class PgProxyBackend implements StateBackend {
  readonly mechanism = 'proxy'
  readonly parallelSafe = false
  readonly name: string
  readonly #options: ResolvedOptions
  readonly #warn: (message: string) => void
  #driver?: Driver
  /** Refusals already reported as an error: each is reported once. */
  #reported = 0

  constructor(options: ResolvedOptions, warn: (message: string) => void = (m) => console.warn(`[venomqa pg-proxy] ${m}`)) {
    this.#options = options
    this.#warn = warn
    const database = options.upstream ? parseUpstreamUrl(options.upstream).database : 'control'
    this.name = options.name ?? `pg-proxy:${database}`
  }

  /** The URL the app must use as its DATABASE_URL (after connect). */
  get url(): string {
    return this.#connected().url
  }

  /** The proxy itself, when it runs in this process. */
  proxy?: PgProxy

  async connect(): Promise<void> {
    if (this.#driver) return
    this.#driver = this.#options.upstream ? await this.#startInProcess(this.#options.upstream) : await this.#attach(this.#options.control!)
  }

  async #startInProcess(upstream: string): Promise<Driver> {
    const o = this.#options
    const proxy = new PgProxy({
      upstream,
      host: o.host,
      port: o.port,
      password: o.password,
      idleInTransactionTimeoutMs: o.idleInTransactionTimeoutMs,
      connectTimeoutMs: o.connectTimeoutMs,
    })
    proxy.on('warning', this.#warn)
    try {
      await proxy.start()
    } catch (err) {
      await proxy.stop().catch(() => {})
      throw new StateError(this.name, `cannot start the proxy in front of ${maskUrl(upstream)}: ${(err as Error).message}`, { cause: err })
    }
    this.proxy = proxy
    return {
      url: proxy.url,
      checkpoint: (n) => proxy.checkpoint(n),
      rollback: (n) => proxy.rollback(n),
      release: (n) => proxy.release(n),
      refusals: async () => proxy.refusals,
      // The state only (row counts): exploration fingerprints it, so nothing that changes without the
      // data changing (wait counters, the checkpoint stack) may be in it.
      observe: () => countRows(proxy),
      stop: () => proxy.stop(),
    }
  }

  async #attach(control: string): Promise<Driver> {
    const client = new ControlClient(control)
    let url: string
    try {
      url = (await client.status()).url
    } catch (err) {
      throw new StateError(this.name, `no venomqa-pg-proxy answers at ${control}: ${(err as Error).message}`, { cause: err })
    }
    return {
      url,
      checkpoint: (n) => client.command('checkpoint', n),
      rollback: (n) => client.command('rollback', n),
      release: (n) => client.command('release', n),
      refusals: async () => (await client.status()).refusals,
      observe: () => client.observe(),
      stop: async () => {},
    }
  }

  async checkpoint(name: string): Promise<void> {
    await this.#step(`checkpoint "${name}"`, (d) => d.checkpoint(name))
  }

  async rollback(name: string): Promise<void> {
    await this.#step(`rollback to "${name}"`, (d) => d.rollback(name))
  }

  async release(name: string): Promise<void> {
    if (!this.#driver) return
    await this.#step(`release "${name}"`, (d) => d.release(name))
  }

  async observe(): Promise<Record<string, unknown>> {
    return this.#step('observe', (d) => d.observe())
  }

  /** Roll everything back (the database is as before connect) and end the app's connections. */
  async disconnect(): Promise<void> {
    const driver = this.#driver
    this.#driver = undefined
    this.proxy = undefined
    await driver?.stop()
  }

  /** True when the database (or the standalone proxy) answers. Never throws. */
  async healthCheck(): Promise<boolean> {
    try {
      if (this.#options.control) return !(await new ControlClient(this.#options.control).status()).lost
      const upstream = await Upstream.connect(parseUpstreamUrl(this.#options.upstream!), { timeoutMs: this.#options.connectTimeoutMs })
      await upstream.close()
      return true
    } catch {
      return false
    }
  }

  /** Anything the proxy refused since the last step fails this one: the app did something the proxy cannot keep. */
  async #step<T>(doing: string, fn: (d: Driver) => Promise<T>): Promise<T> {
    const driver = this.#connected()
    let refusals: RefusalRecord[]
    try {
      refusals = (await driver.refusals()).slice(this.#reported)
    } catch (err) {
      throw new StateError(this.name, `${doing}: the proxy does not answer: ${(err as Error).message}`, { cause: err })
    }
    if (refusals.length) {
      this.#reported += refusals.length
      throw new StateError(
        this.name,
        `${doing}: the proxy refused what the app did, so the state is not what the app meant: ${refusals.map((r) => `${r.message} [${r.code}]`).join('; ')}`,
      )
    }
    try {
      return await fn(driver)
    } catch (err) {
      throw new StateError(this.name, `${doing} failed: ${(err as Error).message}`, { cause: err })
    }
  }

  #connected(): Driver {
    if (!this.#driver) throw new StateError(this.name, 'not connected: call connect() first')
    return this.#driver
  }
}

/** Rows per table of the app's schemas, in one round trip: a cheap fingerprint. */
