/**
 * Parallel paths over the in-memory ports and a MemoryState: memoryWorkers gives each worker its own cache,
 * mailbox, clock and state, copied from the main line's at the checkpoint. Every path checks it starts from
 * the checkpoint, changes everything, yields (so paths interleave) and checks it sees only its own changes.
 */
import { type CachePort, ConfigError, type MailPort, type TimePort, assertEqual, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { type MemoryState, composeWorkers, createRunner, memoryPorts, memoryState, memoryWorkers } from '../src/index'
import { expectBranchOnWorkers } from '@venomqa/test-utils'

const T0 = Date.parse('2030-01-01T00:00:00Z')
/** Let the other lanes run: a shared port would show their writes here. */
const yieldToOthers = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}

type Store = MemoryState<{ notes: string[] }>
const subjects = async (mail: MailPort) => (await mail.list()).map((m) => m.subject)

function parallelJourney(run: number) {
  const paths = Array.from({ length: 8 }, (_, i) =>
    path(`p${i}`, [
      step('starts_at_checkpoint', async ({ ports }) => {
        const cache = ports.require<CachePort>('cache')
        assertEqual(await cache.get('cart'), ['base'], `cart on p${i}`)
        const ttl = await cache.getTtlMs('token')
        assertEqual(ttl > 0 && ttl <= 60_000, true, `token TTL on p${i} is ${ttl}`)
        assertEqual(await subjects(ports.require<MailPort>('mail')), [`welcome-${run}`], `mail on p${i}`)
        assertEqual(ports.require<TimePort>('time').now().getTime(), T0 + 1000, `clock on p${i}`)
        assertEqual(ports.require<Store>('store').data.notes, ['base'], `notes on p${i}`)
      }),
      step('changes_everything', async ({ ports }) => {
        await yieldToOthers()
        await ports.require<CachePort>('cache').set('cart', [`p${i}`])
        await ports.require<CachePort>('cache').delete('token')
        await ports.require<MailPort>('mail').send({ from: 'shop@example.test', to: 'a@example.test', subject: `p${i}` })
        ports.require<TimePort>('time').advance(5000 * (i + 1))
        ports.require<Store>('store').data.notes.push(`p${i}`)
        await yieldToOthers()
      }),
      step('sees_only_its_own_changes', async ({ ports }) => {
        assertEqual(await ports.require<CachePort>('cache').get('cart'), [`p${i}`], `cart after p${i}`)
        assertEqual(await ports.require<CachePort>('cache').exists('token'), false, `token after p${i}`)
        assertEqual(await subjects(ports.require<MailPort>('mail')), [`welcome-${run}`, `p${i}`], `mail after p${i}`)
        assertEqual(ports.require<TimePort>('time').now().getTime(), T0 + 1000 + 5000 * (i + 1), `clock after p${i}`)
        assertEqual(ports.require<Store>('store').data.notes, ['base', `p${i}`], `notes after p${i}`)
      }),
    ]),
  )
  return journey(`memory_parallel_${run}`, {
    steps: [
      step('seed', async ({ ports }) => {
        const cache = ports.require<CachePort>('cache')
        await cache.set('cart', ['base'])
        await cache.set('token', 'abc', { ttlMs: 60_000 })
        const mail = ports.require<MailPort>('mail')
        await mail.deleteAll()
        await mail.send({ from: 'shop@example.test', to: 'a@example.test', subject: `welcome-${run}` })
        ports.require<TimePort>('time').setTime(new Date(T0 + 1000))
        ports.require<Store>('store').data.notes = ['base']
      }),
      checkpoint('base'),
      branch('base', paths),
      step('main_line_back_at_base', async ({ ports }) => {
        assertEqual(await ports.require<CachePort>('cache').get('cart'), ['base'], 'cart after the branch')
        assertEqual(await subjects(ports.require<MailPort>('mail')), [`welcome-${run}`], 'mail after the branch')
        assertEqual(ports.require<Store>('store').data.notes, ['base'], 'notes after the branch')
      }),
    ],
  })
}

describe('memoryWorkers', () => {
  it('runs 8 paths on 4 workers, each with its own copy of the checkpoint state, 20 times over', async () => {
    const store: Store = memoryState({ notes: [] as string[] }, 'store')
    const runner = createRunner({
      // No HTTP in these journeys.
      baseUrl: 'http://127.0.0.1:1',
      plugins: [memoryPorts({ freezeTime: new Date(T0) })],
      stateBackends: [store],
      ports: { store },
      parallelPaths: 4,
      workerSetup: memoryWorkers(),
    })
    try {
      for (let run = 0; run < 20; run++) expectBranchOnWorkers(await runner.run(parallelJourney(run)), run)
    } finally {
      await runner.close()
    }
  })

  it('without memoryWorkers the same journey is refused, and a composition missing a part says which backend is shared', async () => {
    const store: Store = memoryState({ notes: [] as string[] }, 'store')
    const refused = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [memoryPorts()], stateBackends: [store], ports: { store }, parallelPaths: 4 })
    await expect(refused.run(parallelJourney(0))).rejects.toThrow(/parallelPaths: 4 would run paths at the same time against one system/)
    await refused.close()

    // A part for something else: the MemoryState and the memory ports would be shared by every worker.
    const other = { part: 'otherWorkers', needsApp: false, prepare: async () => ({}) }
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [memoryPorts()], stateBackends: [store], ports: { store }, parallelPaths: 4, workerSetup: composeWorkers(other) })
    // A mistake of the config: refused before the journey starts, as every config mistake is.
    const refusal = await runner.run(parallelJourney(0)).catch((e: unknown) => e)
    await runner.close()
    expect(refusal).toBeInstanceOf(ConfigError)
    expect((refusal as Error).message).toMatch(
      /composeWorkers: the run's state backends "memory-ports" \(snapshot\), "store" \(memory\) would be shared by every worker[\s\S]*memoryWorkers/,
    )
  })
})
