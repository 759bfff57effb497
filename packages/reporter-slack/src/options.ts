import { parseOptions } from '@venomqa/core'
import { z } from 'zod'

const int = (min: number, max: number) => {
  const expected = { error: `expected a whole number from ${min} to ${max}` }
  return z.number(expected).int(expected).min(min, expected).max(max, expected)
}
const text = z.string({ error: 'expected a string' })

/** Options of the slack reporter: as the plugin's options, or per reporter (`{ name: 'slack', options }`). */
export const slackReporterOptions = z.strictObject({
  /** The incoming webhook. Default: the SLACK_WEBHOOK_URL environment variable. */
  webhookUrl: text.optional(),
  /** Where the HTML report is published; adds an "Open report" button. */
  reportUrl: text.refine((u) => u === '' || isHttpUrl(u), { error: 'expected an http(s) URL' }).optional(),
  /** Post only when the run failed. Default false. */
  onlyOnFailure: z.boolean({ error: 'expected true or false' }).optional(),
  /** Also write the payload as JSON to this file (relative to where the run started). */
  saveTo: text.optional(),
  /** Header prefix. Default "VenomQA". */
  title: text.optional(),
  /** How many failing steps the message lists. Default 5, at most 20. */
  maxFailures: int(0, 20).optional(),
  /** Attempts in all, for 429 and 5xx answers and network errors. Default 4. */
  maxAttempts: int(1, 10).optional(),
  /** First backoff in ms; doubles each attempt. Default 1000. */
  retryBaseDelayMs: int(0, 60_000).optional(),
  /** Longest Retry-After honoured, in ms; a longer one gives up instead of holding the run. Default 30 000. */
  maxRetryAfterMs: int(0, 600_000).optional(),
  /** Per-request timeout in ms. Default 10 000. */
  timeoutMs: int(1, 600_000).optional(),
})

export type SlackReporterOptions = z.input<typeof slackReporterOptions>

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

/** Check options from a config file: one ConfigError naming every wrong key; keys left undefined are dropped. */
export function parseSlackOptions(raw: Record<string, unknown>, where = 'reporters.slack'): SlackReporterOptions {
  const set = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined))
  return parseOptions(slackReporterOptions, set, where)
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
