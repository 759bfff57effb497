import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { HttpError, type Router, sendJson } from './http'

export interface JsonServerOptions {
  /** An error line (`<app>: ...`): a handler that failed with something other than an HttpError. */
  log: (message: string) => void
  /** One line per request, on `logger.log`. */
  logRequests?: boolean
  logger?: Pick<Console, 'log'>
}

/**
 * An HTTP server that answers every request from `router`: a handler's [status, body, headers] as JSON,
 * an HttpError as its status and body, anything else as a 500 that is logged.
 */
export function createJsonServer(router: Router, options: JsonServerOptions): http.Server {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/'
    const q = target.indexOf('?')
    try {
      const { handler, params } = router.match(req.method ?? 'GET', q < 0 ? target : target.slice(0, q))
      const result = await handler({ req, res, params, query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) })
      if (result) sendJson(res, result[0], result[1], result[2])
    } catch (err) {
      if (err instanceof HttpError) return sendJson(res, err.status, err.body, err.headers)
      options.log(`${req.method} ${target} failed: ${(err as Error).stack ?? String(err)}`)
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' })
      else res.destroy()
    }
  }

  const logger = options.logger ?? console
  const unused = new Set<Socket>()
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    unused.delete(req.socket)
    if (options.logRequests) {
      const started = performance.now()
      res.once('finish', () => logger.log(`${req.method} ${req.url} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms`))
    }
    void handle(req, res)
  })
  // Clients (the runner's undici pool, explorations, benchmarks) reuse a few connections for many requests.
  server.keepAliveTimeout = 30_000
  server.headersTimeout = 31_000
  server.on('connection', (socket: Socket) => {
    unused.add(socket)
    socket.once('close', () => unused.delete(socket))
  })
  unusedConnections.set(server, unused)
  return server
}

/**
 * Per server of createJsonServer, the connections that have not carried a request yet. A client may open
 * one ahead of a request it never sends: undici does, after a request it gave up on is cut. Node's
 * closeIdleConnections leaves such a connection open (it counts as waiting for its first request), and
 * the server would stop only when the grace period is over.
 */
const unusedConnections = new WeakMap<http.Server, Set<Socket>>()

/** Listen on `port` (0 picks a free one) and `host`; resolves with the server's `http://host:port`. */
export async function listen(server: http.Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  return `http://${displayHost(address.address)}:${address.port}`
}

function displayHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1'
  if (address === '::') return 'localhost'
  return address.includes(':') ? `[${address}]` : address
}

const SHUTDOWN_GRACE_MS = 1000

/**
 * Stop accepting, let requests in flight finish for up to a second, then cut what is left. A connection
 * that has carried no request has none in flight: it is closed at once, as an idle one is.
 */
export async function stopListening(server: http.Server): Promise<void> {
  if (!server.listening) return
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()
  for (const socket of unusedConnections.get(server) ?? []) socket.destroy()
  const grace = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS)
  await closed
  clearTimeout(grace)
}
