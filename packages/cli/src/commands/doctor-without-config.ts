import { parseOverride } from '../config/env'
import { type KeyAsWritten, fileKeyAsWritten } from '../config/keys-as-written'
import { readConfigAsWritten } from '../config/load'
import { DEFAULT_JOURNEYS } from '../config/schema'
import type { VenomConfigBase } from '../config/types'
import type { Io } from '../exit'
import type { ConfigFlags } from './session'

/** What doctor can still check when the config did not resolve, each part as a run would take it. */
export interface StillResolved {
  root: string
  /** The config file, when there is one: doctor's hints depend on it. */
  file?: string
  /** The journey globs, unless they depend on what did not resolve. */
  journeys?: string[]
  baseUrl: KeyAsWritten<string>
}

/**
 * The parts of a config that did not resolve which need none of the rest: the journeys (VENOMQA_JOURNEYS,
 * else the config's `journeys` where that key resolves on its own, else the default globs when nothing
 * names any) and the base URL (--base-url, VENOMQA_BASE_URL, else the config's `baseUrl` where it
 * resolves). A flag or a variable that is wrong itself leaves its part unknown: it is among the config's
 * problems already.
 */
export async function stillResolved(io: Io, flags: ConfigFlags & { baseUrl?: string }): Promise<StillResolved> {
  const file = await readConfigAsWritten({ cwd: io.cwd, configPath: flags.config, profile: flags.profile, env: io.env })
  const journeys = given(io.env.VENOMQA_JOURNEYS, 'journeys', 'VENOMQA_JOURNEYS') ?? fileKeyAsWritten(file, 'journeys')
  const baseUrl = (flags.baseUrl !== undefined ? parsed(flags.baseUrl, 'baseUrl', '--base-url') : given(io.env.VENOMQA_BASE_URL, 'baseUrl', 'VENOMQA_BASE_URL')) ?? fileKeyAsWritten(file, 'baseUrl')
  return {
    root: file.root,
    ...(file.found ? { file: file.file } : {}),
    ...(journeys.known ? { journeys: globsOf(journeys.value) } : {}),
    baseUrl: baseUrl as KeyAsWritten<string>,
  }
}

/** A VENOMQA_* variable's value for `key`, as envOverrides takes it: a blank one is not given. */
function given(raw: string | undefined, key: 'baseUrl' | 'journeys', name: string): KeyAsWritten<unknown> | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : parsed(raw, key, name)
}

/** A flag's or a variable's value, checked like the key it sets; unknown when it is wrong. */
function parsed(raw: string, key: keyof VenomConfigBase, label: string): KeyAsWritten<unknown> {
  try {
    return { known: true, value: parseOverride(raw, key, key === 'journeys' ? 'list' : 'string', label) }
  } catch {
    return { known: false }
  }
}

function globsOf(value: unknown): string[] {
  if (value === undefined) return [DEFAULT_JOURNEYS]
  return Array.isArray(value) ? (value as string[]) : [value as string]
}
