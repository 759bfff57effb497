import { parseOverride } from '../config/env'
import type { VenomConfigBase } from '../config/types'

export interface ValueFlags {
  baseUrl?: string
  reporter?: string[]
  failFast?: boolean
  timeout?: string
  journeyTimeout?: string
  retries?: string
  journeyRetries?: string
  failOnFlaky?: boolean
  restore?: boolean
  save?: string
  parallelPaths?: string
  workers?: string
  pluginTimeout?: string
  httpTimeout?: string
  requireState?: boolean
}

/** Command-line values, checked like the config keys they override; errors name the flag. */
export function parseFlagValues(flags: ValueFlags): Partial<VenomConfigBase> {
  const out: Partial<VenomConfigBase> = {}
  if (flags.baseUrl !== undefined) out.baseUrl = parseOverride(flags.baseUrl, 'baseUrl', 'string', '--base-url') as string
  if (flags.timeout !== undefined) out.timeout = parseOverride(flags.timeout, 'timeout', 'int', '--timeout') as number
  if (flags.journeyTimeout !== undefined)
    out.journeyTimeout = parseOverride(flags.journeyTimeout, 'journeyTimeout', 'int', '--journey-timeout') as number
  if (flags.retries !== undefined) out.retries = parseOverride(flags.retries, 'retries', 'int', '--retries') as number
  if (flags.journeyRetries !== undefined) out.journeyRetries = parseOverride(flags.journeyRetries, 'journeyRetries', 'int', '--journey-retries') as number
  if (flags.failOnFlaky) out.failOnFlaky = true
  if (flags.restore) out.restoreAfterJourney = true
  if (flags.failFast) out.failFast = true
  if (flags.save !== undefined) out.save = parseOverride(flags.save, 'save', 'string', '--save') as string
  if (flags.parallelPaths !== undefined) out.parallelPaths = parseOverride(flags.parallelPaths, 'parallelPaths', 'int', '--parallel-paths') as number
  if (flags.workers !== undefined) out.workers = parseOverride(flags.workers, 'workers', 'int', '--workers') as number
  if (flags.pluginTimeout !== undefined) out.pluginTimeout = parseOverride(flags.pluginTimeout, 'pluginTimeout', 'int', '--plugin-timeout') as number
  // Only `http.timeout`: merged over the config's `http`, whose other keys stay.
  if (flags.httpTimeout !== undefined) out.http = { timeout: parseOverride(flags.httpTimeout, 'http.timeout', 'int', '--http-timeout') as number }
  if (flags.requireState) out.requireState = true
  if (flags.reporter?.length) out.reporters = flags.reporter
  return out
}
