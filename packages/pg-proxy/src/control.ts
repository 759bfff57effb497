import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { type PlainResponse, plainRequest, redactConnectionUrl } from '@venomqa/core'
import type { PgProxy, ProxyRollbackOptions, ProxyStats } from './proxy'
import type { BlockedSession } from './blocked'
import { countRows } from './observe'
import type { RefusalRecord } from './refusals'

/** What GET /status answers. */
export interface ProxyStatus {
  /** Where the app connects, its password masked: the control port has no authentication. */
  url: string
  database: string
  checkpoints: string[]
  stats: ProxyStats
  refusals: RefusalRecord[]
  warnings: string[]
  lost?: string
}

export function proxyStatus(proxy: PgProxy): ProxyStatus {
  return {
    url: redactConnectionUrl(proxy.url),
    database: proxy.target.database,
    checkpoints: proxy.checkpoints,
    stats: proxy.stats,
    refusals: proxy.refusals,
    warnings: proxy.warnings,
    lost: proxy.lost?.message,
  }
}

/** The header that carries a run's control token (from POST /attach) on its commands. */
export const CONTROLLER_HEADER = 'x-venomqa-controller'

/** The run that holds the control: its token, since when, and the checkpoints it took. */
interface Controller {
  token: string
  since: string
  taken: Set<string>
  leaving?: boolean
}

/**
 * A small HTTP API for a proxy started on its own (`venomqa-pg-proxy --control`), so that a run in
 * another process takes its checkpoints: POST /checkpoint, /rollback, /release with `{ "name": ... }` (a rollback
 * with `"interrupt": true` too cancels the app's statements under way rather than wait for them),
 * GET /status, GET /observe (row counts per table) and GET /blocked (the sessions connected to the database
 * directly that wait on a lock the proxy's transaction holds: see BlockedSession).
 *
 * One run at a time: two would undo each other's writes and release each other's checkpoints. A run
 * takes the control with POST /attach, whose answer carries its token and stays open for as long as the
 * run holds it; it lets go with POST /detach, or by closing that connection (its process died). Then
 * whatever it left after a checkpoint it did not release is rolled back, and the control is free again.
 * Commands without the run's token are refused meanwhile (without a run attached, anyone may send them,
 * as with curl).
 */
export async function startControlServer(
  proxy: PgProxy,
  host: string,
  port: number,
  log: (message: string) => void = () => {},
): Promise<{ url: string; close(): Promise<void> }> {
  let controller: Controller | undefined
  // The control stays taken until what the run left is rolled back: the next run starts clean.
  const letGo = async (run: Controller) => {
    if (controller !== run || run.leaving) return
    run.leaving = true
    await leftBehind(proxy, run).then(log, (err: Error) => log(`the run let go of the control; rolling back what it left failed: ${err.message}`))
    controller = undefined
  }
  /** The connections whose answer is a run's hold on the control: they never end on their own. */
  const holds = new Set<Socket>()
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && new URL(req.url ?? '/', 'http://x').pathname === '/attach') {
      if (controller) return reply(res, 409, { error: busy(controller) })
      const ours: Controller = { token: randomUUID(), since: new Date().toISOString(), taken: new Set() }
      controller = ours
      log('a run took the control')
      // A peer that vanished without closing (a host gone) is noticed by TCP keepalive.
      req.socket.setKeepAlive(true, 10_000)
      res.writeHead(200, { 'content-type': 'text/plain', [CONTROLLER_HEADER]: ours.token })
      res.write('attached: the control is this run\'s until this answer ends\n')
      res.once('close', () => void letGo(ours))
      holds.add(req.socket)
      req.socket.once('close', () => holds.delete(req.socket))
      return
    }
    void handle(proxy, req, controller, letGo).then(
      (body) => reply(res, 200, body),
      (err: Error & { hint?: string }) => reply(res, err instanceof BadRequest ? 400 : 409, { error: err.message, ...(err.hint ? { hint: err.hint } : {}) }),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // An attached run's answer never ends on its own. A command under way still gets its answer: when
        // the database stopped answering, that is the only place the run learns why (the proxy exits);
        // one that does not end within CLOSE_GRACE_MS is cut.
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS)
        server.close(() => {
          clearTimeout(cut)
          resolve()
        })
        for (const socket of holds) socket.destroy()
      }),
  }
}

