import { SourceMap, type SourceMapPayload } from 'node:module'

/**
 * Where a line and column (from 1) of code that a loader ran are in the file as written: through the
 * source map of that code, after the text the loader put before the code on its line 1 (`prefix`
 * characters). Undefined when the place is in that text or the map says nothing about it.
 */
export function placeThroughMap(map: SourceMapPayload, prefix: number, line: number, column: number): { line: number; column: number } | undefined {
  const inCode = line === 1 ? column - prefix : column
  if (inCode < 1) return undefined
  const entry = new SourceMap(map).findEntry(line - 1, inCode - 1)
  return 'originalLine' in entry ? { line: entry.originalLine + 1, column: entry.originalColumn + 1 } : undefined
}
