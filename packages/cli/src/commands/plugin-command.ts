import { Command } from 'commander'
import { EXIT, type Io } from '../exit'
import { findPluginCommand } from '../plugins/commands'

/**
 * Register `venomqa <name>` from the plugin that adds it, if any (else commander reports the unknown
 * command as usual, with its suggestion). `setCode` receives the command's exit code.
 */
export async function addPluginCommand(program: Command, name: string, io: Io, setCode: (code: number) => void, argv: readonly string[] = []): Promise<void> {
  // The config the command's plugin is found in, and takes its options from, as every command that reads
  // the config is told (`-c ci.config.ts`, `--profile ci`): read here, before commander parses, since the
  // command is found through the config.
  const where = configFlags(argv.slice(argv.indexOf(name) + 1))
  // `-c --nope`: no config file is named so, as every command that reads the config is told (option-as-value.ts);
  // refused here, since the config is read before the command's own parse could.
  if (where.configPath !== undefined) {
    const { OPTION_AS_VALUE, optionTakenAsValueMessage, shapedLikeAnOption } = await import('./option-as-value')
    if (shapedLikeAnOption(where.configPath)) program.error(`error: ${optionTakenAsValueMessage('--config', where.configPath)}`, { code: OPTION_AS_VALUE, exitCode: EXIT.USAGE })
  }
  const seen: string[] = []
  const found = await findPluginCommand(name, io, builtInCommands(program), where, seen)
  if (!found) {
    // A plugin's command misspelt (`jsondir:shwo`): commander's suggestion knows only the built-in ones,
    // so the nearest of all is looked for here, and said in commander's words when it is a plugin's.
    const { didYouMean } = await import('@venomqa/core')
    const near = didYouMean(name, [...new Set([...builtInCommands(program), ...seen])])
    if (near && !builtInCommands(program).includes(near)) program.error(`error: unknown command '${name}'\n(Did you mean ${near}?)`, { code: 'commander.unknownCommand', exitCode: EXIT.USAGE })
    return
  }
  const { plugin, command } = found
  const cmd = program.command(name).description(`${command.description} (from ${plugin})`).argument('[args...]')
  for (const o of command.options ?? []) cmd.option(o.flags, o.description, o.default)
  // The CLI's, for every plugin command (addCommand refuses a command's own of these names).
  cmd.option('-c, --config <file>', 'config file the plugin and its options are read from')
  cmd.option('--profile <name>', 'config profile to apply (or VENOMQA_PROFILE)')
  cmd.action(async (args: string[], opts: Record<string, string | boolean | undefined>) => {
    // The program's own --debug takes the flag wherever it stands (see main's action): a command that
    // declares it gets it from there.
    if (program.opts().debug && cmd.options.some((o) => o.attributeName() === 'debug')) opts.debug = true
    // The config flags chose where the command came from; they are none of its options.
    delete opts.config
    delete opts.profile
    setCode((await command.run({ options: opts, args, stdout: io.stdout, stderr: io.stderr, cwd: io.cwd })) ?? 0)
  })
}

/**
 * `-c`/`--config` and `--profile` among a command's arguments, read by commander as the command's own
 * parse will read them (`=`, `--`, the last of each winning); a missing value reads as none, and the
 * command's parse then says so.
 */
export function configFlags(args: readonly string[]): { configPath?: string; profile?: string } {
  const reader = new Command()
    .option('-c, --config <file>')
    .option('--profile <name>')
    .allowUnknownOption()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, outputError: () => {} })
  try {
    reader.parseOptions([...args])
  } catch {
    return {}
  }
  const { config, profile } = reader.opts<{ config?: string; profile?: string }>()
  return { ...(config !== undefined ? { configPath: config } : {}), ...(profile !== undefined ? { profile } : {}) }
}

/** The names `venomqa` answers to itself (its commands, their aliases, help): a plugin's command of one of them could never run. */
export function builtInCommands(program: Command): string[] {
  return ['help', ...program.commands.flatMap((c) => [c.name(), ...c.aliases()])]
}
