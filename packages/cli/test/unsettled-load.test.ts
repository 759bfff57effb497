import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// A config, plugin or journey module whose top-level await never settles left its import pending for
// good: the process ran out of work and said only "stopped before finishing" (exit 1), naming no file.
// Now it names the file, as the user's mistake it is (exit 2), with no stack trace, through the built CLI.
const projects: Project[] = []
beforeAll(() => assertBuilt())
afterAll(async () => {
  for (const p of projects) await p.remove()
})

const NEVER = 'await new Promise(() => {})\n'
const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('noop', { steps: [step('nothing', () => {})] })
`

async function project(files: Record<string, string>): Promise<Project> {
  const p = await makeProject(null)
  projects.push(p)
  for (const [name, text] of Object.entries({ 'journeys/noop.journey.mjs': JOURNEY, ...files })) {
    await mkdir(path.dirname(path.join(p.dir, name)), { recursive: true })
    await writeFile(path.join(p.dir, name), text)
  }
  return p
}

const PLUGIN = "export default { name: 'stuck', version: '1.0.0', apiVersion: 1 }\n"

describe('a module that never finishes loading', () => {
  it.each([
    ['a config file', { 'venomqa.config.mjs': `${NEVER}export default {}\n` }, ['run'], 'venomqa.config.mjs never finished loading'],
    ['a TypeScript config file', { 'venomqa.config.ts': `${NEVER}export default {}\n` }, ['run'], 'venomqa.config.ts never finished loading'],
    ['the function a config exports', { 'venomqa.config.mjs': 'export default () => new Promise(() => {})\n' }, ['list'], 'the function venomqa.config.mjs exports never finished'],
    [
      'a plugin file',
      { 'venomqa.config.mjs': "export default { plugins: ['./plugins/stuck.mjs'] }\n", 'plugins/stuck.mjs': `${NEVER}${PLUGIN}` },
      ['run'],
      'plugin ./plugins/stuck.mjs never finished loading',
    ],
    [
      'a plugin package',
      {
        'node_modules/venomqa-plugin-stuck/package.json': '{"name":"venomqa-plugin-stuck","version":"1.0.0","type":"module","main":"index.js","keywords":["venomqa-plugin"]}\n',
        'node_modules/venomqa-plugin-stuck/index.js': `${NEVER}${PLUGIN}`,
      },
      ['run', '--plugin', 'stuck'],
      'plugin "stuck" (node_modules/venomqa-plugin-stuck/index.js) never finished loading',
    ],
    ['the function a plugin exports', { 'plugins/stuck.ts': 'export default () => new Promise(() => {})\n' }, ['run', '--plugin', './plugins/stuck.ts'], 'the function plugin ./plugins/stuck.ts exports never finished'],
    ['a journey file', { 'journeys/stuck.journey.mjs': `${NEVER}${JOURNEY}` }, ['run'], 'journeys/stuck.journey.mjs never finished loading'],
  ])('%s: exit 2 naming it, no stack trace', async (_what, files, args, named) => {
    const p = await project(files)
    const r = await p.venomqa(args)
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(`venomqa: ${named}`)
    expect(r.stderr).toMatch(/waits on something that never settles; nothing ran\n$/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(r.stderr).not.toContain('stopped before finishing')
  })
})

describe('a command that runs out of work while no file is loading', () => {
  it("is exit 1, saying it stopped before finishing: not the user's file, and never exit 0", async () => {
    // A plugin command whose run waits on a promise nothing settles, once every file has loaded.
    const stuck = "export default { name: 'stuck', version: '1.0.0', apiVersion: 1, commands(api) { api.addCommand('wait-forever', { description: 'waits', run: () => new Promise(() => {}) }) } }\n"
    const p = await project({ 'venomqa.config.mjs': "export default { plugins: ['./plugins/stuck.mjs'] }\n", 'plugins/stuck.mjs': stuck })
    const r = await p.venomqa(['wait-forever'])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toBe('venomqa: stopped before finishing: the command waited on something that can never happen (run with --debug, and report it)\n')
  })
})
