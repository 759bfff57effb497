/**
 * BullMQ is loaded when the queue port first opens a queue, not when the plugin is imported: loading it
 * takes 50 to 100 ms, which every run that configured the plugin paid, also when no journey used a queue.
 * Runs on the built package (CI builds before the tests), each case in a fresh process.
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { URL_A } from './helpers'

const DIST = pathToFileURL(path.join(import.meta.dirname, '../dist/index.js')).href

/** The files of BullMQ that Node has loaded once `after` ran, in a fresh process that imported the plugin. */
function bullmqFilesAfter(after: string): string[] {
  const script = `const redis = await import(${JSON.stringify(DIST)}); ${after}; const { createRequire } = await import('node:module'); console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)))`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  return (JSON.parse(out.trim().split('\n').pop()!) as string[]).filter((f) => f.includes(`${path.sep}bullmq${path.sep}`))
}

it('importing the plugin and making its queue port loads no BullMQ', () => {
  expect(bullmqFilesAfter(`await new redis.BullQueue({ url: ${JSON.stringify(URL_A)} }).close()`)).toEqual([])
})

const describeRedis = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)

describeRedis('with Redis', () => {
  it('opening a queue loads BullMQ, the instance an import of it gives', () => {
    const files = bullmqFilesAfter(`
      const q = new redis.BullQueue({ url: ${JSON.stringify(URL_A)}, prefix: 'vqa-start-up' })
      if ((await q.getJob('none', 'x')) !== undefined) throw new Error('a job in an unused queue')
      const { Queue } = await import('bullmq')
      if (!(q.queue('x') instanceof Queue)) throw new Error('another BullMQ instance')
      // The queue's keys (BullMQ writes its meta key) go: the test leaves the database as it found it.
      await q.clear('x')
      await q.close()`)
    expect(files.length).toBeGreaterThan(0)
  })
})
