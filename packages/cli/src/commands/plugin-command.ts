import type { Command } from 'commander'
import type { Io } from '../exit'
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
  const found = await findPluginCommand(name, io, builtInCommands(program), where)
  if (!found) return
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
 * `-c <file>`, `--config <file>`, `--config=<file>` and `--profile <name>` (or `=`) among a command's
 * arguments, the last of each winning as commander takes it; before `--` only.
 */
export function configFlags(args: readonly string[]): { configPath?: string; profile?: string } {
  const out: { configPath?: string; profile?: string } = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--') break
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    const key = flag === '-c' || flag === '--config' ? 'configPath' : flag === '--profile' ? 'profile' : undefined
    if (!key) continue
    const value = inline ?? args[i + 1]
    if (inline === undefined) i++
    if (value !== undefined) out[key] = value
  }
  return out
}

/** The names `venomqa` answers to itself (its commands, their aliases, help): a plugin's command of one of them could never run. */
export function builtInCommands(program: Command): string[] {
  return ['help', ...program.commands.flatMap((c) => [c.name(), ...c.aliases()])]
}
