#!/usr/bin/env node
import { dropOutputOnClosedPipe } from './closed-pipe'
import { watchNpmParent } from './npm-parent'

/**
 * `process.exit` as it is now, before any command replaces it while it works (see exit-guard.ts): the
 * CLI's own ways out go through this. Taken here, not from exit-guard, so that `--version` loads nothing more.
 */
const exitNow: (code?: number) => never = process.exit.bind(process) as (code?: number) => never

// The `venomqa` executable. `--version` answers without loading anything else; every command loads
// what it needs when it runs (see program.ts).
async function start(argv: string[]): Promise<void> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    const { cliVersion } = await import('./version')
    process.stdout.write(`${cliVersion()}\n`)
    return
  }
  // Start reading now what the command will import, so that files are read while others compile: the
  // argument parser, the command's own modules, and for `run` and `explore` the runner. A
  // failure shows where the command imports it.
  const program = import('./program')
  program.catch(() => {})
  // Not for its help, which the argument parser prints alone: the runner cost `run --help` as much again.
  const help = argv.includes('--help') || argv.includes('-h')
  const command = help ? undefined : argv[0] === 'run' ? import('./commands/run') : argv[0] === 'explore' ? import('./commands/explore') : undefined
  command?.catch(() => {})
  if (command) import('@venomqa/runner').catch(() => {})
  for (const stream of [process.stdout, process.stderr]) dropOutputOnClosedPipe(stream)
  // Started by npx or `npm run`, whose SIGTERM stops at the shell they run this in (see npm-parent.ts).
  watchNpmParent(process.env, process.stderr)
  const debug = argv.includes('--debug')
  const finished = await guardProcess(debug)
  // Under --debug stacks are shown: a frame in a TypeScript file gives its place in the file as written.
  if (debug) (await import('./typescript/stack-places')).placeStacksInTypeScript()
  const { main } = await program
  const code = await main(argv)
  finished()
  // Let stdout drain, then leave even if a plugin left a handle open.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()))
  exitNow(code)
}

/**
 * The last word on faults no command caught. While a runner works it takes stray errors and stalls
 * itself (and turns them into issues, with rollback and reports); outside of that, a stray error is one
 * clear line and exit 1, never a raw stack trace, and a command that can no longer finish never exits 0.
 */
async function guardProcess(debug: boolean): Promise<() => void> {
  const { errorMessage, redactText } = await import('@venomqa/core')
  const { stacksOf } = await import('./exit')
  const runnerTakesIt = () => (globalThis as Record<symbol, unknown>)[Symbol.for('venomqa.faults.armed')] === true
  let done = false
  const fatal = (what: string) => (error: unknown) => {
    if (runnerTakesIt()) return
    const stack = debug ? stacksOf(error) : '\n  (run with --debug to see the stack)'
    process.stderr.write(`venomqa: unexpected error (${what}): ${redactText(errorMessage(error))}${stack}\n`)
    exitNow(1)
  }
  process.on('uncaughtException', fatal('thrown where nothing caught it'))
  process.on('unhandledRejection', fatal('a promise rejected that nothing awaited'))
  let stopping = false
  process.on('beforeExit', () => {
    if (done || stopping || runnerTakesIt()) return
    stopping = true
    // Only a process that ran out of work reads why: every command's start-up would load it for nothing.
    void import('./pending-loads').then(({ unsettledLoadMessage }) => {
      // A config, plugin or journey file whose top-level await never settles: the user's to fix (exit 2).
      const unsettled = unsettledLoadMessage()
      if (unsettled) {
        process.stderr.write(`venomqa: ${unsettled}\n`)
        exitNow(2)
      }
      process.stderr.write('venomqa: stopped before finishing: the command waited on something that can never happen (run with --debug, and report it)\n')
      exitNow(1)
    })
  })
  return () => {
    done = true
  }
}

void start(process.argv.slice(2))
