/**
 * The names a paginated list gives the size of its whole collection beside the page (`{ items, total }`).
 * A page is cut at its limit: a row a failed create left behind past a full first page does not change
 * the page's length, only the total.
 */
const TOTAL_KEYS = ['total', 'totalCount', 'total_count', 'totalItems', 'total_items', 'count'] as const

/**
 * Where a list answer tells how many items its collection holds: `[]` for the answer itself (a bare
 * list: its length), `['total']` for an envelope's total beside its one list (`{ items: [...], total: 25 }`),
 * `['items']` for the one list of an envelope with no total (its length). Undefined when it tells none.
 */
export function collectionSizePath(body: unknown): { path: string[]; total: boolean } | undefined {
  if (Array.isArray(body)) return { path: [], total: false }
  if (!body || typeof body !== 'object') return undefined
  const entries = Object.entries(body as Record<string, unknown>)
  const lists = entries.filter(([, value]) => Array.isArray(value))
  if (lists.length !== 1) return undefined
  const pageLength = (lists[0]![1] as unknown[]).length
  const total = TOTAL_KEYS.find((key) => {
    const value = (body as Record<string, unknown>)[key]
    return typeof value === 'number' && Number.isInteger(value) && value >= pageLength
  })
  return total ? { path: [total], total: true } : { path: [lists[0]![0]], total: false }
}

/** How many items the collection of a list answer holds (see {@link collectionSizePath}). */
export function collectionSize(body: unknown): number | undefined {
  const at = collectionSizePath(body)
  if (!at) return undefined
  const value = at.path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], body)
  return at.total ? (value as number) : (value as unknown[]).length
}
