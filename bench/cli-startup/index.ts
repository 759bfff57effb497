/**
 * How fast `venomqa --version` and `venomqa --help` answer: the median wall time of N spawns of the
 * built binary, next to a bare `node -e ''` (the floor no CLI can go under) and `venomqa list` (a real
 * command that loads config, zod and a TypeScript journey), the journey run from its compiled copy and,
 * interleaved with that, through jiti (VENOMQA_TS_LOADER=jiti), and `venomqa plugins` with a config that names
 * four first-party plugins (what loading plugins adds to every command that reads that config; setup is not
 * called, so nothing connects). Target: under 200 ms for --version and --help.
 *
 *   pnpm --filter @venomqa/cli build && pnpm bench cli-startup        # BENCH_N=30 for more spawns
 */
import { spawnSync } from 'node:child_process'
import { rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CLI as BIN, ROOT, benchEnv, makeCliProject, median, requireBuiltCli } from '../cli-project'

const N = Number(process.env.BENCH_N ?? 20)
const TARGET_MS = 200

requireBuiltCli()
// A tiny project for `venomqa list`: one TS journey, core linked from the workspace.
const project = makeCliProject('bench-startup')
writeFileSync(
  path.join(project, 'journeys/a.journey.ts'),
  "import { journey, step } from '@venomqa/core'\nexport default journey('a', { steps: [step('s', ({ http }) => http.get('/'))] })\n",
)

// A second project whose config names four plugins, linked from the workspace like core.
const PLUGINS = ['state-postgres', 'state-mysql', 'adapter-redis', 'reporter-html']
const withPlugins = makeCliProject('bench-startup-plugins')
for (const name of PLUGINS) symlinkSync(path.join(ROOT, 'packages', name), path.join(withPlugins, 'node_modules/@venomqa', name), 'dir')
writeFileSync(
  path.join(withPlugins, 'venomqa.yaml'),
  [
    'plugins:',
    "  - ['@venomqa/state-postgres', { url: 'postgres://postgres@127.0.0.1:5432/test' }]",
    "  - ['@venomqa/state-mysql', { url: 'mysql://root@127.0.0.1:3306/test' }]",
    "  - ['@venomqa/adapter-redis', { url: 'redis://127.0.0.1:6379' }]",
    "  - '@venomqa/reporter-html'",
    '',
  ].join('\n'),
)

const env = benchEnv({ NO_COLOR: '1' })

/** The median wall time of each variant, N spawns each, taken in turns so that a slower minute slows all. */
function timeInTurns(variants: Array<{ label: string; args: string[]; env?: NodeJS.ProcessEnv; cwd?: string }>): number[] {
  for (const v of variants) spawnSync(process.execPath, v.args, { cwd: v.cwd ?? project, env: v.env ?? env }) // warm the file system cache (and the compiled copy)
  const times: number[][] = variants.map(() => [])
  for (let i = 0; i < N; i++)
    variants.forEach((v, k) => {
      const t = performance.now()
      const r = spawnSync(process.execPath, v.args, { cwd: v.cwd ?? project, env: v.env ?? env, encoding: 'utf8' })
      times[k]!.push(performance.now() - t)
      if (r.status !== 0) throw new Error(`${v.label} exited ${r.status}: ${r.stderr}`)
    })
  return times.map(median)
}
const time = (label: string, args: string[]) => timeInTurns([{ label, args }])[0]!

try {
  const node = time('node', ['-e', ''])
  const version = time('--version', [BIN, '--version'])
  const help = time('--help', [BIN, '--help'])
  const [list, listJiti, plugins] = timeInTurns([
    { label: 'list', args: [BIN, 'list'] },
    { label: 'list through jiti', args: [BIN, 'list'], env: { ...env, VENOMQA_TS_LOADER: 'jiti' } },
    { label: 'plugins', args: [BIN, 'plugins'], cwd: withPlugins },
  ]) as [number, number, number]
  const row = (label: string, ms: number, note = '') =>
    console.log(`  ${label.padEnd(22)} ${ms.toFixed(0).padStart(5)} ms   ${(ms / node).toFixed(2)}x node${note}`)
  console.log(`venomqa startup, median of ${N} spawns (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(2)})`)
  row("node -e ''", node)
  row('venomqa --version', version, `   ${version < TARGET_MS ? 'under' : 'OVER'} the ${TARGET_MS} ms target; CLI's own cost ${(version - node).toFixed(0)} ms`)
  row('venomqa --help', help, `   ${help < TARGET_MS ? 'under' : 'OVER'} the ${TARGET_MS} ms target; CLI's own cost ${(help - node).toFixed(0)} ms`)
  row('venomqa list (1 TS)', list, '   loads config, zod and a journey from its compiled copy')
  row('the same through jiti', listJiti, `   ${(listJiti - list).toFixed(0)} ms more (VENOMQA_TS_LOADER=jiti)`)
  row('venomqa plugins (4)', plugins, `   loads a config naming ${PLUGINS.join(', ')}`)
} finally {
  rmSync(project, { recursive: true, force: true })
  rmSync(withPlugins, { recursive: true, force: true })
}
