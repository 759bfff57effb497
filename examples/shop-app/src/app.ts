import { readFileSync } from 'node:fs'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { type BugId, parseBugs } from './bugs'
import { Database } from './db'
import { HttpError, Router, sendJson } from './http'
import { orderRoutes } from './routes/orders'
import { productRoutes } from './routes/products'
import { userRoutes } from './routes/users'
import type { Shop } from './shop'

/** The document sits at the package root; src/ and dist/ are both one level below it. */
export const OPENAPI_PATH = fileURLToPath(new URL('../openapi.json', import.meta.url))

export interface ShopAppOptions {
  /** postgres://... The database must exist; the tables are created at startup if missing. */
  databaseUrl: string
  /** Planted bugs to switch on; default: SHOP_BUGS semantics for `all`. */
  bugs?: Iterable<BugId>
  /** One log line per request. */
  logRequests?: boolean
  logger?: Pick<Console, 'log' | 'error'>
}

export interface ShopApp {
  listen(port?: number, host?: string): Promise<string>
  close(): Promise<void>
  readonly url: string
  readonly bugs: ReadonlySet<BugId>
  /** Every route the app answers, for holding against openapi.json. */
  readonly routes: readonly { method: string; path: string }[]
}

const SHUTDOWN_GRACE_MS = 1000

export function createShopApp(options: ShopAppOptions): ShopApp {
  const logger = options.logger ?? console
  const log = (message: string) => logger.error(`shop-app: ${message}`)
  const db = new Database(options.databaseUrl, (err) => log(`database connection lost: ${err.message}`))
  const shop: Shop = { db, bugs: new Set(options.bugs ?? parseBugs('all')), log }
  // Read once at startup and served as read: the file is the document the tests validate.
  const openapi = readFileSync(OPENAPI_PATH, 'utf8')
  let url = ''

  const router = new Router()
  router.on('GET', '/health', async () => {
    try {
      await db.query('SELECT 1')
    } catch (err) {
      return [503, { ok: false, error: (err as Error).message }]
    }
    return [200, { ok: true, bugs: [...shop.bugs] }]
  })
  router.on('GET', '/openapi.json', ({ res }) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(openapi) })
    res.end(openapi)
  })
  userRoutes(router, shop)
  productRoutes(router, shop)
  orderRoutes(router, shop)

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/'
    const q = target.indexOf('?')
    try {
      const { handler, params } = router.match(req.method ?? 'GET', q < 0 ? target : target.slice(0, q))
      const result = await handler({ req, res, params, query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) })
      if (result) sendJson(res, result[0], result[1], result[2])
    } catch (err) {
      if (err instanceof HttpError) return sendJson(res, err.status, err.body, err.headers)
      log(`${req.method} ${target} failed: ${(err as Error).stack ?? String(err)}`)
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' })
      else res.destroy()
    }
  }

  const server = http.createServer({ keepAlive: true }, (req, res) => {
    if (options.logRequests) {
      const started = performance.now()
      res.once('finish', () => logger.log(`${req.method} ${req.url} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms`))
    }
    void handle(req, res)
  })
  // Exploration sends thousands of requests over a few reused connections.
  server.keepAliveTimeout = 30_000
  server.headersTimeout = 31_000

  let closing: Promise<void> | undefined

  return {
    bugs: shop.bugs,
    routes: router.routes(),
    get url() {
      if (!url) throw new Error('the shop app is not listening yet: await listen() first')
      return url
    },

    async listen(port = 0, host = '127.0.0.1') {
      try {
        await db.init()
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject)
          server.listen(port, host, () => {
            server.off('error', reject)
            resolve()
          })
        })
      } catch (err) {
        await db.close().catch(() => {})
        throw err
      }
      const address = server.address() as AddressInfo
      url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
      return url
    },

    close() {
      closing ??= (async () => {
        if (server.listening) {
          const closed = new Promise<void>((resolve) => server.close(() => resolve()))
          server.closeIdleConnections()
          const grace = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS)
          await closed
          clearTimeout(grace)
        }
        await db.close()
      })()
      return closing
    },
  }
}
