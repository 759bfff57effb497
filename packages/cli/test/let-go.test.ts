import { describe, expect, it } from 'vitest'
import { startLettingGo } from '../src/commands/let-go'

const letGoOfBackends = (...args: Parameters<typeof startLettingGo>) => startLettingGo(...args).done

// What a quit run (a second Ctrl-C) asks of its state backends before it exits: each backend's letGo, all
// at once, for a moment at most; a line for each that failed or did not finish, naming it.
describe('letting go of the state backends when a run is quit', () => {
  it('asks every backend that can, at once, and says nothing when all of them did', async () => {
    const asked: string[] = []
    const backend = (name: string) => ({ name, letGo: async () => void asked.push(name) })
    expect(await letGoOfBackends([backend('pg-proxy:shop'), { name: 'redis' }, backend('pg-proxy:orders')], 1000)).toEqual([])
    expect(asked).toEqual(['pg-proxy:shop', 'pg-proxy:orders'])
    expect(await letGoOfBackends([{ name: 'redis' }], 1000)).toEqual([])
  })

  it('names the one that threw, its message masked, and the one that hung past the moment; the others still let go', async () => {
    let done = false
    const started = performance.now()
    const lines = await letGoOfBackends(
      [
        {
          name: 'pg-proxy:shop',
          letGo: async () => {
            throw new Error('connect ECONNREFUSED postgres://app:s3cret@db:5432/shop')
          },
        },
        { name: 'stuck', letGo: () => new Promise<void>(() => {}) },
        // Throws before it returns a promise: a line all the same, not a crash of the quit.
        { name: 'sync', letGo: () => { throw new Error('no session') } },
        { name: 'fine', letGo: async () => void (done = true) },
      ],
      300,
    )
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    expect(lines).toEqual([
      'pg-proxy:shop could not undo what it holds: connect ECONNREFUSED postgres://app:***@db:5432/shop',
      'stuck did not finish undoing what it holds within 300 ms',
      'sync could not undo what it holds: no session',
    ])
    expect(lines.join('\n')).not.toContain('s3cret')
    expect(done).toBe(true)
  })

  it('says after the line what a backend says stays when its letGo failed, masked', async () => {
    const leftWhenLetGoFails = 'leaves the sequences where the app moved them: setval them back, password=hunter2'
    const lines = await letGoOfBackends(
      [
        { name: 'pg-proxy:shop', leftWhenLetGoFails, letGo: () => new Promise<void>(() => {}) },
        { name: 'pg-proxy:orders', leftWhenLetGoFails, letGo: async () => Promise.reject(new Error('no session')) },
        { name: 'pg-proxy:users', leftWhenLetGoFails, letGo: async () => {} },
      ],
      200,
    )
    expect(lines).toEqual([
      'pg-proxy:shop did not finish undoing what it holds within 200 ms: it leaves the sequences where the app moved them: setval them back, password=[REDACTED]',
      'pg-proxy:orders could not undo what it holds: no session: it leaves the sequences where the app moved them: setval them back, password=[REDACTED]',
    ])
  })
})
