/**
 * `checkInvariant` in a regression journey loads an invariant source (an OpenAPI document's) from the
 * project root the journey gives, not from the working directory: a journey run with `venomqa run -c`
 * from elsewhere read the document from where it ran, failed whatever the state of the bug, and never
 * passed after a fix.
 */
import { describe, expect, it } from 'vitest'
import { type ActionArgs, Context, type InvariantSource, type SourceEnv, action, checkInvariant, exploration, invariant, observeBefore } from '../src'

/** A source that, like an OpenAPI document's, reads a file relative to the root it is given. */
function sourceAt(expectedRoot: string, roots: string[]): InvariantSource {
  return {
    kind: 'invariant-source',
    name: 'document',
    async load(env: SourceEnv) {
      roots.push(env.root)
      if (env.root !== expectedRoot) throw new Error(`cannot read the OpenAPI document openapi.json: no such file (looked in ${env.root})`)
      return [invariant('holds', () => true)]
    },
  }
}

const args = {
  http: { baseUrl: 'http://127.0.0.1:9', lastExchange: () => undefined },
  ctx: new Context(),
  ports: {},
  signal: new AbortController().signal,
} as unknown as ActionArgs

describe('checkInvariant with an invariant source', () => {
  it('loads it from the root the journey passes, wherever the process runs', async () => {
    const roots: string[] = []
    const e = exploration('e', { actions: [action('a', () => undefined)], invariants: [sourceAt('/the/project', roots)] })
    await expect(checkInvariant(e, 'holds', args, { path: [], root: '/the/project' })).resolves.toBeUndefined()
    expect(roots).toEqual(['/the/project'])
  })

  it('without a root (a journey written before), loads it from the working directory as it did', async () => {
    const roots: string[] = []
    const e = exploration('e', { actions: [action('a', () => undefined)], invariants: [sourceAt(process.cwd(), roots)] })
    await expect(checkInvariant(e, 'holds', args, { path: [] })).resolves.toBeUndefined()
    expect(roots).toEqual([process.cwd()])
  })
})

describe('checkInvariant with an invariant on now and before', () => {
  it('gets now from args.observe() and before from what observeBefore saved in the context; both empty without them', async () => {
    let rows = 1
    const seen: unknown[] = []
    const counted = invariant('rows do not grow', ({ now, before }) => {
      seen.push({ now, before })
      return (now.db as { rows: number } | undefined)?.rows === (before.db as { rows: number } | undefined)?.rows || 'rows grew'
    })
    const x = exploration('x', { actions: [action('a', () => {})], invariants: [counted] })
    const observing = { ...args, ctx: new Context(), observe: async () => ({ db: { rows } }) } as unknown as ActionArgs
    await observeBefore(observing)
    rows = 2
    await expect(checkInvariant(x, 'rows do not grow', observing, { path: [] })).rejects.toThrow('invariant "rows do not grow" broken: rows grew')
    await observeBefore(observing)
    await checkInvariant(x, 'rows do not grow', observing, { path: [] })
    // A runner that offers no observe, a journey that saved nothing: both empty, as before.
    await checkInvariant(x, 'rows do not grow', { ...args, ctx: new Context() } as unknown as ActionArgs, { path: [] })
    expect(seen).toEqual([
      { now: { db: { rows: 2 } }, before: { db: { rows: 1 } } },
      { now: { db: { rows: 2 } }, before: { db: { rows: 2 } } },
      { now: {}, before: {} },
    ])
  })
})
