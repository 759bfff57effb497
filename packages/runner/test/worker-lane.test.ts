/**
 * A worker made on its own, outside a run, as `venomqa doctor` makes worker 1 to try the workerSetup: made
 * through the run's WorkerPool (the setup's create, its backends connected), and undone by closeWorkers(),
 * which says what could not be undone. In memory: the setup starts no app.
 */
import { AbortedError, type WorkerSetup } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner, memoryState } from '../src/index'

function recordingSetup(closeFails = false) {
  const calls: string[] = []
  const setup: WorkerSetup = {
    async create(index, _main, signal) {
      calls.push(`create ${index}`)
      const state = memoryState({ todos: [] as string[] }, `memory:w${index}`)
      return {
        baseUrl: `http://127.0.0.1:1/w${index}`,
        stateBackends: [state],
        close: async () => {
          calls.push(`close ${index}${signal?.aborted ? ' (given up)' : ''}`)
          if (closeFails) throw new Error('the app would not stop')
        },
      }
    },
  }
  return { setup, calls }
}

describe('Runner.workerLane', () => {
  it('makes worker 1 with the workerSetup, its own backends connected, and closeWorkers undoes it', async () => {
    const { setup, calls } = recordingSetup()
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', stateBackends: [memoryState({}, 'memory')], workers: 2, workerSetup: setup })
    try {
      const lane = await runner.workerLane(1)
      expect(lane.index).toBe(1)
      expect(lane.http.baseUrl).toBe('http://127.0.0.1:1/w1')
      expect(lane.world.backends.map((b) => b.name)).toEqual(['memory:w1'])
      await lane.world.checkpoint('trial')
      await lane.world.rollback('trial')
      expect(await runner.closeWorkers()).toEqual([])
      expect(calls).toEqual(['create 1', 'close 1'])
      // Undone once: the run's close finds nothing left to close.
      expect(await runner.close()).toEqual([])
      expect(calls).toEqual(['create 1', 'close 1'])
    } finally {
      await runner.close()
    }
  })

  it("names the backends each worker's setup gave, for a quit to let go of, until the workers are closed", async () => {
    const { setup } = recordingSetup()
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', stateBackends: [memoryState({}, 'memory')], workers: 3, workerSetup: setup })
    try {
      expect(runner.workerStateBackends()).toEqual([])
      await runner.workerLane(2)
      await runner.workerLane(1)
      expect(runner.workerStateBackends().map(({ worker, backend }) => `${worker} ${backend.name}`)).toEqual(['2 memory:w2', '1 memory:w1'])
      await runner.closeWorkers()
      expect(runner.workerStateBackends()).toEqual([])
    } finally {
      await runner.close()
    }
  })

  it('says what could not be undone, and refuses a signal aborted before the create', async () => {
    const { setup, calls } = recordingSetup(true)
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', stateBackends: [memoryState({}, 'memory')], workers: 2, workerSetup: setup })
    try {
      await runner.workerLane(1)
      expect(await runner.closeWorkers()).toEqual(['worker 1: close failed: the app would not stop'])
      const stopped = new AbortController()
      stopped.abort(new AbortedError('interrupted by the user'))
      await expect(runner.workerLane(1, stopped.signal)).rejects.toThrow('interrupted by the user')
      expect(calls).toEqual(['create 1', 'close 1'])
    } finally {
      await runner.close()
    }
  })
})
