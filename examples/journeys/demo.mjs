// Starts the example todo app as its own process, runs the demo journeys with the `venomqa` CLI against
// it, and stops it again. Extra arguments go to `venomqa run` (e.g. --reporter html:report.html).
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const p = srv.address().port
      srv.close(() => resolve(p))
    })
  })
const port = await freePort()
// The app mails through this port; the run's embedded mail catcher listens on it (see venomqa.config.ts).
const smtpPort = await freePort()
const url = `http://127.0.0.1:${port}`
const appMain = path.join(path.dirname(require.resolve('@venomqa/example-todo-app')), 'server.js')
const app = spawn(process.execPath, [appMain], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: process.env.DEMO_DATABASE_URL ?? '', SMTP_URL: `smtp://127.0.0.1:${smtpPort}` }, stdio: ['ignore', 'inherit', 'inherit'] })

async function ready() {
  for (let i = 0; i < 200; i++) {
    if (app.exitCode !== null) throw new Error(`the todo app exited with code ${app.exitCode}`)
    try {
      if ((await fetch(`${url}/health`)).ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('the todo app did not start within 10 s')
}

let code = 1
try {
  await ready()
  const cliPkg = require.resolve('@venomqa/cli/package.json')
  const bin = path.join(path.dirname(cliPkg), require(cliPkg).bin.venomqa)
  code = await new Promise((resolve) => {
    const run = spawn(process.execPath, [bin, 'run', ...process.argv.slice(2)], { cwd: here, env: { ...process.env, TODO_APP_URL: url, DEMO_SMTP_PORT: String(smtpPort) }, stdio: 'inherit' })
    run.on('exit', (c, signal) => resolve(c ?? (signal ? 130 : 1)))
  })
} catch (err) {
  console.error(`demo: ${err.message}`)
} finally {
  app.kill('SIGTERM')
}
process.exit(code)
