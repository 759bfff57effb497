import { readFileSync } from 'node:fs'
import path from 'node:path'
import { PLUGIN_API_VERSION, PluginError, definePlugin, errorMessage } from '@venomqa/core'
import { type MailCatcher, startMailCatcher } from './catcher'
import type { MailClientBase } from './mail-client'
import { MailHogClient } from './mailhog/client'
import { MailpitClient } from './mailpit/client'
import { RemoteMailboxState } from './remote-state'
import type { BasicAuth, TlsOptions } from './types'

export const PLUGIN_NAME = '@venomqa/adapter-mailhog'
export const PLUGIN_VERSION = '0.1.0'

export interface MailPluginOptions {
  /** 'embedded' (default) starts a mail catcher for the run; 'mailhog' and 'mailpit' use a running server. */
  mode?: 'embedded' | 'mailhog' | 'mailpit'
  /** mailhog/mailpit: the HTTP API. Default http://127.0.0.1:8025. */
  url?: string
  /** mailhog/mailpit: where `send` delivers. Default: the API host, port 1025. */
  smtp?: string
  /** mailhog/mailpit over https: `ca` (PEM text, or a file path relative to the project root), `rejectUnauthorized`. */
  tls?: TlsOptions
  /** mailhog/mailpit: basic auth for the API (or put user:password in `url`). */
  auth?: BasicAuth
  /** embedded: SMTP port to listen on; 0 (default) picks a free one. Fix it when the app's SMTP address is fixed. */
  smtpPort?: number
  /** embedded: HTTP API port; 0 (default) picks a free one. */
  httpPort?: number
  /** embedded: interface to listen on. Default 127.0.0.1. */
  host?: string
  /** mailhog/mailpit: take part in checkpoints by deleting mail that arrived after one. Default false. */
  rollback?: boolean
  /** The port name. Default 'mail'. */
  portName?: string
  /** waitForEmail timeout when the call gives none, ms. Default 10 000. */
  defaultTimeout?: number
  /** ms between waitForEmail looks. */
  pollInterval?: number
}

const KNOWN = new Set([
  'mode', 'url', 'smtp', 'tls', 'auth', 'smtpPort', 'httpPort', 'host', 'rollback', 'portName', 'defaultTimeout', 'pollInterval',
])

function fail(message: string): never {
  throw new PluginError(PLUGIN_NAME, message)
}

function checkOptions(o: MailPluginOptions): void {
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) fail(`unknown option "${key}"; known options: ${[...KNOWN].join(', ')}`)
  if (o.mode !== undefined && !['embedded', 'mailhog', 'mailpit'].includes(o.mode))
    fail(`option "mode" must be 'embedded', 'mailhog' or 'mailpit', got ${JSON.stringify(o.mode)}`)
  for (const key of ['url', 'smtp'] as const) {
    const v = o[key]
    if (v === undefined) continue
    let ok = false
    try {
      const u = new URL(v)
      ok = key === 'url' ? ['http:', 'https:'].includes(u.protocol) : ['smtp:', 'smtps:'].includes(u.protocol)
    } catch {}
    if (!ok) fail(`option "${key}" must be ${key === 'url' ? 'an http(s)://' : 'an smtp:// or smtps://'} URL, got ${JSON.stringify(v)}`)
  }
  for (const key of ['smtpPort', 'httpPort'] as const) {
    const v = o[key]
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 65535)) fail(`option "${key}" must be a port from 0 to 65535, got ${JSON.stringify(v)}`)
  }
  if ((o.mode ?? 'embedded') === 'embedded') {
    for (const key of ['url', 'smtp', 'tls', 'auth', 'rollback'] as const)
      if (o[key] !== undefined) fail(`option "${key}" is for mode 'mailhog' or 'mailpit'; the embedded catcher does not use it`)
  } else {
    for (const key of ['smtpPort', 'httpPort', 'host'] as const)
      if (o[key] !== undefined) fail(`option "${key}" is for mode 'embedded'; with mode '${o.mode}' give \`url\` and \`smtp\``)
  }
}

