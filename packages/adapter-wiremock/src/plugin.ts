import { PluginError, PLUGIN_API_VERSION, definePlugin, optionPath, redactCredentials, TIMER_MS_EXPECTED, isTimerMs } from '@venomqa/core'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'
import { WireMockAdmin } from './admin'
import { type ManagedWireMock, type StartWireMockOptions, defaultResolveFrom, startWireMock } from './managed'
import { WireMockPort } from './mock-port'
import { WIREMOCK_STATE_NAME, WireMockState } from './state'
import { unmatchedMessage } from './unmatched'

// zod/mini, bundled into this package tree-shaken (see tsup.config.ts): a configured plugin no longer costs
// every run the start-up of the whole of zod (95 modules, about 50 ms), only of what this schema uses.
z.config(en())

export const PLUGIN_NAME = '@venomqa/adapter-wiremock'
/** WireMock's own default address, used when neither `url` nor `managed` is given. */
export const DEFAULT_WIREMOCK_URL = 'http://127.0.0.1:8080'
/** The environment variable that holds WireMock's base URL once the plugin is set up. */
export const WIREMOCK_URL_ENV = 'VENOMQA_WIREMOCK_URL'

const ms = z.number({ error: TIMER_MS_EXPECTED }).check(z.refine(isTimerMs, { error: TIMER_MS_EXPECTED }))
const renamed = (to: string) => z.optional(z.unknown().check(z.refine(() => false, { error: `renamed to ${to} (milliseconds)` })))
const strings = z.array(z.string(), { error: 'expected a list of strings' })

const managedOptions = z.strictObject({
  /** Fixed port (so that an app started beforehand can be pointed at it); 0 or unset picks a free one. */
  port: z.optional(z.number().check(z.int(), z.gte(0), z.lte(65535, { error: 'expected a port number (0 for a free one)' }))),
  jar: z.optional(z.string().check(z.minLength(1, { error: 'expected the path of a WireMock standalone jar' }))),
  java: z.optional(z.string().check(z.minLength(1, { error: 'expected the path of a java binary' }))),
  jvmArgs: z.optional(strings),
  args: z.optional(strings),
  /** How long WireMock may take to start, ms. Default 60 000. */
  startTimeoutMs: z.optional(ms),
  startTimeout: renamed('startTimeoutMs'),
})

/** The options of the WireMock plugin. */
export const wiremockPluginOptions = z
  .strictObject({
    /** An existing WireMock server. Default http://127.0.0.1:8080 when `managed` is not set. */
    url: z.optional(
      z.string().check(
        z.regex(/^https?:\/\/[^/]/, { error: 'expected an http:// or https:// URL' }),
        // fetch refuses a URL with credentials before it connects: every call would fail as "not reachable".
        z.refine((u) => redactCredentials(u) === u, { error: "expected a URL with no user name or password in it (WireMock's admin API is reached without credentials)" }),
      ),
    ),
    /** Start WireMock from the `wiremock` npm package's jar with the machine's Java; stopped when the run ends. */
    managed: z.optional(z.union([z.boolean(), managedOptions], { error: 'expected true, false or an object with port, jar, java, jvmArgs, args, startTimeoutMs' })),
    /** The state backend (mechanism 'mappings'). On by default. */
    state: z.optional(
      z.union([z.boolean(), z.strictObject({ name: z.optional(z.string().check(z.minLength(1, { error: 'expected a non-empty string' }))) })], {
        error: 'expected true, false or { name }',
      }),
    ),
    /** Environment variable set to WireMock's base URL, for an app started after setup; false for none. */
    env: z.optional(
      z.union([z.literal(false), z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name or false' }))], {
        error: 'expected an environment variable name or false',
      }),
    ),
    /** Per admin call, ms. Default 10 000. */
    timeoutMs: z.optional(ms),
    timeout: renamed('timeoutMs'),
  })
  .check(
    z.refine((o) => !(o.url !== undefined && o.managed !== undefined && o.managed !== false), {
      error: 'give "url" (a WireMock that already runs) or "managed" (start one), not both',
      path: ['managed'],
      // Also when another option is wrong: every problem at once, not this one after the others are fixed.
      when: (payload) => typeof payload.value === 'object' && payload.value !== null,
    }),
  )

export type WireMockPluginOptions = z.input<typeof wiremockPluginOptions>
export type ManagedOptions = z.input<typeof managedOptions>

