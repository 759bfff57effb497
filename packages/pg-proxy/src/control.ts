import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { PgProxy, ProxyStats } from './proxy'
import { countRows } from './observe'
import { maskUrl } from './options'
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
    url: maskUrl(proxy.url),
    database: proxy.target.database,
    checkpoints: proxy.checkpoints,
    stats: proxy.stats,
    refusals: proxy.refusals,
    warnings: proxy.warnings,
    lost: proxy.lost?.message,
  }
}

/**
 * A small HTTP API for a proxy started on its own (`venomqa-pg-proxy --control`), so that a run in
 * another process takes its checkpoints: POST /checkpoint, /rollback, /release with `{ "name": ... }`,
 * GET /status, and GET /observe (row counts per table).
 */
export async function startControlServer(proxy: PgProxy, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    void handle(proxy, req).then(
      (body) => reply(res, 200, body),
      (err: Error) => reply(res, err instanceof BadRequest ? 400 : 409, { error: err.message }),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

class BadRequest extends Error {}

async function handle(proxy: PgProxy, req: http.IncomingMessage): Promise<unknown> {
  const path = new URL(req.url ?? '/', 'http://x').pathname
  if (req.method === 'GET' && path === '/status') return proxyStatus(proxy)
  if (req.method === 'GET' && path === '/observe') return countRows(proxy)
  if (req.method !== 'POST' || !['/checkpoint', '/rollback', '/release'].includes(path)) throw new BadRequest(`no route ${req.method} ${path}`)
  let raw = ''
  for await (const chunk of req) raw += chunk
  const name = parseBody(raw).name
  if (typeof name !== 'string' || !name) throw new BadRequest('the body must be {"name": "<checkpoint>"}')
  if (path === '/checkpoint') await proxy.checkpoint(name)
  else if (path === '/rollback') await proxy.rollback(name)
  else await proxy.release(name)
  return { ok: true, checkpoints: proxy.checkpoints }
}

/** The request's JSON body; text that is not JSON is the caller's mistake (400), not a refusal of the proxy (409). */
function parseBody(raw: string): { name?: unknown } {
  try {
    const body: unknown = JSON.parse(raw || '{}')
    return body && typeof body === 'object' ? (body as { name?: unknown }) : {}
  } catch {
    throw new BadRequest('the body must be JSON: {"name": "<checkpoint>"}')
  }
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/** The other end: what the state backend uses to drive a proxy in another process. */
export class ControlClient {
  constructor(readonly base: string) {}

  status(): Promise<ProxyStatus> {
    return this.#call('GET', '/status')
  }

  observe(): Promise<Record<string, number>> {
    return this.#call('GET', '/observe')
  }

  async command(verb: 'checkpoint' | 'rollback' | 'release', name: string): Promise<void> {
    await this.#call('POST', `/${verb}`, { name })
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response
    try {
      res = await fetch(new URL(path, this.base), {
        method,
        headers: body ? { 'content-type': 'application/json' } : undefined,
        body: body ? JSON.stringify(body) : undefined,
      })
    } catch (err) {
      // fetch says only "fetch failed"; why (connection refused, say) is in its cause.
      const cause = (err as { cause?: { message?: string } }).cause?.message
      throw new Error(cause ? `${(err as Error).message}: ${cause}` : (err as Error).message, { cause: err })
    }
    const json = (await res.json()) as T & { error?: string }
    if (!res.ok) throw new Error(json.error ?? `${res.status} from ${this.base}${path}`)
    return json
  }
}
