import type { Journey, JourneyNode } from '@venomqa/core'

/**
 * The V8 flags that keep WebAssembly on Liftoff, V8's baseline compiler, with no optimising tier-up.
 *
 * Why: undici parses HTTP with llhttp compiled to WebAssembly. After a few requests V8 starts optimising
 * llhttp's one large state-machine function with TurboFan on a background thread: 100 to 330 ms of CPU,
 * by how busy the machine is. A process that ends before that compile does waits for it, because exit
 * joins V8's worker threads: a `venomqa run` of a few requests spent a third of its time waiting there.
 * A longer run gains from the optimised parser once the compile is done, on a machine with a core to
 * spare: bench/cli-wasm-tiering measures both ways at five sizes.
 */
export const BASELINE_WASM_FLAGS = ['--no-wasm-dynamic-tiering', '--no-wasm-tier-up'] as const

/**
 * Runs of fewer planned steps than this keep WebAssembly on the baseline tier; longer ones get V8's
 * default. Measured on a two-core machine with the API under test on it too (bench/cli-wasm-tiering and
 * paired runs of the runner-overhead journey), the baseline tier was faster by a third at 30 requests, by
 * 13 to 15% at 300, 7% at 600 and 4% at 1,050; the two were even at 1,500 and 3,000, and V8's default
 * ahead by 2 to 4% at 6,000. An earlier measurement put the crossing at 300 (8% for the default at 1,500,
 * with a core free): where the machine has a core to spare, the optimising compile costs less wall time.
 * The limit of 1,000 keeps on the baseline tier the runs where it clearly gained, and leaves longer ones V8's
 * default.
 */
export const BASELINE_TIER_MAX_STEPS = 1000

/**
 * Whether the user chose how V8 compiles WebAssembly in this process (`node --wasm-dynamic-tiering
 * venomqa ...`, `--liftoff-only`, `--no-liftoff` ...): then the CLI leaves it as they asked. Node refuses
 * these flags in NODE_OPTIONS, so the process's own arguments are the only place to look.
 */
export function chosenWasmTiering(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => /^--(?:no-)?(?:wasm[-_]|liftoff(?:$|[-_=]))/.test(arg))
}

/** How many steps a run of these journeys starts: every step of every path of every branch, times repeatEach. */
export function plannedSteps(journeys: readonly Journey[], repeatEach = 1): number {
  let steps = 0
  const visit = (nodes: readonly JourneyNode[]) => {
    for (const node of nodes) {
      if (node.kind === 'step') steps++
      else if (node.kind === 'branch') for (const path of node.paths) visit(path.steps)
    }
  }
  for (const j of journeys) visit(j.steps)
  return steps * repeatEach
}

/**
 * Keep this process's WebAssembly on the baseline tier when the run is short (`steps` below
 * BASELINE_TIER_MAX_STEPS) and the user chose nothing. Called just before the run, not at start-up:
 * changing a V8 flag changes the hash V8 checks Node's built-in code cache against, so every built-in
 * module loaded after it is compiled from source (about 20 ms more before a run, measured). What a run
 * loads on first use is loaded first here: the runner's HTTP transport (`loadTransport`: undici, and the
 * built-ins it needs, http2, tls, assert) and the global `performance` (perf_hooks). That took a run of
 * three requests from 152 to 146 ms. llhttp itself is compiled at the first request, so the flags still
 * reach it.
 */
export async function keepShortRunOnBaselineTier(
  steps: number,
  loadTransport: () => void,
  execArgv: readonly string[] = process.execArgv,
): Promise<void> {
  if (steps >= BASELINE_TIER_MAX_STEPS || chosenWasmTiering(execArgv)) return
  loadTransport()
  performance.now()
  const { setFlagsFromString } = await import('node:v8')
  for (const flag of BASELINE_WASM_FLAGS) setFlagsFromString(flag)
}