/** How long closing the control port waits for the answers of commands under way. */
const CLOSE_GRACE_MS = 1000

class BadRequest extends Error {}

function busy(controller: Controller): string {
  return `another run is using this proxy (it took the control at ${controller.since}): run them one after another, or give each its own proxy`
}

/** The run let go: roll back to the oldest checkpoint it took and left open (a run that died mid-path), and release it. */
async function leftBehind(proxy: PgProxy, run: Controller): Promise<string> {
  const oldest = proxy.checkpoints.find((name) => run.taken.has(name))
  if (!oldest || proxy.lost) return 'the run let go of the control'
  await proxy.rollback(oldest)
  await proxy.release(oldest)
  return `the run let go of the control; rolled back to its checkpoint "${oldest}", which it had left open`
}

async function handle(
  proxy: PgProxy,
  req: http.IncomingMessage,
  controller: Controller | undefined,
  letGo: (run: Controller) => Promise<void>,
): Promise<unknown> {
  const path = new URL(req.url ?? '/', 'http://x').pathname
  if (req.method === 'GET' && path === '/status') return proxyStatus(proxy)
  if (req.method === 'GET' && path === '/observe') return countRows(proxy)
  if (req.method === 'GET' && path === '/blocked') return proxy.blockedSessions()
  if (req.method !== 'POST' || !['/checkpoint', '/rollback', '/release', '/detach'].includes(path)) throw new BadRequest(`no route ${req.method} ${path}`)
  const token = req.headers[CONTROLLER_HEADER]
  if (controller && token !== controller.token) throw new Error(busy(controller))
  if (!controller && token) throw new Error('this run no longer holds the control of the proxy: its control connection closed')
  if (path === '/detach') {
    if (controller) await letGo(controller)
    return { ok: true }
  }
  let raw = ''
  for await (const chunk of req) raw += chunk
  const body = parseBody(raw)
  const name = body.name
  if (typeof name !== 'string' || !name) throw new BadRequest('the body must be {"name": "<checkpoint>"}')
  if (path === '/checkpoint') {
    controller?.taken.add(name)
    await proxy.checkpoint(name)
  } else if (path === '/rollback') await proxy.rollback(name, { interrupt: body.interrupt === true })
  else await proxy.release(name)
  return { ok: true, checkpoints: proxy.checkpoints }
}

