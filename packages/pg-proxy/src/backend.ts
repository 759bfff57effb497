import { type BlockedSession, blockedSentence } from './blocked'
import { countRows } from './observe'
import { type HealthWarning, type RollbackAnswer, type RollbackOptions, StateError, type StateBackend, errorMessage, redactConnectionUrl, redactText } from '@venomqa/core'
import { ControlClient, type ProxyStatus } from './control'
import { type ResolvedOptions, listenProblem } from './options'
import { PgProxy, type ProxyRollbackOptions } from './proxy'
import type { RefusalRecord } from './refusals'
import { Upstream, parseUpstreamUrl } from './upstream'

/** How the backend reaches the proxy: one in this process, or one started on its own. */
interface Driver {
  readonly url: string
  /** How many refusals the proxy had made before the backend attached: none of them is this run's. */
  readonly refusedBefore: number
  checkpoint(name: string): Promise<void>
  rollback(name: string, options?: ProxyRollbackOptions): Promise<void>
  release(name: string): Promise<void>
  refusals(): Promise<RefusalRecord[]>
  /** The open checkpoints, oldest first, as the proxy keeps them. */
  checkpoints(): Promise<string[]>
  observe(): Promise<Record<string, unknown>>
  /** The sessions connected to the database directly that wait on the proxy's locks. */
  blocked(): Promise<BlockedSession[]>
  stop(): Promise<void>
}

/**
 * The backend's name: the options' `name`, else `pg-proxy:<database>`. The plugin declares its backend by it
 * before setup (Plugin.stateBackends), so the declared name and the registered one cannot differ.
 */
export function proxyBackendName(options: Pick<ResolvedOptions, 'name' | 'upstream'>): string {
  // With `control` the database is known only from /status, after connect: too late, since the runner
  // registers the backend (and the plugin its health check) under this name at setup.
  const database = options.upstream ? parseUpstreamUrl(options.upstream).database : 'control'
  return options.name ?? `pg-proxy:${database}`
}

/**
 * The `proxy` mechanism: the app connects to the proxy instead of the database, and its transactions run
 * inside the proxy's one transaction, so a checkpoint is a savepoint and a rollback one round trip. The
 * app's connections take turns, so paths cannot run in parallel.
 */
export class PgProxyBackend implements StateBackend {
  readonly mechanism = 'proxy'
  readonly parallelSafe = false
  /**
   * When the run's process goes, an in-process proxy's upstream session ends (PostgreSQL rolls its
   * transaction back: the rows, not the sequences, which letGo puts back when the run is quit) and a
   * standalone proxy rolls back to the oldest checkpoint the run left open (see the control server's letGo).
   */
  readonly undoesOpenCheckpointsWhenLetGo = true
  /** It makes nothing in the database: its transaction ends with its session. */
  readonly leftWhenQuit = false

  /**
   * What a quit leaves when its letGo did not finish stopping the proxy this process runs (its database
   * did not answer in time): the rows go with the proxy's session, the sequences stay where the app moved
   * them (docs/proxy.md). A standalone proxy (`control`) puts them back itself when the run's connection
   * goes, and its letGo has nothing to do: nothing to say.
   */
  get leftWhenLetGoFails(): string | undefined {
    return this.#options.upstream
      ? 'leaves the sequences where the app moved them (the rows are rolled back when this process ends): setval them back if the ids matter'
      : undefined
  }
  readonly name: string
  readonly #options: ResolvedOptions
  readonly #warn: (message: string) => void
  #driver?: Driver
  /** How many of the proxy's refusals were reported (or made before this run): each is reported once. */
  #reported = 0

  constructor(options: ResolvedOptions, warn: (message: string) => void = (m) => console.warn(`[venomqa pg-proxy] ${m}`)) {
    this.#options = options
    this.#warn = warn
    this.name = proxyBackendName(options)
  }

  /**
   * The URL the app must use as its DATABASE_URL (after connect). With `control`, the standalone proxy's,
   * its password masked (its control port has no authentication; the app was started with the password).
   */
  get url(): string {
    return this.#connected().url
  }

  /** The proxy itself, when it runs in this process. */
  proxy?: PgProxy
  /**
   * The proxy started in this process, kept after disconnect let go of `proxy`: a quit run's letGo that
   * comes while the disconnect is stopping it waits for that stop (the sequences put back) instead of
   * returning at once and letting the process exit halfway.
   */
  #inProcess?: PgProxy

