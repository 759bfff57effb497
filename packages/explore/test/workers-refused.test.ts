/**
 * A workerSetup that refuses the run's config when the workers are made (postgresWorkers refuses a state
 * backend of the proxy mechanism, whose rows a worker's copy cannot read) fails the exploration as
 * `venomqa run --workers` fails a journey whose worker could not be made: a critical state issue with the
 * setup's reason and a suggestion pointing at the worker setup, not "exploration crashed" with the
 * suggestion for a crash of the tool.
 */
import { ConfigError, type StateBackend, action, exploration } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { expect, it } from 'vitest'
import { explore } from '../src/index'

const proxy: StateBackend = {
  name: 'pg-proxy:app',
  mechanism: 'proxy',
  parallelSafe: false,
  connect: async () => {},
  checkpoint: async () => {},
  rollback: async () => {},
  release: async () => {},
  observe: async () => ({ rows: 0 }),
  disconnect: async () => {},
}

const REFUSAL = `postgresWorkers: the run's state backend "pg-proxy:app" uses the proxy mechanism: what the app wrote since the run began sits in the proxy's open transaction`

it('a workerSetup that refuses the config is a critical state issue naming the reason and the worker setup', async () => {
  const runner = createRunner({
    stateBackends: [proxy],
    workerSetup: {
      create: async () => {
        throw new ConfigError(REFUSAL)
      },
    },
  })
  try {
    const e = exploration('inventory', { actions: [action('a', ({ ctx }) => void ctx.set('a', true), { maxPerPath: 1 })], depth: 2, seed: 1 })
    const r = await explore(e, { runner, root: process.cwd(), emitDir: false, workers: 2 })
    expect(r.status).toBe('failed')
    expect(r.issues).toEqual([
      expect.objectContaining({
        severity: 'critical',
        kind: 'state',
        step: 'workers',
        error: expect.stringMatching(/^its 1 extra worker could not be started: workerSetup\.create\(1\) failed: postgresWorkers: .*proxy mechanism/),
        suggestion: expect.stringContaining('docs/parallel.md'),
      }),
    ])
    expect(r.issues[0]!.suggestion).not.toContain('--debug')
  } finally {
    await runner.close()
  }
})
