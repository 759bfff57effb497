import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { UserError } from '@venomqa/core'
import type { RegisteredCommand } from '@venomqa/runner'
import { stderrLogger } from '../commands/session'
import { loadConfig } from '../config/load'
import type { PluginSpec } from '../config/types'
import type { Io } from '../exit'
import { loadPlugins, runnerPluginEntries } from './load'
import { readPackageJson } from './resolve'

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

function nodeModulesDirs(root: string): string[] {
  const dirs: string[] = []
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules') dirs.push(path.join(dir, 'node_modules'))
    if (path.dirname(dir) === dir) break
  }
  dirs.push(...(process.env.NODE_PATH ?? '').split(path.delimiter).filter(Boolean))
  return dirs.filter((d) => existsSync(d))
}

function pluginPackagesIn(nm: string): string[] {
  const list = (dir: string) => {
    try {
      return readdirSync(dir)
    } catch {
      return []
    }
  }
  const out: string[] = []
  for (const entry of list(nm)) {
    if (entry.startsWith('venomqa-plugin-')) out.push(entry)
    else if (entry === '@venomqa') out.push(...list(path.join(nm, entry)).map((p) => `${entry}/${p}`))
    else if (entry.startsWith('@')) out.push(...list(path.join(nm, entry)).filter((p) => p.startsWith('venomqa-plugin-')).map((p) => `${entry}/${p}`))
  }
  return out
}

/**
 * The plugin command `venomqa <name>` means: from a plugin in the project's config (with its options),
 * else from an installed package that declares it. Plugins are loaded, not set up. Undefined when no
 * plugin has it; a known command whose package is missing is a UserError saying what to install.
 */
export async function findPluginCommand(name: string, io: Io): Promise<RegisteredCommand | undefined> {
  const config = await loadConfig({ cwd: io.cwd, env: io.env })
  const configured = config.plugins.map((spec): PluginSpec => spec)
  const declared = packagesDeclaring(name, config.root).filter((pkg) => !configured.some((s) => (Array.isArray(s) ? s[0] : s) === pkg))
  if (!configured.length && !declared.length) return missing(name)
  const loaded = await loadPlugins([...configured, ...declared], { root: config.root }, config.pluginWhere)
  const { createRunner } = await import('@venomqa/runner')
  const runner = createRunner({ plugins: runnerPluginEntries(loaded), root: config.root, logger: stderrLogger(io, false) })
  return (await runner.commands()).get(name) ?? missing(name)
}

function missing(name: string): undefined {
  const pkg = COMMAND_PACKAGES[name]
  if (pkg) throw new UserError('E_PLUGIN', `venomqa ${name} comes with ${pkg}, which is not installed in this project: npm install -D ${pkg}`)
  return undefined
}