/** Resolve defaults; each option was checked by the schema. */
export function resolveOptions(options: z.output<typeof wiremockPluginOptions>) {
  const m = options.managed
  const managed: StartWireMockOptions | undefined =
    m === true ? {} : m ? { port: m.port, jar: m.jar, java: m.java, jvmArgs: m.jvmArgs, args: m.args, startTimeoutMs: m.startTimeoutMs } : undefined
  const s = options.state
  return {
    url: managed ? undefined : (options.url ?? DEFAULT_WIREMOCK_URL),
    managed,
    state: s === false ? undefined : { name: typeof s === 'object' ? s.name : undefined },
    env: options.env === undefined ? WIREMOCK_URL_ENV : options.env,
    timeoutMs: options.timeoutMs,
  }
}

function fail(message: string): never {
  throw new PluginError(PLUGIN_NAME, `${PLUGIN_NAME}: ${message}`)
}

/**
 * The WireMock plugin: registers the `mock` port, a 'mappings' state backend and a `wiremock` health check.
 * With `managed`, setup starts WireMock (so its URL is known before any journey runs) and the run's end stops
 * the Java process. The base URL goes into VENOMQA_WIREMOCK_URL (see `env`) for an app started afterwards.
 */
const wiremockPlugin = definePlugin({
  name: PLUGIN_NAME,
  version: __VENOMQA_PKG_VERSION__,
  apiVersion: PLUGIN_API_VERSION,
  reporters: [],
  options: wiremockPluginOptions,
  // Declared for a refusal before setup, which would start WireMock (see Plugin.stateBackends).
  stateBackends(options) {
    const { state } = resolveOptions(options)
    return state ? [{ name: state.name ?? WIREMOCK_STATE_NAME, mechanism: 'mappings', parallelSafe: false }] : []
  },
  async setup(api) {
    const resolved = resolveOptions(api.options)
    let server: ManagedWireMock | undefined
    if (resolved.managed) {
      // With no java set and none found, the message names the key that can point to one.
      const javaKey = api.where === undefined ? 'managed.java' : optionPath(api.where, ['managed', 'java'])
      server = await startWireMock({ resolveFrom: [api.root, ...defaultResolveFrom()], javaKey, ...resolved.managed }).catch((err: unknown) => {
        // A ConfigError (no java, no jar) already says what to install: keep it as it is.
        if (err instanceof Error && err.name === 'ConfigError') throw err
        fail((err as Error).message)
      })
      const started = server
      // Registered before anything else can fail, so the Java process is stopped whatever happens next.
      api.onClose(() => started.stop())
      api.log.info(`managed WireMock on ${server.baseUrl} (pid ${server.pid}, started in ${Math.round(server.startupMs)} ms)`)
    }
    const baseUrl = server?.baseUrl ?? resolved.url!
    // A `url` that leads nowhere shows only on first use: named where the user wrote it (or would write it,
    // for the default), as the schema names the other mistakes. A managed server's address is the plugin's own.
    const urlWhere = server || api.where === undefined ? undefined : optionPath(api.where, ['url'])
    const managedWhere = server ? undefined : api.where === undefined ? 'managed' : optionPath(api.where, ['managed'])
    const admin = new WireMockAdmin(baseUrl, { timeoutMs: resolved.timeoutMs, urlWhere, managedWhere })
    const port = new WireMockPort(admin)
    api.addPort('mock', port)
    if (resolved.state) api.addStateBackend(new WireMockState(admin, resolved.state.name))
    api.addHealthCheck('wiremock', () => port.healthReport())
    // A failed step whose app got WireMock's 404 says so (a worker of parallel paths has a WireMock of its
    // own, which this admin does not see). A failure to ask is not the step's: it is left unsaid.
    // Not an async function: a passed step returns at once, with no promise for the runner to guard.
    api.addHook('stepEnd', (e) => {
      if (e.result.status !== 'failed' || e.worker) return
      return admin.unmatchedSince(Date.parse(e.result.startedAt)).then(
        (unmatched) => {
          if (unmatched.length) api.log.warn(unmatchedMessage(e.step, unmatched))
        },
        () => {},
      )
    })

    const envName = resolved.env
    if (envName) {
      const previous = process.env[envName]
      process.env[envName] = baseUrl
      // onClose runs newest first: the variable is restored before the server stops.
      api.onClose(() => {
        if (process.env[envName] !== baseUrl) return
        if (previous === undefined) delete process.env[envName]
        else process.env[envName] = previous
      })
    }
  },
})

export default wiremockPlugin
