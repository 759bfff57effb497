import type { Command, Option } from 'commander'
import { EXIT } from '../exit'

// Kept free of the commands' modules: it runs before every action of run, explore and merge-reports.

/** The CommanderError code of the mistake below, for the handling of usage mistakes (usage-mistake.ts). */
export const OPTION_AS_VALUE = 'venomqa.optionAsValue'

/**
 * A flag whose value is another option of the command: `venomqa run --workers --save out/s.json`. The
 * option parser takes the word after a flag that needs a value as its value, whatever it is: `--save`
 * became the number of workers and `out/s.json` a journey to run. Refused (exit 2) as the flag with no
 * value that it is, naming both, before the command starts: told as a bad number of workers, the line
 * looked as if --save had been read, and the results file an earlier run left there was kept.
 * What the rest of the line names is read again as the user meant it (rereadWithoutOptionValues).
 */
export function refuseOptionTakenAsValue(command: Command): void {
  const words = optionWords(command)
  for (const o of command.options) {
    if (!o.required && !o.optional) continue
    const value: unknown = command.getOptionValue(o.attributeName())
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string' || !isOptionWord(v, words)) continue
      const flag = o.long ?? o.short
      command.error(`error: ${flag} needs a value, and got "${v}", which is an option: give ${flag} its value, or leave it out`, {
        code: OPTION_AS_VALUE,
        exitCode: EXIT.USAGE,
      })
    }
  }
}

/**
 * Read the words after the command's name again, each flag that took another option for its value read
 * as given with no value: `--workers --save out/s.json` as `--save out/s.json`. The command's options
 * are what these words say afterwards; returns the names (attributeName) of the flags that had no value.
 */
export function rereadWithoutOptionValues(command: Command, words: readonly string[]): string[] {
  const known = optionWords(command)
  const missing: string[] = []
  const kept: string[] = []
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!
    if (word === '--') {
      kept.push(...words.slice(i))
      break
    }
    // Only a flag whose value is required takes the next word whatever it is; an optional one takes no option.
    const flag = command.options.find((o) => o.required && (o.long === word || o.short === word))
    const next = words[i + 1]
    if (flag && next !== undefined && isOptionWord(next, known)) {
      missing.push(flag.attributeName())
      continue
    }
    kept.push(word)
    if (flag && next !== undefined) kept.push(words[++i]!)
  }
  resetOptions(command)
  command.parseOptions(kept)
  return missing
}

/** The words that are options of the command or of the program: long and short names, help's too (not among the options). */
function optionWords(command: Command): Set<string> {
  const words = new Set<string>(['-h', '--help'])
  for (const cmd of [command, command.parent].filter((c): c is Command => !!c))
    for (const o of cmd.options) for (const f of [o.long, o.short]) if (f) words.add(f)
  return words
}

/** `--save`, `-r`, `--save=out.json`: an option of `words`. `-3` (a negative seed) and `-` are not. */
function isOptionWord(value: string, words: ReadonlySet<string>): boolean {
  return words.has(value.startsWith('--') ? value.replace(/=.*/s, '') : value)
}

/** Every option back to its default, as the command was made (see commander's addOption): nothing read yet. */
function resetOptions(command: Command): void {
  for (const o of command.options) command.setOptionValueWithSource(o.attributeName(), undefined, 'default')
  const defined = new Set<string>()
  for (const o of command.options as Option[]) {
    if (o.negate) {
      // `--no-emit` sets `emit` to true unless `--emit` came first.
      if (!defined.has(o.long!.replace(/^--no-/, '--'))) command.setOptionValueWithSource(o.attributeName(), o.defaultValue === undefined ? true : o.defaultValue, 'default')
    } else if (o.defaultValue !== undefined) command.setOptionValueWithSource(o.attributeName(), o.defaultValue, 'default')
    if (o.long) defined.add(o.long)
  }
}
