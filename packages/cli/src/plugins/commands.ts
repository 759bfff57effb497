import path from 'node:path'
import { UserError } from '@venomqa/core'
import type { RegisteredCommand } from '@venomqa/runner'
import { stderrLogger, typedPluginOptions } from '../commands/session'
import { type ResolvedConfig, loadConfig } from '../config/load'
import type { PluginSpec } from '../config/types'
import type { Io } from '../exit'
import { loadPlugins, runnerPluginEntries } from './load'
import { nodeModulesDirs, pluginPackagesIn, readPackageJson } from './resolve'

/**
 * Commands of VenomQA's own packages, so that a command whose package is missing says what to install
 * instead of "unknown command". The command itself always comes from the package.
 */
export const COMMAND_PACKAGES: Readonly<Record<string, string>> = { 'mail-catcher': '@venomqa/adapter-mailhog' }

/**
 * Installed plugin packages that declare `name` in their package.json (`"venomqa": { "commands": [...] }`),
 * found from `root` the way Node finds packages: VenomQA's own (`@venomqa/*`) and third-party
 * (`venomqa-plugin-*`, `@org/venomqa-plugin-*`). Reading package.json files imports nothing.
 */
export function packagesDeclaring(name: string, root: string): string[] {
  const found: string[] = []
  for (const nm of nodeModulesDirs(root)) {
    for (const pkg of pluginPackagesIn(nm)) {
      const commands = (readPackageJson(path.join(nm, pkg, 'package.json')) as { venomqa?: { commands?: unknown } }).venomqa?.commands
      if (Array.isArray(commands) && commands.includes(name) && !found.includes(pkg)) found.push(pkg)
    }
  }
  return found
}

/**
 * The plugin command `venomqa <name>` means: from a plugin in the project's config (with its options),
 * else from an installed package that declares it. Plugins are loaded, not set up. Undefined when no
 * plugin has it; a known command whose package is missing is a UserError saying what to install, and a
 * plugin adding one of the `builtIn` commands' names a PluginError naming it.
 */
export async function findPluginCommand(
  name: string,
  io: Io,
  builtIn: readonly string[] = [],
  where: { configPath?: string; profile?: string } = {},
): Promise<RegisteredCommand | undefined> {
  const config = await loadConfig({ cwd: io.cwd, env: io.env, ...where })
  const configured = config.plugins.map((spec): PluginSpec => spec)
  const declared = packagesDeclaring(name, config.root).filter((pkg) => !configured.some((s) => (Array.isArray(s) ? s[0] : s) === pkg))
  if (!configured.length && !declared.length) return missing(name)
  return (await pluginCommands([...configured, ...declared], config, io, builtIn)).get(name) ?? missing(name)
}

/**
 * The commands these plugins add, by name: loaded, options checked, only their `commands` hook called (no
 * setup). A plugin adding one of the `builtIn` names, or two adding one name, is a PluginError naming it.
 */
export async function pluginCommands(
  specs: PluginSpec[],
  config: Pick<ResolvedConfig, 'root' | 'pluginWhere' | 'pluginTypedVariables'>,
  io: Io,
  builtIn: readonly string[],
): Promise<Map<string, RegisteredCommand>> {
  // Options as `venomqa run` gives them: a variable its schema refused as a string, as its number or boolean.
  const loaded = await typedPluginOptions(await loadPlugins(specs, { root: config.root }, config.pluginWhere), config.pluginTypedVariables)
  const { createRunner } = await import('@venomqa/runner')
  const runner = createRunner({ plugins: runnerPluginEntries(loaded), root: config.root, logger: stderrLogger(io, false) })
  return runner.commands({ reserved: builtIn })
}

function missing(name: string): undefined {
  const pkg = COMMAND_PACKAGES[name]
  if (pkg) throw new UserError('E_PLUGIN', `venomqa ${name} comes with ${pkg}, which is not installed in this project: npm install -D ${pkg}`)
  return undefined
}
