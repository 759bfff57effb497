import { didYouMean } from '@venomqa/core'

/**
 * `"itemz" (did you mean "items"?)`: a name given, with the known one it is most likely a typo of, as
 * `run --tag` and `generate --tag` say it.
 */
export function namedWithNear(name: string, known: readonly string[]): string {
  const near = didYouMean(name, known)
  return `"${name}"${near ? ` (did you mean "${near}"?)` : ''}`
}
