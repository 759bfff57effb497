import { Command, CommanderError, Option } from 'commander'
import { redactCredentials } from '@venomqa/core'
import { EXIT, type Io, reportError } from './exit'
import { refuseProcessExit } from './exit-guard'
import { suggestNearOptions } from './near-option'
import { cliVersion } from './version'

const collect = (value: string, previous: string[] = []) => [...previous, value]

/**
 * The `venomqa` command line. Each command's module (and with it zod, yaml, jiti, the runner and any
 * plugin) is imported only when that command runs, so --help and --version stay fast.
 */
export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  let code: number = EXIT.OK
  let debug = argv.includes('--debug')
  const program = new Command('venomqa')
    .description('Stateful API testing: journeys, checkpoints, branches.')
    .version(cliVersion(), '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Masked: an unknown option is quoted whole (`--base-url-x=http://user:password@host`).
      outputError: (s, write) => write(redactCredentials(s.replace(/^error: /, 'venomqa: '))),
    })

  // Before a command that reads the config starts: a flag that took another option for its value (see
  // option-as-value.ts), --config's too (`-c --nope`).
  const refuseOptionAsValue = async (command: Command) => (await import('./commands/option-as-value')).refuseOptionTakenAsValue(command)

  const withConfig = (cmd: Command) =>
    cmd
      .option('-c, --config <file>', 'config file (default: venomqa.config.{ts,mts,js,mjs} or venomqa.{yaml,yml,json})')
      .option('--profile <name>', 'config profile to apply (or VENOMQA_PROFILE)')
      .option('-p, --plugin <spec>', 'load a plugin: name, package or path (repeatable)', collect)
      .option('--debug', 'show stacks and debug logs')
      .hook('preAction', refuseOptionAsValue)

  const action =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      // The program has a --debug of its own (for `venomqa --debug <command>`), and commander gives an
      // option the program and the command both have to the program, wherever it stands: the command's
      // options (the last argument but one) would never see it.
      const opts = args.at(-2) as { debug?: boolean } | undefined
      if (opts && program.opts().debug) opts.debug = true
      const allowExit = refuseProcessExit()
      try {
        code = await fn(...args)
      } finally {
        allowExit()
      }
    }

  withConfig(
    program
      .command('run')
      .description('run journeys (all, or the given names, files, directories or globs)')
      .argument('[journeys...]', 'journey names, files, directories or globs'),
  )
    .option('--base-url <url>', 'the API under test (overrides baseUrl)')
    .option('-r, --reporter <name[:file]>', 'reporter, optionally with a file: console, json, junit, markdown, or a plugin\'s (repeatable)', collect)
    .option('-g, --grep <pattern>', 'only journeys whose name matches this regular expression')
    .option('-t, --tag <tag>', 'only journeys with this tag (repeatable; any matches)', collect)
    .option('--fail-fast', "stop a journey's line at its first failed step")
    .option('--timeout <ms>', 'step timeout in ms')
    .option('--journey-timeout <ms>', 'journey timeout in ms')
    .option('--http-timeout <ms>', 'timeout of every request that gives none of its own, in ms (default 30000)')
    .option('--retries <n>', 'retries of a failed step')
    .option('--journey-retries <n>', 'retries of a failed journey, from scratch (a journey that then passes is flaky)')
    .option('--fail-on-flaky', 'exit 1 when a journey is flaky (failed, then passed on a retry)')
    .option('--restore', "put the system back after every journey: its state backends roll back to where they stood before it (a journey's own restore wins)")
    .option('--repeat-each <n>', 'run every journey n times (to find flaky ones); each run is its own result')
    .option('--last-failed', "run only the journeys that failed in the last run, or in this shard's last run with --shard (recorded in .venomqa/)")
    .option('--allow-only', 'allow journey.only when CI is set (otherwise exit 2)')
    .option('--save <file>', 'save the results (JSON) to this file')
    .option('--parallel-paths <n>', 'run up to n paths of a branch at once (each on its own worker)')
    .option('--workers <n>', 'run up to n journeys at once (each on its own worker)')
    .option('--plugin-timeout <ms>', "abandon a plugin's setup, hook or close that takes longer (default 60000)")
    .option('--require-state', 'refuse to run checkpoints when no state backend is registered')
    .option('--shard <i/n>', 'run only shard i of n (journeys by file and name); merge the saved shards with merge-reports')
    .option('--har <file>', 'write every HTTP exchange of the run to this file as HAR 1.2 (redacted)')
    .option('-w, --watch', 'stay on: rerun the journeys whose files (or what they import) change, all of them when the config changes')
    .action(
      action(async (journeys: string[], opts) =>
        opts.watch ? (await import('./commands/watch')).watchCommand(journeys, opts, io) : (await import('./commands/run')).runCommand(journeys, opts, io),
      ),
    )

  withConfig(
    program
      .command('explore')
      .description('explore: let VenomQA choose action sequences, check invariants, shrink what breaks one into a regression journey')
      .argument('[files...]', 'exploration names, files, directories or globs (default: config explore, else **/*.explore.ts)'),
  )
    .option('--base-url <url>', 'the API under test (overrides baseUrl)')
    .option('--openapi <file|url>', 'explore the operations of an OpenAPI 3.0/3.1 document, with no exploration file (auth, include, exclude: config openapi)')
    .option('--depth <n>', 'at most n actions on a path')
    .option('--budget <n>', 'at most n transitions (actions taken) in all')
    .option('--time <duration>', 'stop the search after this long: 500ms, 60s, 2m (a plain number is seconds)')
    .option('--seed <n>', 'seed of the search (default: random, printed and saved)')
    .option('--strategy <name>', 'dfs, bfs (iterative deepening) or random')
    .option('--no-dedupe', 'expand every state reached, also one whose fingerprint was seen (row counts miss an UPDATE): exhaustive to the depth')
    .option('--emit <dir>', 'write regression journeys here (default journeys/regressions)')
    .option('--no-emit', 'write no regression journey')
    .option('--no-shrink', 'report violations as found, without shrinking them')
    .option('--prefix-replay', 'reset to the root and replay each path instead of rolling back (slow; needed without a rollback-capable state backend)')
    .option('-r, --reporter <name[:file]>', 'reporter, optionally with a file: console, json, junit, markdown, or a plugin\'s (repeatable)', collect)
    .option('--save <file>', 'save the results (JSON) to this file')
    .option('--plugin-timeout <ms>', "abandon a plugin's setup, hook or close that takes longer (default 60000)")
    .option('--http-timeout <ms>', 'timeout of every request that gives none of its own, in ms (default 30000)')
    .option('--shard <i/n>', "explore only shard i of n of each exploration's root subtrees (needs a fixed --seed)")
    .option('--workers <n>', "explore each exploration on n workers at once, each on its own system (config workerSetup)")
    .option('--har <file>', 'write every HTTP exchange of the explorations to this file as HAR 1.2 (redacted)')
    .action(action(async (files: string[], opts) => (await import('./commands/explore')).exploreCommand(files, opts, io)))

  withConfig(program.command('list').description('list journeys with their tags, checkpoints, branches and paths').argument('[journeys...]'))
    .option('-g, --grep <pattern>', 'only journeys whose name matches')
    .option('-t, --tag <tag>', 'only journeys with this tag (repeatable)', collect)
    .option('--json', 'print JSON')
    .option('--allow-only', 'allow journey.only when CI is set (otherwise exit 2, as run)')
    .option('--shard <i/n>', 'only the journeys `run --shard i/n` would run, split as it splits them')
    .action(action(async (journeys: string[], opts) => (await import('./commands/list')).listCommand(journeys, opts, io)))

  program
    .command('init')
    .description('add venomqa.config.ts, journeys/example.journey.ts and a test:api script to this project')
    .option('--base-url <url>', 'the API under test', 'http://localhost:3000')
    .option('-f, --force', 'overwrite existing files')
    .option('--plugin <name>', 'instead, scaffold a publishable plugin package venomqa-plugin-<name> in ./venomqa-plugin-<name>')
    .action(action(async (opts) => (await import('./commands/init')).initCommand(opts, io)))

  withConfig(program.command('report').description('render a saved results file again').argument('<results>', 'a file written by venomqa run --save'))
    .option('-r, --reporter <name[:file]>', "reporter, optionally with a file (repeatable; default: the config's reporters, else console)", collect)
    .action(action(async (file: string, opts) => (await import('./commands/report')).reportCommand(file, opts, io)))

  withConfig(program.command('merge-reports').description('merge the results of every shard of a split (--shard i/n --save) into one run and report it').argument('<results...>', 'results files, or directories of them'))
    .option('-r, --reporter <name[:file]>', "reporter, optionally with a file (repeatable; default: the config's reporters, else console)", collect)
    .option('--save <file>', 'save the merged results (JSON) to this file')
    .option('--fail-on-flaky', 'exit 1 when a journey is flaky (failed, then passed on a retry), whatever the shards were run with')
    .action(action(async (files: string[], opts) => (await import('./commands/merge-reports')).mergeReportsCommand(files, opts, io)))

  withConfig(program.command('plugins').description('show the configured plugins: what resolved, from where, which version'))
    .option('--json', 'print JSON')
    .action(action(async (opts) => (await import('./commands/plugins')).pluginsCommand(opts, io)))

  withConfig(program.command('doctor').description('check config, plugins, journeys, the base URL and every service a plugin checks'))
    .option('--base-url <url>', 'the API under test (overrides baseUrl)')
    .option('--restore', 'check as `venomqa run --restore` would run: every journey put back after it runs')
    .option('--no-workers', 'do not make worker 1 to try the workerSetup (it starts an app and makes its database)')
    .action(
      action(async (opts) => {
        const { builtInCommands } = await import('./commands/plugin-command')
        return (await import('./commands/doctor')).doctorCommand(opts, io, builtInCommands(program))
      }),
    )

  program
    .command('generate')
    .description('write journeys from an OpenAPI document: one file per tag, with a create, read, update, delete flow where there is one')
    // Required, but checked after commander's check of unknown options, which comes after its check of
    // required ones: a misspelt `--openap x` is then named as the unknown option it is.
    .option('--openapi <file|url>', 'the OpenAPI 3.0 or 3.1 document (JSON or YAML; required)')
    .option('-o, --out <dir>', 'where to write the journeys', 'journeys')
    .option('-t, --tag <tag>', 'only this tag (repeatable)', collect)
    .option('-f, --force', 'overwrite existing files')
    .option('--debug', 'show stacks')
    .hook('preAction', (command) => {
      if (command.opts().openapi === undefined)
        command.error("error: required option '--openapi <file|url>' not specified", { code: 'commander.missingMandatoryOptionValue', exitCode: EXIT.USAGE })
    })
    .action(action(async (opts) => (await import('./commands/generate')).generateCommand(opts, io)))

  program
    .command('import')
    .description('turn what other tools run into journeys')
    .command('postman')
    .description('write journeys from a Postman v2.1 collection: a folder is a journey, a request a step, scripts translated')
    .argument('<collection>', 'the collection file (JSON, Collection v2.1)')
    .option('-e, --environment <file>', 'a Postman environment file whose values win over the collection variables')
    .option('-o, --out <dir>', 'where to write the journeys', 'journeys')
    .option('-f, --force', 'overwrite existing files')
    .option('--debug', 'show stacks')
    .action(action(async (file: string, opts) => (await import('./commands/import-postman')).importPostmanCommand(file, opts, io)))

  program.addHelpText('after', '\nPlugins add commands too, such as `venomqa mail-catcher` from @venomqa/adapter-mailhog.')
  program.addOption(new Option('--debug').hideHelp())
  // The command the parser went on to: a usage mistake found in its options is that command's (see below).
  let entered: Command | undefined
  let args = [...argv]
  program.hook('preSubcommand', (_program, command) => {
    entered = command
  })
  try {
    if (!argv.length) {
      program.outputHelp()
      return EXIT.OK
    }
    const first = argv.find((a) => !a.startsWith('-'))
    // `venomqa help <command>` is that command's help: a plugin's is looked for as `venomqa <command>` looks.
    const name = first === 'help' ? (argv.slice(argv.indexOf(first) + 1).find((a) => !a.startsWith('-')) ?? first) : first
    const known = () => program.commands.some((c) => c.name() === name || c.aliases().includes(name!))
    args = [...argv]
    // Only a name no built-in command has costs a look at the plugins, so --help stays fast.
    if (name && name !== 'help' && !known()) {
      const { addPluginCommand } = await import('./commands/plugin-command')
      await addPluginCommand(program, name, io, (c) => (code = c), argv)
      // `venomqa no-such --help` printed the program's help and exited 0, as if the command were there:
      // without the help flag commander says the command is unknown, with its suggestion (exit 2).
      if (!known()) {
        args = args.filter((a) => a !== '--help' && a !== '-h')
        joinedSubcommand(program, name)
      }
    }
    suggestNearOptions(program)
    await program.parseAsync(args, { from: 'user' })
    return code
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.OK
      // Help asked for is a success; help shown because a command group was named without its command
      // (`venomqa import`) is a usage mistake, which commander marks with a non-zero exit code.
      if (err.code === 'commander.help') return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE
      // `venomqa run --bogus-flag`: stopped before it runs, as on a mistake in a flag's value.
      if (entered) await (await import('./commands/usage-mistake')).clearOutputsAfterUsageMistake(entered, err, io, args)
      // `venomqa --bogus run`: the program's own options stopped it before it went into the command.
      else if (err.code === 'commander.unknownOption') await (await import('./commands/usage-mistake')).clearOutputsAfterProgramMistake(program, args, err, io)
      return EXIT.USAGE
    }
    debug ||= argv.includes('--debug')
    return reportError(err, io, debug)
  }
}

/**
 * `venomqa import-postman` (or `import:postman`): a command group and its command typed as one word, which
 * commander's suggestion, by edit distance, does not find. Refused as the unknown command it is, naming the
 * command meant.
 */
function joinedSubcommand(program: Command, name: string): void {
  const [, head, rest] = /^([^-:]+)[-:](.+)$/.exec(name) ?? []
  if (!head || !rest) return
  const group = program.commands.find((c) => c.name() === head && c.commands.length)
  const sub = group?.commands.find((c) => c.name() === rest || c.aliases().includes(rest))
  if (!group || !sub) return
  program.error(`error: unknown command '${name}'\n(Did you mean ${group.name()} ${sub.name()}?)`, { code: 'commander.unknownCommand', exitCode: EXIT.USAGE })
}

function defaultIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env }
}
