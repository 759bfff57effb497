import { lstat, readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { type Command, CommanderError } from 'commander'
import { errorMessage } from '@venomqa/core'
import { projectRoot } from '../config/load'
import { type Io, warn } from '../exit'
import { lastRunFile, setAsideLastRun } from '../last-run'
import { shardOfFlag } from '../shard/split'
import { holdsShard } from '../shard/files'
import { FILE_FLAGS, OPTION_AS_VALUE, optionTakenAsValue, rereadWithoutOptionValues } from './option-as-value'
import { type OutputFlags, type UnknownOutputFlag, clearOutputsDespiteMistake, namedOutputs } from './outputs'
import { shownPath } from './save-results'

/** The commands whose outputs an earlier run left, and the flags of each whose value is a file or directory name. */
const WRITING_COMMANDS = FILE_FLAGS

/** The flags that say where the outputs and the config are: a value left unknown leaves them unknown. */
const OUTPUT_FLAGS: readonly UnknownOutputFlag[] = ['save', 'har', 'reporter', 'config', 'profile']

/**
 * A usage mistake the option parser stops `run` or `explore` on (`--bogus-flag`, `--save` with no value):
 * exit 2 before the command runs, and so, as a mistake in a flag's value does, it leaves none of the
 * outputs the run would have written and no record of the last run, never an earlier run's (a CI step
 * reading a JUnit file would take a green one for this run's). What the parser read of the line is
 * known: every option before a missing value, and every known option around an unknown one. An option
 * whose value is missing leaves unknown what it names (the results file, the reporters, the config, the
 * profile): nothing is removed for it, not even what the config names in its place. A flag that took
 * another option for its value (`--workers --save out/s.json`, see option-as-value.ts) is one with no
 * value: the line is read again without it, and what it then names goes (out/s.json), said not written.
 */
export async function clearOutputsAfterUsageMistake(command: Command, err: CommanderError, io: Io, line: readonly string[]): Promise<void> {
  const fileFlags = WRITING_COMMANDS[command.name()]
  if (!fileFlags) return
  const optionAsValue = err.code === OPTION_AS_VALUE
  const missing = optionAsValue
    ? rereadWithoutOptionValues(command, line.slice(commandWordAt(command.parent!, line) + 1))
    : err.code === 'commander.optionMissingArgument'
      ? [command.options.find((o) => err.message.includes(`'${o.flags}'`))?.attributeName()]
      : []
  const flags = command.opts() as OutputFlags
  const unknown = OUTPUT_FLAGS.filter((name) => missing.includes(name))
  // `--bogus-flag --save --har`: the parser took the next option for the value, which is no file name to
  // remove (by the rule the preAction hook refuses it with, which a mistake found first kept from running).
  const unreadableFlags = fileFlags.some((name) => {
    const value: unknown = command.getOptionValue(name)
    return typeof value === 'string' && optionTakenAsValue(command, name, value)
  })
  const notWritten = optionAsValue ? await flagOutputs(command, flags, unreadableFlags ? [...unknown, 'save', 'har'] : unknown, io.cwd) : []
  if (command.name() === 'merge-reports') {
    // A merge's results file is --save's only (never the config's save, the runs'), and a file to merge is
    // never removed, whoever names it, as when the merge stops on a mistake of its own (merge-reports.ts).
    // With a flag's value taken from the line, the parser's operands are not the files either.
    const operands = err.code !== 'commander.optionMissingArgument' && !optionAsValue && command.args.length ? command.args : line
    const keep = await namedFiles(operands, io.cwd)
    // An output over a shard's own file (--save, a reporter's) with no file to merge beside it that says so: the shard stays too.
    await clearOutputsDespiteMistake(io, flags, { unreadableFlags, unknownFlags: unknown, configSave: false, keep, spare: holdsShard })
    await sayNotWritten(io, notWritten)
    return
  }
  await clearOutputsDespiteMistake(io, flags, { unreadableFlags, unknownFlags: unknown, forExploration: command.name() === 'explore' })
  await sayNotWritten(io, notWritten)
  // Only `run` keeps a record, next to the config: with `--config` missing its value, where is not known.
  if (command.name() !== 'run' || missing.includes('config')) return
  // A `--shard` that was read takes that shard's record (and those it makes stale); one with no value, or
  // one that does not parse, names no shard: every record goes, as for a whole run.
  const shardValue: unknown = command.getOptionValue('shard')
  const shard = missing.includes('shard') || typeof shardValue !== 'string' ? undefined : shardOfFlag(shardValue)
  await setAsideLastRun(projectRoot(io.cwd, flags.config), shard).catch((e) =>
    warn(io, `could not take away the record of the last run, ${lastRunFile(shard)}, before this one: ${errorMessage(e)}`),
  )
}

/** An output the command line names, as a message names it, and whether an earlier run's file is there. */
interface FlagOutput {
  file: string
  who: string
  existed: boolean
}

/**
 * The outputs the flags of a line read again name (--save, --har, -r's files), the flags with no value
 * left out: what the user reads on the line and may take for written.
 */
async function flagOutputs(command: Command, flags: OutputFlags, unknown: readonly UnknownOutputFlag[], cwd: string): Promise<FlagOutput[]> {
  const fileFlags = WRITING_COMMANDS[command.name()] ?? []
  const named = namedOutputs(
    {
      save: unknown.includes('save') ? undefined : flags.save,
      reporters: unknown.includes('reporter') ? [] : (flags.reporter ?? []),
      har: unknown.includes('har') || !fileFlags.includes('har') ? undefined : flags.har,
    },
    cwd,
  )
  return Promise.all(named.map(async (o) => ({ file: o.file, who: o.who, existed: !!(await lstat(o.file).catch(() => undefined))?.isFile() })))
}

/**
 * `nothing ran, so out/s.json (--save) was not written; the one an earlier run left there is removed`: a
 * line that read as if --save were taken must not leave its file looking like this run's.
 */
async function sayNotWritten(io: Io, outputs: readonly FlagOutput[]): Promise<void> {
  if (!outputs.length) return
  const list = (items: readonly string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`)
  const removed: FlagOutput[] = []
  for (const o of outputs) if (o.existed && !(await lstat(o.file).catch(() => undefined))) removed.push(o)
  const one = outputs.length === 1
  let line = `nothing ran, so ${list(outputs.map((o) => `${shownPath(io.cwd, o.file)} (${o.who})`))} ${one ? 'was' : 'were'} not written`
  if (removed.length === outputs.length) line += one ? '; the one an earlier run left there is removed' : '; those an earlier run left there are removed'
  else if (removed.length) line += `; what an earlier run left at ${list(removed.map((o) => shownPath(io.cwd, o.file)))} is removed`
  io.stderr.write(`venomqa: ${line}\n`)
}

/**
 * A usage mistake in the options before the command's name (`venomqa --bogus run`): the program stops on
 * it before it goes into the command, so the command's own mistake handling above never sees it. The
 * command is the first word that is neither an option nor an option's value (`venomqa --save out.json
 * run`: `out.json` is `--save`'s). When it is `run` or `explore`, the line is read with its options,
 * quietly (the mistake is already said), those put before its name too, as the user meant them for it;
 * its outputs go as on a mistake after its name. An option of the command put before its name is said so.
 */
export async function clearOutputsAfterProgramMistake(program: Command, argv: readonly string[], err: CommanderError, io: Io): Promise<void> {
  const at = commandWordAt(program, argv)
  const command = at < 0 ? undefined : program.commands.find((c) => c.name() === argv[at] || c.aliases().includes(argv[at]!))
  if (!command) return
  const flag = /unknown option '([^']+)'/.exec(err.message)?.[1]?.replace(/=.*/, '')
  if (flag && command.options.some((o) => o.long === flag || o.short === flag))
    io.stderr.write(`venomqa: ${flag} is an option of \`${command.name()}\`: put it after the command's name (venomqa ${command.name()} ${flag} ...)\n`)
  if (!WRITING_COMMANDS[command.name()]) return
  let mistake = err
  const output = command.configureOutput()
  command.configureOutput({ writeErr: () => {}, outputError: () => {} })
  try {
    command.parseOptions([...argv.slice(0, at).filter((a) => !isProgramOption(program, a)), ...argv.slice(at + 1)])
  } catch (e) {
    // `venomqa --bogus run --save`: the value missing leaves unknown what it names, as after the name.
    if (!(e instanceof CommanderError)) throw e
    mistake = e
  } finally {
    command.configureOutput(output)
  }
  await clearOutputsAfterUsageMistake(command, mistake, io, argv)
}

/**
 * The files a line's words name, each directory's files standing for it: the files a merge stopped by a
 * usage mistake keeps. Which words are the files to merge is known when the parser read the command's
 * operands (`command.args`); when it stopped first (an option with no value), every word of the line that
 * names a file or directory is kept, so that none to merge is ever taken for an output.
 */
async function namedFiles(words: readonly string[], cwd: string): Promise<string[]> {
  const files: string[] = []
  for (const word of words) {
    const file = path.resolve(cwd, word)
    try {
      if (!(await stat(file)).isDirectory()) files.push(file)
      else for (const name of await readdir(file)) files.push(path.join(file, name))
    } catch {
      // Not there: nothing to keep.
    }
  }
  return files
}

/**
 * Where the command's name stands in a line the program stopped on: the first word that is not an option
 * and not the value of the option before it. An option takes the next word as its value when it is one
 * of the program's or of any command's that takes a value and is not written `--name=value`: the program
 * cannot tell which command the user meant it for before it has found the command. -1 when there is none.
 */
function commandWordAt(program: Command, argv: readonly string[]): number {
  const takesValue = new Set<string>()
  for (const cmd of [program, ...program.commands])
    for (const o of cmd.options) if (o.required || o.optional) for (const f of [o.long, o.short]) if (f) takesValue.add(f)
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (!word.startsWith('-')) return i
    if (!word.includes('=') && takesValue.has(word)) i++
  }
  return -1
}

/** Whether a word is one of the program's own options (`--debug`), which the command's options must not read. */
function isProgramOption(program: Command, word: string): boolean {
  const flag = word.replace(/=.*/, '')
  return program.options.some((o) => o.long === flag || o.short === flag)
}
