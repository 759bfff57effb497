/** A count with its noun, `1 journey`, `2 journeys`: every message that counts says it this way. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`
}
