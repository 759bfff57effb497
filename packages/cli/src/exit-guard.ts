/**
 * `process.exit` as it was before any command ran (this module loads with the program, before the first
 * command replaces it): the CLI's own ways out during a command (a second Ctrl-C) go through this, never
 * through `process.exit`, which a command replaces while it works (see refuseProcessExit). bin.ts keeps
 * its own copy.
 */
export const exitNow: (code?: number) => never = process.exit.bind(process) as (code?: number) => never

/** What user code gets for calling `process.exit` while a command works: an error where it called it. */
export class ProcessExitCalled extends Error {
  constructor(readonly exitCode: string | number | null | undefined) {
    super(
      `process.exit(${exitCode ?? ''}) was called while venomqa was running: a journey, a step, a plugin or the config must not end the process (venomqa would stop before finishing, with no verdict and no report); throw an error instead`,
    )
    this.name = 'ProcessExitCalled'
  }
}

/**
 * While a built-in command works, a `process.exit` from user code (a step, a hook, a plugin, the config
 * as it loads) throws where it was called instead of ending the process: the step fails, or the config is
 * refused. Ended there, a run that never finished could exit 0, with nothing written. Returns the undo.
 */
export function refuseProcessExit(): () => void {
  const previous = process.exit
  process.exit = ((code?: string | number | null) => {
    throw new ProcessExitCalled(code)
  }) as typeof process.exit
  return () => {
    process.exit = previous
  }
}
