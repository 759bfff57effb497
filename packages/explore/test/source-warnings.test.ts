/**
 * What a source of actions leaves out (an OpenAPI operation no valid body was made for) is told through
 * the exploration's logger before anything runs: a source had no way to say it, and the run passed silent.
 */
import { type ActionSource, DefinitionError, type Logger, exploration } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { expect, it } from 'vitest'
import { explore } from '../src'

it("a source's warnings reach the exploration's logger", async () => {
  const said: string[] = []
  const logger: Logger = { debug: () => {}, info: () => {}, warn: (m) => void said.push(m), error: () => {} }
  const source: ActionSource = {
    kind: 'action-source',
    name: 'document',
    load: async (env) => {
      env.warn?.('POST /flags (setFlags): not explored')
      return []
    },
  }
  const runner = createRunner({ baseUrl: 'http://127.0.0.1:9', stateBackends: [] })
  try {
    const error = await explore(exploration('doc', { actions: [source], invariants: [] }), { runner, root: process.cwd(), emitDir: false, logger }).catch((e: unknown) => e)
    // The source gave no action: the definition is refused, and what it left out was said before.
    expect(error).toBeInstanceOf(DefinitionError)
    expect(said).toEqual(['POST /flags (setFlags): not explored'])
  } finally {
    await runner.close()
  }
})
