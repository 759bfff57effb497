import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Plugin, PluginError, apiVersionProblem, checkOptions, knownSecrets, optionsError, pluginDefinedAt, secretsOfValue } from '@venomqa/core'
import { checkHooks } from './hooks'
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
  /** The config file the entry is in, as messages name it (`venomqa.json`); none for a flag's or code's. */
  file?: string
}

interface NormalEntry {
  plugin: Plugin<any>
  options: unknown
  where: string
  file?: string
  from?: string
  source?: string
}

/** `{ plugin, options, where, file, from, source }` from any entry form; `where` defaults to the entry's place in the list. */
export function normalizeEntry(entry: PluginEntry, index: number): NormalEntry {
  if (Array.isArray(entry)) return { plugin: entry[0], options: entry[1], where: `plugins[${index}]` }
  if (entry && typeof entry === 'object' && 'plugin' in entry && !('apiVersion' in entry)) {
    const { plugin, options, where, file, from, source } = entry
    return { plugin, options, where: where ?? `plugins[${index}]`, ...(file ? { file } : {}), ...(from ? { from } : {}), ...(source ? { source } : {}) }
  }
  return { plugin: entry as Plugin<any>, options: undefined, where: `plugins[${index}]` }
}

/**
 * Refuse two different plugins of one name (a package and a local file both "redis"), before any is set
 * up. One plugin listed twice with other options is two instances of it, as the contract allows (two
 * databases); but two plugins are known by their name alone in hooks, issues, claims and reports, and could
 * not be told apart: a port clash between them was blamed on one plugin "set up twice".
 */
export function refusePluginNameTwins(entries: readonly PluginEntry[]): void {
  const normal = entries.map(normalizeEntry)
  for (const index of normal.keys()) {
    const err = twinError(normal, index)
    if (err) throw err
  }
}

/** The refusal of `entries[index]` when an entry before it is another plugin of its name (see refusePluginNameTwins). */
export function pluginNameTwinError(entries: readonly PluginEntry[], index: number): PluginError | undefined {
  return twinError(entries.slice(0, index + 1).map(normalizeEntry), index)
}

function twinError(entries: readonly NormalEntry[], index: number): PluginError | undefined {
  const entry = entries[index]!
  const name = entry.plugin?.name
  if (typeof name !== 'string') return undefined
  const first = entries.slice(0, index).find((p) => p.plugin?.name === name && !samePlugin(p, entry))
  if (!first) return undefined
  // `--plugin x?` names the flag's options in option errors; here the flag itself is meant.
  const [a, b] = [first.where, entry.where].map((where) => where.replace(/\?$/, ''))
  return new PluginError(
    name,
    `${a} and ${b} are both "${name}": ${a} is ${pluginSource(first)}, ${b} is ${pluginSource(entry)}. Two plugins of one name cannot be told apart (hooks, issues and reports know a plugin by its name): remove one of them, or give one a name of its own (definePlugin({ name }))`,
    { where: entry.file ? `${entry.file}: ${b}` : b },
  )
}

/**
 * Whether two entries are one plugin: loaded from one file or package (`from`, as the CLI says), else one
 * object, or two that one definePlugin call made (a factory called for each entry).
 */
function samePlugin(a: NormalEntry, b: NormalEntry): boolean {
  if (a.from !== undefined || b.from !== undefined) return a.from === b.from
  if (a.plugin === b.plugin) return true
  const at = pluginDefinedAt(a.plugin)
  return at !== undefined && at === pluginDefinedAt(b.plugin)
}

/** Where an entry's plugin came from, for messages: what the entry says, else where definePlugin made it. */
function pluginSource(entry: NormalEntry): string {
  if (entry.source) return entry.source
  const at = pluginDefinedAt(entry.plugin)
  if (!at) return 'a plugin object'
  const file = at.startsWith('file://') ? fileURLToPath(at.replace(/:\d+:\d+$/, '')) + at.match(/:\d+:\d+$/)![0] : at
  return `the plugin defined at ${path.relative(process.cwd(), file) || file}`
}

function checkShape(plugin: Plugin<any> | undefined): string {
  const name = plugin?.name ?? '(unnamed plugin)'
  if (!plugin || typeof plugin !== 'object' || typeof plugin.name !== 'string')
    throw new PluginError(name, `plugin "${name}" is not a plugin object (expected definePlugin({ name, version, apiVersion, ... }))`)
  const problem = apiVersionProblem(`"${name}"`, plugin.apiVersion)
  if (problem) throw new PluginError(name, problem)
  // Before any plugin is set up: its hooks object is known already (addHook's are checked as they come).
  checkHooks(`plugin:${name}`, plugin.hooks)
  return name
}

/**
 * Check every entry before any plugin is set up, so a wrong option never leaves half the plugins
 * started. Options of all plugins are checked against their schemas and every problem is reported in one
 * ConfigError (`plugins[1].lockWaitTimeoutMs: ...`, after the entry's `file` when it has one); a plugin
 * without a schema gets its options as given.
 */
export async function checkPluginEntries(entries: readonly PluginEntry[]): Promise<CheckedPlugin[]> {
  refusePluginNameTwins(entries)
  const checked: Omit<CheckedPlugin, 'owner'>[] = []
  const problems: string[] = []
  const refused: string[] = []
  for (const [index, entry] of entries.entries()) {
    const { plugin, options, where, file } = normalizeEntry(entry, index)
    const name = checkShape(plugin)
    const given = options ?? {}
    // Values under secret keys (`password`, `apiKey`, `token`) are masked wherever they turn up from now
    // on: in an option error, in what the plugin logs or throws, in the results and the reports the
    // runner's reporters write. A plugin's own reporter writes what it chooses (redactText masks them).
    knownSecrets.add(secretsOfValue(given))
    if (!plugin.options) {
      checked.push({ plugin, name, options: given, where, ...(file ? { file } : {}) })
      continue
    }
    const result = await checkOptions(plugin.options, given, where)
    if (result.ok) checked.push({ plugin, name, options: result.value, where, ...(file ? { file } : {}) })
    else {
      // Named as every other mistake in a config file is: `venomqa.json: plugins[1].url: ...`.
      problems.push(...result.problems.map((problem) => (file ? `${file}: ${problem}` : problem)))
      refused.push(where)
    }
  }
  // Placed at the first entry refused, which every line names already (`plugins[1].url`, `--plugin
  // x?url`): `plugins` would add "at plugins" under a list of flags, a key the user never wrote.
  if (problems.length) throw optionsError(problems, refused[0]!)
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
