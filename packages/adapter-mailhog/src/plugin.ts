import { readFileSync } from 'node:fs'
import path from 'node:path'
import { ConfigError, PLUGIN_API_VERSION, type PluginCommand, PluginError, definePlugin, errorMessage, optionPath, TIMER_MS_EXPECTED, isTimerMs } from '@venomqa/core'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'
import { type MailCatcher, startMailCatcher } from './catcher'
import type { MailClientBase } from './mail-client'
import { MailHogClient } from './mailhog/client'
import { MailpitClient } from './mailpit/client'
import { RemoteMailboxState } from './remote-state'
import { serveMailCatcher } from './serve'
import { warnWhenPathsShareTheMailbox } from './shared-mailbox'
import type { TlsOptions } from './types'

// zod/mini, bundled into this package tree-shaken (see tsup.config.ts): a configured plugin no longer costs
// every run the start-up of the whole of zod (95 modules, about 50 ms), only of what this schema uses.
z.config(en())

export const PLUGIN_NAME = '@venomqa/adapter-mailhog'
export const PLUGIN_VERSION = __VENOMQA_PKG_VERSION__

const port = z
  .number()
  .check(
    z.int({ error: 'expected a port from 0 to 65535' }),
    z.gte(0, { error: 'expected a port from 0 to 65535' }),
    z.lte(65535, { error: 'expected a port from 0 to 65535' }),
  )
/** Timers and AbortSignal.timeout(): whole milliseconds, at most what a timer keeps. */
const ms = z.number({ error: TIMER_MS_EXPECTED }).check(z.refine(isTimerMs, { error: TIMER_MS_EXPECTED }))
const urlOf = (protocols: string[], expected: string) =>
  z.string().check(
    z.refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol)
        } catch {
          return false
        }
      },
      { error: `expected ${expected}` },
    ),
  )
const renamed = (to: string) => z.optional(z.unknown().check(z.refine(() => false, { error: `renamed to ${to} (milliseconds)` })))
const pem = z.union([z.string(), z.instanceof(Buffer)], { error: 'expected PEM text, a file path or a Buffer' })
const REMOTE_ONLY = ['url', 'smtp', 'tls', 'auth', 'rollback'] as const
const EMBEDDED_ONLY = ['smtpPort', 'httpPort', 'host'] as const

