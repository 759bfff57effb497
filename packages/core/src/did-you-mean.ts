/** The closest of `known` to `given` within two edits (one for a word of three letters or fewer), case aside, for "did you mean"; none when nothing is that close. */
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

/**
 * Edits from one to the other, a swap of two neighbouring letters counting as one (`dsf` is one from `dfs`,
 * as a typo is): the optimal string alignment distance. Names and keys are short.
 */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
    }
  return d[a.length]![b.length]!
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
