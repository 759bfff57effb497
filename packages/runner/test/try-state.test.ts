/**
 * Runner.tryStateAsARun, for `venomqa doctor`: the run's own state backends connected as a run connects them,
 * then each on its own checkpointed, rolled back and released, one answer each, naming the backend that failed.
 */
import type { StateBackend } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner } from '../src/index'

function logged(name: string, calls: string[], broken?: 'connect' | 'checkpoint' | 'rollback'): StateBackend {
  const call = (what: string) => async (checkpoint?: unknown) => {
    calls.push(`${name} ${what}${typeof checkpoint === 'string' ? ` ${checkpoint}` : ''}`)
    if (what === broken) throw new Error(`${what} is broken`)
  }
  return { name, mechanism: 'snapshot', parallelSafe: false, connect: call('connect'), checkpoint: call('checkpoint'), rollback: call('rollback'), release: call('release'), disconnect: call('disconnect') }
}

describe('Runner.tryStateAsARun', () => {
  it('tries each backend on its own: one whose rollback is broken does not keep the next from being tried', async () => {
    const calls: string[] = []
    const runner = createRunner({ stateBackends: [logged('a', calls, 'rollback'), logged('b', calls)] })
    const answers = await runner.tryStateAsARun('doctor')
    expect(answers.map((a) => [a.backend.name, a.problem])).toEqual([
      ['a', 'state backend "a": rollback to "doctor" failed: rollback is broken'],
      ['b', undefined],
    ])
    await runner.close()
    expect(calls).toEqual([
      'a connect',
      'b connect',
      'a checkpoint doctor',
      'a rollback doctor',
      'a release doctor',
      'b checkpoint doctor',
      'b rollback doctor',
      'b release doctor',
      'a disconnect',
      'b disconnect',
    ])
  })

  it('goes past a backend that does not connect, answering with why, and tries the ones after it', async () => {
    const calls: string[] = []
    const runner = createRunner({ stateBackends: [logged('a', calls), logged('b', calls, 'connect'), logged('c', calls, 'connect'), logged('d', calls)] })
    const answers = await runner.tryStateAsARun('doctor')
    expect(answers.map((a) => a.backend.name)).toEqual(['a', 'b', 'c', 'd'])
    expect(answers[0]!.problem).toBeUndefined()
    expect(answers[1]!.problem).toMatch(/^state backend "b".*connect is broken/)
    expect(answers[2]!.problem).toMatch(/^state backend "c".*connect is broken/)
    expect(answers[3]!.problem).toBeUndefined()
    await runner.close()
    expect(calls).toContain('d release doctor')
    // Only what connected is disconnected.
    expect(calls.filter((c) => c.endsWith('disconnect'))).toEqual(['a disconnect', 'd disconnect'])
  })
})
