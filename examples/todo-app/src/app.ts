import type http from 'node:http'
import { Router, createJsonServer, listen, redactUrl, stopListening } from '@venomqa/example-app-kit'
import type { TodoAppOptions } from './config'
import { TodoCache } from './integrations/cache'
import { TodoEvents } from './integrations/events'
import { Mailer } from './integrations/mailer'
import { Webhooks } from './integrations/webhooks'
import { controlRoutes } from './routes/control'
import { diagnosticRoutes } from './routes/diagnostics'
import { todoRoutes } from './routes/todos'
import { userRoutes } from './routes/users'
import type { Services } from './services'
import { type StorageKind, openStore } from './storage'

export interface TodoApp {
  /** Connect storage and integrations, then listen. Resolves with the app's URL. Port 0 picks a free one. */
  listen(port?: number, host?: string): Promise<string>
  /** Stop accepting, let requests in flight finish (up to a second), then close pools, Redis and queues. */
  close(): Promise<void>
  /** http://host:port, once listening. */
  readonly url: string
  readonly storage: StorageKind
  readonly server: http.Server
}

export function createTodoApp(options: TodoAppOptions = {}): TodoApp {
  const logger = options.logger ?? console
  const log = (message: string) => logger.error(`todo-app: ${message}`)
  const store = openStore(options.databaseUrl, (err) => log(`database connection lost: ${err.message}`))
  let url = ''
  const services: Services = {
    store,
    quota: { regular: options.todoQuota ?? 5, premium: options.premiumQuota ?? 100 },
    paymentUrl: options.paymentUrl,
    publicUrl: () => (options.publicUrl ?? url).replace(/\/+$/, ''),
    log,
    flaky: new Map(),
    slow: { pending: 0, completed: 0, aborted: 0 },
  }

  const router = new Router()
  diagnosticRoutes(router, services)
  userRoutes(router, services)
  todoRoutes(router, services)
  controlRoutes(router, services)

  const server = createJsonServer(router, { log, logRequests: options.logRequests, logger })

  /**
   * Storage, cache and queue start side by side (most of the startup time is loading their drivers).
   * Whatever did start is in `services` even when another part failed, so stopIntegrations can close it.
   */
  async function startIntegrations(): Promise<void> {
    const redisUrl = options.redisUrl
    const results = await Promise.allSettled([
      store.init().catch((err: Error) => {
        throw new Error(`cannot use ${store.kind} at ${redactUrl(options.databaseUrl ?? '')}: ${err.message}`)
      }),
      redisUrl &&
        (async () => {
          // The cache connects first because it fails fast when Redis is unreachable; BullMQ would wait forever.
          TodoEvents.preload()
          services.cache = await TodoCache.connect(redisUrl, options.redisPrefix ?? '', log)
          services.events = await TodoEvents.start({ url: redisUrl, prefix: options.bullmqPrefix ?? 'bull', runWorker: !!options.runWorker, log })
        })(),
      options.smtpUrl && Mailer.create(options.smtpUrl).then((mailer) => (services.mailer = mailer)),
    ])
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
    if (options.webhookUrl) services.webhooks = new Webhooks(options.webhookUrl, log)
  }

  async function stopIntegrations(): Promise<void> {
    services.webhooks?.close()
    services.mailer?.close()
    const results = await Promise.allSettled([services.events?.close(), services.cache?.close(), store.close()])
    for (const r of results) if (r.status === 'rejected') log(`while closing: ${(r.reason as Error).message}`)
  }

  let closing: Promise<void> | undefined

  return {
    server,
    storage: store.kind,
    get url() {
      if (!url) throw new Error('the todo app is not listening yet: await listen() first')
      return url
    },

    async listen(port = 0, host = '127.0.0.1') {
      try {
        await startIntegrations()
        url = await listen(server, port, host)
      } catch (err) {
        await stopIntegrations()
        throw err
      }
      return url
    },

    close() {
      closing ??= (async () => {
        await stopListening(server)
        await stopIntegrations()
      })()
      return closing
    },
  }
}
