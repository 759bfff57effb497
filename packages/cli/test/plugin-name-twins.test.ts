import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHost, projectsOfFiles } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost). */
const host = cliHost()

// Two plugins of one name could not be told apart (hooks, issues, claims and reports know a plugin by its
// name), and a port clash between them was told as one plugin set up twice. One plugin listed twice with
// other options is two instances of it, which the plugin contract allows.

const project = projectsOfFiles({ host })

const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('noop', { steps: [step('nothing', () => {})] })
`

/** A plugin named "redis" that adds a cache port. */
const REDIS_LIKE = `import { definePlugin } from '@venomqa/core'
const cache = { get: async () => undefined, set: async () => {}, delete: async () => {}, keys: async () => [] }
export default definePlugin({ name: 'redis', version: '1.0.0', apiVersion: 1, setup(api) { api.addPort('cache', cache) } })
`

describe('two plugins of one name', () => {
  it('are refused before any is set up, naming both entries and where each came from; exit 2', async () => {
    const p = await project({
      'venomqa.json': JSON.stringify({ plugins: ['./plugins/a.mjs', 'memory', './plugins/b.mjs'] }),
      'plugins/a.mjs': REDIS_LIKE,
      'plugins/b.mjs': REDIS_LIKE,
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const r = await p.venomqa(['run'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(
      'venomqa: plugins[0] and plugins[2] are both "redis": plugins[0] is the file ./plugins/a.mjs, plugins[2] is the file ./plugins/b.mjs. Two plugins of one name cannot be told apart',
    )
    expect(r.stderr).toContain('  at venomqa.json: plugins[2]\n')
    expect(r.stderr).not.toContain('both register')
    // doctor: the second entry's failure, told once; not two plugins loaded and then a setup that fails.
    const doctor = await p.venomqa(['doctor'])
    expect(doctor.code, doctor.stdout).toBe(2)
    expect(doctor.stdout).toContain('✗ plugin     plugins[0] and plugins[2] are both "redis"')
    expect(doctor.stdout.match(/are both "redis"/g)).toHaveLength(1)
    await writeFile(path.join(p.dir, 'venomqa.json'), JSON.stringify({ plugins: ['./plugins/a.mjs'] }))
    const flag = await p.venomqa(['plugins', '--plugin', './plugins/b.mjs'])
    expect(flag.code, flag.stderr).toBe(2)
    expect(flag.stderr).toContain('plugins[0] and --plugin ./plugins/b.mjs are both "redis"')
  })

  it('one plugin listed twice with other options is two instances, as before', async () => {
    const p = await project({
      'venomqa.json': JSON.stringify({ plugins: ['./plugins/a.mjs', ['memory', { ports: ['mail'] }], ['memory', { ports: ['queue'], state: false }], './plugins/a.mjs'] }),
      'plugins/a.mjs': REDIS_LIKE,
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const r = await p.venomqa(['run'])
    expect(r.code, r.stderr).toBe(0)
  })
  it('a plugin file exporting a factory: listed twice with other options, two instances; another file of its name, refused (the runner\'s check)', async () => {
    const factory = `import { definePlugin } from '@venomqa/core'
export default (o) => definePlugin({ name: 'redis', version: '1.0.0', apiVersion: 1, setup(api) { api.addPort('cache' + (o.suffix ?? ''), {}) } })
`
    const p = await project({
      'venomqa.json': JSON.stringify({ plugins: [['./plugins/f.mjs', { suffix: '-a' }], ['./plugins/f.mjs', { suffix: '-b' }]] }),
      'plugins/f.mjs': factory,
      'plugins/g.mjs': factory,
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const r = await p.venomqa(['run'])
    expect(r.code, r.stderr).toBe(0)
    await writeFile(path.join(p.dir, 'venomqa.json'), JSON.stringify({ plugins: [['./plugins/f.mjs', { suffix: '-a' }], ['./plugins/g.mjs', { suffix: '-b' }]] }))
    const two = await p.venomqa(['run'])
    expect(two.code, two.stderr).toBe(2)
    expect(two.stderr).toContain('venomqa: plugins[0] and plugins[1] are both "redis": plugins[0] is the file ./plugins/f.mjs, plugins[1] is the file ./plugins/g.mjs.')
  })
})
