/**
 * A stray error that code an action started raises after the action ended (a throw in a timer it set, a
 * promise it let reject) is told with the action's sequence, so that it can be reproduced, and says that
 * it was put down to that action.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Exploration, action, exploration } from '@venomqa/core'
import { type Runner, createRunner, httpControlState } from '@venomqa/runner'
import { type RunningProcess, startNodeProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { explore } from '../src'

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

let app: RunningProcess
let runner: Runner

beforeAll(async () => {
  app = await startNodeProcess(path.join(PACKAGE, 'test/stock-app.mjs'))
  runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })] })
})

afterAll(async () => {
  await runner?.close()
  await app?.stop()
})

const lateThrow = action<{ initialStock: number }>(
  'create_and_forget',
  async ({ http, input }) => {
    const res = await http.post('/products', { json: { name: 'widget', initialStock: input.initialStock } })
    setTimeout(() => {
      throw new Error('late boom')
    })
    return res
  },
  { inputs: () => [{ initialStock: 3 }], maxPerPath: 1 },
)

describe('a stray error after an exploration action ended', () => {
  it('is told with the sequence of the action it came from, said to be attributed', async () => {
    const result = await explore(exploration('strays', { actions: [lateThrow], depth: 1, seed: 1 }) as Exploration, { runner, root: PACKAGE, emitDir: false })
    const strays = [...result.issues, ...runner.runIssues].filter((i) => i.kind === 'stray-error')
    expect(strays.length).toBeGreaterThan(0)
    for (const issue of strays) {
      expect(issue.journey).toBe('strays')
      expect(issue.path).toBe('create_and_forget {"initialStock":3}')
      expect(issue.error).toMatch(/late boom/)
      expect(issue.error).toMatch(/attributed/)
    }
  })
})
