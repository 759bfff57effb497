#!/usr/bin/env node
import { ConfigurationError, redactUrl, runMain } from '@venomqa/example-app-kit'
import { createShopApp, parseBugs } from './index'

/** `node dist/server.js`: the shop app configured from the environment (see README). */
runMain({
  name: 'shop-app',
  defaultPort: 3100,
  start(port, host) {
    const databaseUrl = process.env.DATABASE_URL ?? ''
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigurationError('DATABASE_URL must be a postgres:// URL (the shop app keeps its data in PostgreSQL only)')
    const app = createShopApp({ databaseUrl, bugs: parseBugs(process.env.SHOP_BUGS), logRequests: process.env.LOG_REQUESTS === '1' })
    const started = app.listen(port, host).catch((err: Error) => {
      throw new Error(`cannot start on ${redactUrl(databaseUrl)}: ${err.message}`)
    })
    return { app, started, ready: () => `shop-app listening on ${app.url} (bugs: ${[...app.bugs].join(', ') || 'none'})` }
  },
})
