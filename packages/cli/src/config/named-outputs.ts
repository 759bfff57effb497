import { splitList } from './env'
import { isPlainObject } from './interpolate'
import type { UnsetVariable } from './interpolate'
import { keySchema } from './schema'
import type { ReporterSpec } from './types'

/**
 * The outputs a config names (its results file, its reporters), each with where it was written, as far
 * as they can be read when the config as a whole cannot be (another key is wrong, a flag's value is). A
 * command stopped by such a mistake removes what an earlier run left there (see clearOutputsDespiteMistake).
 */
export interface ConfigOutputs {
  save?: { file: string; where: string }
  reporters: { spec: ReporterSpec; where: string }[]
}

/**
 * What `written` (the config file as interpolated, or undefined), the profile and the environment name as
 * outputs, with the precedence a run gives them: VENOMQA_SAVE and VENOMQA_REPORTERS, then the profile's
 * keys, then the file's. The first of those that gives a key readably gives it: a source whose value cannot
 * be read (a number for `save`, a list that is not one) is passed over, as if the key were not there.
 *
 * Only what the config clearly names is taken: `save` a non-empty string, each reporter an entry valid on
 * its own (the others of its list are left out); never one whose value holds an unset variable (`save:
 * ${OUT}/r.json` would be `/r.json`) or a `${` that is no variable.
 */
export function outputsAsWritten(written: unknown, unset: readonly UnsetVariable[], env: NodeJS.ProcessEnv, profile: string | undefined): ConfigOutputs {
  const file = isPlainObject(written) ? written : {}
  const profiles = file.profiles
  const selected = profile && isPlainObject(profiles) && Object.hasOwn(profiles, profile) && isPlainObject(profiles[profile]) ? profiles[profile] : undefined
  const clean = (at: readonly PropertyKey[]) => !unset.some((u) => startsWith(u.path, at))
  // Highest precedence first: each a place the keys may be in, how it names them, and their key path.
  const sources = [
    ...(selected ? [{ keys: selected, where: `profiles.${profile}.`, at: ['profiles', profile!] as PropertyKey[] }] : []),
    { keys: file, where: '', at: [] as PropertyKey[] },
  ]

  let save: ConfigOutputs['save']
  // Taken as the environment gives it when it is not blank, as envOverrides takes it.
  const envSave = env.VENOMQA_SAVE
  if (envSave?.trim()) save = { file: envSave, where: 'VENOMQA_SAVE' }
  else
    for (const { keys, where, at } of sources) {
      const value = keys.save
      if (typeof value === 'string' && value.trim() && clean([...at, 'save'])) {
        save = { file: value, where: `${where}save` }
        break
      }
    }

  let reporters: ConfigOutputs['reporters'] | undefined
  const envReporters = env.VENOMQA_REPORTERS
  if (envReporters?.trim())
    reporters = splitList(envReporters)
      .map((s) => s.trim())
      .filter(Boolean)
      .map((spec, i) => ({ spec, where: `VENOMQA_REPORTERS[${i}]` }))
  else
    for (const { keys, where, at } of sources) {
      const list = keys.reporters
      if (!Array.isArray(list)) continue
      reporters = list.flatMap((spec, i) =>
        isReporterSpec(spec) && clean([...at, 'reporters', i]) ? [{ spec, where: `${where}reporters[${i}]` }] : [],
      )
      break
    }
  return { ...(save ? { save } : {}), reporters: reporters ?? [] }
}

/** One entry of `reporters`, valid on its own: `"junit:out.xml"`, `{ name, output, options }`, `[name, options]`. */
function isReporterSpec(spec: unknown): spec is ReporterSpec {
  return keySchema('reporters').safeParse([spec]).success
}

/** Whether the key path `path` is `prefix` or under it: a variable in `reporters[1]`'s options makes that entry unclear. */
function startsWith(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => String(path[i]) === String(k))
}
