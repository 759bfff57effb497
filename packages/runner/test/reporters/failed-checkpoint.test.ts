/**
 * A checkpoint that could not be taken (the app held a transaction open past the backend's wait) had no
 * line in the console: after the step before it, nothing, for as long as the backend waited, then the
 * journey's end, failed. Its issue now says it where it happens, live; and the whole run as text (`venomqa
 * report`) shows it failed, where it showed it as taken.
 */
import { PassThrough } from 'node:stream'
import { StateError, checkpoint, journey, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner } from '../../src'
import { createConsoleReporter } from '../../src/reporters'

/** A backend whose checkpoint `held` fails as a PostgreSQL one does when the app keeps a transaction open. */
function refusingBackend() {
  return {
    name: 'pg',
    mechanism: 'snapshot',
    parallelSafe: false,
    connect: async () => {},
    checkpoint: async (name: string) => {
      if (name === 'held') throw new StateError('pg', `checkpoint "${name}": a session still had a transaction with uncommitted writes after 300 ms (lockTimeoutMs): pid 42`)
    },
    rollback: async () => {},
    release: async () => {},
    disconnect: async () => {},
  }
}

const held = journey('held', { steps: [step('hold', () => {}), checkpoint('held'), step('after', () => {})] })

async function runWithConsole() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (d) => (text += d))
  const consoleReporter = createConsoleReporter({ stream, color: false })
  const runner = createRunner({ stateBackends: [refusingBackend()], reporters: [consoleReporter] })
  const result = await runner.run([held])
  await runner.close()
  return { result, text, consoleReporter }
}

describe('a checkpoint that could not be taken', () => {
  it('is told live, where the journey stops, with why', async () => {
    const { result, text } = await runWithConsole()
    expect(result.status).toBe('failed')
    const lines = text.split('\n')
    const at = lines.findIndex((l) => l.includes('checkpoint held failed'))
    expect(at, text).toBeGreaterThan(lines.findIndex((l) => l.includes('✓ hold')))
    expect(lines[at]).toMatch(/^ {2}✗ checkpoint held failed$/)
    expect(lines[at + 1]).toMatch(/^ {4}.*uncommitted writes after 300 ms \(lockTimeoutMs\): pid 42/)
    // Before the journey's end, not only in the summary after it.
    expect(at).toBeLessThan(lines.findIndex((l) => l.startsWith('✗ held failed')))
  })

  it('is shown failed in the whole run as text, not as a checkpoint taken', async () => {
    const { result } = await runWithConsole()
    // A reporter that printed nothing live renders the whole tree, as `venomqa report` does.
    const text = String(await createConsoleReporter({ stream: new PassThrough(), color: false }).render!(result, {} as never))
    expect(text).toMatch(/^ {2}✗ checkpoint held failed \d+ ms$/m)
    expect(text).not.toMatch(/◆ checkpoint held/)
  })
})
