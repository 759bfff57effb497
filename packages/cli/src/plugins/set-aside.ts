import { checkOptions, isUserError, optionPath } from '@venomqa/core'
import type { UnsetVariable } from '../config/interpolate'
import type { PluginSpec } from '../config/types'
import type { TypedVariable } from '../config/typed-variables'
import { listedMessage, loadPlugins } from './load'

/**
 * A plugin entry whose options read an unset variable is set aside (a command that does not need it runs
 * without it), or told by the variable alone (one that does). Either way its other mistakes (an unknown
 * option, a value of the wrong type) went untold until the variable was set, and then met as a new error.
 * These find them at once: the entry loaded and its options checked by the plugin's schema, every
 * problem kept but those at a key an unset variable left empty, which the variable's own message tells.
 */

/** The option keys an unset variable left empty, as an option error names them (`plugins[0].url`), by entry. */
export function emptiedOptionKeys(unset: readonly UnsetVariable[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const u of unset) {
    const fromBase = u.path[0] === 'plugins'
    const where = fromBase ? `plugins[${String(u.path[1])}]` : `profiles.${String(u.path[1])}.plugins[${String(u.path[3])}]`
    // An entry is `[name, options]`, its options at 1; in a spec string (`db?url=${DATABASE_URL}`) the
    // variable may stand for any of them, and the whole entry is the unset variable's.
    const at = fromBase ? 2 : 4
    const keys = u.path[at] === 1 ? u.path.slice(at + 1) : undefined
    ;(out[where] ??= []).push(keys ? optionPath(where, keys) : where)
  }
  return out
}

/**
 * The mistakes of the entry `spec` (written at `where`) besides what its unset variables left empty
 * (`emptied`, see emptiedOptionKeys): its options' problems, or why it does not load.
 */
export async function otherMistakes(
  spec: PluginSpec,
  where: string,
  emptied: readonly string[],
  root: string,
  typed: Record<string, TypedVariable[]> | undefined,
  /** Where the error of an entry that does not load is put, to be shown whole under --debug. */
  errors: Error[] = [],
): Promise<string[]> {
  const { typedPluginOptions } = await import('../commands/session')
  let problems: string[]
  try {
    const [loaded] = await typedPluginOptions(await loadPlugins([spec], { root }, [where]), typed)
    const schema = loaded?.plugin.options
    if (!loaded || !schema) return []
    const checked = await checkOptions(schema, loaded.options ?? {}, where)
    problems = checked.ok ? [] : checked.problems
  } catch (err) {
    // A plugin that is not installed, or not a plugin: a mistake of the entry, told as when it loads.
    if (isUserError(err)) {
      errors.push(err)
      // Named at its entry, as one of an entry that loads is (`plugins[0][1].url: ...`).
      const line = listedMessage(err)
      const at = where.replace(/\?$/, '')
      return [line.startsWith(at) ? line : `${at}: ${line}`]
    }
    throw err
  }
  const emptiedBy = (line: string) => emptied.some((key) => line === key || [':', '.', '['].some((next) => line.startsWith(`${key}${next}`)))
  return problems.filter((line) => !emptiedBy(line))
}
