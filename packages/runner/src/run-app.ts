import path from 'node:path'
import { type AppProcess, ConfigError, TIMER_MS_EXPECTED, describeValue, isHttpUrl, isTimerMs, startAppProcess } from '@venomqa/core'
import type { RunAppOptions } from './types'
import { AppWatch } from './worker-app'

/** How long the app may take to answer at its URL, by default. */
export const DEFAULT_APP_TIMEOUT_MS = 60_000

/**
 * Why the runner's `app` option is not one, as a ConfigError naming the key (`app.command`), or nothing.
 * `baseUrl` is the run's: without `app.url`, the app is waited for there.
 */
export function checkRunAppOption(app: unknown, baseUrl: string | undefined): void {
  if (app === undefined) return
  const refuse = (key: string, what: string, ...got: unknown[]) =>
    new ConfigError(`createRunner: ${key}: ${what}${got.length ? `, got ${describeValue(got[0])}` : ''}`, { where: key })
  if (!app || typeof app !== 'object' || Array.isArray(app)) throw refuse('app', 'expected an object with command, and env, cwd, url, timeoutMs if needed', app)
  const { command, env, cwd, url, timeoutMs, ...rest } = app as Record<string, unknown>
  const unknown = Object.keys(rest)[0]
  if (unknown !== undefined) throw new ConfigError(`createRunner: app: unknown key "${unknown}" (the keys are command, env, cwd, url, timeoutMs)`, { where: `app.${unknown}` })
  const isCommandLine = typeof command === 'string' && command.trim() !== ''
  const isProgram = Array.isArray(command) && command.length > 0 && command.every((c) => typeof c === 'string') && command[0].trim() !== ''
  if (!isCommandLine && !isProgram)
    throw refuse('app.command', 'expected a command line ("node dist/server.js", run by the shell) or the program and its arguments (["node", "dist/server.js"])', command)
  if (env !== undefined && (!env || typeof env !== 'object' || Array.isArray(env))) throw refuse('app.env', 'expected an object of variable names to string values', env)
  for (const [name, value] of Object.entries((env ?? {}) as Record<string, unknown>))
    if (typeof value !== 'string') throw refuse(`app.env.${name}`, 'expected a string', value)
  if (cwd !== undefined && (typeof cwd !== 'string' || !cwd)) throw refuse('app.cwd', 'expected a directory', cwd)
  if (url !== undefined && !isHttpUrl(url)) throw refuse('app.url', 'expected an http:// or https:// URL the app answers at once it listens', url)
  if (url === undefined && !baseUrl)
    throw new ConfigError('createRunner: app: no URL to wait for the app at: give app.url, or baseUrl (the app is started, then waited for until it answers there)', { where: 'app.url' })
  if (timeoutMs !== undefined && !isTimerMs(timeoutMs)) throw refuse('app.timeoutMs', TIMER_MS_EXPECTED, timeoutMs)
}

/** A variable of `app.env`: `${NAME}`, `${NAME:-default}`, or `$${` for the text `${`. */
const VARIABLE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/**
 * `app.env` with its `${NAME}` filled in from `from` now, as the app starts: after the plugins set up and the
 * state backends connected, so that what they set (`VENOMQA_PG_PROXY_URL`, `VENOMQA_SMTP_URL`) is there.
 * An unset variable with no default is the config's mistake, named by its key.
 */
export function appEnvNow(env: Record<string, string> | undefined, from: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(env ?? {}))
    out[key] = value.replace(VARIABLE, (whole, escaped: string, name: string, fallback: string | undefined) => {
      if (escaped) return whole.slice(1)
      const set = from[name]
      if (set !== undefined && set !== '') return set
      if (fallback !== undefined) return fallback
      throw new ConfigError(
        `app.env.${key}: environment variable ${name} is not set when the app starts, after the plugins set up and the state backends connected (set it, or give a default: \${${name}:-value}; @venomqa/pg-proxy with \`upstream\` sets VENOMQA_PG_PROXY_URL, @venomqa/adapter-mailhog in embedded mode VENOMQA_SMTP_URL)`,
        { where: `app.env.${key}` },
      )
    })
  return out
}

/** The program and arguments of `command`: a command line is the shell's to read, as npm scripts are. */
function programOf(command: string | readonly string[]): string[] {
  if (typeof command !== 'string') return [...command]
  if (process.platform === 'win32') return [process.env.ComSpec || 'cmd.exe', '/d', '/s', '/c', command]
  return ['/bin/sh', '-c', command]
}

/** The app the run started, and its watch (see AppWatch, worker 0). */
export interface RunApp {
  process: AppProcess
  watch: AppWatch
}

/**
 * Start the run's app (the runner's `app` option) with startAppProcess, and wait until it answers HTTP at
 * `app.url`, else at `baseUrl`. Rejects, the app stopped, when it ends first, when it does not answer
 * within `app.timeoutMs`, or when `signal` aborts.
 */
export async function startRunApp(app: RunAppOptions, options: { baseUrl?: string; root: string; signal?: AbortSignal }): Promise<RunApp> {
  const url = app.url ?? options.baseUrl!
  const started = await startAppProcess({
    command: programOf(app.command),
    name: typeof app.command === 'string' ? `the app (${app.command})` : `the app (${app.command.join(' ')})`,
    env: appEnvNow(app.env, process.env),
    cwd: path.resolve(options.root, app.cwd ?? '.'),
    readyUrl: url,
    readyUrlKey: app.url !== undefined ? 'app.url' : 'baseUrl',
    readyTimeoutMs: app.timeoutMs ?? DEFAULT_APP_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
  }).catch((err: unknown) => {
    // A program not found, a directory not there: startAppProcess names its option, the config's key is app's.
    if (err instanceof ConfigError && (err.where === 'command' || err.where === 'cwd')) throw new ConfigError(`app.${err.message}`, { where: `app.${err.where}` })
    throw err
  })
  // A failed request is the app's end when it went to the base URL's origin (the journeys' requests).
  return { process: started, watch: new AppWatch(0, options.baseUrl ?? url, started.exited, () => {}) }
}