/** The options of the mail plugin. */
export const mailPluginOptions = z
  .strictObject({
    /** 'embedded' (default) starts a mail catcher for the run; 'mailhog' and 'mailpit' use a running server. */
    mode: z._default(z.enum(['embedded', 'mailhog', 'mailpit'], { error: "expected 'embedded', 'mailhog' or 'mailpit'" }), 'embedded'),
    /** mailhog/mailpit: the HTTP API. Default http://127.0.0.1:8025. */
    url: z.optional(urlOf(['http:', 'https:'], 'an http(s):// URL')),
    /** mailhog/mailpit: where `send` delivers. Default: the API host, port 1025. */
    smtp: z.optional(urlOf(['smtp:', 'smtps:'], 'an smtp:// or smtps:// URL')),
    /** mailhog/mailpit over https: `ca` (PEM text, or a file path relative to the project root), `rejectUnauthorized`. */
    tls: z.optional(
      z.strictObject({
        ca: z.optional(z.union([pem, z.array(pem)], { error: 'expected PEM text, a file path, a Buffer, or a list of them' })),
        rejectUnauthorized: z.optional(z.boolean()),
      }),
    ),
    /** mailhog/mailpit: basic auth for the API (or put user:password in `url`). */
    auth: z.optional(z.strictObject({ username: z.string(), password: z.string() })),
    /** embedded: SMTP port to listen on; 0 (default) picks a free one. Fix it when the app's SMTP address is fixed. */
    smtpPort: z.optional(port),
    /** embedded: HTTP API port; 0 (default) picks a free one. */
    httpPort: z.optional(port),
    /** embedded: interface to listen on. Default 127.0.0.1. */
    host: z.optional(z.string().check(z.minLength(1))),
    /** mailhog/mailpit: take part in checkpoints by deleting mail that arrived after one. Default false. */
    rollback: z.optional(z.boolean()),
    /** The port name. Default 'mail'. */
    portName: z._default(z.string().check(z.minLength(1)), 'mail'),
    /** waitForEmail timeout when the call gives none, ms. Default 10 000. */
    defaultTimeoutMs: z.optional(ms),
    /** ms between waitForEmail looks. */
    pollIntervalMs: z.optional(ms),
    /** Bounds each request to the API (each look at the box) and each stage of an SMTP send, ms. Default 10 000. */
    requestTimeoutMs: z.optional(ms),
    defaultTimeout: renamed('defaultTimeoutMs'),
    pollInterval: renamed('pollIntervalMs'),
    requestTimeout: renamed('requestTimeoutMs'),
  })
  .check(
    z.superRefine(
      (o, ctx) => {
        // Options of the other mode would be silently ignored: name them. A mode that is itself wrong has
        // its own issue, and then no option is of the other mode.
        const mode = o.mode ?? 'embedded'
        if (!['embedded', 'mailhog', 'mailpit'].includes(mode)) return
        const foreign = mode === 'embedded' ? REMOTE_ONLY : EMBEDDED_ONLY
        for (const key of foreign)
          if (o[key] !== undefined)
            ctx.addIssue({
              code: 'custom',
              path: [key],
              message: mode === 'embedded' ? "is for mode 'mailhog' or 'mailpit'; the embedded catcher does not use it" : `is for mode 'embedded'; with mode '${mode}' give \`url\` and \`smtp\``,
            })
      },
      // Also when another option is wrong: every problem is named at once, as the plugin contract says,
      // not this one only after the others are fixed.
      { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
    ),
  )

export type MailPluginOptions = z.input<typeof mailPluginOptions>

function fail(message: string): never {
  throw new PluginError(PLUGIN_NAME, message)
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
      // A ConfigError at the key, which the runner places under the entry (`plugins[0].tls.ca`): a
      // PluginError would be placed at the entry alone, and two entries of this plugin look alike.
      throw new ConfigError(`option "tls.ca": cannot read ${file}: ${errorMessage(err)}`, { where: 'tls.ca', cause: err })
    }
  }
  return { ...tls, ca: Array.isArray(tls.ca) ? tls.ca.map(load) : load(tls.ca) }
}

/**
 * The mail plugin. Embedded mode starts a catcher in setup and stops it when the run ends; it sets
 * `VENOMQA_SMTP_URL` and `VENOMQA_MAIL_API_URL` for an app started after setup, in the same process or
 * as a child that inherits the environment.
 */
