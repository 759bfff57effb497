import { checkOptions, isUserError } from '@venomqa/core'
import type { PluginSpec } from '../config/types'
import type { TypedVariable } from '../config/typed-variables'
import { type LoadedPlugin, listedMessage, loadPlugin, pluginInstances } from './load'

/** A plugin entry as a run takes it, and where it was written (`plugins[1]`, `--plugin csv?`, `VENOMQA_PLUGINS[0]`). */
export interface PlacedEntry {
  spec: PluginSpec
  where: string
}

/** One mistake of an entry: a line of the message, and the entry it is in. */
export interface EntryMistake {
  where: string
  line: string
  /** The error the line tells, when one was thrown: shown whole under --debug. */
  error?: Error
}

/**
 * The mistakes of plugin entries as `venomqa run` would meet them: an entry that does not load, an option
 * a plugin's schema refuses. Entries of one plugin are folded into instances first, as loadPlugins does,
 * so an entry without options whose twin gives them is not blamed for missing every required one.
 */
export async function entryMistakes(entries: readonly PlacedEntry[], root: string, typed: Record<string, TypedVariable[]> | undefined): Promise<EntryMistake[]> {
  const { typedPluginOptions } = await import('../commands/session')
  const out: EntryMistake[] = []
  const loaded: LoadedPlugin[] = []
  for (const { spec, where } of entries) {
    try {
      loaded.push({ ...(await loadPlugin(spec, { root })), where })
    } catch (err) {
      if (!isUserError(err)) throw err
      // Named at its entry (two entries may name one package); its own later lines are indented under its bullet by the list (problemList).
      out.push({ where, line: `${where.replace(/\?$/, '')}: ${listedMessage(err)}`, error: err })
    }
  }
  const instances = await typedPluginOptions(
    pluginInstances(loaded).map((instance) => instance.plugin),
    typed,
  )
  for (const instance of instances) {
    const schema = instance.plugin.options
    if (!schema || !instance.where) continue
    const checked = await checkOptions(schema, instance.options ?? {}, instance.where)
    if (!checked.ok) out.push(...checked.problems.map((line) => ({ where: instance.where!, line })))
  }
  return out
}
