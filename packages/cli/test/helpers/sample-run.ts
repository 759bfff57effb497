import path from 'node:path'
import type { RunResult } from '@venomqa/core'
import { REPO_ROOT } from '@venomqa/test-utils'

/**
 * The runner's reporter tests build a RunResult full of secrets and markup-hostile text; these tests reuse
 * it. Imported by computed path so that this package's typecheck (rootDir: .) does not pull the runner's
 * test files in.
 */
export async function sampleRun(overrides: Partial<RunResult> = {}): Promise<RunResult> {
  const file = path.join(REPO_ROOT, 'packages/runner/test/reporters/sample-run.ts')
  const mod = (await import(/* @vite-ignore */ file)) as { sampleRun(o?: Partial<RunResult>): RunResult }
  return mod.sampleRun(overrides)
}
