/**
 * BullMQ is loaded when the queue port first opens a queue, not when the plugin is imported: loading it
 * takes 50 to 100 ms, which every run that configured the plugin paid, also when no journey used a queue.
 * Runs on the built package (CI builds before the tests), each case in a fresh process.
 */
import path from 'node:path'
import { SERVICES, describeWithService, fromPackage, modulesLoadedBy } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { URL_A } from './helpers'

const DIST = path.join(import.meta.dirname, '../dist/index.js')

/** The files of BullMQ that Node has loaded once `after` ran, in a fresh process that imported the plugin as `mod`. */
const bullmqFilesAfter = (after: string) => modulesLoadedBy(DIST, after).modules.filter(fromPackage('bullmq'))

it('importing the plugin and making its queue port loads no BullMQ', () => {
  expect(bullmqFilesAfter(`await new mod.BullQueue({ url: ${JSON.stringify(URL_A)} }).close()`)).toEqual([])
})

const describeRedis = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)

describeRedis('with Redis', () => {
  it('opening a queue loads BullMQ, the instance an import of it gives', () => {
    const files = bullmqFilesAfter(`
      const q = new mod.BullQueue({ url: ${JSON.stringify(URL_A)}, prefix: 'vqa-start-up' })
      if ((await q.getJob('none', 'x')) !== undefined) throw new Error('a job in an unused queue')
      const { Queue } = await import('bullmq')
      if (!(q.queue('x') instanceof Queue)) throw new Error('another BullMQ instance')
      // The queue's keys (BullMQ writes its meta key) go: the test leaves the database as it found it.
      await q.clear('x')
      await q.close()`)
    expect(files.length).toBeGreaterThan(0)
  })
})