  async connect(): Promise<void> {
    if (this.#driver) return
    const driver = this.#options.upstream ? await this.#startInProcess(this.#options.upstream) : await this.#attach(this.#options.control!)
    // A standalone proxy keeps the refusals of earlier runs and of sessions opened before this one.
    this.#reported = driver.refusedBefore
    this.#driver = driver
    if (this.#options.upstream) this.#setEnvUrl(driver.url)
  }

  /** What VENOMQA_PG_PROXY_URL held before this backend set it: put back when it lets go. */
  #envBefore?: { set: string; previous: string | undefined }

  /**
   * The in-process proxy's address in VENOMQA_PG_PROXY_URL while it listens, for an app started after the
   * backends connect (the run's `app`, `env: { DATABASE_URL: '${VENOMQA_PG_PROXY_URL}' }`), as the mail
   * catcher sets VENOMQA_SMTP_URL. A standalone proxy's address is known before the run: not set for it.
   */
  #setEnvUrl(url: string): void {
    this.#envBefore = { set: url, previous: process.env[PROXY_URL_VARIABLE] }
    process.env[PROXY_URL_VARIABLE] = url
  }

  /** Put VENOMQA_PG_PROXY_URL back as it was, unless something else has set it since. */
  #unsetEnvUrl(): void {
    const before = this.#envBefore
    this.#envBefore = undefined
    if (!before || process.env[PROXY_URL_VARIABLE] !== before.set) return
    if (before.previous === undefined) delete process.env[PROXY_URL_VARIABLE]
    else process.env[PROXY_URL_VARIABLE] = before.previous
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
      upstreamTimeoutMs: o.upstreamTimeoutMs,
    })
    proxy.on('warning', this.#warn)
    try {
      await proxy.start()
    } catch (err) {
      await proxy.stop().catch(() => {})
      // A port in use is named by the option that chose it, as venomqa-pg-proxy names its --listen: a bare
      // `listen EADDRINUSE` said neither which option nor what to do.
      const why = listenProblem('`listen`', o, err, "or leave `listen` out for any free port: the backend's `url` says which") ?? redactText(errorMessage(err))
      throw new StateError(this.name, `cannot start the proxy in front of ${redactConnectionUrl(upstream)}: ${why}`, { cause: err })
    }
    this.proxy = proxy
    this.#inProcess = proxy
    return {
      url: proxy.url,
      refusedBefore: 0,
      checkpoint: (n) => proxy.checkpoint(n),
      rollback: (n, o) => proxy.rollback(n, o),
      release: (n) => proxy.release(n),
      refusals: async () => proxy.refusals,
      checkpoints: async () => proxy.checkpoints,
      // The state only (row counts): exploration fingerprints it, so nothing that changes without the
      // data changing (wait counters, the checkpoint stack) may be in it.
      observe: () => countRows(proxy),
      blocked: () => proxy.blockedSessions(),
      stop: async () => {
        await proxy.stop()
      },
    }
  }

  async #attach(control: string): Promise<Driver> {
    const client = new ControlClient(control)
    let status: ProxyStatus
    try {
      status = await client.status()
    } catch (err) {
      throw new StateError(this.name, `no venomqa-pg-proxy answers at ${control}: ${(err as Error).message}`, { cause: err })
    }
    try {
      await client.attach()
    } catch (err) {
      throw new StateError(this.name, `cannot drive the venomqa-pg-proxy at ${control}: ${(err as Error).message}`, { cause: err })
    }
    return {
      // Its password masked: the app was started with the real one.
      url: status.url,
      refusedBefore: status.refusals.length,
      checkpoint: (n) => client.command('checkpoint', n),
      rollback: (n, o) => client.command('rollback', n, o),
      release: (n) => client.command('release', n),
      refusals: async () => (await client.status()).refusals,
      checkpoints: async () => (await client.status()).checkpoints,
      observe: () => client.observe(),
      blocked: () => client.blocked(),
      stop: () => client.detach(),
    }
  }

  async checkpoint(name: string): Promise<void> {
    const driver = this.#connected()
    const doing = `checkpoint "${name}"`
    const refused = await this.#unreportedRefusals(driver, doing)
    if (!refused.length) return this.#call(doing, () => driver.checkpoint(name))
    // A refusal first met here (a checkpoint inside a path): what the path did so far is undone, as the
    // branch would have undone it, since the runner stops on this error without rolling back.
    const newest = (await driver.checkpoints().catch((): string[] => [])).at(-1)
    if (!newest) throw refusedError(this.name, doing, refused)
    try {
      await driver.rollback(newest)
    } catch (err) {
      throw refusedError(this.name, doing, refused, `; and the rollback to "${newest}" failed too: ${(err as Error).message}`, err)
    }
    throw refusedError(this.name, doing, refused, ` (rolled back to "${newest}", the newest checkpoint, all the same)`)
  }

  /**
   * On an interrupt (Ctrl-C) the app's statements under way are cancelled rather than waited for (see
   * PgProxy#rollback), and the answer says so: the runner's word on a request it cut off is then that the
   * app's work on the database was stopped and undone, not that it stays.
   */
  async rollback(name: string, options?: RollbackOptions): Promise<void | RollbackAnswer> {
    const driver = this.#connected()
    const doing = `rollback to "${name}"`
    const how = options?.reason === 'interrupt' ? { interrupt: true } : undefined
    const refused = await this.#unreportedRefusals(driver, doing)
    if (!refused.length) {
      await this.#call(doing, () => driver.rollback(name, how))
      return how ? { cancelledAppWork: true } : undefined
    }
    // Rolled back even so: the refused statement changed nothing, but what the app did around it did, and
    // the runner stops on this error without undoing it (a standalone proxy would keep it for later
    // journeys and later runs). Then the refusal is told.
    try {
      await driver.rollback(name, how)
    } catch (err) {
      throw refusedError(this.name, doing, refused, `; and the rollback failed too: ${(err as Error).message}`, err)
    }
    throw refusedError(this.name, doing, refused, ` (rolled back to "${name}" all the same)`)
  }

  async release(name: string): Promise<void> {
    const driver = this.#driver
    if (!driver) return
    const doing = `release "${name}"`
    // Released whatever the app did: a release keeps the state as it is, so no refusal makes it unsafe.
    await this.#call(doing, () => driver.release(name))
    const refused = await this.#unreportedRefusals(driver, doing)
    // The state is wrong: a critical issue, though met while checkpoints are let go (see StateError).
    if (refused.length) throw refusedError(this.name, doing, refused)
  }

  async observe(): Promise<Record<string, unknown>> {
    return this.#step('observe', (d) => d.observe())
  }

  /**
   * Sessions connected to the database directly that wait on a lock the proxy's transaction holds (the
   * usual reason a step of an app behind the proxy waits until it times out), in a sentence; undefined
   * when none does, or when the proxy cannot be asked (it is only a help to a failure already reported).
   */
  async blockedByIt(): Promise<string | undefined> {
    const driver = this.#driver
    if (!driver) return undefined
    try {
      return blockedSentence(await driver.blocked(), driver.url)
    } catch {
      return undefined
    }
  }

  /**
   * Roll everything back (the database is as before connect) and end the app's connections. Fails when
   * the proxy refused something that no checkpoint, rollback or release failed on (a journey without
   * checkpoints): the run ended on a state that is not what the app meant.
   */
  async disconnect(): Promise<void> {
    const driver = this.#driver
    this.#driver = undefined
    this.proxy = undefined
    if (!driver) return
    this.#unsetEnvUrl()
    let unreported: RefusalRecord[]
    try {
      unreported = await this.#unreportedRefusals(driver, 'disconnect')
    } finally {
      await driver.stop()
    }
    if (unreported.length)
      throw new StateError(
        this.name,
        `the proxy refused what the app did after its last checkpoint or rollback, so the run ended on a state that is not what the app meant: ${listRefusals(unreported)}`,
        { failure: 'refused', suggestion: refusalSuggestion(unreported) },
      )
  }

  /**
   * A quit run (a second Ctrl-C): a proxy in this process stops at once, which ends its transaction (the
   * rows) and puts the sequences back where they stood at start, which the end of the transaction alone
   * does not (see PgProxy.stop). A standalone proxy is left to undo it itself when the run's connection
   * to it goes (see the control server's letGo), sequences included.
   */
  async letGo(): Promise<void> {
    // Also when a disconnect already took it and is stopping it: stop() then waits for that stop.
    const proxy = this.#inProcess
    if (!proxy) return
    this.#driver = undefined
    this.proxy = undefined
    this.#unsetEnvUrl()
    await proxy.stop()
  }

  /** True when the database (or the standalone proxy) answers, with a warning or not. Never throws. */
  async healthCheck(): Promise<boolean> {
    return typeof (await this.healthReport()) !== 'string'
  }

  /**
   * `true` when the database (or the standalone proxy) answers, else why not, for `venomqa doctor`; a
   * warning when a standalone proxy answers but no client has ever connected through it. Never throws.
   */
  async healthReport(): Promise<true | string | HealthWarning> {
    try {
      return this.#options.control ? await this.#proxyHealth(this.#options.control) : await this.#databaseHealth(this.#options.upstream!)
    } catch (err) {
      return redactText(errorMessage(err))
    }
  }

  async #proxyHealth(control: string): Promise<true | string | HealthWarning> {
    let status: ProxyStatus
    try {
      // Over the control port: a connection to the proxy's PostgreSQL port would count as the client it looks for.
      status = await new ControlClient(control).status()
    } catch (err) {
      return `no venomqa-pg-proxy answers at ${control}: ${redactText(errorMessage(err))}`
    }
    if (status.lost) return `the venomqa-pg-proxy at ${control} lost its upstream session: ${redactText(status.lost)}`
    // The usual mistake: the app still at the database's own address, committing for real. Only a
    // warning: an app whose pool connects at its first query has not connected before a run.
    if (status.stats?.connections === 0) return { warning: neverConnected(status.url) }
    return true
  }

  async #databaseHealth(upstream: string): Promise<true | string> {
    try {
      const session = await Upstream.connect(parseUpstreamUrl(upstream), { timeoutMs: this.#options.connectTimeoutMs })
      await session.close()
      return true
    } catch (err) {
      return `cannot connect to ${redactConnectionUrl(upstream)}: ${redactText(errorMessage(err))}`
    }
  }

  /** Anything the proxy refused since the last step fails this one: the app did something the proxy cannot keep. */
  async #step<T>(doing: string, fn: (d: Driver) => Promise<T>): Promise<T> {
    const driver = this.#connected()
    const refused = await this.#unreportedRefusals(driver, doing)
    if (refused.length) throw refusedError(this.name, doing, refused)
    return this.#call(doing, () => fn(driver))
  }

  /** What the proxy refused since the last report; from now on they count as reported. */
  async #unreportedRefusals(driver: Driver, doing: string): Promise<RefusalRecord[]> {
    let refusals: RefusalRecord[]
    try {
      refusals = (await driver.refusals()).slice(this.#reported)
    } catch (err) {
      throw new StateError(this.name, `${doing}: the proxy does not answer: ${(err as Error).message}`, { cause: err })
    }
    this.#reported += refusals.length
    return refusals
  }

  /** Run one command of the proxy; its failure is a StateError that says what was being done. */
  async #call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      // The proxy's hint, when it has one, is what to do: the generic suggestion (check the backend's
      // connection) is wrong when the proxy worked and the app went around it.
      const hint = (err as { hint?: unknown }).hint
      throw new StateError(this.name, `${doing} failed: ${(err as Error).message}`, { cause: err, ...(typeof hint === 'string' ? { suggestion: hint } : {}) })
    }
  }

  #connected(): Driver {
    if (!this.#driver) throw new StateError(this.name, 'not connected: call connect() first')
    return this.#driver
  }
}

