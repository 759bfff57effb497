import { ConfigurationError } from './config'

/** What `node dist/server.js` does for an app: the part of its start and stop that is the same for every app. */
export interface AppMain<App extends { close(): Promise<void> }> {
  /** `todo-app`: starts the lines that say why the program stopped. */
  name: string
  /** The port when PORT is not set. */
  defaultPort: number
  /** Make the app from the environment and start it listening; `ready` is the line printed once it listens. */
  start(port: number, host: string): { app: App; started: Promise<unknown>; ready: () => string }
}

/**
 * Run an app until SIGTERM or SIGINT: HOST and PORT from the environment, the ready line once it listens,
 * a graceful close on the first signal and an exit without waiting on a second. A ConfigurationError (a
 * mistake in the environment) is one line and exit 2; any other failure to start, one line and exit 1.
 */
export function runMain<App extends { close(): Promise<void> }>(main: AppMain<App>): void {
  const { name } = main
  const serve = async () => {
    const host = process.env.HOST || '127.0.0.1'
    const port = Number(process.env.PORT || main.defaultPort)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigurationError(`PORT must be a port number, got "${process.env.PORT}"`)
    const { app, started, ready } = main.start(port, host)

    // Installed before the ready line: whoever waits for that line may signal us the moment it appears.
    let stopping = false
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        console.error(`${name}: ${signal} again, exiting without waiting`)
        process.exit(1)
      }
      stopping = true
      started
        .catch(() => {})
        .then(() => app.close())
        .then(
          () => process.exit(0),
          (err: Error) => {
            console.error(`${name}: shutdown failed: ${err.message}`)
            process.exit(1)
          },
        )
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)

    await started
    console.log(ready())
  }
  serve().catch((err: Error) => {
    console.error(`${name}: ${err.message}`)
    process.exit(err instanceof ConfigurationError ? 2 : 1)
  })
}
