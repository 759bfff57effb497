import type http from 'node:http'
import type net from 'node:net'
import { ConfigError } from '@venomqa/core'
import type { SMTPServer } from 'smtp-server'
import type { CaughtEmail } from '../mime'
import type { BasicAuth } from '../types'
import { CatcherMailClient } from './client'
import { createCatcherHttpServer } from './http-server'
import { createCatcherSmtpServer } from './smtp-server'
import { MailCatcherState } from './state'
import { MessageStore } from './store'

export interface MailCatcherOptions {
  /** SMTP port; 0 (default) picks a free one. MailHog and Mailpit use 1025. */
  smtpPort?: number
  /** HTTP API port; 0 (default) picks a free one. MailHog and Mailpit use 8025. */
  httpPort?: number
  /** Interface to listen on. Default 127.0.0.1; '0.0.0.0' to accept mail from other hosts or containers. */
  host?: string
  /** Serve the API over https with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer }
  /** Require basic auth on the API. */
  auth?: BasicAuth
  /** The host name in MailHog ids and Received headers. Default 'mailhog.example', as MailHog. */
  hostname?: string
}

export interface MailCatcher {
  /** Give this to the app under test, e.g. as SMTP_URL: `smtp://127.0.0.1:<smtpPort>`. */
  readonly smtpUrl: string
  /** The MailHog- and Mailpit-compatible API: `http://127.0.0.1:<httpPort>`. */
  readonly apiUrl: string
  readonly smtpPort: number
  readonly httpPort: number
  readonly store: MessageStore
  /** The mails received, newest first. */
  messages(): CaughtEmail[]
  /** A MailPort that reads the mailbox in-process and wakes at each arrival. */
  client(options?: { pollIntervalMs?: number; defaultTimeoutMs?: number; requestTimeoutMs?: number }): CatcherMailClient
  /** A state backend (mechanism 'memory'): rollback puts the mailbox back as it was at the checkpoint. */
  stateBackend(name?: string): MailCatcherState
  /** Empty the mailbox. */
  clear(): void
  /** Stop both servers; resolves once neither port accepts connections. Safe to call twice. */
  close(): Promise<void>
}

function listen(target: net.Server | SMTPServer, port: number, host: string, what: string): Promise<number> {
  // SMTPServer re-emits its net server's errors, and listen() is forwarded to it.
  const server = target as net.Server
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is already in use (MailHog, Mailpit or another catcher?); choose another port, or 0 for a free one`
          : err.code === 'EACCES'
            ? `no permission to listen on port ${port} on ${host}`
            : err.message
      // An address this machine does not have is the host's mistake, not the port's.
      const where = err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' ? 'host' : `${what.toLowerCase()}Port`
      reject(new ConfigError(`mail catcher: cannot start the ${what} server: ${why}`, { where, cause: err }))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.removeListener('error', onError)
      const addr = ('server' in target ? target.server : server).address() as net.AddressInfo
      resolve(addr.port)
    })
  })
}

function closeSmtp(server: SMTPServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.server.listening) return resolve()
    server.close(() => resolve())
  })
}

function closeHttp(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve()
    server.close(() => resolve())
    // Keep-alive sockets would otherwise hold close() open until they time out.
    server.closeAllConnections()
  })
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

/**
 * Start a mail catcher: a real SMTP server that keeps every message in memory and an HTTP server that
 * answers MailHog's and Mailpit's APIs over that mailbox, so their clients (ours or any other) work
 * against it unchanged.
 */
export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1'
  for (const key of ['smtpPort', 'httpPort'] as const) {
    const v = options[key]
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 65535))
      throw new ConfigError(`mail catcher: ${key} must be a port number from 0 to 65535, got ${JSON.stringify(v)}`, { where: key })
  }
  // One port for both: the HTTP server found it taken by the SMTP server just started, and the message
  // blamed "MailHog, Mailpit or another catcher".
  if (options.smtpPort !== undefined && options.smtpPort !== 0 && options.smtpPort === options.httpPort)
    throw new ConfigError(`mail catcher: the SMTP and HTTP ports are both ${options.smtpPort}: give them different ones (or 0 for a free one)`, { where: 'httpPort' })
  const store = new MessageStore(options.hostname)
  const smtp = createCatcherSmtpServer(store)
  const web = createCatcherHttpServer(store, { tls: options.tls, auth: options.auth })
  let smtpPort: number
  let httpPort: number
  try {
    smtpPort = await listen(smtp, options.smtpPort ?? 0, host, 'SMTP')
    httpPort = await listen(web, options.httpPort ?? 0, host, 'HTTP')
  } catch (err) {
    // Never leave one port open when the other could not be.
    await Promise.all([closeSmtp(smtp), closeHttp(web)])
    throw err
  }
  const shown = urlHost(host)
  const isOpen = () => smtp.server.listening && web.listening
  const clients: CatcherMailClient[] = []
  let closing: Promise<void> | undefined
  const catcher: MailCatcher = {
    smtpUrl: `smtp://${shown}:${smtpPort}`,
    apiUrl: `${options.tls ? 'https' : 'http'}://${shown}:${httpPort}`,
    smtpPort,
    httpPort,
    store,
    messages: () => store.newestFirst().map((m) => m.email),
    client(opts = {}) {
      const c = new CatcherMailClient(store, catcher.smtpUrl, { ...opts, isOpen })
      clients.push(c)
      return c
    },
    stateBackend: (name) => new MailCatcherState(store, name),
    clear: () => store.clear(),
    close() {
      closing ??= (async () => {
        await Promise.all(clients.map((c) => c.close()))
        await Promise.all([closeSmtp(smtp), closeHttp(web)])
        store.removeAllListeners()
      })()
      return closing
    },
  }
  return catcher
}
