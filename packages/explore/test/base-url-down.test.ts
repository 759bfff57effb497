/**
 * An exploration where nothing listens at the base URL (a port found free, then closed): it stops at once
 * with one clear critical issue, and reports no action as a failure (no request_error violation): every
 * action would have failed the same way, saying nothing of the API. With a setup, its first step is where
 * it stops; without, its first action. A memory state backend stands in for the system's: the API is not
 * there to have one.
 */
import { action, exploration, step } from '@venomqa/core'
import { createRunner, memoryState } from '@venomqa/runner'
import { freePort } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'
import { explore } from '../src'

const actions = [action('list', ({ http }) => http.get('/api/todos')), action('create', ({ http }) => http.post('/api/todos', { json: { title: 'x' } }))]

describe('an exploration against a base URL nothing listens at', () => {
  it('with a setup: stops at its first step, one critical issue, nothing explored', async () => {
    const base = `http://127.0.0.1:${await freePort()}`
    const runner = createRunner({ baseUrl: base, stateBackends: [memoryState()] })
    try {
      const result = await explore(exploration('with_setup', { setup: [step('health', ({ http }) => http.get('/health'))], actions, seed: 1, depth: 3 }), {
        runner,
        root: process.cwd(),
        emitDir: false,
      })
      expect(result.status).toBe('failed')
      expect(result.stats.transitions).toBe(0)
      expect(result.violations).toEqual([])
      expect(result.issues.map((i) => [i.severity, i.kind, i.step, i.error])).toEqual([
        ['critical', 'connection-refused', 'health', `setup step "health" failed, so nothing was explored: GET ${base}/health: connection refused (ECONNREFUSED)`],
      ])
    } finally {
      await runner.close()
    }
  })

  it('without a setup: stops at its first action, one critical issue naming the base URL, no request_error violation', async () => {
    const base = `http://127.0.0.1:${await freePort()}`
    const runner = createRunner({ baseUrl: base, stateBackends: [memoryState()] })
    try {
      const result = await explore(exploration('no_setup', { actions, seed: 1, depth: 3 }), { runner, root: process.cwd(), emitDir: false })
      expect(result.status).toBe('failed')
      // The action that met the refusal reached no state of the API: no transition, nothing taken.
      expect(result.stats.transitions).toBe(0)
      expect(result.coverage.map((c) => c.taken)).toEqual([0, 0])
      expect(result.violations).toEqual([])
      expect(result.issues).toHaveLength(1)
      expect(result.issues[0]).toMatchObject({ severity: 'critical', kind: 'connection-refused', step: 'exploration' })
      expect(result.issues[0]!.error).toMatch(new RegExp(`^nothing answers at the base URL ${base.replace(/\./g, '\\.')}: \\w+ ${base.replace(/\./g, '\\.')}/api/todos: connection refused \\(ECONNREFUSED\\) \\(action "\\w+"\\)`))
      expect(result.issues[0]!.suggestion).toContain('API_URL')
    } finally {
      await runner.close()
    }
  })
})