/** `ca` may be PEM text or a file; a file path is read relative to the project root. */
function resolveTls(tls: TlsOptions | undefined, root: string): TlsOptions | undefined {
  if (!tls?.ca) return tls
  const load = (ca: string | Buffer) => {
    if (typeof ca !== 'string' || ca.includes('-----BEGIN')) return ca
    const file = path.resolve(root, ca)
    try {
      return readFileSync(file)
    } catch (err) {
      fail(`option "tls.ca": cannot read ${file}: ${errorMessage(err)}`)
    }
  }
  return { ...tls, ca: Array.isArray(tls.ca) ? tls.ca.map(load) : load(tls.ca) }
}

/**
 * The mail plugin. Embedded mode starts a catcher in setup and stops it when the run ends; it sets
 * `VENOMQA_SMTP_URL` and `VENOMQA_MAIL_API_URL` for an app started after setup, in the same process or
 * as a child that inherits the environment.
 */
export const mailPlugin = definePlugin<MailPluginOptions>({
  name: PLUGIN_NAME,
  version: PLUGIN_VERSION,
  apiVersion: PLUGIN_API_VERSION,
  async setup(api) {
    const options = (api.options ?? {}) as MailPluginOptions
    checkOptions(options)
    const portName = options.portName ?? 'mail'
    const mode = options.mode ?? 'embedded'
    if (mode === 'embedded') {
      let catcher: MailCatcher
      try {
        catcher = await startMailCatcher({ smtpPort: options.smtpPort, httpPort: options.httpPort, host: options.host })
      } catch (err) {
        fail(errorMessage(err))
      }
      const previous = { smtp: process.env.VENOMQA_SMTP_URL, api: process.env.VENOMQA_MAIL_API_URL }
      process.env.VENOMQA_SMTP_URL = catcher.smtpUrl
      process.env.VENOMQA_MAIL_API_URL = catcher.apiUrl
      api.onClose(async () => {
        await catcher.close()
        restoreEnv('VENOMQA_SMTP_URL', catcher.smtpUrl, previous.smtp)
        restoreEnv('VENOMQA_MAIL_API_URL', catcher.apiUrl, previous.api)
      })
      const client = catcher.client({ pollInterval: options.pollInterval, defaultTimeout: options.defaultTimeout })
      api.addPort(portName, client)
      api.addStateBackend(catcher.stateBackend(portName === 'mail' ? 'mail-catcher' : `mail-catcher:${portName}`))
      api.addHealthCheck(`mail catcher (${catcher.smtpUrl}, API ${catcher.apiUrl})`, () => client.healthCheck())
      api.log.info(`mail catcher: SMTP ${catcher.smtpUrl}, API ${catcher.apiUrl}`)
      return
    }
    const clientOptions = {
      url: options.url ?? 'http://127.0.0.1:8025',
      smtp: options.smtp,
      tls: resolveTls(options.tls, api.root),
      auth: options.auth,
      pollInterval: options.pollInterval,
      defaultTimeout: options.defaultTimeout,
    }
    const client: MailClientBase & { ids(): Promise<string[]>; deleteIds(ids: string[]): Promise<void> } =
      mode === 'mailhog' ? new MailHogClient(clientOptions) : new MailpitClient(clientOptions)
    api.onClose(() => client.close())
    api.addPort(portName, client)
    api.addHealthCheck(`${mode} (${client.location})`, () => client.healthCheck())
    if (options.rollback) api.addStateBackend(new RemoteMailboxState(client, `${mode}:${portName}`))
  },
})

/** Put an environment variable back, unless someone else changed it meanwhile. */
function restoreEnv(key: string, ours: string, previous: string | undefined): void {
  if (process.env[key] !== ours) return
  if (previous === undefined) delete process.env[key]
  else process.env[key] = previous
}
