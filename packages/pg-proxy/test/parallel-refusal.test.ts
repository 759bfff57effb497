/**
 * Paths or journeys at the same time over the proxy, without a worker setup, are refused before anything
 * runs, as over any backend that is not parallel-safe. The refusal's second choice used to say "add a
 * workerSetup", and postgresWorkers, the one a PostgreSQL user adds, refuses the proxy in turn: it names
 * the way that works, the snapshot mechanism of @venomqa/state-postgres with postgresWorkers. No database
 * is touched: the run is refused before its backends connect.
 */
import { journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describe, expect, it } from 'vitest'
import plugin from '../src/index'

describe('parallel work over the proxy without a worker setup', () => {
  for (const [flag, options] of [
    ['workers', { workers: 2 }],
    ['parallelPaths', { parallelPaths: 2 }],
  ] as const)
    it(`${flag}: the refusal names the snapshot mechanism and postgresWorkers, not a workerSetup the proxy cannot have`, async () => {
      const runner = createRunner({ baseUrl: 'http://127.0.0.1:9', plugins: [[plugin, { upstream: 'postgres://postgres@127.0.0.1:5432/none' }]], ...options })
      try {
        const err = await runner.run([journey('a', { steps: [step('s', () => {})] }), journey('b', { steps: [step('s', () => {})] })]).then(
          () => undefined,
          (e: unknown) => e as Error,
        )
        expect(err?.message).toMatch(/is not parallel-safe/)
        expect(err?.message).toContain(
          '2. give every worker its own system: add a workerSetup (create: one app instance and database per worker; sync: copy the checkpoint state to it): @venomqa/state-postgres (the snapshot mechanism) in place of @venomqa/pg-proxy, with postgresWorkers from @venomqa/state-postgres: the proxy cannot serve workers',
        )
      } finally {
        await runner.close()
      }
    })
})
