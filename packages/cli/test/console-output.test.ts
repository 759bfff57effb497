import { spawnSync } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI_BIN, type Project, assertBuilt, cleanEnv, makeProject } from './helpers/project'

// Off a terminal the console reporter writes its lines in batches (see runner's batched-writes.ts). What a
// CI log shows must still read in the order things happened, and a process that quits mid-run (a second
// Ctrl-C) must still have printed every line before it.
const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('ordered', {
  steps: [
    step('first', () => {}),
    step('second', () => { console.log('printed by the second step') }),
    step('third', () => { console.error('warned by the third step') }),
    step('fourth', () => {
      if (process.env.EXIT_IN_FOURTH) process.exit(7)
      // Ctrl-C twice, as a user would: the second one quits at once (venomqa's own exit, not the run's end).
      if (process.env.QUIT_IN_FOURTH) for (let i = 0; i < 2; i++) process.kill(process.pid, 'SIGINT')
    }),
    step('fifth', () => new Promise((resolve) => setTimeout(resolve, Number(process.env.FIFTH_WAITS_MS ?? 0)))),
    step('sixth', () => {}),
  ],
})
`

describe('console output off a terminal', () => {
  let project: Project
  beforeAll(async () => {
    assertBuilt()
    project = await makeProject(null)
    await writeFile(path.join(project.dir, 'package.json'), JSON.stringify({ name: 'ordered', private: true, type: 'module' }))
    await mkdir(path.join(project.dir, 'journeys'))
    await writeFile(path.join(project.dir, 'journeys/ordered.journey.ts'), JOURNEY)
  })
  afterAll(async () => {
    await project?.remove()
  })

  /** Run with stdout and stderr into one file, as `venomqa run > log 2>&1` in CI. */
  function runIntoOneFile(env: Record<string, string> = {}): { status: number | null; lines: string[] } {
    const log = path.join(project.dir, 'out.log')
    const fd = openSync(log, 'w')
    try {
      const r = spawnSync(process.execPath, [CLI_BIN, 'run'], { cwd: project.dir, env: cleanEnv({ CI: 'true', ...env }), stdio: ['ignore', fd, fd], timeout: 30_000 })
      return { status: r.status, lines: readFileSync(log, 'utf8').split('\n') }
    } finally {
      closeSync(fd)
    }
  }

  const at = (lines: string[], text: string) => lines.findIndex((l) => l.includes(text))

  it("keeps a step's own console.log and console.error between the lines of the steps around it", () => {
    const { status, lines } = runIntoOneFile()
    expect(status).toBe(0)
    const order = ['✓ first', 'printed by the second step', '✓ second', 'warned by the third step', '✓ third', '✓ fourth', '✓ fifth', 'Result: PASSED'].map((t) => at(lines, t))
    expect(order.every((i) => i >= 0)).toBe(true)
    expect(order).toEqual([...order].sort((a, b) => a - b))
  })

  it('quit mid-run (a second Ctrl-C): every line printed before it is in the output', () => {
    const { status, lines } = runIntoOneFile({ QUIT_IN_FOURTH: '1' })
    expect(status).toBe(130)
    for (const text of ['▶ ordered', '✓ first', 'printed by the second step', '✓ second', 'warned by the third step', '✓ third', 'venomqa: quitting now']) expect(at(lines, text)).toBeGreaterThanOrEqual(0)
  })

  it('a step that calls process.exit fails there, and the run goes on to its end, every line in order', () => {
    const { status, lines } = runIntoOneFile({ EXIT_IN_FOURTH: '1' })
    expect(status).toBe(1)
    const order = ['✓ third', '✗ fourth', 'process.exit(7) was called while venomqa was running', '✓ fifth', '✓ sixth', 'Result: FAILED'].map((text) => at(lines, text))
    expect(order.every((i) => i >= 0)).toBe(true)
    expect(order).toEqual([...order].sort((a, b) => a - b))
  })

  it('a reader that goes away (venomqa run | head) drops the rest of the output; the run finishes and passes', async () => {
    // The first batch is written 50 ms in; the reader closes on it, while the fifth step still waits.
    const run = project.spawn(['run', '--save', 'results.json'], { env: { CI: 'true', FIFTH_WAITS_MS: '1000' } })
    run.child.stdout!.once('data', () => run.child.stdout!.destroy())
    const r = await run.done
    expect(r.stderr).not.toContain('unexpected error')
    expect(r.code).toBe(0)
    const saved = JSON.parse(readFileSync(path.join(project.dir, 'results.json'), 'utf8'))
    expect(saved.summary.steps).toMatchObject({ total: 6, passed: 6 })
  })

  it('a reader that is gone before anything is written (venomqa run | true): the run passes, no reporter fails', async () => {
    const run = project.spawn(['run', '--save', 'results.json'], { env: { CI: 'true' } })
    run.child.stdout!.destroy()
    const r = await run.done
    expect(r.stderr).not.toContain('unexpected error')
    expect(r.stderr).not.toContain('failed')
    expect(r.code).toBe(0)
    const saved = JSON.parse(readFileSync(path.join(project.dir, 'results.json'), 'utf8'))
    expect(saved.summary.steps).toMatchObject({ total: 6, passed: 6 })
  })
})
