import type { Command, Option } from 'commander'
import { EXIT } from '../exit'

// Kept free of the commands' modules: it runs before every action of a command that reads the config.

/** The CommanderError code of the mistake below, for the handling of usage mistakes (usage-mistake.ts). */
export const OPTION_AS_VALUE = 'venomqa.optionAsValue'

/**
 * The commands that write files, and the flags of each whose value names a file or directory: no file is
 * named like an option, so any word shaped like one there is an option taken for the value (below). They
 * are also the outputs a usage mistake of the command clears (usage-mistake.ts).
 */
export const FILE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  run: ['save', 'har'],
  explore: ['emit', 'openapi', 'save', 'har'],
  'merge-reports': ['save'],
}

/**
 * The flag every command that reads the config has (run, explore, list, report, merge-reports, plugins,
 * doctor, a plugin's command), whose value names a file: `-c --nope` read a config file named "--nope".
 * A file flag by the rule below, in every command that takes it, though it names no output (FILE_FLAGS).
 */
export const CONFIG_FLAG = 'config'

/** A word that names no file: shaped like an option (`--nope`, `-x`). `-` and `-3` are not. */
export const shapedLikeAnOption = (value: string): boolean => /^--?[A-Za-z]/.test(value)

/**
 * A flag whose value is another option: `venomqa run --workers --save out/s.json`, `venomqa explore --emit
 * --no-emit`. The option parser takes the word after a flag that needs a value as its value, whatever it is:
 * `--save` became the number of workers and `out/s.json` a journey to run; a directory named `--no-emit`
 * was made. One rule: the value is an option of the command or of the program (`--save`, `-r`,
 * `--save=out.json`), for any flag; for a flag that names a file or directory (FILE_FLAGS, and CONFIG_FLAG),
 * any word shaped like an option (`--har --nope`, `-c --nope`), since no file is named so. Another flag's value may start with a dash
 * (`--seed -3`, `--grep -v2`): only an option is refused there. `-` (stdout, where a flag takes it) is none.
 */
export function optionTakenAsValue(command: Command, name: string, value: string, words: ReadonlySet<string> = optionWords(command)): boolean {
  if (isOptionWord(value, words)) return true
  return namesAFile(command, name) && shapedLikeAnOption(value)
}

function namesAFile(command: Command, name: string): boolean {
  if (name === CONFIG_FLAG) return command.options.some((o) => o.attributeName() === CONFIG_FLAG)
  return (FILE_FLAGS[command.name()] ?? []).includes(name)
}

/** What a flag that took an option for its value is refused with, wherever it is found. */
export function optionTakenAsValueMessage(flag: string, value: string): string {
  return `${flag} needs a value, and got "${value}", which is an option: give ${flag} its value, or leave it out`
}

/** The first flag of the command whose value, as the parser read it, is an option it took (see optionTakenAsValue). */
function firstOptionTakenAsValue(command: Command): { flag: string; value: string } | undefined {
  const words = optionWords(command)
  for (const o of command.options) {
    if (!o.required && !o.optional) continue
    const value: unknown = command.getOptionValue(o.attributeName())
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string' && optionTakenAsValue(command, o.attributeName(), v, words)) return { flag: (o.long ?? o.short)!, value: v }
  }
  return undefined
}

/**
 * Refuse a flag that took an option for its value (see optionTakenAsValue): exit 2, as the flag with no
 * value that it is, naming both, before a command that reads the config starts (a preAction hook). Told as
 * a bad number of workers, the line looked as if --save had been read, and the results file an earlier
 * run left there was kept. What the rest of the line names is read again as the user meant it
 * (rereadWithoutOptionValues), and said not written.
 */
export function refuseOptionTakenAsValue(command: Command): void {
  const taken = firstOptionTakenAsValue(command)
  if (taken) command.error(`error: ${optionTakenAsValueMessage(taken.flag, taken.value)}`, { code: OPTION_AS_VALUE, exitCode: EXIT.USAGE })
}

/**
 * Read the words after the command's name again, each flag that took an option for its value (by the
 * rule above) read as given with no value: `--workers --save out/s.json` as `--save out/s.json`. The
 * command's options are what these words say afterwards; returns the names (attributeName) of the flags
 * that had no value.
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
    if (flag && next !== undefined && optionTakenAsValue(command, flag.attributeName(), next, known)) {
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
