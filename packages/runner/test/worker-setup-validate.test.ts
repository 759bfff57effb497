/**
 * A worker setup's config mistake (a part without its url, a run's backend it cannot copy, a part that needs
 * an app and has none) is found before the first journey: run() throws it as it throws every config
 * mistake, with nothing run and no worker made; a run that needs no worker does not ask.
 */
import { ConfigError, type WorkerPart, composeWorkers, journey, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner } from '../src/index'

/** A part whose own check refuses the config, counting what is asked of it. */
function refusing(calls: string[]): WorkerPart {
  return {
    part: 'db',
    needsApp: true,
    check: () => {
      calls.push('check')
      throw new ConfigError('db: `url` (the main database) is required', { where: 'url' })
    },
    prepare: async () => {
      calls.push('prepare')
      return {}
    },
    covers: () => true,
  }
}

const ran: string[] = []
const j = (name: string) => journey(name, { steps: [step('s', () => void ran.push(name))] })

describe('a worker setup that refuses the config', () => {
  it('fails run() with its error before any journey starts or any worker is made', async () => {
    ran.length = 0
    const calls: string[] = []
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:9', workers: 2, workerSetup: composeWorkers(refusing(calls), { startApp: async () => ({ baseUrl: 'http://127.0.0.1:9' }) }) })
    const started: string[] = []
    runner.bus.on('runStart', 'test', () => void started.push('runStart'))
    try {
      const err = await runner.run([j('a'), j('b')]).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toBe('db: `url` (the main database) is required')
      expect(ran).toEqual([])
      expect(started).toEqual([])
      expect(calls).toEqual(['check'])
    } finally {
      await runner.close()
    }
  })

  it('with parallel paths too, and for an exploration on workers', async () => {
    const calls: string[] = []
    const setup = composeWorkers(refusing(calls), { startApp: async () => ({ baseUrl: 'http://127.0.0.1:9' }) })
    const paths = createRunner({ baseUrl: 'http://127.0.0.1:9', parallelPaths: 2, workerSetup: setup })
    const exploring = createRunner({ baseUrl: 'http://127.0.0.1:9', workerSetup: setup })
    try {
      await expect(paths.run(j('a'))).rejects.toThrow(ConfigError)
      await expect(exploring.explorationEnv({ workers: 2 })).rejects.toThrow('db: `url` (the main database) is required')
      expect(calls).toEqual(['check', 'check'])
    } finally {
      await paths.close()
      await exploring.close()
    }
  })

  it("a hand-written setup's validate that throws a plain error is a config mistake naming workerSetup", async () => {
    const runner = createRunner({
      baseUrl: 'http://127.0.0.1:9',
      workers: 2,
      workerSetup: {
        validate: () => {
          throw new Error('APP_COMMAND is not set')
        },
        create: async () => ({}),
      },
    })
    try {
      const err = await runner.run([j('a'), j('b')]).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toBe('workerSetup: APP_COMMAND is not set')
      expect((err as ConfigError).where).toBe('workerSetup')
    } finally {
      await runner.close()
    }
  })

  it('validateWorkerSetup() asks it as the run does, for a check outside of a run, making no worker', async () => {
    const calls: string[] = []
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:9', workers: 2, workerSetup: composeWorkers(refusing(calls), { startApp: async () => ({ baseUrl: 'http://127.0.0.1:9' }) }) })
    const plain = createRunner({ workers: 2, workerSetup: { validate: () => { throw new Error('APP_COMMAND is not set') }, create: async () => ({}) } })
    const none = createRunner({ workers: 2, workerSetup: { create: async () => ({}) } })
    try {
      await expect(runner.validateWorkerSetup()).rejects.toThrow(new ConfigError('db: `url` (the main database) is required', { where: 'url' }))
      expect(calls).toEqual(['check'])
      await expect(plain.validateWorkerSetup()).rejects.toThrow('workerSetup: APP_COMMAND is not set')
      await expect(none.validateWorkerSetup()).resolves.toBeUndefined()
    } finally {
      for (const r of [runner, plain, none]) await r.close()
    }
  })

  it('is not asked when the run makes no worker', async () => {
    ran.length = 0
    const calls: string[] = []
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:9', workerSetup: composeWorkers(refusing(calls), { startApp: async () => ({ baseUrl: 'http://127.0.0.1:9' }) }) })
    try {
      const result = await runner.run([j('a'), j('b')])
      expect(result.status).toBe('passed')
      expect(ran).toEqual(['a', 'b'])
      expect(calls).toEqual([])
    } finally {
      await runner.close()
    }
  })
})
