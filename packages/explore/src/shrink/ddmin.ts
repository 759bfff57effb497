/**
 * Delta debugging (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing Input", 2002):
 * split the failing list into n chunks; keep a chunk that fails on its own, else drop a chunk whose
 * complement still fails, else split finer. Ends 1-minimal: removing any single item makes it pass.
 *
 * `fails` answers undefined when no more candidates may be tried (a limit): the smallest failing list
 * found so far is returned as it is.
 */
export async function ddmin<T>(items: readonly T[], fails: (candidate: T[]) => Promise<boolean | undefined>): Promise<T[]> {
  let current = [...items]
  let n = 2
  while (current.length >= 2) {
    const chunks = split(current, n)
    const next = await firstFailing(
      chunks.map((_, i) => () => chunks[i]!),
      fails,
    )
    if (next === 'stop') return current
    if (next) {
      current = next
      n = 2
      continue
    }
    const complement = await firstFailing(
      chunks.map((_, i) => () => chunks.flatMap((c, j) => (j === i ? [] : c))),
      fails,
    )
    if (complement === 'stop') return current
    if (complement) {
      current = complement
      n = Math.max(n - 1, 2)
      continue
    }
    if (n >= current.length) return current
    n = Math.min(current.length, n * 2)
  }
  return current
}

/** The first candidate that fails, undefined when none does, 'stop' when a limit ended the search. */
async function firstFailing<T>(candidates: (() => T[])[], fails: (candidate: T[]) => Promise<boolean | undefined>): Promise<T[] | undefined | 'stop'> {
  for (const make of candidates) {
    const candidate = make()
    // With n = 2 the chunks and their complements are the same two lists: `fails` remembers verdicts.
    const verdict = await fails(candidate)
    if (verdict === undefined) return 'stop'
    if (verdict) return candidate
  }
  return undefined
}

/** `n` contiguous chunks of sizes differing by at most one. */
export function split<T>(items: readonly T[], n: number): T[][] {
  const chunks: T[][] = []
  let start = 0
  for (let i = 0; i < n; i++) {
    const end = start + Math.floor((items.length - start) / (n - i))
    chunks.push(items.slice(start, end))
    start = end
  }
  return chunks.filter((c) => c.length > 0)
}
