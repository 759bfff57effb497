/**
 * How a search is shared by several explorers: the shards of `venomqa explore --shard i/n` (on other
 * machines) and the workers of `--workers N` (in this process). Every explorer walks the same tree,
 * fixed by the seed, and takes only the edges dealt to it.
 *
 * Each state belongs to a group of explorers; the root to all of them. The edges out of a state are
 * dealt among its group like cards, in their order: with at least as many edges as explorers, edge k
 * goes to explorer k mod g of the group, alone with its whole subtree (the root's edges of a search
 * split in n: edge k to shard k mod n + 1). With fewer edges than explorers, the group is cut into one
 * run of neighbours per edge, and each run shares that edge's subtree the same way one level down. So
 * an exploration whose root has one edge (a product to create before anything else) still keeps every
 * explorer busy.
 *
 * An edge shared by a group is taken by each of its explorers (each needs the state it leads to), but
 * recorded by the group's first one only: its transition, coverage, invariant violations and state are
 * counted once in the merged result. Levels nest: the shards split first, then each shard's part is
 * split among its workers, so a shard explores the same part of the tree with or without workers.
 */

/** One level of the split: this explorer is number `index` (1-based) of `total`. */
export interface SplitLevel {
  index: number
  total: number
}

/** The explorers a state belongs to: per level, the first and last index (inclusive). */
export type Group = readonly (readonly [number, number])[]

export class Split {
  readonly #levels: readonly SplitLevel[]

  constructor(levels: readonly SplitLevel[]) {
    for (const l of levels)
      if (!Number.isInteger(l.total) || l.total < 1 || !Number.isInteger(l.index) || l.index < 1 || l.index > l.total)
        throw new Error(`a split level must be index/total with 1 <= index <= total, got ${l.index}/${l.total}`)
    this.#levels = levels.filter((l) => l.total > 1)
  }

  /** True when this explorer has the whole tree to itself. */
  get whole(): boolean {
    return this.#levels.length === 0
  }

  /** The root's group: every explorer. */
  root(): Group {
    return this.#levels.map((l) => [1, l.total] as const)
  }

  /** The group of each of `count` edges out of a state of `group`, in the edges' order. */
  deal(group: Group, count: number): Group[] {
    const level = group.findIndex(([lo, hi]) => hi > lo)
    if (level < 0) return Array.from({ length: count }, () => group)
    const [lo, hi] = group[level]!
    const size = hi - lo + 1
    const withRange = (range: readonly [number, number]): Group => group.map((r, i) => (i === level ? range : r))
    if (count >= size) return Array.from({ length: count }, (_, k) => withRange([lo + (k % size), lo + (k % size)]))
    // Fewer edges than explorers: runs of neighbours, the first (size mod count) runs one longer.
    const base = Math.floor(size / count)
    const longer = size % count
    const out: Group[] = []
    let start = lo
    for (let k = 0; k < count; k++) {
      const length = base + (k < longer ? 1 : 0)
      out.push(withRange([start, start + length - 1]))
      start += length
    }
    return out
  }

  /** Whether this explorer takes the edges of (or below) a state of `group`. */
  mine(group: Group): boolean {
    return this.#levels.every((l, i) => group[i]![0] <= l.index && l.index <= group[i]![1])
  }

  /** Whether this explorer is the one that records what happens in a state of `group`. */
  records(group: Group): boolean {
    return this.#levels.every((l, i) => group[i]![0] === l.index)
  }
}
