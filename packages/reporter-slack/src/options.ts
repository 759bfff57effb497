import { parseOptions, redactCredentials } from '@venomqa/core'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'

// zod/mini, bundled into this package tree-shaken (see tsup.config.ts): a configured plugin no longer costs
// every run the start-up of the whole of zod (95 modules, about 50 ms), only of what this schema uses.
z.config(en())

const int = (min: number, max: number) => {
  const expected = { error: `expected a whole number from ${min} to ${max}` }
  return z.number(expected).check(z.int(expected), z.gte(min, expected), z.lte(max, expected))
}
const text = z.string({ error: 'expected a string' })

/** Options of the slack reporter: as the plugin's options, or per reporter (`{ name: 'slack', options }`). */
export const slackReporterOptions = z.strictObject({
  /** The incoming webhook. Default: the SLACK_WEBHOOK_URL environment variable. */
  webhookUrl: z.optional(text),
  /** Where the HTML report is published; adds an "Open report" button. */
  reportUrl: z.optional(
    text.check(
      z.refine((u) => u === '' || isHttpUrl(u), { error: 'expected an http(s) URL' }),
      // Posted to a channel and saved with the payload: a password in it would be shown to everyone there.
      z.refine((u) => redactCredentials(u) === u, { error: 'expected a link without user:password@ (everyone in the channel sees it): publish the report where the channel may open it' }),
    ),
  ),
  /** Post only when the run failed. Default false. */
  onlyOnFailure: z.optional(z.boolean({ error: 'expected true or false' })),
  /** Also write the payload as JSON to this file (relative to where the run started). */
  saveTo: z.optional(text),
  /** Header prefix. Default "VenomQA". */
  title: z.optional(text),
  /** How many failing steps the message lists. Default 5, at most 20. */
  maxFailures: z.optional(int(0, 20)),
  /** Attempts in all, for 429 and 5xx answers and network errors. Default 4. */
  maxAttempts: z.optional(int(1, 10)),
  /** First backoff in ms; doubles each attempt. Default 1000. */
  retryBaseDelayMs: z.optional(int(0, 60_000)),
  /** Longest Retry-After honoured, in ms; a longer one gives up instead of holding the run. Default 30 000. */
  maxRetryAfterMs: z.optional(int(0, 600_000)),
  /** Per-request timeout in ms. Default 10 000. */
  timeoutMs: z.optional(int(1, 600_000)),
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
