/**
 * A rollback that failed (the app held a transaction open past the backend's wait) had no line in the
 * console: the path it was for never started, so after the last path's end came the journey's end, failed,
 * with the why only in the summary's issues. Its issue now says it where it happens, live.
 */
import { PassThrough } from 'node:stream'
import { branch, checkpoint, journey, path, step } from '@venomqa/core'
import { backendFailingRollbackTo } from '@venomqa/fixtures'
import { describe, expect, it } from 'vitest'
import { createRunner } from '../../src'
import { createConsoleReporter, renderMarkdown } from '../../src/reporters'

async function consoleOf(backend: ReturnType<typeof backendFailingRollbackTo>, journeys: Parameters<ReturnType<typeof createRunner>['run']>[0]) {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (d) => (text += d))
  const runner = createRunner({ stateBackends: [backend], reporters: [createConsoleReporter({ stream, color: false })] })
  const result = await runner.run(journeys)
  await runner.close()
  return { result, lines: text.split('\n'), text }
}

const noop = () => {}

describe('a rollback that failed', () => {
  it("before a path: told live where the path's header would be, with why, before the journey's end", async () => {
    const j = journey('held', {
      steps: [step('hold', noop), checkpoint('cp'), branch('cp', [path('first', [step('write', noop)]), path('second', [step('read', noop)])])],
    })
    // The first path's rollback passes; the second's fails.
    const { result, lines, text } = await consoleOf(backendFailingRollbackTo('cp', 1), [j])
    expect(result.status).toBe('failed')
    const at = lines.findIndex((l) => l.includes('rollback to cp failed'))
    expect(at, text).toBeGreaterThan(lines.findIndex((l) => l.includes('└ path first passed')))
    expect(lines[at]).toMatch(/^ {2}✗ rollback to cp failed$/)
    expect(lines[at + 1]).toMatch(/^ {4}rollback to checkpoint "cp" failed, so the branch stops here .*uncommitted writes after 300 ms \(lockTimeoutMs\): pid 42/)
    expect(at).toBeLessThan(lines.findIndex((l) => l.startsWith('✗ held failed')))

    // The run as text afterwards (`venomqa report`) says it at the same place.
    const tree = String(await createConsoleReporter({ color: false }).render!(result, {} as never)).split('\n')
    const inTree = tree.findIndex((l) => l.includes('rollback to cp failed'))
    expect(tree[inTree], tree.join('\n')).toMatch(/^ {2}✗ rollback to cp failed$/)
    expect(tree[inTree + 1]).toMatch(/^ {4}rollback to checkpoint "cp" failed, so the branch stops here /)
    expect(inTree).toBeGreaterThan(tree.findIndex((l) => l.includes('└ path first passed')))
    expect(inTree).toBeLessThan(tree.findIndex((l) => l.includes('└ path second failed')))
  })

  it("before a path: the Markdown report's row of the path says why its steps, skipped, were not run", async () => {
    const j = journey('held', {
      steps: [step('hold', noop), checkpoint('cp'), branch('cp', [path('first', [step('write', noop)]), path('second', [step('read', noop)])])],
    })
    const { result } = await consoleOf(backendFailingRollbackTo('cp', 1), [j])
    const md = renderMarkdown(result).split('\n')
    expect(md).toContain('| second | read | ⏭️ skipped |  | 0 ms |')
    const row = md.find((l) => l.startsWith('| second | path **second**'))
    expect(row, md.join('\n')).toMatch(/^\| second \| path \*\*second\*\* \(not run: rollback to checkpoint "cp" failed, so the branch stops here .*pid 42\) \| ❌ failed \|/)
  })

  it("of a journey's restore: told live before the journey's end", async () => {
    const j = journey('restored', { restore: true, steps: [step('write', noop)] })
    const { result, lines, text } = await consoleOf(backendFailingRollbackTo('venomqa:before-journey'), [j])
    expect(result.status).toBe('failed')
    const at = lines.findIndex((l) => l.includes('(restore) failed'))
    expect(at, text).toBeGreaterThan(lines.findIndex((l) => l.includes('✓ write')))
    expect(lines[at]).toMatch(/^ {2}✗ rollback to venomqa:before-journey \(restore\) failed$/)
    expect(lines[at + 1]).toMatch(/^ {4}the state could not be put back to where the journey started \(restore\)/)
    expect(at).toBeLessThan(lines.findIndex((l) => l.startsWith('✗ restored failed')))
  })
})
