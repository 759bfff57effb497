/**
 * Runner overhead: 500 x (create, read by the new id, delete) = 1,500 dependent requests against one local
 * keep-alive server, each variant in its own process, all interleaved in one run:
 *
 *   raw      a plain undici loop (the floor the targets are set against)
 *   raw node:http   the same loop on Node's own http, what the runner's transport is built on
 *   client   VenomQA's HTTP client alone, no journey (what the client costs, apart from the steps)
 *   library  one journey of 1,500 steps through createRunner().run()
 *   cli      the same journey as a `.journey.ts`, through `venomqa run`
 *   pactum   the same flow written for Pactum
 *   library + console   the library with the console reporter `venomqa run` prints with (in no target: it
 *            splits what the CLI itself costs from what printing a line per step costs)
 *
 * Whole process is node start to exit at N=500. The cost per added request comes from the difference
 * between N=500 and N=2000 (in-process time, so start-up cancels out; whole-process time for `venomqa run`,
 * which prints none, and for the library + console it is compared with); in no target, the cost per
 * request once the code is warm (N=2000 after the same flow ran three times in the process). Peak memory is the process's max RSS
 * at N=500. The table gives medians of ROUNDS (default 5) after one warm-up round. Each ratio is the median
 * of the ratios within a round: the variants of one round ran seconds apart, so a slow minute of the
 * machine hits both sides of a ratio alike, where a ratio of two medians may pair different minutes. The
 * quartiles of the rounds' ratios are printed beside it: on a two-core machine they are often wider than a
 * target's margin, and then one run's met or missed says little. A second table gives the same ratios
 * from each variant's fastest run, the one least disturbed where noise only adds time.
 *
 *   pnpm --filter @venomqa/runner build && pnpm --filter @venomqa/cli build && pnpm bench runner-overhead
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CLI, benchEnv, makeCliProject, median, requireBuiltCli, spread, startItemsServer } from '../cli-project'

const here = path.dirname(fileURLToPath(import.meta.url))
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const SMALL = 500
const LARGE = 2000
/** Runs of the flow at N=2000 before the one timed once warm: two left the library's still getting faster. */
const WARMUP_RUNS = 3

requireBuiltCli()
// A project for `venomqa run`: the journey file, core linked from the workspace, no config.
const project = makeCliProject('bench-overhead')
copyFileSync(path.join(here, 'overhead.journey.ts'), path.join(project, 'journeys/overhead.journey.ts'))
const { server, target } = await startItemsServer()

interface Variant {
  name: string
  label: string
  args: string[]
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Also run at N=2000, for the cost per added request. */
  perRequest: boolean
  /** Prints the run's own time (innerMs) last on stdout: `venomqa run` does not, its time is the whole process's. */
  inner: boolean
  /** Also run at N=2000 after the same flow WARMUP_RUNS times, for the cost per request once the code is optimised. */
  warm?: boolean
}
const script = (file: string) => [path.join(here, file)]
const variants: Variant[] = [
  { name: 'raw', label: 'raw undici loop', args: script('raw.mjs'), perRequest: true, inner: true, warm: true },
  { name: 'rawnode', label: 'raw node:http loop', args: script('raw-node-http.mjs'), perRequest: true, inner: true, warm: true },
  { name: 'client', label: 'VenomQA client only', args: script('client.mjs'), perRequest: true, inner: true, warm: true },
  { name: 'library', label: 'VenomQA library API', args: script('venom.mjs'), perRequest: true, inner: true, warm: true },
  { name: 'cli', label: 'VenomQA `venomqa run`', args: [CLI, 'run', '--base-url', target], cwd: project, perRequest: true, inner: false },
  // Not in a target: the library with the console `venomqa run` prints with, to tell what the CLI costs
  // from what printing a line per step costs.
  // Both at N=2000 as well, to split what the CLI costs once (start-up) from what it costs per step.
  { name: 'libconsole', label: 'library + console', args: script('venom.mjs'), env: { BENCH_CONSOLE: '1' }, perRequest: true, inner: true },
  { name: 'pactum', label: 'Pactum 3.9.1', args: script('pactum.mjs'), perRequest: false, inner: true },
]

