import { type PluginApi, PluginError, PLUGIN_API_VERSION, definePlugin } from '@venomqa/core'
import { version } from '../package.json'
import { WireMockAdmin } from './admin'
import { type ManagedWireMock, type StartWireMockOptions, defaultResolveFrom, startWireMock } from './managed'
import { WireMockPort } from './mock-port'
import { WireMockState } from './state'

export const PLUGIN_NAME = '@venomqa/adapter-wiremock'
/** WireMock's own default address, used when neither `url` nor `managed` is given. */
export const DEFAULT_WIREMOCK_URL = 'http://127.0.0.1:8080'
/** The environment variable that holds WireMock's base URL once the plugin is set up. */
export const WIREMOCK_URL_ENV = 'VENOMQA_WIREMOCK_URL'

export interface ManagedOptions {
  /** Fixed port (so that an app started beforehand can be pointed at it); 0 or unset picks a free one. */
  port?: number
  jar?: string
  java?: string
  jvmArgs?: string[]
  args?: string[]
  /** ms. Default 60 000. */
  startTimeout?: number
}

export interface WireMockPluginOptions {
  /** An existing WireMock server. Default http://127.0.0.1:8080 when `managed` is not set. */
  url?: string
  /** Start WireMock from the `wiremock` npm package's jar with the machine's Java; stopped when the run ends. */
  managed?: boolean | ManagedOptions
  /** The state backend (mechanism 'mappings'). On by default. */
  state?: boolean | { name?: string }
  /** Environment variable set to WireMock's base URL, for an app started after setup; false for none. */
  env?: string | false
  /** ms per admin call. Default 10 000. */
  timeout?: number
}

function fail(message: string): never {
  throw new PluginError(PLUGIN_NAME, `${PLUGIN_NAME}: ${message}`)
}

function show(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'string' ? `"${value}"` : `${typeof value} ${String(value)}`
}

function check(where: string, value: unknown, ok: boolean, expected: string): void {
  if (value !== undefined && !ok) fail(`option "${where}" must be ${expected}, got ${show(value)}`)
}

const isStringList = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string')

/** Check the options and resolve defaults; every mistake names the option. */
export function resolveOptions(raw: unknown) {
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) fail(`options must be an object, got ${show(raw)}`)
  const options = (raw ?? {}) as WireMockPluginOptions
  const known = ['url', 'managed', 'state', 'env', 'timeout']
  for (const k of Object.keys(options)) if (!known.includes(k)) fail(`unknown option "${k}" (known: ${known.join(', ')})`)
  check('url', options.url, typeof options.url === 'string' && /^https?:\/\/[^/]/.test(options.url), 'an http:// or https:// URL')
  check('env', options.env, options.env === false || (typeof options.env === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(options.env)), 'an environment variable name or false')
  check('timeout', options.timeout, typeof options.timeout === 'number' && options.timeout > 0, 'a number of ms > 0')

  let managed: StartWireMockOptions | undefined
  const m = options.managed
  if (m === true) managed = {}
  else if (m !== undefined && m !== false) {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) fail(`option "managed" must be true, false or an object, got ${show(m)}`)
    const allowed = ['port', 'jar', 'java', 'jvmArgs', 'args', 'startTimeout']
    for (const k of Object.keys(m)) if (!allowed.includes(k)) fail(`unknown option "managed.${k}" (known: ${allowed.join(', ')})`)
    check('managed.port', m.port, Number.isInteger(m.port) && m.port! >= 0 && m.port! <= 65535, 'a port number (0 for a free one)')
    check('managed.jar', m.jar, typeof m.jar === 'string' && m.jar !== '', 'the path of a WireMock standalone jar')
    check('managed.java', m.java, typeof m.java === 'string' && m.java !== '', 'the path of a java binary')
    check('managed.jvmArgs', m.jvmArgs, isStringList(m.jvmArgs), 'a list of strings')
    check('managed.args', m.args, isStringList(m.args), 'a list of strings')
    check('managed.startTimeout', m.startTimeout, typeof m.startTimeout === 'number' && m.startTimeout > 0, 'a number of ms > 0')
    managed = { port: m.port, jar: m.jar, java: m.java, jvmArgs: m.jvmArgs, args: m.args, startTimeoutMs: m.startTimeout }
  }
  if (managed && options.url !== undefined) fail('give "url" (a WireMock that already runs) or "managed" (start one), not both')

  const s = options.state
  if (s !== undefined && typeof s !== 'boolean' && (typeof s !== 'object' || s === null || Array.isArray(s))) fail(`option "state" must be true, false or an object, got ${show(s)}`)
  if (typeof s === 'object') {
    for (const k of Object.keys(s)) if (k !== 'name') fail(`unknown option "state.${k}" (known: name)`)
    check('state.name', s.name, typeof s.name === 'string' && s.name !== '', 'a non-empty string')
  }
  return {
    url: managed ? undefined : (options.url ?? DEFAULT_WIREMOCK_URL),
    managed,
    state: s === false ? undefined : { name: typeof s === 'object' ? s.name : undefined },
    env: options.env === undefined ? WIREMOCK_URL_ENV : options.env,
    timeoutMs: options.timeout,
  }
}

/**
 * The WireMock plugin: registers the `mock` port, a 'mappings' state backend and a `wiremock` health check.
 * With `managed`, setup starts WireMock (so its URL is known before any journey runs) and the run's end stops
 * the Java process. The base URL goes into VENOMQA_WIREMOCK_URL (see `env`) for an app started afterwards.
 */
const wiremockPlugin = definePlugin<WireMockPluginOptions>({
  name: PLUGIN_NAME,
  version,
  apiVersion: PLUGIN_API_VERSION,
  async setup(api: PluginApi<WireMockPluginOptions>) {
    const resolved = resolveOptions(api.options)
    let server: ManagedWireMock | undefined
    if (resolved.managed) {
      server = await startWireMock({ resolveFrom: [api.root, ...defaultResolveFrom()], ...resolved.managed }).catch((err: unknown) => {
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
    const admin = new WireMockAdmin(baseUrl, { timeoutMs: resolved.timeoutMs })
    const port = new WireMockPort(admin)
    api.addPort('mock', port)
    if (resolved.state) api.addStateBackend(new WireMockState(admin, resolved.state.name))
    api.addHealthCheck('wiremock', () => port.healthCheck())

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
