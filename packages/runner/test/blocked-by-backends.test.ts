/**
 * What a failed step asks the state backends when it gave up waiting (StateBackend.blockedByIt). The
 * backends here are the contract's doubles: the real answer (a session waiting on the PostgreSQL proxy's
 * locks) is tested in @venomqa/pg-proxy's blocked-sessions.test.ts, through a run.
 */
import type { StateBackend } from '@venomqa/core'
import { afterEach, expect, it, vi } from 'vitest'
import { blockedByBackends } from '../src/execution/blocked'

function backend(blockedByIt?: () => Promise<string | undefined>): StateBackend {
  const noop = async () => {}
  return { name: 'db', mechanism: 'proxy', parallelSafe: false, connect: noop, checkpoint: noop, rollback: noop, release: noop, disconnect: noop, ...(blockedByIt ? { blockedByIt } : {}) }
}

afterEach(() => {
  vi.useRealTimers()
})

it('asked only for a step that gave up waiting: a timeout or a stall', async () => {
  const asked = vi.fn(async () => 'pid 7 waits')
  for (const kind of ['assertion', 'http-status', 'connection-refused', 'aborted'] as const) expect(await blockedByBackends(kind, [backend(asked)])).toBeUndefined()
  expect(asked).not.toHaveBeenCalled()
  expect(await blockedByBackends('timeout', [backend(asked)])).toBe('pid 7 waits')
  expect(await blockedByBackends('stall', [backend(asked)])).toBe('pid 7 waits')
})

it("every backend's sentence, in order; one that throws or says nothing is left out", async () => {
  const said = await blockedByBackends('timeout', [
    backend(async () => 'First.'),
    backend(),
    backend(async () => {
      throw new Error('no connection')
    }),
    backend(async () => undefined),
    backend(async () => 'Second.'),
  ])
  expect(said).toBe('First. Second.')
})

it("a backend that never answers is given up on after 3 s; another's answer is kept", async () => {
  vi.useFakeTimers()
  const answer = blockedByBackends('timeout', [backend(() => new Promise(() => {})), backend(async () => 'Fast.')])
  await vi.advanceTimersByTimeAsync(2999)
  let settled = false
  void answer.then(() => (settled = true))
  await Promise.resolve()
  expect(settled).toBe(false)
  await vi.advanceTimersByTimeAsync(1)
  expect(await answer).toBe('Fast.')
})
