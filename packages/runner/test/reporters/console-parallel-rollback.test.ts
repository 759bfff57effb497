/**
 * Paths run in parallel start with a rollback of the branch's own line: its lane is put back to the
 * checkpoint for the workers to copy, told as a 'before-path' rollback with the branch's path. The console
 * printed it as a path's header rollback, one level out: at column 0 for a branch of the main line, and
 * untagged. It is a line of the branch's path, as the branch line and its 'after-branch' rollback are.
 * It said `(before-path)` too, as each path's own rollback does, so the path on the main line read as
 * rolled back twice: it says what it is for, `(before the workers copy it)`.
 */
import { type RunResult, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createConsoleReporter, createRunner, memoryState, memoryWorkers } from '../../src/index'

const tick = () => new Promise<void>((r) => setImmediate(r))

const withoutTimes = (text: string) => text.split('\n').map((line) => line.replace(/\d+(\.\d+)? ms/g, 'N ms'))

/** The live console lines of one run with paths two at a time, each duration as `N ms`. */
async function liveLines(journeys: ReturnType<typeof journey>[]): Promise<string[]> {
  return (await liveRun(journeys)).lines
}

async function liveRun(journeys: ReturnType<typeof journey>[]): Promise<{ lines: string[]; run: RunResult }> {
  const store = memoryState({ notes: [] as string[] }, 'store')
  const stream = new PassThrough()
  let out = ''
  stream.on('data', (d) => (out += d))
  const console = createConsoleReporter({ stream, color: false, progress: false })
  const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', stateBackends: [store], parallelPaths: 2, workerSetup: memoryWorkers(), reporters: [console] })
  let run: RunResult
  try {
    run = await runner.run(journeys)
    expect(run.status).toBe('passed')
    console.render!(run, {} as never)
  } finally {
    await runner.close()
  }
  await tick()
  return { lines: withoutTimes(out), run }
}

/** The lines a console that saw no hook prints for a saved run (`venomqa report`). */
async function savedLines(run: RunResult): Promise<string[]> {
  const text = await createConsoleReporter({ stream: new PassThrough(), color: false, progress: false }).render!(JSON.parse(JSON.stringify(run)) as RunResult, {} as never)
  return withoutTimes(String(text))
}

const rollbacksAndBranches = (lines: string[]) => lines.filter((l) => /[↺⑂]/.test(l)).sort()

describe('the console with paths run in parallel', () => {
  it("prints the branch line's own rollback under the branch line, at its indentation, never at column 0", async () => {
    const lines = await liveLines([
      journey('par', {
        steps: [
          step('seed', () => {}),
          checkpoint('base'),
          branch('base', [path('a', [step('a1', tick), step('a2', tick)]), path('b', [step('b1', tick), step('b2', tick)])]),
          step('after', () => {}),
        ],
      }),
    ])
    const at = lines.indexOf('  ⑂ branch from base (2 paths: a, b)')
    expect(at, lines.join('\n')).toBeGreaterThan(0)
    expect(lines[at + 1]).toBe('  ↺ rollback to base (before the workers copy it) N ms: store (memory) N ms')
    expect(rollbacksAndBranches(lines)).toEqual(
      [
        '  ⑂ branch from base (2 paths: a, b)',
        '  ↺ rollback to base (before the workers copy it) N ms: store (memory) N ms',
        '  [a] ↺ rollback to base (before-path) N ms: store (memory) N ms',
        // Path b runs on worker 1: its copy of the store, named so.
        '  [b] ↺ rollback to base (before-path) N ms: store:w1 (memory) N ms',
        '  ↺ rollback to base (after-branch) N ms: store (memory) N ms',
      ].sort(),
    )
    expect(lines.filter((l) => l.startsWith('↺'))).toEqual([])
  })

  it("tags a parallel branch's line and its own rollback with the path it is in", async () => {
    const lines = await liveLines([
      journey('nested', {
        steps: [
          checkpoint('base'),
          branch('base', [path('p', [step('p1', tick), checkpoint('inner'), branch('inner', [path('x', [step('x1', tick)]), path('y', [step('y1', tick)])])])]),
        ],
      }),
    ])
    const at = lines.indexOf('    [p] ⑂ branch from inner (2 paths: x, y)')
    expect(at, lines.join('\n')).toBeGreaterThan(0)
    expect(lines[at + 1]).toBe('    [p] ↺ rollback to inner (before the workers copy it) N ms: store (memory) N ms')
    expect(rollbacksAndBranches(lines)).toEqual(
      [
        '  ⑂ branch from base (1 path: p)',
        '  [p] ↺ rollback to base (before-path) N ms: store (memory) N ms',
        '    [p] ⑂ branch from inner (2 paths: x, y)',
        '    [p] ↺ rollback to inner (before the workers copy it) N ms: store (memory) N ms',
        '    [x] ↺ rollback to inner (before-path) N ms: store (memory) N ms',
        '    [y] ↺ rollback to inner (before-path) N ms: store:w1 (memory) N ms',
        '    [p] ↺ rollback to inner (after-branch) N ms: store (memory) N ms',
        '  ↺ rollback to base (after-branch) N ms: store (memory) N ms',
      ].sort(),
    )
  })

  it("keeps the branch line's own rollback in the results: a saved run prints it under the branch line too", async () => {
    const { lines: live, run } = await liveRun([
      journey('par', {
        steps: [checkpoint('base'), branch('base', [path('a', [step('a1', tick)]), path('b', [step('b1', tick)])])],
      }),
    ])
    const saved = await savedLines(run)
    const at = saved.indexOf('  ⑂ branch from base (2 paths: a, b)')
    expect(at, saved.join('\n')).toBeGreaterThan(0)
    expect(saved[at + 1]).toBe('  ↺ rollback to base (before the workers copy it) N ms: store (memory) N ms')
    // Every rollback the live run printed, its path tags aside (a saved run's paths are not interleaved).
    const untagged = (lines: string[]) => rollbacksAndBranches(lines.map((l) => l.replace(/\[[ab]\] /, '')))
    expect(untagged(saved)).toEqual(untagged(live))
  })
})
