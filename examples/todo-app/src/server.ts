#!/usr/bin/env node
import { runMain } from '@venomqa/example-app-kit'
import { createTodoApp, optionsFromEnv } from './index'

/** `node dist/server.js`: the todo app configured from the environment (see README). */
runMain({
  name: 'todo-app',
  defaultPort: 3000,
  start(port, host) {
    const app = createTodoApp(optionsFromEnv())
    return { app, started: app.listen(port, host), ready: () => `todo-app listening on ${app.url} (storage: ${app.storage})` }
  },
})
