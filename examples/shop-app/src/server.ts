#!/usr/bin/env node
import { ConfigurationError, createShopApp, parseBugs } from './index'

/** A URL without the password in it, for messages. */
const redactUrl = (url: string) => url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@')

/** `node dist/server.js`: the shop app configured from the environment (see README). */
async function main(): Promise<void> {
  const host = process.env.HOST || '127.0.0.1'
  const port = Number(process.env.PORT || 3100)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigurationError(`PORT must be a port number, got "${process.env.PORT}"`)
  const databaseUrl = process.env.DATABASE_URL ?? ''
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigurationError('DATABASE_URL must be a postgres:// URL (the shop app keeps its data in PostgreSQL only)')
  const bugs = parseBugs(process.env.SHOP_BUGS)

  const app = createShopApp({ databaseUrl, bugs, logRequests: process.env.LOG_REQUESTS === '1' })
  const started = app.listen(port, host).catch((err: Error) => {
    throw new Error(`cannot start on ${redactUrl(databaseUrl)}: ${err.message}`)
  })

  // Installed before the ready line: whoever waits for that line may signal us the moment it appears.
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`shop-app: ${signal} again, exiting without waiting`)
      process.exit(1)
    }
    stopping = true
    started
      .catch(() => {})
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (err: Error) => {
          console.error(`shop-app: shutdown failed: ${err.message}`)
          process.exit(1)
        },
      )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  await started
  console.log(`shop-app listening on ${app.url} (bugs: ${[...app.bugs].join(', ') || 'none'})`)
}

main().catch((err: Error) => {
  console.error(`shop-app: ${err.message}`)
  process.exit(err instanceof ConfigurationError ? 2 : 1)
})
