import { defineConfig } from '@venomqa/cli'

// The demo script starts the todo app and passes its URL in TODO_APP_URL, and the SMTP port it gave the
// app in DEMO_SMTP_PORT: the embedded mail catcher listens there for the run.
const app = process.env.TODO_APP_URL ?? 'http://127.0.0.1:3000'
const smtpPort = Number(process.env.DEMO_SMTP_PORT ?? 1025)
// With DEMO_DATABASE_URL the app keeps its data in PostgreSQL, rolled back by the snapshot mechanism; with
// DEMO_STATE=proxy too, demo.mjs puts venomqa-pg-proxy in front of it and the run drives the proxy.
const database = process.env.DEMO_DATABASE_URL

export default defineConfig({
  baseUrl: app,
  journeys: ['journeys/**/*.journey.ts'],
  plugins: [
    // In memory, the todo app rolls its data back through its control endpoint; on PostgreSQL, the
    // snapshot backend restores the tables while the app keeps its own connection pool.
    process.env.DEMO_PROXY_CONTROL
      ? ['@venomqa/pg-proxy', { control: process.env.DEMO_PROXY_CONTROL }]
      : database
        ? ['@venomqa/state-postgres', { url: database, mechanism: 'snapshot' }]
        : ['http-control', { url: app }],
    // A real SMTP server for the app's mail, read through the `mail` port, rolled back with checkpoints.
    ['@venomqa/adapter-mailhog', { mode: 'embedded', smtpPort }],
  ],
  timeout: 10_000,
})
