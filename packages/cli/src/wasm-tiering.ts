/**
 * The V8 flags that keep WebAssembly on Liftoff, V8's baseline compiler, with no optimising tier-up.
 *
 * Why: undici parses HTTP with llhttp compiled to WebAssembly. After a few requests V8 starts optimising
 * llhttp's one large state-machine function with TurboFan on a background thread: 250 to 330 ms of CPU
 * on a two-core machine. A process that ends before that compile does waits for it, because exit joins
 * V8's worker threads: a `venomqa run` of a few requests spent about 200 ms of its 450 ms waiting there.
 * In a longer run the compile competes with the run and the API for the cores. Liftoff's code parses a
 * response about as fast in these runs: bench/cli-wasm-tiering measures both ways.
 */
export const BASELINE_WASM_FLAGS = ['--no-wasm-dynamic-tiering', '--no-wasm-tier-up'] as const

/**
 * Whether the user chose how V8 compiles WebAssembly in this process (`node --wasm-dynamic-tiering
 * venomqa ...`, `--liftoff-only`, `--no-liftoff` ...): then the CLI leaves it as they asked. Node refuses
 * these flags in NODE_OPTIONS, so the process's own arguments are the only place to look.
 */
export function chosenWasmTiering(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => /^--(?:no-)?(?:wasm[-_]|liftoff(?:$|[-_=]))/.test(arg))
}

/**
 * Keep this process's WebAssembly on the baseline tier, unless the user chose otherwise. Must run before
 * anything compiles a WebAssembly module (undici compiles llhttp when the runner loads it).
 */
export async function keepWasmOnBaselineTier(execArgv: readonly string[] = process.execArgv): Promise<void> {
  if (chosenWasmTiering(execArgv)) return
  const { setFlagsFromString } = await import('node:v8')
  for (const flag of BASELINE_WASM_FLAGS) setFlagsFromString(flag)
}
