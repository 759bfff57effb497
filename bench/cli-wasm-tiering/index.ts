/**
 * How `venomqa run` compiles WebAssembly (packages/cli/src/wasm-tiering.ts). The runner-overhead journey at
 * 3, 30, 300, 1,500 and 6,000 dependent requests, each size three ways, interleaved in one run:
 *
 *   shipped    the CLI as it is: a run of fewer than 1,000 steps keeps WebAssembly (undici's llhttp) on
 *              Liftoff, set just before the run; a longer one gets V8's default
 *   tier-up    `node --wasm-dynamic-tiering venomqa run`: the user chose V8's default, so the CLI leaves
 *              it alone and V8 optimises llhttp with TurboFan once it is warm
 *   baseline   `node --no-wasm-dynamic-tiering --no-wasm-tier-up venomqa run`: Liftoff at every size, set
 *              from the start (what the CLI did before: a flag set at start-up also costs Node's built-in
 *              code cache, see wasm-tiering.ts)
 *
 * Whole process, wall and CPU (all threads, read at exit: a compile still running then is not counted,
 * though the process waits for it). Medians of ROUNDS (default 7) after a warm-up round; the ratio is the
 * median of each round's ratio, with its quartiles.
 *
 *   pnpm --filter @venomqa/cli build && pnpm bench cli-wasm-tiering
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CLI, ROOT, benchEnv, makeCliProject, median, requireBuiltCli, spread, startItemsServer } from '../cli-project'

const ROUNDS = Number(process.env.ROUNDS ?? 7)
const SIZES = [1, 10, 100, 500, 2000]
const USAGE = path.join(ROOT, 'bench/runner-overhead/usage.mjs')

requireBuiltCli()
const project = makeCliProject('bench-wasm-tiering')
copyFileSync(path.join(ROOT, 'bench/runner-overhead/overhead.journey.ts'), path.join(project, 'journeys/overhead.journey.ts'))
const { server, target } = await startItemsServer()

const variants = [
  { name: 'shipped', nodeArgs: [] as string[] },
  { name: 'tier-up', nodeArgs: ['--wasm-dynamic-tiering'] },
  { name: 'baseline', nodeArgs: ['--no-wasm-dynamic-tiering', '--no-wasm-tier-up'] },
]

interface Sample {
  wallMs: number
  cpuMs: number
}

function runOnce(nodeArgs: string[], n: number): Sample {
  const env = benchEnv({ N: String(n), NO_COLOR: '1', CI: 'true' })
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [...nodeArgs, '--import', USAGE, CLI, 'run', '--base-url', target], {
    cwd: project,
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
  const wallMs = performance.now() - t0
  if (r.status !== 0) throw new Error(`venomqa run (N=${n}, ${nodeArgs.join(' ') || 'no flags'}) exited ${r.status}:\n${r.stderr}\n${r.stdout.slice(-2000)}`)
  const { cpuMs } = JSON.parse(/BENCH_USAGE (.*)/.exec(r.stderr)![1]!) as { cpuMs: number }
  return { wallMs, cpuMs }
}

const samples = new Map<string, Sample[]>()
try {
  for (let round = 0; round <= ROUNDS; round++)
    for (const n of SIZES)
      for (const v of variants) {
        const s = runOnce(v.nodeArgs, n)
        if (round > 0) samples.set(`${v.name}:${n}`, [...(samples.get(`${v.name}:${n}`) ?? []), s])
      }
} finally {
  server.kill()
  rmSync(project, { recursive: true, force: true })
}

const of = (name: string, n: number) => samples.get(`${name}:${n}`)!

console.log(`cli-wasm-tiering: venomqa run of the runner-overhead journey, median of ${ROUNDS} interleaved runs`)
console.log(
  `node ${process.version}, ${os.cpus().length} cores, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
console.log('')
console.log(
  '| requests | shipped wall (ms) | tier-up wall (ms) | baseline wall (ms) | shipped / tier-up | quartiles   | shipped / baseline | quartiles   | CPU: shipped / tier-up / baseline (ms) |',
)
console.log(
  '|----------|-------------------|-------------------|--------------------|-------------------|-------------|--------------------|-------------|----------------------------------------|',
)
for (const n of SIZES) {
  const [shipped, up, base] = ['shipped', 'tier-up', 'baseline'].map((name) => of(name, n))
  const ratio = (other: Sample[]) => {
    const r = spread(shipped!.map((s, i) => s.wallMs / other[i]!.wallMs))
    return [`${r.median.toFixed(2)}x`, `${r.low.toFixed(2)}-${r.high.toFixed(2)}x`]
  }
  const ms = (xs: Sample[], pick: (s: Sample) => number) => median(xs.map(pick)).toFixed(0)
  const [vsUp, vsUpQ] = ratio(up!)
  const [vsBase, vsBaseQ] = ratio(base!)
  const cpu = [shipped!, up!, base!].map((xs) => ms(xs, (s) => s.cpuMs)).join(' / ')
  console.log(
    `| ${String(3 * n).padStart(8)} | ${ms(shipped!, (s) => s.wallMs).padStart(17)} | ${ms(up!, (s) => s.wallMs).padStart(17)} | ${ms(base!, (s) => s.wallMs).padStart(18)} | ${vsUp!.padStart(17)} | ${vsUpQ!.padStart(11)} | ${vsBase!.padStart(18)} | ${vsBaseQ!.padStart(11)} | ${cpu.padStart(38)} |`,
  )
}
