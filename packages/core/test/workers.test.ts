/**
 * composeWorkers without services: the order it prepares, starts and closes things in, what startApp
 * receives, and the mistakes it refuses. The real services are in each package's workers test.
 */
import { describe, expect, it } from 'vitest'
import { AbortedError, ConfigError, type MainSystem, type StateBackend, type WorkerAppExit, type WorkerPart, asWorkerSetup, composeWorkers, leftBehindBy, madeByWorkerSetups, workerDatabaseMade, workerLeftBehind, workerSetupMade } from '../src/index'

const main: MainSystem = { baseUrl: 'http://main', ports: new Map(), stateBackends: [] }

function backend(name: string, parallelSafe = false): StateBackend {
  const noop = async () => {}
  return { name, mechanism: 'test', parallelSafe, connect: noop, checkpoint: noop, rollback: noop, release: noop, disconnect: noop }
}

/** A part that records what happens to it in `log`. */
function part(name: string, log: string[], made: { resources?: Record<string, string>; env?: Record<string, string>; ports?: Record<string, unknown> } = {}): WorkerPart<any> {
  return {
    part: name,
    needsApp: true,
    async prepare(index) {
      log.push(`prepare ${name} ${index}`)
      return { ...made, stateBackends: (app: { baseUrl: string }) => [backend(`${name}@${app.baseUrl}`)], close: () => void log.push(`close ${name} ${index}`) }
    },
    async sync(index, info) {
      log.push(`sync ${name} ${index} at ${info.checkpoint}`)
    },
    covers: (b) => b.name === name,
  }
}

