import { ConfigError } from '@venomqa/core'

export interface SlackReporterOptions {
  /** The incoming webhook. Default: the SLACK_WEBHOOK_URL environment variable. */
  webhookUrl?: string
  /** Where the HTML report is published; adds an "Open report" button. */
  reportUrl?: string
  /** Post only when the run failed. Default false. */
  onlyOnFailure?: boolean
  /** Also write the payload as JSON to this file (relative to where the run started). */
  saveTo?: string
  /** Header prefix. Default "VenomQA". */
  title?: string
  /** How many failing steps the message lists. Default 5, at most 20. */
  maxFailures?: number
  /** Attempts in all, for 429 and 5xx answers and network errors. Default 4. */
  maxAttempts?: number
  /** First backoff in ms; doubles each attempt. Default 1000. */
  retryBaseDelayMs?: number
  /** Longest Retry-After honoured, in ms; a longer one gives up instead of holding the run. Default 30 000. */
  maxRetryAfterMs?: number
  /** Per-request timeout in ms. Default 10 000. */
  timeoutMs?: number
}

export interface ResolvedSlackOptions {
  webhookUrl?: string
  reportUrl?: string
  onlyOnFailure: boolean
  saveTo?: string
  title: string
  maxFailures: number
  maxAttempts: number
  retryBaseDelayMs: number
  maxRetryAfterMs: number
  timeoutMs: number
}

export const SLACK_DEFAULTS = {
  onlyOnFailure: false,
  title: 'VenomQA',
  maxFailures: 5,
  maxAttempts: 4,
  retryBaseDelayMs: 1000,
  maxRetryAfterMs: 30_000,
  timeoutMs: 10_000,
} as const

const STRING_KEYS = ['webhookUrl', 'reportUrl', 'saveTo', 'title'] as const
const INTEGER_KEYS: Record<string, [min: number, max: number]> = {
  maxFailures: [0, 20],
  maxAttempts: [1, 10],
  retryBaseDelayMs: [0, 60_000],
  maxRetryAfterMs: [0, 600_000],
  timeoutMs: [1, 600_000],
}

/** Check options from a config file; a ConfigError names the key and what was expected. */
export function checkSlackOptions(raw: Record<string, unknown>, where = 'reporters.slack'): SlackReporterOptions {
  const known = new Set<string>([...STRING_KEYS, 'onlyOnFailure', ...Object.keys(INTEGER_KEYS)])
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue
    const at = `${where}.${key}`
    if (!known.has(key)) throw new ConfigError(`${at} is not an option of the slack reporter (known: ${[...known].join(', ')})`, { where: at })
    if ((STRING_KEYS as readonly string[]).includes(key) && typeof value !== 'string')
      throw new ConfigError(`${at} must be a string`, { where: at })
    if (key === 'onlyOnFailure' && typeof value !== 'boolean') throw new ConfigError(`${at} must be true or false`, { where: at })
    const range = INTEGER_KEYS[key]
    if (range && !(Number.isInteger(value) && (value as number) >= range[0] && (value as number) <= range[1]))
      throw new ConfigError(`${at} must be an integer from ${range[0]} to ${range[1]}, got ${JSON.stringify(value)}`, { where: at })
  }
  if (typeof raw.reportUrl === 'string' && raw.reportUrl && !isHttpUrl(raw.reportUrl))
    throw new ConfigError(`${where}.reportUrl must be an http(s) URL`, { where: `${where}.reportUrl` })
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as SlackReporterOptions
}

export function resolveSlackOptions(options: SlackReporterOptions): ResolvedSlackOptions {
  return { ...SLACK_DEFAULTS, ...options }
}

export function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text)
    return u.protocol === 'https:' || u.protocol === 'http:'
  } catch {
    return false
  }
}
