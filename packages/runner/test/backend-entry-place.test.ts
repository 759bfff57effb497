/**
 * A state backend a plugin registered is named with the config entry that configured it when it fails to
 * connect, checkpoint or roll back: `state backend "kv:b" (plugins[1]) could not connect: ...`. With two
 * entries of one plugin (two PostgreSQL databases) the backend's name and mechanism alone did not say which
 * entry to look at. A backend given in code has no entry, and is named as before.
 */
import { type Issue, type Plugin, StateError, branch, checkpoint, definePlugin, journey, path, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { MemoryState, createRunner } from '../src/index'

type Failing = 'connect' | 'checkpoint' | 'rollback'

/** A plugin whose entry registers one backend named `name`, whose `fails` call throws (`plain`: a bare Error). */
const kvPlugin: Plugin<{ name: string; fails?: Failing; plain?: boolean; factory?: boolean }> = definePlugin({
  name: 'kv',
  version: '1.0.0',
  apiVersion: 1,
  setup(api) {
    const { name, fails, plain, factory } = api.options
    const backend = new MemoryState({}, name)
    if (fails)
      Object.assign(backend, {
        [fails]: async () => {
          throw plain ? new Error('socket closed') : new StateError(name, `${fails} failed: disk full`)
        },
      })
    api.addStateBackend(factory ? () => backend : backend)
  },
})

const branching = journey('j', {
  steps: [checkpoint('c'), branch('c', [path('p1', [step('a', () => {})]), path('p2', [step('b', () => {})])])],
})

/** Every issue of a run, the run's and its journeys'. */
async function issuesOf(plugins: NonNullable<Parameters<typeof createRunner>[0]>['plugins']): Promise<Issue[]> {
  const runner = createRunner({ plugins })
  try {
    const run = await runner.run(branching)
    return [...run.issues, ...run.journeys.flatMap((j) => j.issues)]
  } finally {
    await runner.close()
  }
}

const errors = (issues: Issue[]) => issues.map((i) => i.error)

describe("a plugin's state backend that fails names its config entry", () => {
  it('connect: the run issue and the journeys not run say `state backend "kv:b" (plugins[1]) could not connect`', async () => {
    for (const factory of [false, true]) {
      const issues = await issuesOf([
        [kvPlugin, { name: 'kv:a' }],
        [kvPlugin, { name: 'kv:b', fails: 'connect', factory }],
      ])
      expect(errors(issues)).toEqual(
        expect.arrayContaining([
          'state backend "kv:b" (plugins[1]) could not connect: connect failed: disk full',
          'not run: state backend "kv:b" (plugins[1]) could not connect: connect failed: disk full',
        ]),
      )
    }
  })

  it('checkpoint: the StateError the backend threw, or the one made of a bare error, names plugins[1] once', async () => {
    for (const [plain, said] of [
      [false, 'state backend "kv:b" (plugins[1]): checkpoint failed: disk full'],
      [true, 'state backend "kv:b" (plugins[1]): checkpoint "c" failed: socket closed'],
    ] as const) {
      const issues = await issuesOf([
        [kvPlugin, { name: 'kv:a' }],
        [kvPlugin, { name: 'kv:b', fails: 'checkpoint', plain }],
      ])
      expect(errors(issues)).toContain(said)
      expect(errors(issues).join('\n')).not.toMatch(/plugins\[1\].*plugins\[1\]/)
    }
  })

  it('rollback: the branch stops naming plugins[0]', async () => {
    const issues = await issuesOf([
      [kvPlugin, { name: 'kv:a', fails: 'rollback' }],
      [kvPlugin, { name: 'kv:b' }],
    ])
    expect(errors(issues)).toContainEqual(
      'rollback to checkpoint "c" failed, so the branch stops here rather than run on unknown state: state backend "kv:a" (plugins[0]): rollback failed: disk full',
    )
  })

  it('entries from --plugin flags are told apart as the flags are: `--plugin kv`, `--plugin kv #2`', async () => {
    const issues = await issuesOf([
      { plugin: kvPlugin, options: { name: 'kv:a' }, where: '--plugin kv?' },
      { plugin: kvPlugin, options: { name: 'kv:b', fails: 'connect' }, where: '--plugin kv?' },
    ])
    expect(errors(issues)).toContain('state backend "kv:b" (--plugin kv #2) could not connect: connect failed: disk full')
  })

  it('a backend given in code has no entry to name, and is named as before', async () => {
    const down = Object.assign(new MemoryState({}, 'db'), {
      connect: async () => {
        throw new Error('connection refused')
      },
    })
    const runner = createRunner({ stateBackends: [down] })
    const run = await runner.run(branching)
    await runner.close()
    expect(errors(run.issues)).toEqual(['state backend "db" could not connect: connection refused'])
  })
})

describe('a connect failure names its backend and entry once', () => {
  const backend = new MemoryState({}, 'kv')
  const label = 'state backend "kv" (plugins[1])'
  it.each([
    // A connect past pluginTimeout says its label already, the entry with it: that was left as `(plugins[1]) connect timed out`.
    [`${label} connect timed out after 3000 ms (pluginTimeout)`, 'connect timed out after 3000 ms (pluginTimeout)'],
    [`${label}: no redis at 127.0.0.1:1`, 'no redis at 127.0.0.1:1'],
    ['state backend "kv": no redis at 127.0.0.1:1', 'no redis at 127.0.0.1:1'],
    ['state backend "kv" connect timed out after 3000 ms', 'connect timed out after 3000 ms'],
    ['socket closed', 'socket closed'],
  ])('%s', async (said, told) => {
    const { connectFailure } = await import('../src/backend-connects')
    expect(connectFailure(label, backend, new Error(said))).toBe(`${label} could not connect: ${told}`)
  })
})