describe('composeWorkers', () => {
  it('prepares every part, starts one app with all their resources, and closes the app before the parts, in reverse', async () => {
    const log: string[] = []
    const setup = composeWorkers(part('db', log, { resources: { databaseUrl: 'pg://w1' }, env: { DATABASE_URL: 'pg://w1' } }), part('mail', log, { resources: { smtpUrl: 'smtp://w1' }, env: { SMTP_URL: 'smtp://w1' }, ports: { mail: 'mailbox 1' } }), {
      async startApp(index, { signal, ...resources }) {
        expect(signal).toBeInstanceOf(AbortSignal)
        log.push(`start app ${index} with ${JSON.stringify(resources)}`)
        return { baseUrl: 'http://app1', close: () => void log.push(`stop app ${index}`) }
      },
    })
    const made = await setup.create(1, { ...main, stateBackends: [backend('db'), backend('mail'), backend('safe', true)] })
    expect(made.baseUrl).toBe('http://app1')
    expect(made.stateBackends!.map((b) => b.name)).toEqual(['db@http://app1', 'mail@http://app1'])
    expect(made.ports).toEqual({ mail: 'mailbox 1' })
    await setup.sync!(1, { checkpoint: 'base', journey: 'j', main })
    await made.close!()
    expect(log).toEqual([
      'prepare db 1',
      'prepare mail 1',
      `start app 1 with ${JSON.stringify({ databaseUrl: 'pg://w1', smtpUrl: 'smtp://w1', env: { DATABASE_URL: 'pg://w1', SMTP_URL: 'smtp://w1' } })}`,
      'sync db 1 at base',
      'sync mail 1 at base',
      'stop app 1',
      'close mail 1',
      'close db 1',
    ])
  })

  it('undoes the parts already prepared when a later one or the app fails', async () => {
    const log: string[] = []
    const failing: WorkerPart = { part: 'brokenWorkers', needsApp: true, prepare: async () => Promise.reject(new Error('no server')) }
    const setup = composeWorkers(part('db', log), failing, { startApp: async () => ({ baseUrl: 'http://x' }) })
    await expect(setup.create(2, main)).rejects.toThrow('brokenWorkers: worker 2: no server')
    expect(log).toEqual(['prepare db 2', 'close db 2'])

    const noApp = composeWorkers(part('db', log), { startApp: async () => ({ url: 'http://x' }) as never })
    await expect(noApp.create(3, main)).rejects.toThrow('composeWorkers: startApp(3, ...) must return { baseUrl, close }, got an object with url')
    expect(log.slice(-2)).toEqual(['prepare db 3', 'close db 3'])
  })

  it("runs a part's started once the app has started, before its state backends are made; one that fails undoes the worker", async () => {
    const log: string[] = []
    const copying = (fail?: string): WorkerPart => ({
      part: 'dbWorkers',
      needsApp: true,
      async prepare(index) {
        log.push(`prepare ${index}`)
        return {
          async started(signal) {
            expect(signal).toBeInstanceOf(AbortSignal)
            log.push(`started ${index}`)
            if (fail) throw new Error(fail)
          },
          stateBackends: () => {
            log.push(`backends ${index}`)
            return [backend('db')]
          },
          close: () => void log.push(`close ${index}`),
        }
      },
    })
    const startApp = async (index: number) => {
      log.push(`start app ${index}`)
      return { baseUrl: 'http://x', close: () => void log.push(`stop app ${index}`) }
    }
    const worker = await composeWorkers(copying(), { startApp }).create(1, main)
    expect(log).toEqual(['prepare 1', 'start app 1', 'started 1', 'backends 1'])
    await worker.close?.()
    log.length = 0
    await expect(composeWorkers(copying('rows refused'), { startApp }).create(2, main)).rejects.toThrow('dbWorkers: worker 2: rows refused')
    expect(log).toEqual(['prepare 2', 'start app 2', 'started 2', 'stop app 2', 'close 2'])
  })

  it('refuses a backend of the run that no part copies, two parts giving one resource, and parts with no app to start', async () => {
    const log: string[] = []
    await expect(composeWorkers(part('db', log), { startApp: async () => ({ baseUrl: 'x' }) }).create(1, { ...main, stateBackends: [backend('db'), backend('redis:app')] })).rejects.toThrow(
      /composeWorkers: the run's state backend "redis:app" \(test\) would be shared by every worker, so paths running at once would see each other's writes/,
    )
    await expect(
      composeWorkers(part('pg', log, { resources: { databaseUrl: 'a' } }), part('mysql', log, { resources: { databaseUrl: 'b' } }), { startApp: async () => ({ baseUrl: 'x' }) }).create(1, main),
    ).rejects.toThrow('composeWorkers: pg and mysql both give the resource "databaseUrl"; a worker can have only one')
    expect(() => composeWorkers(part('db', log), part('mail', log))).toThrow(
      'composeWorkers: db, mail need an app per worker, started against the worker\'s own resources: add { startApp(index, resources) } as the last argument',
    )
    expect(() => composeWorkers()).toThrow(/composeWorkers: give the parts of the system/)
    expect(() => composeWorkers({ startApp: async () => ({ baseUrl: 'x' }) } as never)).toThrow(/composeWorkers: give the parts of the system/)
    expect(() => composeWorkers('postgres' as never, { startApp: async () => ({ baseUrl: 'x' }) })).toThrow(/composeWorkers: argument 1 is not a worker part/)
  })

  it('a part alone: its create says how to give it an app, and inside composeWorkers its own startApp is refused', async () => {
    const alone = asWorkerSetup(part('db', []), undefined, 'startApp(index, databaseUrl)')
    await expect(alone.create(1, main)).rejects.toThrow(
      'db: each worker needs its own app: give startApp(index, databaseUrl), or put db(...) in composeWorkers(..., { startApp(index, resources) }) with the other parts of the system',
    )
    const withApp = asWorkerSetup(part('db', []), async () => ({ baseUrl: 'http://w' }), 'startApp(index, databaseUrl)')
    expect((await withApp.create(1, main)).baseUrl).toBe('http://w')
    expect(() => composeWorkers(withApp, { startApp: async () => ({ baseUrl: 'x' }) })).toThrow(/composeWorkers: db was given its own startApp/)
  })

  it('validate finds, before any worker is made and touching nothing, what create would refuse for the config: a part\'s own check, a shared backend, a missing app', () => {
    const log: string[] = []
    const checked: WorkerPart<any> = { ...part('db', log), check: () => void log.push('check db') }
    const setup = composeWorkers(checked, { startApp: async () => ({ baseUrl: 'x' }) })
    setup.validate!(main)
    expect(log).toEqual(['check db'])
    expect(() => setup.validate!({ ...main, stateBackends: [backend('redis:app')] })).toThrow(/^composeWorkers: the run's state backend "redis:app" \(test\) would be shared by every worker/)
    const refusing: WorkerPart<any> = {
      ...part('db', log),
      check: () => {
        throw new ConfigError('db: `url` (the main database) is required', { where: 'url' })
      },
    }
    expect(() => composeWorkers(refusing, { startApp: async () => ({ baseUrl: 'x' }) }).validate!(main)).toThrow('db: `url` (the main database) is required')
    expect(() => asWorkerSetup(refusing, async () => ({ baseUrl: 'x' }), 'startApp(index, databaseUrl)').validate!(main)).toThrow('db: `url` (the main database) is required')
    // A part that needs an app, given none: the create would say so at the first worker; validate says it first.
    const alone = asWorkerSetup(part('db', []), undefined, 'startApp(index, databaseUrl)')
    expect(() => alone.validate!(main)).toThrow(/^db: each worker needs its own app: give startApp\(index, databaseUrl\)/)
    // The same part inside composeWorkers is no mistake: the composition's startApp starts the app.
    expect(() => composeWorkers(alone, { startApp: async () => ({ baseUrl: 'x' }) }).validate!(main)).not.toThrow()
    expect(log.filter((l) => l.startsWith('prepare'))).toEqual([])
    // A part whose check takes something (redisWorkers holds its main DB) is asked checkConfig instead.
    const holding: WorkerPart<any> = { ...part('redis', log), check: () => void log.push('check and hold'), checkConfig: () => void log.push('checkConfig') }
    log.length = 0
    const both = composeWorkers(holding, { startApp: async () => ({ baseUrl: 'x' }) })
    both.validate!(main)
    expect(log).toEqual(['checkConfig'])
  })

  it("gives the create's signal to every part and to startApp, and passes the app's exited on", async () => {
    const signals: AbortSignal[] = []
    const seen: WorkerPart = {
      part: 'seen',
      needsApp: true,
      covers: () => true,
      prepare: async (_i, _m, signal) => {
        signals.push(signal!)
        return {}
      },
    }
    const exit: WorkerAppExit = { code: 3, signal: null, stderr: ['boom'] }
    const setup = composeWorkers(seen, {
      startApp: async (_index, resources) => {
        signals.push(resources.signal)
        return { baseUrl: 'http://w1', exited: Promise.resolve(exit) }
      },
    })
    const giveUp = new AbortController()
    const made = await setup.create(1, main, giveUp.signal)
    expect(signals).toEqual([giveUp.signal, giveUp.signal])
    expect(await made.exited).toBe(exit)
  })

  it('a create given up while its app starts undoes the app and every part, and rejects with the reason', async () => {
    const log: string[] = []
    const giveUp = new AbortController()
    const setup = composeWorkers(part('db', log), part('mail', log), {
      // A startApp that does not listen to the signal: what it returns is closed once it does.
      startApp: async (index) => {
        giveUp.abort(new AbortedError('the run gave worker 1 up'))
        return { baseUrl: 'http://w1', close: () => void log.push(`stop app ${index}`) }
      },
    })
    await expect(setup.create(1, main, giveUp.signal)).rejects.toThrow('the run gave worker 1 up')
    expect(log).toEqual(['prepare db 1', 'prepare mail 1', 'stop app 1', 'close mail 1', 'close db 1'])
  })

  it('a create given up between parts prepares no more of them, and undoes those made', async () => {
    const log: string[] = []
    const giveUp = new AbortController()
    const givesUp: WorkerPart = {
      part: 'givesUp',
      needsApp: true,
      covers: () => true,
      prepare: async () => {
        giveUp.abort(new AbortedError('the run closed'))
        return { close: () => void log.push('close givesUp 1') }
      },
    }
    const setup = composeWorkers(part('db', log), givesUp, part('mail', log), { startApp: async () => ({ baseUrl: 'http://never' }) })
    await expect(setup.create(1, main, giveUp.signal)).rejects.toThrow('the run closed')
    expect(log).toEqual(['prepare db 1', 'close givesUp 1', 'close db 1'])
  })

  it("what a failing part could not undo itself is in the create's error, with what the others left", async () => {
    const log: string[] = []
    const failing: WorkerPart = {
      part: 'dbWorkers',
      needsApp: true,
      covers: () => true,
      prepare: async () => {
        throw leftBehindBy(new Error('copying the rows failed'), ['dbWorkers: could not drop "app_w2"; drop it with DROP DATABASE "app_w2"'])
      },
    }
    const stuck: WorkerPart = { part: 'mailWorkers', needsApp: true, covers: () => true, prepare: async () => ({ close: () => Promise.reject(new Error('the catcher would not stop')) }) }
    const err = await composeWorkers(part('db', log), stuck, failing, { startApp: async () => ({ baseUrl: 'x' }) })
      .create(2, main)
      .then(() => undefined, (e: unknown) => e as Error)
    expect(err?.message).toBe(
      'dbWorkers: worker 2: copying the rows failed (and undoing worker 2 failed, so what it made is left behind: dbWorkers: could not drop "app_w2"; drop it with DROP DATABASE "app_w2"; mailWorkers: the catcher would not stop)',
    )
    expect(workerLeftBehind(err)).toEqual(['dbWorkers: could not drop "app_w2"; drop it with DROP DATABASE "app_w2"', 'mailWorkers: the catcher would not stop'])
    expect(log).toEqual(['prepare db 2', 'close db 2'])
  })
})

describe('what worker setups made, for a run quit at once', () => {
  it('keeps each thing from when it is made until it is removed, databases also through the database API', () => {
    const dropped = workerDatabaseMade({ name: 'app_w1', drop: 'DROP DATABASE IF EXISTS "app_w1"' })
    const removed = workerSetupMade({ kind: 'Redis keys', name: 'w1:app:*', where: 'DB 3', remove: "redis-cli -n 3 --scan --pattern 'w1:app:*' | xargs redis-cli -n 3 del" })
    try {
      expect(madeByWorkerSetups()).toEqual([
        { kind: 'database', name: 'app_w1', remove: 'DROP DATABASE IF EXISTS "app_w1"' },
        { kind: 'Redis keys', name: 'w1:app:*', where: 'DB 3', remove: "redis-cli -n 3 --scan --pattern 'w1:app:*' | xargs redis-cli -n 3 del" },
      ])
      dropped()
      expect(madeByWorkerSetups().map((made) => made.name)).toEqual(['w1:app:*'])
    } finally {
      dropped()
      removed()
    }
    expect(madeByWorkerSetups()).toEqual([])
  })
})