export const mailPlugin = definePlugin({
  name: PLUGIN_NAME,
  version: PLUGIN_VERSION,
  apiVersion: PLUGIN_API_VERSION,
  reporters: [],
  options: mailPluginOptions,
  commands(api) {
    api.addCommand('mail-catcher', mailCatcherCommand(api.options))
  },
  // Declared for a refusal before setup, which would start the embedded catcher (see Plugin.stateBackends).
  stateBackends({ mode, portName, rollback }) {
    if (mode === 'embedded') return [{ name: catcherStateName(portName), mechanism: 'memory', parallelSafe: false }]
    return rollback ? [{ name: `${mode}:${portName}`, mechanism: 'delete-newer', parallelSafe: false }] : []
  },
  async setup(api) {
    const options = api.options
    const { portName, mode } = options
    if (mode === 'embedded') {
      let catcher: MailCatcher
      try {
        catcher = await startMailCatcher({ smtpPort: options.smtpPort, httpPort: options.httpPort, host: options.host })
      } catch (err) {
        // A port taken, a host this machine does not have: the option's mistake, named where it was written
        // (`plugins[0].smtpPort`), as the schema names the others; it was told at the plugin's entry.
        const key = err instanceof ConfigError ? err.where : undefined
        if (key !== undefined && (EMBEDDED_ONLY as readonly string[]).includes(key) && api.where !== undefined)
          throw new ConfigError(errorMessage(err), { where: optionPath(api.where, [key]), cause: err })
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
      const client = catcher.client({ pollIntervalMs: options.pollIntervalMs, defaultTimeoutMs: options.defaultTimeoutMs, requestTimeoutMs: options.requestTimeoutMs })
      api.addPort(portName, client)
      api.addStateBackend(catcher.stateBackend(catcherStateName(portName)))
      api.addHealthCheck(`mail catcher (${catcher.smtpUrl}, API ${catcher.apiUrl})`, healthOf(client))
      api.log.info(`mail catcher: SMTP ${catcher.smtpUrl}, API ${catcher.apiUrl}`)
      return
    }
    const clientOptions = {
      url: options.url ?? 'http://127.0.0.1:8025',
      smtp: options.smtp,
      tls: resolveTls(options.tls, api.root),
      auth: options.auth,
      pollIntervalMs: options.pollIntervalMs,
      defaultTimeoutMs: options.defaultTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
      // An address that leads nowhere shows only on first use: named where the user wrote it (or would
      // write it, for the default), as the schema names the other mistakes.
      ...(api.where !== undefined ? { urlWhere: optionPath(api.where, ['url']), smtpWhere: optionPath(api.where, ['smtp']) } : {}),
    }
    const client: MailClientBase & { ids(): Promise<string[]>; deleteIds(ids: string[]): Promise<void> } =
      mode === 'mailhog' ? new MailHogClient(clientOptions) : new MailpitClient(clientOptions)
    api.onClose(() => client.close())
    api.addPort(portName, client)
    api.addHealthCheck(`${mode} (${client.location})`, healthOf(client))
    if (options.rollback) api.addStateBackend(new RemoteMailboxState(client, `${mode}:${portName}`))
    else warnWhenPathsShareTheMailbox(api, client)
  },
})

/** The embedded catcher's state backend for the port named `portName`. */
const catcherStateName = (portName: string) => (portName === 'mail' ? 'mail-catcher' : `mail-catcher:${portName}`)

/** The plugin's health check: true, or why not, which `venomqa doctor` shows (a bare false said only "unhealthy"). */
function healthOf(client: { healthProblem(): Promise<string | undefined> }): () => Promise<true | string> {
  return async () => (await client.healthProblem()) ?? true
}

/** Put an environment variable back, unless someone else changed it meanwhile. */
function restoreEnv(key: string, ours: string, previous: string | undefined): void {
  if (process.env[key] !== ours) return
  if (previous === undefined) delete process.env[key]
  else process.env[key] = previous
}

/**
 * `venomqa mail-catcher`: the embedded catcher in the foreground until Ctrl-C (docs/cli.md). Its ports
 * and host default to the config's entry of the plugin (`smtpPort`, `httpPort`, `host`), the ones the
 * app is given, then to MailHog's and Mailpit's 1025 and 8025: it listened on those whatever the config said.
 */
function mailCatcherCommand(configured: { smtpPort?: number; httpPort?: number; host?: string }): PluginCommand {
  return {
    description: 'run the embedded mail catcher (SMTP + MailHog and Mailpit APIs) until Ctrl-C',
    options: [
      { flags: '--smtp-port <port>', description: 'SMTP port', default: String(configured.smtpPort ?? 1025) },
      { flags: '--http-port <port>', description: 'HTTP API port', default: String(configured.httpPort ?? 8025) },
      { flags: '--host <host>', description: 'address to listen on', default: configured.host ?? '127.0.0.1' },
    ],
    async run({ options, args: given, stdout }) {
      // `mail-catcher 1026` meant a port, and started on 1025 without a word.
      if (given.length)
        throw new ConfigError(`venomqa mail-catcher takes no arguments, got ${given.map((a) => JSON.stringify(a)).join(' ')}: give the ports as --smtp-port and --http-port`, {
          where: given[0],
        })
      const args: string[] = []
      for (const [flag, key] of [['--smtp-port', 'smtpPort'], ['--http-port', 'httpPort'], ['--host', 'host']] as const)
        if (typeof options[key] === 'string') args.push(flag, options[key])
      await serveMailCatcher(args, { stdout })
    },
  }
}
