// Starts the example todo app as its own process, runs the demo journeys with the `venomqa` CLI against
// it, and stops it again. Extra arguments go to `venomqa run` (e.g. --reporter html:report.html).
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import net from 'node:net'
import { createInterface } from 'node:readline'
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
// DEMO_DATABASE_URL names a database that may not exist yet: the demo creates it (empty; the app makes its
// tables), so one URL is all a first run needs.
if (process.env.DEMO_DATABASE_URL) await ensureDatabase(process.env.DEMO_DATABASE_URL)
// DEMO_STATE=proxy: the app reaches PostgreSQL through venomqa-pg-proxy, and the run rolls it back with one
// ROLLBACK TO SAVEPOINT (the `proxy` mechanism) instead of the `snapshot` mechanism's change log.
const proxy = process.env.DEMO_DATABASE_URL && process.env.DEMO_STATE === 'proxy' ? await startProxy(process.env.DEMO_DATABASE_URL) : undefined
const app = spawn(process.execPath, [appMain], {
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: proxy?.url ?? process.env.DEMO_DATABASE_URL ?? '', SMTP_URL: `smtp://127.0.0.1:${smtpPort}` },
  stdio: ['ignore', 'inherit', 'inherit'],
})

/** Create the database of a postgres:// URL when the server says it does not exist (SQLSTATE 3D000). */
async function ensureDatabase(databaseUrl) {
  const { default: pg } = await import('pg')
  const probe = new pg.Client({ connectionString: databaseUrl })
  try {
    await probe.connect()
    return
  } catch (err) {
    if (err.code !== '3D000') throw new Error(`DEMO_DATABASE_URL: cannot connect: ${err.message}`)
  } finally {
    await probe.end().catch(() => {})
  }
  const target = new URL(databaseUrl)
  const name = decodeURIComponent(target.pathname.slice(1))
  target.pathname = '/postgres'
  const admin = new pg.Client({ connectionString: target.toString() })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`)
    console.log(`demo: created the database "${name}"`)
  } finally {
    await admin.end()
  }
}

/** Start venomqa-pg-proxy in front of `upstream`; resolves with the app's URL and the run's control URL. */
function startProxy(upstream) {
  const pkg = require.resolve('@venomqa/pg-proxy/package.json')
  const bin = path.join(path.dirname(pkg), require(pkg).bin['venomqa-pg-proxy'])
  const child = spawn(process.execPath, [bin, '--upstream', upstream, '--listen', '127.0.0.1:0', '--control', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  // Its log (its warnings, "a run took the control") comes among the run's lines: each one says whose it is.
  createInterface({ input: child.stderr }).on('line', (line) => console.error(`venomqa-pg-proxy: ${line}`))
  let out = ''
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`venomqa-pg-proxy exited with code ${code}: ${out}`)))
    child.stdout.on('data', (d) => {
      out += d
      const at = /listening on (postgres\S+)/.exec(out)?.[1]
      const control = /control on (http\S+)/.exec(out)?.[1]
      if (at && control) resolve({ child, url: at, control })
    })
  })
}

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
    const run = spawn(process.execPath, [bin, 'run', ...process.argv.slice(2)], {
      cwd: here,
      env: { ...process.env, TODO_APP_URL: url, DEMO_SMTP_PORT: String(smtpPort), ...(proxy ? { DEMO_PROXY_CONTROL: proxy.control } : {}) },
      stdio: 'inherit',
    })
    run.on('exit', (c, signal) => resolve(c ?? (signal ? 130 : 1)))
  })
} catch (err) {
  console.error(`demo: ${err.message}`)
} finally {
  const appEnded = app.exitCode === null && app.signalCode === null ? new Promise((resolve) => app.once('exit', resolve)) : undefined
  app.kill('SIGTERM')
  // The app first: stopped while its pool still held the proxy's connections, it said it lost its database.
  if (proxy) await appEnded
  // The proxy rolls everything back when it stops: the database is as before the demo.
  proxy?.child.kill('SIGTERM')
}
process.exit(code)
