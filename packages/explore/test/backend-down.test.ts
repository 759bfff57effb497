/**
 * A state backend that cannot connect (a database that is down, a URL to no database) is no reason to end
 * the whole run without a report: the exploration fails with the reason, nothing explored. The backend
 * here fails in connect() as a driver does; no service is needed for that.
 */
import { type StateBackend, action, exploration } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describe, expect, it } from 'vitest'
import { explore } from '../src'

const down: StateBackend = {
  name: 'postgres:gone',
  mechanism: 'snapshot',
  parallelSafe: false,
  async connect() {
    throw new Error('database "gone" does not exist')
  },
  async checkpoint() {},
  async rollback() {},
  async release() {},
  async disconnect() {},
}

describe('a state backend that cannot connect', () => {
  it('fails the exploration with the reason and explores nothing; the run goes on to its reports', async () => {
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', stateBackends: [down] })
    try {
      const result = await explore(exploration('shop', { actions: [action('noop', () => undefined)], seed: 1 }), { runner, root: process.cwd(), emitDir: false })
      // The reason as the runner gave it, once: not "state backend \"runner\": state backend ...".
      expect(result.issues[0]?.error).not.toContain('state backend "runner"')
      expect(result.status).toBe('failed')
      expect(result.stats.transitions).toBe(0)
      expect(result.issues).toEqual([
        expect.objectContaining({ severity: 'critical', kind: 'state', error: expect.stringMatching(/^nothing was explored: .*postgres:gone.*database "gone" does not exist/) }),
      ])
      // Filed where a run files it, and told once: the exploration's issue, not the run's as well.
      expect(result.issues[0]).toMatchObject({ step: 'connect postgres:gone', source: 'state:postgres:gone' })
      // Its advice speaks of the exploration, which runs no journey.
      expect(result.issues[0]?.suggestion).toMatch(/^Nothing was explored: a state backend could not connect\. /)
      expect(runner.runIssues).toEqual([])
    } finally {
      await runner.close()
    }
  })
})