interface Sample {
  wallMs: number
  innerMs?: number
  cpuMs: number
  maxRssKb: number
}

function runOnce(v: Variant, n: number, warm = false): Sample {
  const env = benchEnv({ TARGET: target, N: String(n), NO_COLOR: '1', CI: 'true', ...v.env, ...(warm ? { WARMUP: String(WARMUP_RUNS) } : {}) })
  const t0 = performance.now()
  const r = spawnSync(process.execPath, ['--import', path.join(here, 'usage.mjs'), ...v.args], { cwd: v.cwd ?? here, env, encoding: 'utf8', maxBuffer: 64 << 20 })
  const wallMs = performance.now() - t0
  if (r.status !== 0) throw new Error(`${v.name} (N=${n}) exited ${r.status}:\n${r.stderr}\n${r.stdout.slice(-2000)}`)
  const usage = JSON.parse(/BENCH_USAGE (.*)/.exec(r.stderr)![1]!)
  // The scripts print their result last, after the console's lines when it is attached.
  const inner = !v.inner ? undefined : JSON.parse(r.stdout.slice(r.stdout.lastIndexOf('\n') + 1)).innerMs
  return { wallMs, innerMs: inner, ...usage }
}

const samples = new Map<string, Sample[]>()
try {
  // Interleave the variants so that machine noise hits them alike; round 0 warms caches and is dropped.
  for (let round = 0; round <= ROUNDS; round++) {
    for (const v of variants)
      for (const n of v.perRequest ? [SMALL, LARGE] : [SMALL]) {
        const s = runOnce(v, n)
        if (round === 0) continue
        const key = `${v.name}:${n}`
        samples.set(key, [...(samples.get(key) ?? []), s])
      }
    // The warmed runs after the round's others: they take longest, and must not sit between a ratio's two sides.
    for (const v of variants)
      if (v.warm) {
        const s = runOnce(v, LARGE, true)
        if (round > 0) samples.set(`${v.name}:warm`, [...(samples.get(`${v.name}:warm`) ?? []), s])
      }
  }
} finally {
  server.kill()
  rmSync(project, { recursive: true, force: true })
}

const stat = (name: string, n: number, pick: (s: Sample) => number) => median(samples.get(`${name}:${n}`)!.map(pick))
const row = (v: Variant) => ({
  wall: stat(v.name, SMALL, (s) => s.wallMs),
  cpu: stat(v.name, SMALL, (s) => s.cpuMs),
  rssMiB: stat(v.name, SMALL, (s) => s.maxRssKb) / 1024,
  perRequest: v.perRequest && v.inner ? (stat(v.name, LARGE, (s) => s.innerMs!) - stat(v.name, SMALL, (s) => s.innerMs!)) / (3 * (LARGE - SMALL)) : undefined,
  perRequestCpu: v.perRequest ? (stat(v.name, LARGE, (s) => s.cpuMs) - stat(v.name, SMALL, (s) => s.cpuMs)) / (3 * (LARGE - SMALL)) : undefined,
})
// One round's sample of a variant (rounds are 0-based here: the warm-up round is not kept).
const sample = (name: string, n: number, round: number) => samples.get(`${name}:${n}`)![round]!
const perRequestIn = (name: string, round: number) => (sample(name, LARGE, round).innerMs! - sample(name, SMALL, round).innerMs!) / (3 * (LARGE - SMALL))
// `venomqa run` prints no time of its own: per added request from whole-process times (start-up cancels out).
const perRequestWhole = (name: string, round: number) => (sample(name, LARGE, round).wallMs - sample(name, SMALL, round).wallMs) / (3 * (LARGE - SMALL))
/**
 * The time per request of a run at N=2000 after the same flow ran WARMUP_RUNS times in its process: what a
 * request costs once the code is optimised. Per added request (N=500 to N=2000) still holds part of the
 * warm-up, which takes thousands of requests even for the raw loops (their time per request falls from
 * about 450 to 85 µs over the first 4,000 here). A variant that runs more JavaScript per request is slower
 * for longer: V8 optimises a function on a background thread, one at a time, and the library's step
 * brings some eighty more to the queue than a raw loop, Node's own http code among those that wait. Its
 * journey was still getting faster in its third run of 6,000 requests (about 250, 190, then 120 µs).
 */
