import type { Command } from 'commander'

/** Commander's message for an unknown option, before it is written: `error: unknown option '--max-depth'`. */
const UNKNOWN_OPTION = /^error: unknown option '(--[^'=\s]+)[^'\n]*'\n$/

/**
 * Commander suggests a known option for an unknown one by edit distance, which finds a typo (`--dept`) but
 * not a known option with a word added, the way other tools name it (`--max-depth`, `--depth-limit`,
 * `--max-retries`): several edits away, yet plainly meant. Every command of `command` then says which.
 */
export function suggestNearOptions(command: Command): void {
  const { outputError } = command.configureOutput()
  if (outputError) command.configureOutput({ outputError: (text, write) => outputError(withNearOption(text, command), write) })
  for (const sub of command.commands) suggestNearOptions(sub)
}

function withNearOption(text: string, command: Command): string {
  const flag = UNKNOWN_OPTION.exec(text)?.[1]
  if (!flag) return text
  const known: string[] = []
  for (let c: Command | null = command; c; c = c.parent) for (const o of c.options) if (o.long) known.push(o.long)
  const near = optionWithin(flag, known)
  return near ? `${text.trimEnd()}\n(Did you mean ${near}?)\n` : text
}

/**
 * The known option whose words all stand, in order and together, among the words of `flag` with more
 * beside them (`--depth` in `--max-depth`); the one of most words when several do, none when that is
 * not one (`--time-budget` holds `--time` and `--budget`).
 */
export function optionWithin(flag: string, known: readonly string[]): string | undefined {
  const words = wordsOf(flag)
  const within = known.filter((k) => {
    const kw = wordsOf(k)
    if (kw.length >= words.length) return false
    for (let i = 0; i + kw.length <= words.length; i++) if (kw.every((w, j) => words[i + j] === w)) return true
    return false
  })
  const most = Math.max(0, ...within.map((k) => wordsOf(k).length))
  const best = within.filter((k) => wordsOf(k).length === most)
  return best.length === 1 ? best[0] : undefined
}

/** `--max_Depth` -> ['max', 'depth']. */
function wordsOf(flag: string): string[] {
  return flag.replace(/^--/, '').toLowerCase().split(/[-_]/)
}
