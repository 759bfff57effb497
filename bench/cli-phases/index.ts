/**
 * Where `venomqa run` spends the time it takes beyond the library API (bench/runner-overhead's `venomqa run`
 * / library ratio): the same 1,500-step journey both ways, interleaved, each process split into three
 * phases by a plugin (phases.mjs) given to both: before the run (node's start, imports, the CLI's commands,
 * config, the journey file), the run (runStart to runEnd: live reporters), and after it (reports,
 * closing, exit). A third variant replaces the console with the json reporter, to show what the console
 * costs during the run, and a fourth loads the journey through jiti (VENOMQA_TS_LOADER=jiti) instead of its
 * compiled copy. Medians of ROUNDS (default 9) after a warm-up round; main-thread CPU only on Linux.
 * On a two-core machine the run phase's medians move by ±30 ms from one invocation to the next (the API
 * server shares the cores): read the phase before the run, which moves little, with more rounds.
 *
 *   pnpm --filter @venomqa/runner build && pnpm --filter @venomqa/cli build && pnpm bench cli-phases
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { CLI, ROOT, benchEnv, makeCliProject, median, requireBuiltCli, startItemsServer } from '../cli-project'

const here = path.dirname(fileURLToPath(import.meta.url))
const OVERHEAD = path.join(ROOT, 'bench/runner-overhead')
const ROUNDS = Number(process.env.ROUNDS ?? 9)
const N = 500

requireBuiltCli()
// The project `venomqa run` runs in: runner-overhead's journey file, this plugin, core from the workspace.
const project = makeCliProject('bench-phases')
copyFileSync(path.join(OVERHEAD, 'overhead.journey.ts'), path.join(project, 'journeys/overhead.journey.ts'))
copyFileSync(path.join(here, 'phases.mjs'), path.join(project, 'phases.mjs'))
const jsonReport = path.join(project, 'report.json')
const { server, target } = await startItemsServer()

type Phase = 'beforeRun' | 'run' | 'afterRun'
type Phases = Record<Phase, { wall: number; cpu: number }>
const PHASES: Phase[] = ['beforeRun', 'run', 'afterRun']

const variants = [
  { name: 'library API', args: [path.join(OVERHEAD, 'venom.mjs')], cwd: OVERHEAD },
  { name: '`venomqa run`', args: [CLI, 'run', '--base-url', target, '--plugin', './phases.mjs'], cwd: project },
  { name: '`venomqa run -r json:file`', args: [CLI, 'run', '--base-url', target, '--plugin', './phases.mjs', '-r', `json:${jsonReport}`], cwd: project },
  // The journey through jiti instead of its compiled copy: what the copy saves, before the run and in it.
  { name: '`venomqa run`, jiti', args: [CLI, 'run', '--base-url', target, '--plugin', './phases.mjs'], cwd: project, env: { VENOMQA_TS_LOADER: 'jiti' } },
]

function runOnce(v: (typeof variants)[number]): Phases {
  const env = benchEnv({
    TARGET: target,
    N: String(N),
    NO_COLOR: '1',
    CI: 'true',
    BENCH_PLUGIN: pathToFileURL(path.join(here, 'phases.mjs')).href,
  })
  // After benchEnv, which drops every VENOMQA_* variable: the variant's own are the point of it.
  if ('env' in v) Object.assign(env, v.env)
  const r = spawnSync(process.execPath, v.args, { cwd: v.cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 })
  const line = /BENCH_PHASES (.*)/.exec(r.stderr)
  if (r.status !== 0 || !line) throw new Error(`${v.name} exited ${r.status}:\n${r.stderr}\n${r.stdout.slice(-2000)}`)
  return JSON.parse(line[1]!) as Phases
}

const samples = new Map<string, Phases[]>(variants.map((v) => [v.name, []]))
try {
  for (let round = 0; round <= ROUNDS; round++)
    for (const v of variants) {
      const s = runOnce(v)
      if (round > 0) samples.get(v.name)!.push(s)
    }
} finally {
  server.kill()
  rmSync(project, { recursive: true, force: true })
}

const med = (name: string, phase: Phase, kind: 'wall' | 'cpu') => median(samples.get(name)!.map((s) => s[phase][kind]))
const ms = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(0))

console.log(`cli-phases: ${3 * N} dependent requests, median of ${ROUNDS} interleaved runs; node ${process.version}, ${os.cpus().length} cores`)
console.log('')
console.log('| variant                      | before the run (ms) | the run (ms) | after it (ms) | main-thread CPU: before / run / after (ms) |')
console.log('|------------------------------|---------------------|--------------|---------------|--------------------------------------------|')
for (const v of variants) {
  const cpu = PHASES.map((p) => ms(med(v.name, p, 'cpu'))).join(' / ')
  console.log(
    `| ${v.name.padEnd(28)} | ${ms(med(v.name, 'beforeRun', 'wall')).padStart(19)} | ${ms(med(v.name, 'run', 'wall')).padStart(12)} | ${ms(med(v.name, 'afterRun', 'wall')).padStart(13)} | ${cpu.padStart(42)} |`,
  )
}
const [library, cli] = variants
const extra = (p: Phase, kind: 'wall' | 'cpu') => ms(med(cli!.name, p, kind) - med(library!.name, p, kind))
console.log('')
console.log(
  `\`venomqa run\` - library, medians: before the run ${extra('beforeRun', 'wall')} ms, the run ${extra('run', 'wall')} ms, after it ${extra('afterRun', 'wall')} ms (wall);`,
)
console.log(`main-thread CPU ${extra('beforeRun', 'cpu')} / ${extra('run', 'cpu')} / ${extra('afterRun', 'cpu')} ms`)
const jiti = variants[3]!
const saved = (p: Phase, kind: 'wall' | 'cpu') => ms(med(jiti.name, p, kind) - med(cli!.name, p, kind))
console.log(
  `through jiti - from the compiled copy, medians: before the run ${saved('beforeRun', 'wall')} ms, the run ${saved('run', 'wall')} ms (wall); main-thread CPU ${saved('beforeRun', 'cpu')} / ${saved('run', 'cpu')} ms`,
)
