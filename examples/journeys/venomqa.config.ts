import { defineConfig } from '@venomqa/cli'

// The demo script starts the todo app and passes its URL in TODO_APP_URL.
const app = process.env.TODO_APP_URL ?? 'http://127.0.0.1:3000'

export default defineConfig({
  baseUrl: app,
  journeys: ['journeys/**/*.journey.ts'],
  // The todo app keeps its data in memory and rolls it back through its control endpoint.
  plugins: [['http-control', { url: app }]],
  timeout: 10_000,
})
