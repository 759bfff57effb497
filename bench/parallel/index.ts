/**
 * Parallel paths: a branch of 8 paths whose steps each wait about 100 ms on the server, run one at a time
 * and on 4 workers (todo app on PostgreSQL, one app and database per worker), in one run. The parallel
 * figure is measured once with worker start-up (first run) and in steady state (workers already up).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { branch, checkpoint, journey, path as p, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { postgresState, postgresWorkers } from '@venomqa/state-postgres'
import pg from 'pg'

const here = path.dirname(fileURLToPath(import.meta.url))
const server = path.resolve(here, '../../examples/todo-app/dist/server.js')
const ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres'
const DB = 'venomqa_bench_par'
const MAIN = `postgres://postgres@127.0.0.1:5432/${DB}`
const ROUNDS = Number(process.env.ROUNDS ?? 5)
// Whatever happens, the app processes this benchmark started do not outlive it.
const children: ChildProcess[] = []
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL')
})

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN })
  await c.connect()
  await c.query(sql).finally(() => c.end())
}

async function startApp(databaseUrl: string): Promise<{ url: string; stop: () => void }> {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const n = (s.address() as net.AddressInfo).port
      s.close(() => resolve(n))
    })
  })
  const child: ChildProcess = spawn(process.execPath, [server], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl },
    stdio: 'ignore',
  })
  children.push(child)
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break
    } catch {}
    await new Promise((r) => setTimeout(r, 50))
  }
  return { url, stop: () => child.kill() }
}

let n = 0
const theJourney = () =>
  journey(`parallel_bench_${n++}`, {
    steps: [
      step('sign_up', ({ http }) => http.post('/api/users', { json: { email: `b${n}@example.test`, password: 'a long password', name: 'B' } })),
      checkpoint('start'),
      branch(
        'start',
        Array.from({ length: 8 }, (_, i) => p(`path_${i}`, [step('wait_100ms', ({ http }) => http.get('/api/slow?ms=100'))])),
      ),
    ],
  })

await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
await admin(`CREATE DATABASE ${DB}`)
const main = await startApp(MAIN)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function time(runner: ReturnType<typeof createRunner>): Promise<number> {
  const t0 = performance.now()
  const r = await runner.run(theJourney())
  if (r.status !== 'passed') throw new Error(JSON.stringify(r.journeys[0]!.issues[0]))
  return performance.now() - t0
}

const sequential = createRunner({ baseUrl: main.url, stateBackends: [postgresState({ url: MAIN })] })
const workerApps: { stop(): void }[] = []
const parallel = createRunner({
  baseUrl: main.url,
  stateBackends: [postgresState({ url: MAIN })],
  parallelPaths: 4,
  workerSetup: postgresWorkers({
    url: MAIN,
    async startApp(_i, databaseUrl) {
      const app = await startApp(databaseUrl)
      workerApps.push(app)
      return { baseUrl: app.url, close: () => app.stop() }
    },
  }),
})
// One snapshot backend per database at a time (the backend refuses a second): phases run one after the other.
const seq: number[] = []
const par: number[] = []
for (let r = 0; r < ROUNDS; r++) seq.push(await time(sequential))
await sequential.close()
const firstParallel = await time(parallel)
for (let r = 0; r < ROUNDS; r++) par.push(await time(parallel))
await parallel.close()
main.stop()
await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)

const s = median(seq)
const q = median(par)
console.log(`parallel: a branch of 8 paths, each waiting ~100 ms on the server; median of ${ROUNDS} runs`)
console.log('')
console.log('| mode                           | journey (ms) |')
console.log('|--------------------------------|--------------|')
console.log(`| sequential (1 worker)          | ${s.toFixed(0).padStart(12)} |`)
console.log(`| 4 workers, steady state        | ${q.toFixed(0).padStart(12)} |`)
console.log(`| 4 workers, first run (startup) | ${firstParallel.toFixed(0).padStart(12)} |`)
console.log('')
console.log(`speed-up, 4 workers vs sequential: ${(s / q).toFixed(2)}x (target >= 3x)`)
