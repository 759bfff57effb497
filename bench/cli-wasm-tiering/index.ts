/**
 * What keeping WebAssembly on V8's baseline tier does to `venomqa run` (packages/cli/src/wasm-tiering.ts).
 * The runner-overhead journey at 3, 30, 300, 1,500 and 6,000 dependent requests, each size both ways,
 * interleaved in one run:
 *
 *   baseline   the CLI as shipped: WebAssembly (undici's llhttp) stays on Liftoff
 *   tier-up    `node --wasm-dynamic-tiering venomqa run`: the user chose V8's default, so the CLI leaves
 *              it alone and V8 optimises llhttp with TurboFan once it is warm
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
  { name: 'baseline', nodeArgs: [] as string[] },
  { name: 'tier-up', nodeArgs: ['--wasm-dynamic-tiering'] },
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
console.log('| requests | baseline wall (ms) | tier-up wall (ms) | baseline / tier-up, wall | quartiles   | baseline CPU (ms) | tier-up CPU (ms) |')
console.log('|----------|--------------------|-------------------|--------------------------|-------------|-------------------|------------------|')
for (const n of SIZES) {
  const base = of('baseline', n)
  const up = of('tier-up', n)
  const ratio = spread(base.map((s, i) => s.wallMs / up[i]!.wallMs))
  const ms = (xs: Sample[], pick: (s: Sample) => number) => median(xs.map(pick)).toFixed(0)
  console.log(
    `| ${String(3 * n).padStart(8)} | ${ms(base, (s) => s.wallMs).padStart(18)} | ${ms(up, (s) => s.wallMs).padStart(17)} | ${`${ratio.median.toFixed(2)}x`.padStart(24)} | ${`${ratio.low.toFixed(2)}-${ratio.high.toFixed(2)}x`.padStart(11)} | ${ms(base, (s) => s.cpuMs).padStart(17)} | ${ms(up, (s) => s.cpuMs).padStart(16)} |`,
  )
}
