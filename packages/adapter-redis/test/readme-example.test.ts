/**
 * The README example, run as written: the code block is taken from README.md at test time, its package
 * import pointed at this package's source, and run against the real Redis, as `npx tsx cart.ts` would.
 * It uses DB 15, which no other test of this repository touches, and only keys under `example:`.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunResult } from '@venomqa/core'
import { SERVICES, describeWithService, runExample, stepsRun, tsBlock } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { rawClient } from './helpers'

// The example prints only its status: every run it makes is recorded too, to check each step.
const runs = vi.hoisted((): RunResult[] => [])
vi.mock('@venomqa/runner', async (importOriginal) => (await import('@venomqa/test-utils')).recordingRunner(await importOriginal(), runs))

const describe = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DB = 15

/** Remove the example's keys (and only those: never FLUSHDB on a DB a user may share). */
async function deleteExampleKeys(): Promise<void> {
  const redis = rawClient(DB)
  try {
    const keys = await redis.keys('example:*')
    if (keys.length) await redis.del(...keys)
  } finally {
    await redis.quit()
  }
}

describe('README example', () => {
  beforeAll(deleteExampleKeys)
  afterAll(deleteExampleKeys)

  it('cart.ts: the second path sees the cart the first one deleted, and Redis ends at the checkpoint', async () => {
    const logged = await runExample({
      dir: path.join(PKG, `test/readme-example.${process.pid}.generated`),
      files: { 'cart.ts': tsBlock(path.join(PKG, 'README.md'), '// cart.ts') },
      entry: 'cart.ts',
      imports: { '@venomqa/adapter-redis': path.join(PKG, 'src/index.ts') },
      env: { REDIS_URL: `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}` },
    })
    expect(logged).toEqual([['passed']])
    expect(runs).toHaveLength(1)
    expect(stepsRun(runs[0]!)).toEqual(['cart_in_redis > fill: passed', 'cart_in_redis > empty_it > delete: passed', 'cart_in_redis > still_full > check: passed'])
    expect(runs[0]!.backends).toEqual([{ name: 'redis', mechanism: 'dump-restore', parallelSafe: false }])

    // After the branch Redis is back at the checkpoint: the cart, with its TTL still running.
    const redis = rawClient(DB)
    try {
      expect(await redis.keys('example:*')).toEqual(['example:cart'])
      expect(JSON.parse((await redis.get('example:cart'))!)).toEqual(['apple'])
      const ttl = await redis.pttl('example:cart')
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(600_000)
    } finally {
      await redis.quit()
    }
  })
})
