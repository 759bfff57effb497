import vm from 'node:vm'

/**
 * How long the synchronous work of a hostile-input test may run before it counts as hung. Not a measure of
 * speed: read linearly, each hostile text of these tests takes well under a second, on a loaded machine
 * too; read quadratically (or worse), it takes many minutes at their sizes. vitest's test timeout cannot
 * stop synchronous code (its timer waits for the busy thread), so without this guard such a regression
 * would hang the suite instead of failing it.
 */
export const HANG_GUARD_MS = 30_000

/**
 * Run `work` and return; if it is still running after HANG_GUARD_MS (a hang: see there), stop it and fail
 * naming `what`. The stop is V8's, through a vm watchdog, which interrupts a regular expression midway.
 */
export function finishes(what: string, work: () => void): void {
  try {
    vm.runInNewContext('work()', { work }, { timeout: HANG_GUARD_MS })
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
      throw new Error(`${what}: still running after ${HANG_GUARD_MS} ms, stopped: it is not read in linear time`)
    throw err
  }
}
