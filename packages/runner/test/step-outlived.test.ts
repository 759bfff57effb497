import { assertEqual, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner, memoryPorts } from '../src/index'

// An action that ignores its signal goes on after its step's deadline. The runner moves on at once, and the
// rollback before the next path has already run by the time the action wakes up: whatever it changes then
// would land in the next path's context, headers or ports. Its HTTP requests are refused already; the
// context, the client's headers and the ports must refuse it too.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('an action that outlives its step', () => {
  it('cannot change the next path\'s context, headers or ports after its deadline', async () => {
    let lateErrors: string[] = []
    let sawInNextPath: unknown
    const late = journey('late_writes', {
      steps: [
        checkpoint('start'),
        branch('start', [
          path('slow', [
            step(
              'ignores_signal',
              async ({ ctx, http, ports }) => {
                await sleep(300)
                const tries: Array<[string, () => unknown]> = [
                  ['ctx.set', () => ctx.set('late', 1)],
                  ['ctx.delete', () => ctx.delete('kept')],
                  ['http.setHeader', () => http.setHeader('x-late', '1')],
                  ['http.setAuthToken', () => http.setAuthToken('late-token')],
                  ['cache.set', () => ports.require('cache').set('late', 1)],
                ]
                for (const [what, attempt] of tries) {
                  try {
                    await attempt()
                  } catch (err) {
                    lateErrors.push(`${what}: ${(err as Error).message}`)
                  }
                }
              },
              { timeout: 50 },
            ),
          ]),
          path('next', [
            step('waits', async ({ ctx, http, ports }) => {
              await sleep(500)
              sawInNextPath = {
                late: ctx.get('late'),
                kept: ctx.get('kept'),
                headers: Object.keys((http as unknown as { snapshotHeaders(): Record<string, string> }).snapshotHeaders()),
                cache: await ports.require('cache').get('late'),
              }
            }),
          ]),
        ]),
      ],
    })
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [memoryPorts()] })
    lateErrors = []
    // A value the main line set before the checkpoint, which the late action tries to delete.
    const withKept = journey('late_writes', { steps: [step('keep', ({ ctx }) => void ctx.set('kept', 'yes')), ...late.steps] })
    const result = await runner.run(withKept)
    await runner.close()
    expect(sawInNextPath).toEqual({ late: undefined, kept: 'yes', headers: [], cache: undefined })
    expect(lateErrors).toHaveLength(5)
    for (const line of lateErrors) expect(line).toMatch(/step "ignores_signal" timed out after 50 ms/)
    const branchResult = result.journeys[0]!.nodes.find((n) => n.kind === 'branch')
    const paths = branchResult?.kind === 'branch' ? branchResult.paths.map((p) => [p.name, p.status]) : []
    expect(paths).toEqual([
      ['slow', 'failed'],
      ['next', 'passed'],
    ])
  })

  it('still changes them while it runs, and after it returned in time', async () => {
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [memoryPorts()] })
    const result = await runner.run(
      journey('in_time', {
        steps: [
          step(
            'writes',
            async ({ ctx, http, ports }) => {
              await sleep(10)
              ctx.set('id', 7)
              http.setAuthToken('t')
              await ports.require('cache').set('k', 1)
            },
            { timeout: 2000 },
          ),
          step('reads', async ({ ctx, ports }) => {
            assertEqual(ctx.get('id'), 7, 'id')
            assertEqual(await ports.require('cache').get('k'), 1, 'cache')
          }),
        ],
      }),
    )
    await runner.close()
    expect(result.status).toBe('passed')
  })
})

describe("a step's ctx", () => {
  it('is one view per signal: steps sharing the journey\'s signal share it, a step with a deadline has its own; contextIdentity is the journey\'s one context', async () => {
    const { contextIdentity, Context } = await import('@venomqa/core')
    const seen: { view: unknown; identity: unknown; isContext: boolean }[] = []
    const keep = ({ ctx }: { ctx: InstanceType<typeof Context> }) => void seen.push({ view: ctx, identity: contextIdentity(ctx), isContext: ctx instanceof Context })
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:9' })
    try {
      const run = await runner.run(journey('identity', { steps: [step('one', keep), step('two', keep), step('own deadline', keep, { timeout: 1000 })] }))
      expect(run.status).toBe('passed')
    } finally {
      await runner.close()
    }
    expect(seen.map((s) => s.isContext)).toEqual([true, true, true])
    expect(seen[0]!.view).toBe(seen[1]!.view)
    expect(seen[2]!.view).not.toBe(seen[0]!.view)
    expect(new Set(seen.map((s) => s.identity)).size).toBe(1)
    expect(contextIdentity(seen[0]!.identity as InstanceType<typeof Context>)).toBe(seen[0]!.identity)
  })
})

describe("a step's views of its ports and context, while the step runs", () => {
  it('keep what the objects behind them are: spread, frozen ports, callable members, setters of private fields, chained writes', async () => {
    class Socket {
      #value = 0
      set value(v: number) {
        this.#value = v
      }
      get value(): number {
        return this.#value
      }
    }
    const client = Object.assign((q: string) => `ran ${q}`, { raw: (q: string) => `raw ${q}` })
    class Model {
      constructor(readonly id: number) {}
    }
    const ports = {
      frozen: Object.freeze({ ping: () => 'pong' }),
      db: { client, Model },
      socket: new Socket(),
    }
    const seen: Record<string, unknown> = {}
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:9', ports: ports as never })
    try {
      const run = await runner.run(
        journey('views', {
          steps: [
            step('use', (args) => {
              const handed = { ...args, extra: 1 }
              seen.spread = [typeof handed.ctx?.set, typeof handed.ports?.require, 'sharedCtx' in handed]
              const p = args.ports as unknown as typeof ports
              seen.frozen = p.frozen.ping()
              seen.callable = [p.db.client('q'), p.db.client.raw('q'), new p.db.Model(3).id]
              p.socket.value = 5
              seen.setter = p.socket.value
              args.ctx.set('a', 1).set('b', 2)
              seen.chained = [args.ctx.get('a'), args.ctx.get('b')]
            }),
          ],
        }),
      )
      expect(run.status, JSON.stringify(run.journeys[0]?.issues)).toBe('passed')
    } finally {
      await runner.close()
    }
    expect(seen).toEqual({ spread: ['function', 'function', false], frozen: 'pong', callable: ['ran q', 'raw q', 3], setter: 5, chained: [1, 2] })
  })
})
