import { type UnsetVariable, isPlainObject } from './interpolate'
import { keySchema } from './schema'

/**
 * One key of a config that did not resolve as a whole. `known`: its value is what a run would take, or
 * undefined when nothing gives it; not known when what would give it does not resolve itself.
 */
export type KeyAsWritten<T> = { known: true; value?: T } | { known: false }

/** The config file as far as it could be read (see readConfigAsWritten). */
export interface FileAsWritten {
  /** Whether there is a config file: without one, every key is the defaults'. */
  found: boolean
  /** The config file looked for: the one --config named (which may not exist), else the one found. */
  file?: string
  written?: unknown
  unset: readonly UnsetVariable[]
  profile?: string
}

/**
 * The value the file gives `key` with the precedence a run gives it (the selected profile's, then the
 * file's own), when that value resolves on its own: no unset or malformed variable in it, and valid for
 * the key. A file that could not be read (or that --config names and is not there), or a profile asked for
 * that it does not define, makes the key unknown: what it would say there cannot be told.
 */
export function fileKeyAsWritten(file: FileAsWritten, key: 'baseUrl' | 'journeys'): KeyAsWritten<unknown> {
  // No config file at all: the defaults. One that --config names and that is not there: what the user
  // meant it to say cannot be told, and the defaults would check what no run of theirs takes.
  if (!file.found) return file.file === undefined ? { known: true } : { known: false }
  const written = file.written
  if (!isPlainObject(written)) return { known: false }
  const sources: { keys: Record<string, unknown>; at: PropertyKey[] }[] = []
  if (file.profile) {
    const profiles = written.profiles
    const selected = isPlainObject(profiles) && Object.hasOwn(profiles, file.profile) ? profiles[file.profile] : undefined
    if (!isPlainObject(selected)) return { known: false }
    sources.push({ keys: selected, at: ['profiles', file.profile] })
  }
  sources.push({ keys: written, at: [] })
  const giving = sources.find((s) => s.keys[key] !== undefined)
  if (!giving) return { known: true }
  const at = [...giving.at, key]
  const clean = !file.unset.some((u) => at.every((k, i) => String(u.path[i]) === String(k)))
  const value = giving.keys[key]
  return clean && keySchema(key).safeParse(value).success ? { known: true, value } : { known: false }
}
