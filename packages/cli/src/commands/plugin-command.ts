import type { Command } from 'commander'
import type { Io } from '../exit'
import { findPluginCommand } from '../plugins/commands'

/**
 * Register `venomqa <name>` from the plugin that adds it, if any (else commander reports the unknown
 * command as usual, with its suggestion). `setCode` receives the command's exit code.
 */
export async function addPluginCommand(program: Command, name: string, io: Io, setCode: (code: number) => void): Promise<void> {
  const found = await findPluginCommand(name, io, builtInCommands(program))
  if (!found) return
  const { plugin, command } = found
  const cmd = program.command(name).description(`${command.description} (from ${plugin})`).argument('[args...]')
  for (const o of command.options ?? []) cmd.option(o.flags, o.description, o.default)
  cmd.action(async (args: string[], opts: Record<string, string | boolean | undefined>) => {
    // The program's own --debug takes the flag wherever it stands (see main's action): a command that
    // declares it gets it from there.
    if (program.opts().debug && cmd.options.some((o) => o.attributeName() === 'debug')) opts.debug = true
    setCode((await command.run({ options: opts, args, stdout: io.stdout, stderr: io.stderr, cwd: io.cwd })) ?? 0)
  })
}

/** The names `venomqa` answers to itself (its commands, their aliases, help): a plugin's command of one of them could never run. */
export function builtInCommands(program: Command): string[] {
  return ['help', ...program.commands.flatMap((c) => [c.name(), ...c.aliases()])]
}
