import { HOOK_NAMES, PLUGIN_API_VERSION, type Plugin, PluginError, checkOptions, knownSecrets, optionsError, secretsOfValue } from '@venomqa/core'
import type { PluginEntry } from './types'

/** A plugin ready to set up: its shape and apiVersion checked, its options the schema's output. */
export interface CheckedPlugin {
  plugin: Plugin<any>
  name: string
  options: unknown
  /**
   * Who this entry is in messages and claims: the plugin's name, or, when the list holds the plugin more
   * than once (two databases, each its own state-postgres), its name and place: `name (plugins[2])`.
   */
  owner: string
  /** Where the entry was written: `plugins[2]`, `--plugin redis`. */
  where: string
}

/** `{ plugin, options, where }` from any entry form; `where` defaults to the entry's place in the list. */
export function normalizeEntry(entry: PluginEntry, index: number): { plugin: Plugin<any>; options: unknown; where: string } {
  if (Array.isArray(entry)) return { plugin: entry[0], options: entry[1], where: `plugins[${index}]` }
  if (entry && typeof entry === 'object' && 'plugin' in entry && !('apiVersion' in entry))
    return { plugin: entry.plugin, options: entry.options, where: entry.where ?? `plugins[${index}]` }
  return { plugin: entry as Plugin<any>, options: undefined, where: `plugins[${index}]` }
}

function checkShape(plugin: Plugin<any> | undefined): string {
  const name = plugin?.name ?? '(unnamed plugin)'
  if (!plugin || typeof plugin !== 'object' || typeof plugin.name !== 'string')
    throw new PluginError(name, `plugin "${name}" is not a plugin object (expected definePlugin({ name, version, apiVersion, ... }))`)
  if (plugin.apiVersion !== PLUGIN_API_VERSION)
    throw new PluginError(
      name,
      `plugin "${name}" was built for plugin API version ${String(plugin.apiVersion)}, but this VenomQA speaks version ${PLUGIN_API_VERSION}; install a version of the plugin made for this VenomQA`,
    )
  checkHooks(name, plugin.hooks)
  return name
}

/**
 * A hook under a name the runner never calls (`stepEnded`) would never run, and a run would pass having
 * done none of what the plugin meant to do: refused, as is a hook that is not a function.
 */
export function checkHooks(plugin: string, hooks: unknown, via = 'hooks'): void {
  if (hooks === undefined) return
  if (!hooks || typeof hooks !== 'object') throw new PluginError(plugin, `plugin "${plugin}": ${via} must be an object of hook functions by name`)
  for (const [hook, fn] of Object.entries(hooks)) checkHook(plugin, hook, fn, `${via}.${hook}`)
}

export function checkHook(plugin: string, hook: string, fn: unknown, where: string): void {
  if (!(HOOK_NAMES as readonly string[]).includes(hook)) {
    const near = HOOK_NAMES.find((h) => editDistance(h.toLowerCase(), hook.toLowerCase()) <= 2)
    throw new PluginError(plugin, `plugin "${plugin}": ${where}: no hook is named "${hook}"${near ? ` (did you mean "${near}"?)` : ''}; hooks: ${HOOK_NAMES.join(', ')}`)
  }
  if (typeof fn !== 'function') throw new PluginError(plugin, `plugin "${plugin}": ${where}: expected a function, got ${fn === null ? 'null' : typeof fn}`)
}

/**
 * Check every entry before any plugin is set up, so a wrong option never leaves half the plugins
 * started. Options of all plugins are checked against their schemas and every problem is reported in one
 * ConfigError (`plugins[1].lockWaitTimeoutMs: ...`); a plugin without a schema gets its options as given.
 */
export async function checkPluginEntries(entries: readonly PluginEntry[]): Promise<CheckedPlugin[]> {
  const checked: Omit<CheckedPlugin, 'owner'>[] = []
  const problems: string[] = []
  for (const [index, entry] of entries.entries()) {
    const { plugin, options, where } = normalizeEntry(entry, index)
    const name = checkShape(plugin)
    const given = options ?? {}
    // Values under secret keys (`password`, `apiKey`, `token`) are masked wherever they turn up from now
    // on: in an option error, in what the plugin logs or throws, in reports.
    knownSecrets.add(secretsOfValue(given))
    if (!plugin.options) {
      checked.push({ plugin, name, options: given, where })
      continue
    }
    const result = await checkOptions(plugin.options, given, where)
    if (result.ok) checked.push({ plugin, name, options: result.value, where })
    else problems.push(...result.problems)
  }
  if (problems.length) throw optionsError(problems, 'plugins')
  const count = new Map<string, number>()
  for (const c of checked) count.set(c.name, (count.get(c.name) ?? 0) + 1)
  // Each entry owns what it registers under a name of its own: two `--plugin x?...` flags share a place,
  // and sharing an owner they could replace each other's reporter, port or health check unnoticed.
  const owners = new Set<string>()
  return checked.map((c) => {
    let owner = count.get(c.name)! > 1 ? `${c.name} (${c.where})` : c.name
    for (let n = 2; owners.has(owner); n++) owner = `${c.name} (${c.where} #${n})`
    owners.add(owner)
    return { ...c, owner }
  })
}

/** Levenshtein distance, for "did you mean": hook names are short, so the plain table is cheap. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    row = next
  }
  return row[b.length]!
}
