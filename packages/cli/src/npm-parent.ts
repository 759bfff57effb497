/**
 * npm 11 (`npx venomqa`, `npm run test:api`) and pnpm's `run` start a package's bin through `sh -c`, and
 * forward a SIGTERM or SIGINT they get to that shell only: the shell dies of it without passing it on,
 * and venomqa, orphaned, went on sending requests, then wrote results saying passed and not interrupted.
 * So when npm started this process and the process that started it goes away while it runs, that is
 * taken as the SIGTERM it would have received (every command's own handling of it applies: a run rolls
 * back and writes its results marked interrupted, exit 130). Only under npm: a process started otherwise
 * whose parent goes away was detached on purpose (`nohup`, `setsid`, `venomqa run &` in a script).
 */

/** How often the parent is looked at: a getppid() call, cheap. */
const POLL_MS = 250
/**
 * How long a parent found gone waits before it counts: a signal sent to the whole process group (a
 * terminal's Ctrl-C, `kill -- -<pgid>`) reaches venomqa as the shell dies of it, and that one is taken
 * already, not to be followed by a second, which would quit without the results.
 */
const SETTLE_MS = 100

/**
 * What started this process, as the message names it (`npx`, `npm run test:api`, `pnpm exec`), when it was
 * npm, npx, pnpm or yarn; else undefined.
 */
export function startedThrough(env: NodeJS.ProcessEnv): string | undefined {
  const event = env.npm_lifecycle_event
  const command = env.npm_command
  if (!event && !command && !env.npm_execpath) return undefined
  // npx and `npm exec` run as the lifecycle event "npx".
  if (event === 'npx') return 'npx'
  // "pnpm/10.34.9 npm/? node/v20.20.2 linux x64": the package manager first.
  const tool = /^[\w.-]+/.exec(env.npm_config_user_agent ?? '')?.[0] ?? 'npm'
  if (event) return `${tool} run ${event}`
  return command ? `${tool} ${command}` : tool
}

/**
 * When npm started this process: watch its parent, and once it is gone (and no SIGINT or SIGTERM of its
 * own came with it), say so and send this process SIGTERM. Returns how to stop watching.
 */
export function watchNpmParent(env: NodeJS.ProcessEnv, stderr: NodeJS.WritableStream, pollMs = POLL_MS): () => void {
  const through = startedThrough(env)
  const first = process.ppid
  // A parent of 0 or 1 (init, another PID namespace's) never goes away. On Windows npm runs no sh, a
  // parent's id stays when it ends, and a signal sent to this process ends it outright.
  if (!through || first <= 1 || process.platform === 'win32') return () => {}
  let signalled = false
  const noted = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const note = () => {
      signalled = true
      // Alone, this listener would keep Node from ending the process as the signal asks, where no command
      // takes it: it steps aside and sends the signal again, which then does.
      if (process.listenerCount(signal) === 1) {
        process.off(signal, note)
        process.kill(process.pid, signal)
      }
    }
    process.on(signal, note)
    return [signal, note] as const
  })
  let settle: NodeJS.Timeout | undefined
  const timer = setInterval(() => {
    // Its parent gone, a process is handed to init or a subreaper at once.
    if (process.ppid === first) return
    clearInterval(timer)
    settle = setTimeout(() => {
      if (signalled) return
      stderr.write(
        `venomqa: ${through}, which started it, is gone (npm, npx and pnpm run a package's bin through a shell, which does not pass a SIGTERM on): stopping as on SIGTERM\n`,
      )
      process.kill(process.pid, 'SIGTERM')
    }, SETTLE_MS)
    settle.unref()
  }, pollMs)
  // Never what keeps the process alive.
  timer.unref()
  return () => {
    clearInterval(timer)
    clearTimeout(settle)
    for (const [signal, note] of noted) process.off(signal, note)
  }
}
