#!/usr/bin/env node
import { ConfigurationError, createTodoApp, optionsFromEnv } from './index'

/** `node dist/server.js`: the todo app configured from the environment (see README). */
async function main(): Promise<void> {
  const host = process.env.HOST || '127.0.0.1'
  const port = Number(process.env.PORT || 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigurationError(`PORT must be a port number, got "${process.env.PORT}"`)

  const app = createTodoApp(optionsFromEnv())
  const started = app.listen(port, host)

  // Installed before the ready line: whoever waits for that line may signal us the moment it appears.
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`todo-app: ${signal} again, exiting without waiting`)
      process.exit(1)
    }
    stopping = true
    started
      .catch(() => {})
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (err: Error) => {
          console.error(`todo-app: shutdown failed: ${err.message}`)
          process.exit(1)
        },
      )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  await started
  console.log(`todo-app listening on ${app.url} (storage: ${app.storage})`)
}

main().catch((err: Error) => {
  console.error(`todo-app: ${err.message}`)
  process.exit(err instanceof ConfigurationError ? 2 : 1)
})
