/** The closest of `known` to `given` within two edits, case aside, for "did you mean"; none when nothing is that close. */
export function didYouMean(given: string, known: readonly string[]): string | undefined {
  // Two edits make any three-letter word another (`ttl` is two from `url`): a short word gets one.
  const most = given.length <= 3 ? 1 : 2
  let best: { k: string; d: number } | undefined
  for (const k of known) {
    const d = editDistance(k.toLowerCase(), given.toLowerCase())
    if (d <= most && (!best || d < best.d)) best = { k, d }
  }
  return best?.k
}

/** Levenshtein distance, one row at a time: names and keys are short. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]!
}

/** Every key of `T`, listed once: the compiler says when `T` gains one the list lacks. */
export function keysOf<T>(keys: Record<keyof T, 1>): string[] {
  return Object.keys(keys)
}

/**
 * `unknown key "deph" (did you mean "depth"?)` for the first key of `given` that is none of `known`, or
 * with the keys it takes when none is near; undefined when every key is known. `noun` names what a key
 * is where it is written: `unknown option "tiemout"` for a step's options.
 */
export function unknownKeyIn(given: unknown, known: readonly string[], prefix = '', noun = 'key'): string | undefined {
  if (!given || typeof given !== 'object') return undefined
  const key = Object.keys(given).find((k) => !known.includes(k))
  if (key === undefined) return undefined
  const near = didYouMean(key, known)
  return `unknown ${noun} "${prefix}${key}" (${near ? `did you mean "${prefix}${near}"?` : `the ${noun}s are ${known.map((k) => prefix + k).join(', ')}`})`
}
