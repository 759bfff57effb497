import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Router, createJsonServer, listen, stopListening } from '@venomqa/example-app-kit'
import { type BugId, parseBugs } from './bugs'
import { Database } from './db'
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

  const server = createJsonServer(router, { log, logRequests: options.logRequests, logger })

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
        url = await listen(server, port, host)
      } catch (err) {
        await db.close().catch(() => {})
        throw err
      }
      return url
    },

    close() {
      closing ??= (async () => {
        await stopListening(server)
        await db.close()
      })()
      return closing
    },
  }
}