/** The request's JSON body; text that is not JSON is the caller's mistake (400), not a refusal of the proxy (409). */
function parseBody(raw: string): { name?: unknown; interrupt?: unknown } {
  try {
    const body: unknown = JSON.parse(raw || '{}')
    return body && typeof body === 'object' ? (body as { name?: unknown; interrupt?: unknown }) : {}
  } catch {
    throw new BadRequest('the body must be JSON: {"name": "<checkpoint>"}')
  }
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function notTheControlPort(what: string): string {
  return `${what}: give \`control\` the address venomqa-pg-proxy printed after "control on" (its --control), not the one the app connects to (its --listen)`
}

/** A proxy's GET /status answer, or undefined for anything else's. */
function parseStatus(text: string): ProxyStatus | undefined {
  try {
    const body = JSON.parse(text) as Partial<ProxyStatus> | null
    return body && typeof body.database === 'string' && Array.isArray(body.checkpoints) && Array.isArray(body.refusals) ? (body as ProxyStatus) : undefined
  } catch {
    return undefined
  }
}

/** The other end: what the state backend uses to drive a proxy in another process. */
export class ControlClient {
  #token?: string
  #attached?: http.ClientRequest

  constructor(readonly base: string) {}

  /**
   * Take the control of the proxy for this run (refused while another run holds it), until detach() or
   * the end of this process. The connection that holds it does not keep the process alive.
   */
  attach(): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = http.request(new URL('/attach', this.base), { method: 'POST', agent: false })
      req.once('error', (err) => reject(new Error(err.message, { cause: err })))
      req.once('response', (res) => {
        const token = res.headers[CONTROLLER_HEADER]
        if (res.statusCode === 200 && typeof token === 'string') {
          this.#token = token
          this.#attached = req
          res.socket.unref()
          res.on('error', () => {})
          return resolve()
        }
        let raw = ''
        res.on('data', (d: Buffer) => (raw += d))
        res.on('end', () => {
          let error = `${res.statusCode} from ${this.base}/attach`
          try {
            error = (JSON.parse(raw) as { error?: string }).error ?? error
          } catch {}
          reject(new Error(error))
        })
      })
      req.end()
    })
  }

  /** Let go of the control; best effort: the proxy frees it anyway when the attach connection closes. */
  async detach(): Promise<void> {
    const attached = this.#attached
    if (!attached) return
    try {
      await this.#call('POST', '/detach')
    } catch {
      // The proxy is gone or already let go.
    } finally {
      this.#token = undefined
      this.#attached = undefined
      attached.destroy()
    }
  }

  /**
   * The proxy's status; anything else answering at the address (the proxy's PostgreSQL port, the app) is
   * said to be so, with the address to give instead: a bare HTTP parse error or a 404 told a user who mixed
   * the ports up nothing.
   */
  async status(): Promise<ProxyStatus> {
    let res: PlainResponse
    try {
      res = await plainRequest(new URL('/status', this.base), { method: 'GET' })
    } catch (err) {
      const cause = (err as { cause?: { message?: string; code?: string } }).cause
      // Node's HTTP parser's errors (HPE_*): bytes came back, but not an HTTP answer.
      if (cause?.code?.startsWith('HPE_')) throw new Error(notTheControlPort("something answers there, but not over HTTP (the proxy's PostgreSQL port, perhaps)"), { cause: err })
      throw new Error(cause?.message ?? (err as Error).message, { cause: err })
    }
    const text = await res.text()
    const status = res.ok ? parseStatus(text) : undefined
    if (!status) throw new Error(notTheControlPort(`an HTTP server answers there, but it is no venomqa-pg-proxy (GET /status: ${res.status}, not its status)`))
    return status
  }

  observe(): Promise<Record<string, number>> {
    return this.#call('GET', '/observe')
  }

  blocked(): Promise<BlockedSession[]> {
    return this.#call('GET', '/blocked')
  }

  /** `options.interrupt` on a rollback: the app's statements under way are cancelled (see PgProxy#rollback). */
  async command(verb: 'checkpoint' | 'rollback' | 'release', name: string, options?: ProxyRollbackOptions): Promise<void> {
    await this.#call('POST', `/${verb}`, options?.interrupt ? { name, interrupt: true } : { name })
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: PlainResponse
    try {
      // Not the global fetch: it refuses the fetch standard's "bad ports" (6665-6669, 10080, ...), where a
      // control API may well be started.
      res = await plainRequest(new URL(path, this.base), {
        method,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(this.#token ? { [CONTROLLER_HEADER]: this.#token } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      })
    } catch (err) {
      // The error says only that there was no answer; why (connection refused, say) is in its cause.
      const cause = (err as { cause?: { message?: string } }).cause?.message
      throw new Error(cause ?? (err as Error).message, { cause: err })
    }
    const json = JSON.parse(await res.text()) as T & { error?: string; hint?: string }
    // The hint (what to do) goes on with the error, as the proxy's own ProxyError carries it in the run's process.
    if (!res.ok) throw Object.assign(new Error(json.error ?? `${res.status} from ${this.base}${path}`), json.hint ? { hint: json.hint } : {})
    return json
  }
}
