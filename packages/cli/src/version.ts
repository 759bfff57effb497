import { readFileSync } from 'node:fs'

let cached: string | undefined

/** The CLI's version, read from its package.json (dist/ and src/ both sit one level below it). */
export function cliVersion(): string {
  if (cached === undefined) {
    try {
      cached = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
    } catch {
      cached = '0.0.0'
    }
  }
  return cached
}