/**
 * What a standalone proxy no client has connected through warns of: the proxy's address and the URL the app
 * must take as its DATABASE_URL (its password masked, as the proxy shows it; `url` comes from its status).
 */
function neverConnected(url: string): string {
  const { host, hostname } = new URL(url)
  const hostName = hostname.replace(/^\[|\]$/g, '')
  const notes = [
    ...(url.includes(':***@') ? ['*** being the password the proxy was given, its --password or VENOMQA_PG_PROXY_PASSWORD'] : []),
    ...(hostName === '0.0.0.0' || hostName === '::' ? [`${hostName} being the address the app reaches the proxy's host by`] : []),
  ]
  return `no client has connected through the venomqa-pg-proxy at ${host} yet: an app still pointed at the database itself commits for real, and no rollback undoes it. Start the app with DATABASE_URL=${url}${notes.length ? ` (${notes.join('; ')})` : ''}; an app whose pool connects at its first query is counted once it has served one`
}

/** What was refused, with the SQLSTATEs, for a StateError. */
function listRefusals(refusals: readonly RefusalRecord[]): string {
  return refusals.map((r) => `${r.message} [${r.code}]`).join('; ')
}

function refusedError(backend: string, doing: string, refused: readonly RefusalRecord[], after = '', cause?: unknown): StateError {
  return new StateError(backend, `${doing}: the proxy refused what the app did, so the state is not what the app meant: ${listRefusals(refused)}${after}`, {
    failure: 'refused',
    cause,
    suggestion: refusalSuggestion(refused),
  })
}

/** For a refusal recorded without a hint (by a standalone proxy of an older version). */
/** Where the in-process proxy's address is, while it listens (see PgProxyStateBackend's connect). */
export const PROXY_URL_VARIABLE = 'VENOMQA_PG_PROXY_URL'

const REFUSAL_FIX =
  'Keep the app from doing it behind the proxy (docs/proxy.md lists what the proxy refuses), or use the snapshot mechanism of @venomqa/state-postgres for this app.'

/**
 * The issue's advice: what the app got told to do about each refusal (the errors' hints). The generic one
 * for a state backend that failed (check its connection and permissions) sends the user the wrong way: the
 * proxy worked, the app did something it cannot keep inside its one transaction.
 */
function refusalSuggestion(refused: readonly RefusalRecord[]): string {
  const fixes = new Set<string>()
  for (const r of refused) fixes.add(r.hint?.trim() || REFUSAL_FIX)
  return `The app did something the venomqa-pg-proxy refuses (see the error). ${[...fixes].join(' ')}`
}
