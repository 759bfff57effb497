import { ConfigError, didYouMean } from '@venomqa/core'
import { EXPECTED, type OverrideKey, overrideSchema } from './schema'
import { describeValue, ownMessage } from './issues'
import type { VenomConfigBase } from './types'

type Kind = 'string' | 'int' | 'bool' | 'list'

/**
 * VENOMQA_* variables and the key each one overrides (`http.timeout`: that key of `http`, the others kept).
 * VENOMQA_PLUGINS adds to the config's plugins.
 */
export const ENV_OVERRIDES: Record<string, { key: OverrideKey; kind: Kind }> = {
  VENOMQA_BASE_URL: { key: 'baseUrl', kind: 'string' },
  VENOMQA_JOURNEYS: { key: 'journeys', kind: 'list' },
  VENOMQA_TIMEOUT: { key: 'timeout', kind: 'int' },
  VENOMQA_JOURNEY_TIMEOUT: { key: 'journeyTimeout', kind: 'int' },
  VENOMQA_RETRIES: { key: 'retries', kind: 'int' },
  VENOMQA_JOURNEY_RETRIES: { key: 'journeyRetries', kind: 'int' },
  VENOMQA_FAIL_ON_FLAKY: { key: 'failOnFlaky', kind: 'bool' },
  VENOMQA_RESTORE_AFTER_JOURNEY: { key: 'restoreAfterJourney', kind: 'bool' },
  VENOMQA_FAIL_FAST: { key: 'failFast', kind: 'bool' },
  VENOMQA_REPORTERS: { key: 'reporters', kind: 'list' },
  VENOMQA_PLUGINS: { key: 'plugins', kind: 'list' },
  VENOMQA_SAVE: { key: 'save', kind: 'string' },
  VENOMQA_PARALLEL_PATHS: { key: 'parallelPaths', kind: 'int' },
  VENOMQA_WORKERS: { key: 'workers', kind: 'int' },
  VENOMQA_PLUGIN_TIMEOUT: { key: 'pluginTimeout', kind: 'int' },
  VENOMQA_HTTP_TIMEOUT: { key: 'http.timeout', kind: 'int' },
  VENOMQA_REQUIRE_STATE: { key: 'requireState', kind: 'bool' },
  VENOMQA_REDACT_KEYS: { key: 'redactKeys', kind: 'list' },
}

/** The VENOMQA_* variables read by name besides the overrides above. */
const OTHER_VARIABLES = ['VENOMQA_PROFILE', 'VENOMQA_RUN_ID', 'VENOMQA_COMMIT', 'VENOMQA_TS_LOADER']

/**
 * VENOMQA_* variables set that nothing reads and that are a typo or two from one that is read
 * (`VENOMQA_RETRYS` for `VENOMQA_RETRIES`), each with the one it is nearest to, sorted by name. Others of the
 * prefix are left alone: a curl line's header (`VENOMQA_AUTHORIZATION`) and a secret of generated journeys
 * (`VENOMQA_SECRET_DB_PASSWORD`) are set for other readers, and their names are the user's to choose.
 */
export function misspeltVariables(env: NodeJS.ProcessEnv): { name: string; meant: string }[] {
  const read = [...Object.keys(ENV_OVERRIDES), ...OTHER_VARIABLES]
  const suffixes = read.map((name) => name.slice('VENOMQA_'.length))
  const found: { name: string; meant: string }[] = []
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('VENOMQA_') || read.includes(name) || env[name] === undefined) continue
    // Compared without the prefix, which every name shares: two edits within `RETRYS`, not within the whole.
    const near = didYouMean(name.slice('VENOMQA_'.length), suffixes)
    if (near) found.push({ name, meant: `VENOMQA_${near}` })
  }
  return found
}

