/**
 * What a source of actions leaves out (an OpenAPI operation no valid body was made for) is told through
 * the exploration's logger before anything runs, and kept as an issue of the exploration: told only
 * before the search, a report read later showed a pass with no word of what was not explored. The API
 * (test/replay-app.ts) runs in this process, rolled back through the http-control protocol.
 */
import { type ActionSource, DefinitionError, type Logger, action, exploration } from '@venomqa/core'
import { createRunner, httpControlState } from '@venomqa/runner'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { explore } from '../src'
import { type ReplayApp, startReplayApp } from './replay-app'

let app: ReplayApp
beforeAll(async () => {
  app = await startReplayApp()
})
afterAll(async () => {
  await app?.stop()
})

const LEFT_OUT = 'POST /flags (setFlags): not explored'

/** A source that leaves one operation out, and gives `health` (GET /health) unless `none`. */
function source({ none = false } = {}): ActionSource {
  return {
    kind: 'action-source',
    name: 'document',
    load: async (env) => {
      env.warn?.(LEFT_OUT)
      return none ? [] : [action('health', ({ http }) => http.get('/health'), { maxPerPath: 1 })]
    },
  }
}

function logger(said: string[]): Logger {
  return { debug: () => {}, info: () => {}, warn: (m) => void said.push(m), error: () => {} }
}

it("a source's warnings reach the exploration's logger before the search", async () => {
  const said: string[] = []
  const runner = createRunner({ baseUrl: 'http://127.0.0.1:9', stateBackends: [] })
  try {
    const error = await explore(exploration('doc', { actions: [source({ none: true })], invariants: [] }), { runner, root: process.cwd(), emitDir: false, logger: logger(said) }).catch((e: unknown) => e)
    // The source gave no action: the definition is refused, and what it left out was said before.
    expect(error).toBeInstanceOf(DefinitionError)
    expect(said).toEqual([LEFT_OUT])
  } finally {
    await runner.close()
  }
})

it('what a source left out is an issue of the exploration, which passes on the rest', async () => {
  const said: string[] = []
  const runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })] })
  try {
    const result = await explore(exploration('doc', { actions: [source()], invariants: [], depth: 1, seed: 1 }), { runner, root: process.cwd(), emitDir: false, logger: logger(said) })
    expect(result.status).toBe('passed')
    expect(result.stats.transitions).toBeGreaterThan(0)
    expect(said).toContain(LEFT_OUT)
    expect(result.issues).toEqual([
      expect.objectContaining({ severity: 'medium', step: 'definition', error: LEFT_OUT, source: 'explore', suggestion: expect.stringContaining('nothing of it was checked') }),
    ])
  } finally {
    await runner.close()
  }
})
