/**
 * connect() with a signal: the run aborts it when it stops waiting (Ctrl-C, pluginTimeout). A server that
 * takes the connection and never answers is left at once, its socket closed, and a signal aborted before
 * the call opens no connection at all.
 */
import { AbortedError, checkpoint, journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { SERVICES, abortedAgainstSilentServer, describeWithService, settledWithin, startSilentServer, waitUntil } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { RedisState } from '../src/index'

const describe = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
/** A DB of its own: a connect that was not stopped would only PING it. */
const DB = 12

describe('RedisState connect() aborted by its signal', () => {
  it("stops waiting for a server that never answers, closes its socket, and rejects with the signal's reason", async () => {
    let backend: RedisState | undefined
    // The backend's own wait for an answer is 5 s: only the abort can end this connect sooner.
    const { settled, reason } = await abortedAgainstSilentServer(({ port }, signal) => {
      backend = new RedisState({ url: `redis://127.0.0.1:${port}/${DB}`, prefix: 'app:' })
      return backend.connect({ signal })
    }, 3_000)
    expect(settled).toBe(reason)
    // Closed, not left open until the server goes: ioredis would otherwise retry on it.
    expect(backend!.redis.status).toBe('end')
  })

  it('a signal aborted before the call opens no connection', async () => {
    const backend = new RedisState({ url: `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`, prefix: 'app:' })
    const ac = new AbortController()
    ac.abort(new Error('already stopped'))
    try {
      await expect(backend.connect({ signal: ac.signal })).rejects.toThrow('already stopped')
      // The client connects on its first command (lazyConnect): 'wait' is a client that never opened a socket.
      expect(backend.redis.status).toBe('wait')
    } finally {
      await backend.disconnect()
    }
  })

  it('Ctrl-C while the runner connects it: the run stops, and the close has no connect left to wait for', async () => {
    const silent = await startSilentServer()
    const warnings: string[] = []
    const ac = new AbortController()
    const backend = new RedisState({ url: `redis://127.0.0.1:${silent.port}/${DB}`, prefix: 'app:' })
    const connect = backend.connect.bind(backend)
    let connecting: Promise<void> | undefined
    backend.connect = (options) => {
      connecting = connect(options)
      return connecting
    }
    const runner = createRunner({
      baseUrl: 'http://127.0.0.1:1',
      stateBackends: [backend],
      signal: ac.signal,
      logger: { info() {}, debug() {}, error() {}, warn: (m) => warnings.push(m) },
    })
    try {
      const running = runner.run([journey('j', { steps: [checkpoint('start'), step('s', () => {})] })])
      await waitUntil(() => connecting !== undefined, 'the runner to connect the backend')
      ac.abort(new AbortedError('interrupted by the user'))
      const result = await running
      expect(result.interrupted).toBe(true)
      expect(result.journeys[0]).toMatchObject({ status: 'skipped', interrupted: true })
      // The connect ends with the abort: before, it went on until its own deadline, and the close waited for it.
      expect(await settledWithin(connecting!, 1_000)).toBeInstanceOf(AbortedError)
      expect(await settledWithin(runner.close(), 10_000)).toBe('done')
      expect(warnings.filter((w) => /still connecting|to finish the connect/.test(w))).toEqual([])
    } finally {
      await silent.close()
    }
  })
})