const warmPerRequest = (name: string, round: number) => samples.get(`${name}:warm`)![round]!.innerMs! / (3 * LARGE)
/** A ratio per round, its median and quartiles. */
const paired = (ratioIn: (round: number) => number) => spread(Array.from({ length: ROUNDS }, (_, r) => ratioIn(r)))
const rows = Object.fromEntries(variants.map((v) => [v.name, row(v)])) as Record<string, ReturnType<typeof row>>
const { raw, library, cli, pactum } = rows as Required<typeof rows>

const f = (x: number | undefined, d: number) => (x === undefined ? '-' : x.toFixed(d))
console.log(`runner-overhead: ${3 * SMALL} dependent requests (${SMALL} x create/read/delete), median of ${ROUNDS} interleaved runs`)
console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
console.log('')
console.log('| variant               | whole process (s) | process CPU (s) | peak RSS (MiB) | per added request (ms) | its CPU (ms) |')
console.log('|-----------------------|-------------------|-----------------|----------------|------------------------|--------------|')
for (const v of variants) {
  const r = rows[v.name]!
  console.log(`| ${v.label.padEnd(21)} | ${f(r.wall / 1000, 3).padStart(17)} | ${f(r.cpu / 1000, 3).padStart(15)} | ${f(r.rssMiB, 1).padStart(14)} | ${f(r.perRequest, 3).padStart(22)} | ${f(r.perRequestCpu, 3).padStart(12)} |`)
}
console.log('')
/** One row of the ratio table; without a target, the row only informs. */
const ratio = (label: string, r: ReturnType<typeof paired>, target?: number) =>
  console.log(
    `| ${label.padEnd(46)} | ${`${r.median.toFixed(2)}x`.padStart(6)} | ${`${r.low.toFixed(2)}-${r.high.toFixed(2)}x`.padStart(11)} | ${target === undefined ? '        ' : `<= ${target.toFixed(2)}x`} | ${target === undefined ? '      ' : r.median <= target ? 'met' : `missed by ${((r.median / target - 1) * 100).toFixed(0)}%`} |`,
  )
console.log('| ratio                                          | median | quartiles   | target   | result |')
console.log('|------------------------------------------------|--------|-------------|----------|--------|')
ratio('library / raw, per added request', paired((r) => perRequestIn('library', r) / perRequestIn('raw', r)), 1.1)
ratio('(no target) the same, once the code is warm', paired((r) => warmPerRequest('library', r) / warmPerRequest('raw', r)))
ratio('library / Pactum, whole process', paired((r) => sample('library', SMALL, r).wallMs / sample('pactum', SMALL, r).wallMs), 0.85)
ratio('venomqa run / library, whole process', paired((r) => sample('cli', SMALL, r).wallMs / sample('library', SMALL, r).wallMs), 1.1)
ratio('library / raw, peak memory (1,500 steps)', paired((r) => sample('library', SMALL, r).maxRssKb / sample('raw', SMALL, r).maxRssKb), 1.2)
ratio('(no target) venomqa run / library + console', paired((r) => sample('cli', SMALL, r).wallMs / sample('libconsole', SMALL, r).wallMs))
ratio('(no target) the same, per added request', paired((r) => perRequestWhole('cli', r) / perRequestWhole('libconsole', r)))
console.log('')
// The same ratios from each variant's fastest run. On a shared virtual machine noise only ever adds time
// (another tenant, a burst on the other core), and a round's pair can be hit on one side: the quartiles
// above were 0.7x to 1.4x on some days. The fastest of ROUNDS runs is each variant least disturbed; two
// variants' fastest runs were seconds or minutes apart, so read this beside the median, not instead of it.
const fastest = (name: string, n: number, pick: (s: Sample) => number) => Math.min(...samples.get(`${name}:${n}`)!.map(pick))
const fastestPerRequest = (name: string) => (fastest(name, LARGE, (s) => s.innerMs!) - fastest(name, SMALL, (s) => s.innerMs!)) / (3 * (LARGE - SMALL))
const wallOf = (s: Sample) => s.wallMs
const single = (label: string, value: number, target?: number) =>
  console.log(`| ${label.padEnd(46)} | ${`${value.toFixed(2)}x`.padStart(6)} | ${target === undefined ? '        ' : `<= ${target.toFixed(2)}x`} | ${target === undefined ? '      ' : value <= target ? 'met' : `missed by ${((value / target - 1) * 100).toFixed(0)}%`} |`)