/** A value from the environment or a command-line flag, converted and checked like the config key. */
export function parseOverride(raw: string, key: OverrideKey, kind: Kind, label: string): unknown {
  let value: unknown = raw
  if (kind === 'int') value = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw
  else if (kind === 'bool') {
    const v = raw.trim().toLowerCase()
    value = ['1', 'true', 'yes', 'on'].includes(v) ? true : ['0', 'false', 'no', 'off', ''].includes(v) ? false : raw
  } else if (kind === 'list')
    value = splitList(raw)
      .map((s) => s.trim())
      .filter(Boolean)
  const checked = overrideSchema(key).safeParse(value)
  if (!checked.success || (kind === 'bool' && typeof value !== 'boolean')) {
    // A check with its own message (a base URL with a query) says it; else the key's description.
    const own = checked.error?.issues.map(ownMessage).find(Boolean)
    throw new ConfigError(`${label}: ${own ?? `expected ${EXPECTED[key] ?? 'a valid value'}`}, got ${describeValue(raw)}`, { where: label })
  }
  return value
}

/**
 * A list variable's items: split on the commas outside braces only. `journeys/**\/*.journey.{ts,mts}` is
 * one glob, which a split on every comma made two broken ones (`...{ts` and `mts}`).
 */
export function splitList(raw: string): string[] {
  const items: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]
    if (c === '{') depth++
    else if (c === '}' && depth > 0) depth--
    else if (c === ',' && depth === 0) {
      items.push(raw.slice(start, i))
      start = i + 1
    }
  }
  items.push(raw.slice(start))
  return items
}

/**
 * The overrides VENOMQA_* variables make; plugins are returned apart because they add, not replace.
 * `problems` holds one line per variable that is wrong, every one of them (see envProblemsError).
 */
export function envOverrides(env: NodeJS.ProcessEnv): { overrides: Partial<VenomConfigBase>; plugins: string[]; problems: ConfigError[] } {
  const overrides: Record<string, unknown> = {}
  let plugins: string[] = []
  const problems: ConfigError[] = []
  for (const [name, { key, kind }] of Object.entries(ENV_OVERRIDES)) {
    const raw = env[name]
    if (raw === undefined || raw.trim() === '') continue
    let value: unknown
    try {
      value = parseOverride(raw, key, kind, name)
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      problems.push(err)
      continue
    }
    if (key === 'plugins') plugins = value as string[]
    else setOverride(overrides, key, value)
  }
  return { overrides: overrides as Partial<VenomConfigBase>, plugins, problems }
}

/** `value` set at `key` of `overrides`: a key of `http` inside its object, which merges over the config's. */
export function setOverride(overrides: Record<string, unknown>, key: OverrideKey, value: unknown): void {
  const [head, sub] = key.split('.') as [string, string | undefined]
  if (sub === undefined) overrides[head] = value
  else overrides[head] = { ...(overrides[head] as Record<string, unknown> | undefined), [sub]: value }
}

/**
 * One error for every wrong variable, and for the config file's own problems when it had some too
 * (`fileError`): a user fixes them all in one go, as the config's keys are all named at once.
 */
export function envProblemsError(problems: readonly ConfigError[], fileError?: ConfigError): ConfigError | undefined {
  if (!problems.length) return fileError
  if (!fileError && problems.length === 1) return problems[0]
  const lines = [...(fileError ? fileLines(fileError.message) : []), ...problems.map((p) => p.message)]
  return new ConfigError(`${lines.length} problems:\n${problemList(lines)}`, { where: fileError?.where ?? problems[0]!.where })
}

/**
 * Problems as a list, one entry a problem: a message of several lines of its own (an unknown plugin's list
 * of the packages tried) has its later lines indented under its bullet, where they read as entries of their
 * own (`  - @venomqa/redsi`).
 */
export function problemList(lines: readonly string[]): string {
  return lines.map((line) => `  - ${line.replace(/\n/g, '\n    ')}`).join('\n')
}

/** The config file's problems one per entry, each naming the file: `x.json has 2 problems:\n  - a\n  - b` gives `x.json: a`, `x.json: b`. */
function fileLines(message: string): string[] {
  const many = /^(.*) has \d+ problems:\n/.exec(message)
  if (!many) return [message]
  // An entry's own later lines (indented under its bullet by problemList) stay with it.
  return message
    .slice(many[0].length)
    .split(/\n(?= {2}- )/)
    .map((entry) => `${many[1]}: ${entry.replace(/^ {2}- /, '').replace(/\n {4}/g, '\n')}`)
}
