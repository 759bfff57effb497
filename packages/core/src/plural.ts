/** A count with its noun, `1 journey`, `2 journeys`: every message that counts says it this way. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`
}

/**
 * A list in a message, cut after its first few items, then how many more: `a, b, c and 197 more`. A list
 * that grows with the suite (the journeys a warning names, the files a change touched) would otherwise
 * fill the terminal.
 */
export function firstFew(items: readonly string[], shown = 3): string {
  return items.length > shown ? `${items.slice(0, shown).join(', ')} and ${items.length - shown} more` : items.join(', ')
}
