import path from 'node:path'
import { shownConfigFile } from '../config/load'
import { EXIT, type Io } from '../exit'
import { loadPlugins, pluginLoadContext, runnerPluginEntries, runningCoreVersion } from '../plugins/load'
import { type ConfigFlags, resolveConfig, typedPluginOptions } from './session'

export interface PluginsFlags extends ConfigFlags {
  json?: boolean
}

/**
 * `venomqa plugins`: what each configured plugin resolved to, its version and where it was loaded from.
 * Loading checks apiVersion and the core peer range, and each plugin's options are checked against its
 * schema; setup is not called, so nothing connects.
 */
export async function pluginsCommand(flags: PluginsFlags, io: Io): Promise<number> {
  const config = await resolveConfig(io, flags)
  const loaded = await typedPluginOptions(await loadPlugins(config.plugins, pluginLoadContext(config, io.cwd), config.pluginWhere), config.pluginTypedVariables)
  // Options are checked as `venomqa run` checks them before any setup: what a run refuses (exit 2) is
  // refused here too, every wrong key named.
  const { checkPluginEntries } = await import('@venomqa/runner')
  await checkPluginEntries(runnerPluginEntries(loaded, config.file && shownConfigFile(config.file, io.cwd)))
  const rows = loaded.map((p) => ({
    spec: p.spec,
    name: p.plugin.name,
    version: p.plugin.version ?? p.packageVersion ?? '',
    apiVersion: p.plugin.apiVersion,
    source: p.source,
    from: p.source === 'built-in' ? `built into ${p.packageName}@${p.packageVersion}` : p.source === 'inline' ? (config.file ? path.relative(io.cwd, config.file) : 'config') : path.relative(io.cwd, p.from ?? '') || p.from,
    options: p.options ? Object.keys(p.options) : [],
  }))
  if (flags.json) {
    io.stdout.write(`${JSON.stringify({ core: runningCoreVersion(), plugins: rows }, null, 2)}\n`)
    return EXIT.OK
  }
  if (!rows.length) {
    io.stdout.write(`no plugins configured${config.file ? ` in ${path.relative(io.cwd, config.file)}` : ''} (@venomqa/core ${runningCoreVersion()})\n`)
    return EXIT.OK
  }
  const table = [['plugin', 'version', 'spec', 'from'], ...rows.map((r) => [r.name, r.version, r.spec, `${r.from}${r.options.length ? `  (options: ${r.options.join(', ')})` : ''}`])]
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)))
  for (const row of table) io.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`)
  io.stdout.write(`\n@venomqa/core ${runningCoreVersion()}, plugin API ${loaded[0]?.plugin.apiVersion ?? 1}\n`)
  return EXIT.OK
}
