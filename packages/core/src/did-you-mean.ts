/** The closest of `known` to `given` within two edits, case aside, for "did you mean"; none when nothing is that close. */
export function didYouMean(given: string, known: readonly string[]): string | undefined {
  let best: { k: string; d: number } | undefined
  for (const k of known) {
    const d = editDistance(k.toLowerCase(), given.toLowerCase())
    if (d <= 2 && (!best || d < best.d)) best = { k, d }
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
