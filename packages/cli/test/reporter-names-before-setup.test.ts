/**
 * A reporter name no plugin adds (a typo) is refused before any plugin is set up, when every plugin declares
 * the reporters it adds (`reporters` in its definition): setups may start the app or connect to databases,
 * which a typo must not cost. The refusal names where the name was written, and the name meant.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHost, projectsOfFiles } from './helpers/project'

// A plugin whose setup leaves a mark: what a user would see of a setup (a server started, a database touched).
const plugin = (reporters: string) => `import { writeFileSync } from 'node:fs'
export default {
  name: 'marking', version: '1.0.0', apiVersion: 1,${reporters}
  setup(api) {
    writeFileSync('setup-ran', 'yes')
    api.addReporter('audit', () => ({ name: 'audit', render: () => 'audit\\n' }))
  },
}
`
const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('one', { steps: [step('s', () => {})] })
`
const project = projectsOfFiles({ host: cliHost(), always: { 'journeys/one.journey.mjs': JOURNEY } })
const setupRan = (dir: string) => existsSync(path.join(dir, 'setup-ran'))

describe('a reporter name no plugin adds', () => {
  it('is refused before any setup, naming reporters[N] and the name meant', async () => {
    const p = await project({ 'plugins/marking.mjs': plugin(" reporters: ['audit'],"), 'venomqa.yaml': "plugins: ['./plugins/marking.mjs']\nreporters: [console, audt]\n" })
    const r = await p.venomqa(['run'])
    expect(r.stderr).toContain('venomqa: unknown reporter "audt": did you mean "audit"? Known reporters: console, json, junit, markdown, audit\n  at venomqa.yaml: reporters[1]\n')
    expect(r.code).toBe(2)
    expect(setupRan(p.dir)).toBe(false)
  })

  it('is refused before setup by `venomqa report` as well', async () => {
    const p = await project({ 'plugins/marking.mjs': plugin(" reporters: ['audit'],"), 'venomqa.yaml': "plugins: ['./plugins/marking.mjs']\n" })
    expect((await p.venomqa(['run', '--save', 'results.json'])).code).toBe(0)
    const { rm } = await import('node:fs/promises')
    await rm(path.join(p.dir, 'setup-ran'))
    const r = await p.venomqa(['report', 'results.json', '-r', 'audt'])
    expect(r.stderr).toContain('unknown reporter "audt": did you mean "audit"?')
    expect(r.code).toBe(2)
    expect(setupRan(p.dir)).toBe(false)
  })

  it('a declared name is made as before', async () => {
    const p = await project({ 'plugins/marking.mjs': plugin(" reporters: ['audit'],"), 'venomqa.yaml': "plugins: ['./plugins/marking.mjs']\nreporters: ['audit:audit.txt']\n" })
    const r = await p.venomqa(['run'])
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(path.join(p.dir, 'audit.txt'))).toBe(true)
  })

  it('with a plugin that declares nothing, is found once setups ran (it may add any name)', async () => {
    const p = await project({ 'plugins/marking.mjs': plugin(''), 'venomqa.yaml': "plugins: ['./plugins/marking.mjs']\nreporters: [audt]\n" })
    const r = await p.venomqa(['run'])
    expect(r.stderr).toContain('unknown reporter "audt": did you mean "audit"?')
    expect(r.code).toBe(2)
    expect(setupRan(p.dir)).toBe(true)
  })

  it('a plugin that adds a reporter its declaration leaves out is refused at setup', async () => {
    const p = await project({ 'plugins/marking.mjs': plugin(" reporters: ['other'],"), 'venomqa.yaml': "plugins: ['./plugins/marking.mjs']\n" })
    const r = await p.venomqa(['run'])
    expect(r.stderr).toContain('plugin "marking" adds reporter "audit", which its reporters (other) do not list: add it there')
    expect(r.code).toBe(2)
  })

  it('a misspelt reporter of a first-party plugin is refused before the setup of the others', async () => {
    const p = await project({ 'plugins/marking.mjs': plugin(" reporters: ['audit'],"), 'venomqa.yaml': "plugins: ['./plugins/marking.mjs', csv]\nreporters: [cvs]\n" })
    const r = await p.venomqa(['run'])
    expect(r.stderr).toContain('unknown reporter "cvs": did you mean "csv"?')
    expect(r.code).toBe(2)
    expect(setupRan(p.dir)).toBe(false)
  })
})