console.log(`| the same, from each variant's fastest of ${String(ROUNDS).padEnd(4)} | ratio  | target   | result |`)
console.log('|------------------------------------------------|--------|----------|--------|')
single('library / raw, per added request', fastestPerRequest('library') / fastestPerRequest('raw'), 1.1)
single('library / Pactum, whole process', fastest('library', SMALL, wallOf) / fastest('pactum', SMALL, wallOf), 0.85)
single('venomqa run / library, whole process', fastest('cli', SMALL, wallOf) / fastest('library', SMALL, wallOf), 1.1)
single('(no target) venomqa run / library + console', fastest('cli', SMALL, wallOf) / fastest('libconsole', SMALL, wallOf))
console.log('')
// What `venomqa run` adds is mostly paid once: a TypeScript loader, the argument parser, config and plugins,
// the last-run record. Per round: its time over the library + console at N=500, less what it adds per step
// (from the extra 4,500 requests at N=2000) times the 1,500 steps.
const perRound = (f: (round: number) => number) => spread(Array.from({ length: ROUNDS }, (_, r) => f(r)))
const once = perRound((r) => sample('cli', SMALL, r).wallMs - sample('libconsole', SMALL, r).wallMs - 3 * SMALL * (perRequestWhole('cli', r) - perRequestWhole('libconsole', r)))
const consoleCost = perRound((r) => sample('libconsole', SMALL, r).wallMs - sample('library', SMALL, r).wallMs)
const ms = (x: { median: number; low: number; high: number }) => `${x.median.toFixed(0)} ms (quartiles ${x.low.toFixed(0)} to ${x.high.toFixed(0)})`
console.log(`venomqa run over library + console, paid once: ${ms(once)}; library + console over library at ${3 * SMALL} requests: ${ms(consoleCost)}`)
// Wall time on a busy machine hides work that CPU time shows: both are printed.
const client = rows.client!
const warmMs = (name: string) => median(Array.from({ length: ROUNDS }, (_, r) => warmPerRequest(name, r)))
console.log(`once warm, per request (ms): ${variants.filter((v) => v.warm).map((v) => `${v.label} ${warmMs(v.name).toFixed(3)}`).join(', ')}`)
console.log(`per added request, CPU: library / raw ${(library.perRequestCpu! / raw.perRequestCpu!).toFixed(2)}x, client only / raw ${(client.perRequestCpu! / raw.perRequestCpu!).toFixed(2)}x; wall: client only / raw ${(client.perRequest! / raw.perRequest!).toFixed(2)}x`)
console.log(`whole process: library / raw ${(library.wall / raw.wall).toFixed(2)}x, raw / Pactum ${(raw.wall / pactum.wall).toFixed(2)}x, raw node:http / raw ${(rows.rawnode!.wall / raw.wall).toFixed(2)}x, library / raw node:http ${(library.wall / rows.rawnode!.wall).toFixed(2)}x; CPU library / Pactum ${(library.cpu / pactum.cpu).toFixed(2)}x, venomqa run / library ${(cli.cpu / library.cpu).toFixed(2)}x`)
console.log(`peak memory: venomqa run / raw ${(cli.rssMiB / raw.rssMiB).toFixed(2)}x`)
