import { parseOptions } from '@venomqa/core'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'

// zod/mini, bundled into this package tree-shaken (see tsup.config.ts): a configured plugin no longer costs
// every run the start-up of the whole of zod (95 modules, about 50 ms), only of what this schema uses.
z.config(en())

export const DEFAULT_TITLE = 'VenomQA report'
export const DEFAULT_MAX_BODY_CHARS = 16_000

/** Options of the html reporter: as the plugin's options, or per reporter (`{ name: 'html', options }`). */
export const htmlReportOptions = z.strictObject({
  /** Shown in the page title and header. Default: "VenomQA report". */
  title: z.optional(z.string({ error: 'expected a string' })),
  /** Longest body kept per request or response, in characters; longer ones are cut with a note. Default 16 000. */
  maxBodyChars: z.optional(z.number().check(z.int({ error: 'expected a positive whole number' }), z.positive({ error: 'expected a positive whole number' }))),
  /** Extra header names or body keys to redact, on top of the built-in list. */
  redactKeys: z.optional(z.array(z.string(), { error: 'expected a list of header names or body keys' })),
})

export type HtmlReportOptions = z.input<typeof htmlReportOptions>

export interface ResolvedHtmlOptions {
  title: string
  maxBodyChars: number
  redactKeys: string[]
}

/** Check options that came from a config file (one ConfigError naming every wrong key) and fill in defaults. */
export function resolveHtmlOptions(raw: Record<string, unknown> | HtmlReportOptions = {}, where = 'reporters.html'): ResolvedHtmlOptions {
  const o = parseOptions(htmlReportOptions, withoutUndefined(raw), where)
  return {
    title: o.title?.trim() || DEFAULT_TITLE,
    maxBodyChars: o.maxBodyChars ?? DEFAULT_MAX_BODY_CHARS,
    redactKeys: o.redactKeys ?? [],
  }
}

/** Only the keys that were set, so later options override earlier ones without erasing them. */
export function withoutUndefined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T
}
