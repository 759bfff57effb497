import { errorMessage, isUserError, redactCredentials, redactText } from '@venomqa/core'

/** Exit codes, DESIGN.md section 6. */
export const EXIT = {
  /** Every journey passed. */
  OK: 0,
  /** A journey failed (or a report could not be written). */
  FAILED: 1,
  /** Bad config, bad journey definition, unknown plugin, bad arguments. */
  USAGE: 2,
  /** Interrupted with Ctrl-C. */
  INTERRUPTED: 130,
} as const

export interface Io {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  cwd: string
  env: NodeJS.ProcessEnv
}

/**
 * Print an error the way a user should see it. A user's mistake is one `venomqa: <message>` line (plus
 * where it is), no stack unless --debug. Anything else is a fault of VenomQA or a plugin: its stack is
 * shown with --debug, and the exit code is 1.
 */
export function reportError(err: unknown, io: Pick<Io, 'stderr'>, debug = false): number {
  // Masked like every other output: a message may carry what a user wrote (a URL with its password) or
  // what a plugin's driver said about it. A user error's message is the CLI's own, `key: problem`: only
  // what is a secret by its form is masked there, where redactText would take `x-token: environment
  // variable ...` for a token's value.
  const stack = debug ? stacksOf(err) : ''
  if (isUserError(err)) {
    const rawWhere = (err as { where?: string }).where
    const where = rawWhere && redactCredentials(rawWhere)
    const message = redactCredentials(errorMessage(err))
    const at = where && !message.includes(where) ? `\n  at ${where}` : ''
    io.stderr.write(`venomqa: ${message}${at}${stack}\n`)
    return EXIT.USAGE
  }
  io.stderr.write(`venomqa: unexpected error: ${redactText(errorMessage(err))}${debug ? stack : '\n  (run with --debug to see the stack)'}\n`)
  return EXIT.FAILED
}

/**
 * With --debug: the error's stack, then its causes' (a user's file that threw is the cause of "could not
 * load"), masked. A cause that is an AggregateError (several plugins that do not load) is each of its
 * errors, with their own causes, numbered.
 */
export function stacksOf(err: unknown, label = ''): string {
  let out = ''
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (depth && e instanceof AggregateError) {
      e.errors.forEach((each, i) => (out += stacksOf(each, `Caused by (${i + 1} of ${e.errors.length}): `)))
      break
    }
    if (e.stack) out += `\n${depth ? 'Caused by: ' : label}${redactText(e.stack)}`
  }
  return out
}

export function warn(io: Pick<Io, 'stderr'>, message: string): void {
  io.stderr.write(`venomqa: warning: ${redactCredentials(message)}\n`)
}
