import type { Logger, ReporterFactory } from '@venomqa/core'
import { escapeControlChars, redactText } from '@venomqa/core'
import type { Runner, RunnerOptions } from '@venomqa/runner'
import { type LoadConfigOptions, type ResolvedConfig, loadConfig } from '../config/load'
import type { PluginSpec, VenomConfigBase } from '../config/types'
import { type Io, warn } from '../exit'
import { type LoadedPlugin, loadPlugins, runnerPluginEntries } from '../plugins/load'
import { findPackage } from '../plugins/resolve'
import { BUILTIN_REPORTERS, type ReporterRequest } from '../reporters'
import { cliVersion } from '../version'

/** The options every command that reads config shares. */
export interface ConfigFlags {
  config?: string
  profile?: string
  plugin?: string[]
  debug?: boolean
}

export async function resolveConfig(io: Io, flags: ConfigFlags, values: Partial<VenomConfigBase> = {}): Promise<ResolvedConfig> {
  const options: LoadConfigOptions = {
    cwd: io.cwd,
    configPath: flags.config,
    profile: flags.profile,
    env: io.env,
    flags: values,
    extraPlugins: flags.plugin,
  }
  return loadConfig(options)
}

/**
 * Reporter names that are neither built in nor (as far as we can tell before init) from a configured
 * plugin get their conventional package, `@venomqa/reporter-<name>`, loaded when it is installed.
 */
export function reporterPluginSpecs(requests: readonly ReporterRequest[], loaded: readonly PluginSpec[], root: string): string[] {
  const out: string[] = []
  for (const r of requests) {
    if (BUILTIN_REPORTERS.includes(r.name)) continue
    const pkg = `@venomqa/reporter-${r.name}`
    const already = loaded.some((p) => (Array.isArray(p) ? p[0] : p) === pkg || (Array.isArray(p) ? p[0] : p) === `reporter-${r.name}`)
    if (!already && !out.includes(pkg) && findPackage(pkg, root)) out.push(pkg)
  }
  return out
}

export interface Session {
  config: ResolvedConfig
  plugins: LoadedPlugin[]
  runner: Runner
}

/** Load plugins and start a runner for the config (its init has run: registry filled, plugins set up). */
export async function openSession(
  io: Io,
  config: ResolvedConfig,
  extra: { reporters?: readonly ReporterRequest[]; signal?: AbortSignal; debug?: boolean } = {},
): Promise<Session> {
  const reporterSpecs = reporterPluginSpecs(extra.reporters ?? [], config.plugins, config.root)
  const specs = [...config.plugins, ...reporterSpecs]
  const where = [...config.pluginWhere, ...reporterSpecs.map((pkg) => `--reporter ${pkg.replace('@venomqa/reporter-', '')}`)]
  const plugins = await loadPlugins(specs, { root: config.root }, where)
  const { createRunner } = await import('@venomqa/runner')
  const options: RunnerOptions = {
    baseUrl: config.baseUrl,
    headers: config.headers,
    stepTimeout: config.timeout,
    pluginTimeout: config.pluginTimeout,
    requireState: config.requireState,
    journeyTimeout: config.journeyTimeout,
    retries: config.retries,
    failFast: config.failFast,
    plugins: runnerPluginEntries(plugins),
    signal: extra.signal,
    debug: extra.debug,
    logger: stderrLogger(io, !!extra.debug),
    root: config.root,
    profile: config.profile,
    toolVersion: cliVersion(),
    http: config.redactKeys ? { redactKeys: config.redactKeys } : undefined,
    parallelPaths: config.parallelPaths,
    workers: config.workers,
    workerSetup: config.workerSetup,
  }
  const runner = createRunner(options)
  try {
    await runner.init()
  } catch (err) {
    await runner.close().catch(() => {})
    throw err
  }
  return { config, plugins, runner }
}

export function stderrLogger(io: Io, debug: boolean): Logger {
  // Stack traces, plugin messages and action logs quote URLs, tokens and API text: masked and escaped
  // like every report, since a terminal or a CI log keeps what it is shown.
  const line = (level: string, message: string) => io.stderr.write(`venomqa: ${level}${escapeControlChars(redactText(String(message)))}\n`)
  return {
    debug: (m) => debug && line('debug: ', m),
    info: (m) => line('', m),
    warn: (m) => warn(io, escapeControlChars(redactText(String(m)))),
    error: (m) => line('error: ', m),
  }
}

/** The registry's reporter factories, with the built-ins underneath in case a runner did not register them. */
export async function reporterFactories(registered: ReadonlyMap<string, ReporterFactory>): Promise<Map<string, ReporterFactory>> {
  const { builtinReporters } = await import('@venomqa/runner')
  return new Map([...Object.entries(builtinReporters), ...registered])
}
