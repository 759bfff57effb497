import { ConfigError } from '@venomqa/core'

export interface HtmlReportOptions {
  /** Shown in the page title and header. Default: "VenomQA report". */
  title?: string
  /** Longest body kept per request or response, in characters; longer ones are cut with a note. Default 16 000. */
  maxBodyChars?: number
  /** Extra header names or body keys to redact, on top of the built-in list. */
  redactKeys?: string[]
}

export const DEFAULT_TITLE = 'VenomQA report'
export const DEFAULT_MAX_BODY_CHARS = 16_000

export interface ResolvedHtmlOptions {
  title: string
  maxBodyChars: number
  redactKeys: string[]
}

/** Check options that came from a config file, naming the key that is wrong. */
export function resolveHtmlOptions(raw: Record<string, unknown> | HtmlReportOptions = {}, where = 'reporters.html'): ResolvedHtmlOptions {
  const o = raw as Record<string, unknown>
  const known = new Set(['title', 'maxBodyChars', 'redactKeys'])
  for (const key of Object.keys(o))
    if (!known.has(key) && o[key] !== undefined)
      throw new ConfigError(`${where}.${key} is not an option of the html reporter (known: ${[...known].join(', ')})`, { where: `${where}.${key}` })

  if (o.title !== undefined && typeof o.title !== 'string')
    throw new ConfigError(`${where}.title must be a string`, { where: `${where}.title` })
  if (o.maxBodyChars !== undefined && !(Number.isInteger(o.maxBodyChars) && (o.maxBodyChars as number) > 0))
    throw new ConfigError(`${where}.maxBodyChars must be a positive integer, got ${JSON.stringify(o.maxBodyChars)}`, {
      where: `${where}.maxBodyChars`,
    })
  if (o.redactKeys !== undefined && !(Array.isArray(o.redactKeys) && o.redactKeys.every((k) => typeof k === 'string')))
    throw new ConfigError(`${where}.redactKeys must be an array of strings`, { where: `${where}.redactKeys` })

  return {
    title: (o.title as string | undefined)?.trim() || DEFAULT_TITLE,
    maxBodyChars: (o.maxBodyChars as number | undefined) ?? DEFAULT_MAX_BODY_CHARS,
    redactKeys: (o.redactKeys as string[] | undefined) ?? [],
  }
}
