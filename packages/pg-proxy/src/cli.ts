#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { startControlServer } from './control'
import { parseListen } from './options'
import { PgProxy } from './proxy'

const USAGE = `usage: venomqa-pg-proxy --upstream postgres://user[:password]@host:port/db [options]

  --upstream <url>        the real database (or DATABASE_URL)
  --listen <host:port>    where the app connects (default 127.0.0.1:6543)
  --control <host:port>   where the run takes checkpoints over HTTP (default 127.0.0.1:6544)
  --password <secret>     required from clients; without it only loopback clients are accepted
  --idle-in-transaction-timeout <ms>
                          how long a connection may sit idle in a transaction while another waits (default 5000)

Everything the app does through the proxy is rolled back when it stops (Ctrl-C).`

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      upstream: { type: 'string' },
      listen: { type: 'string', default: '127.0.0.1:6543' },
      control: { type: 'string', default: '127.0.0.1:6544' },
      password: { type: 'string' },
      'idle-in-transaction-timeout': { type: 'string', default: '5000' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const upstream = values.upstream ?? process.env.DATABASE_URL
  const idle = Number(values['idle-in-transaction-timeout'])
  if (!upstream || !Number.isFinite(idle) || idle <= 0) {
    console.error(USAGE)
    return 2
  }
  const listen = parseListen(values.listen!)
  const control = parseListen(values.control!)
  const proxy = new PgProxy({ upstream, host: listen.host, port: listen.port, password: values.password, idleInTransactionTimeoutMs: idle })
  proxy.on('warning', (m: string) => console.error(`warning: ${m}`))
  proxy.on('refusal', (r: { message: string; code: string }) => console.error(`refused: ${r.message} [${r.code}]`))
  await proxy.start()
  const server = await startControlServer(proxy, control.host, control.port)
  console.log(`venomqa-pg-proxy listening on ${proxy.url.replace(/:[^:@/]*@/, ':***@')}`)
  console.log(`control on ${server.url} (POST /checkpoint, /rollback, /release {"name": ...}; GET /status)`)
  const lost = new Promise<number>((resolve) =>
    proxy.once('lost', (err: Error) => {
      console.error(`the upstream session is lost: ${err.message}`)
      resolve(1)
    }),
  )
  const stopped = new Promise<number>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(0))
  })
  const code = await Promise.race([lost, stopped])
  await server.close()
  await proxy.stop()
  return code
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`venomqa-pg-proxy: ${err.message}`)
    process.exit(1)
  },
)
