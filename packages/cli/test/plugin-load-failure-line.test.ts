import { describe, expect, it } from 'vitest'
import { cliHost, projectsOfFiles } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost); --debug gets a process of its own. */
const host = cliHost()
const project = projectsOfFiles({ host })

// A plugin whose module throws at import with a message of many lines (or a stack written into it) made
// an entry of as many lines in the list of the config's mistakes, burying the others. It is one line now:
// the entry, the plugin, its file and place, the error's first line, and where the whole error is told.

const JOURNEY = "import { journey, step } from '@venomqa/core'\nexport default journey('noop', { steps: [step('nothing', () => {})] })\n"
/** A plugin module that throws at import: a message of three lines. */
const THROWS_LINES = "throw new Error('cannot reach the vault\\n  tried: vault-1\\n  tried: vault-2')\n"
/** One that throws a message holding a stack, as code that wraps an error's stack does. */
const THROWS_STACK = "function inner() { return new Error('config server said 503') }\nthrow new Error(String(inner().stack))\n"
const LISTED = '(the whole error: run with --debug, or fix the other mistakes)'

describe('a plugin that fails to load, among other mistakes of the config', () => {
  it('is one line of the list: entry, plugin, file and place, the first line of its error, where to see more', async () => {
    const p = await project({
      'venomqa.json': JSON.stringify({ baseUrl: 'http://127.0.0.1:1', bogusKey: 1, plugins: ['./plugins/lines.mjs', './plugins/stack.mjs', 'memory'] }),
      'plugins/lines.mjs': THROWS_LINES,
      'plugins/stack.mjs': THROWS_STACK,
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const r = await p.venomqa(['run'])
    expect(r.code, r.stderr).toBe(2)
    const lines = r.stderr.trimEnd().split('\n')
    expect(lines[0]).toBe('venomqa: venomqa.json has 3 problems:')
    expect(lines[1]).toMatch(/^ {2}- bogusKey: unknown key; /)
    expect(lines[2]).toBe(`  - plugins[0]: plugin "./plugins/lines.mjs" failed to load from plugins/lines.mjs:1:7: cannot reach the vault ${LISTED}`)
    expect(lines[3]).toMatch(/^ {2}- plugins\[1\]: plugin "\.\/plugins\/stack\.mjs" failed to load from plugins\/stack\.mjs:\d+:\d+: Error: config server said 503 \(the whole error: /)
    expect(lines).toHaveLength(4)
  })

  it('under --debug, the whole error is told with its stack', async () => {
    const p = await project({
      'venomqa.json': JSON.stringify({ baseUrl: 'http://127.0.0.1:1', bogusKey: 1, plugins: ['./plugins/lines.mjs'] }),
      'plugins/lines.mjs': THROWS_LINES,
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const r = await p.venomqa(['run', '--debug'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(`  - plugins[0]: plugin "./plugins/lines.mjs" failed to load from plugins/lines.mjs:1:7: cannot reach the vault ${LISTED}\n`)
    expect(r.stderr).toMatch(/Caused by: PluginError: plugin "\.\/plugins\/lines\.mjs" failed to load from \S+lines\.mjs:1:7: cannot reach the vault\n {2}tried: vault-1\n {2}tried: vault-2\n/)
  })

  it('alone, is told whole, as before', async () => {
    const p = await project({
      'venomqa.json': JSON.stringify({ baseUrl: 'http://127.0.0.1:1', plugins: ['./plugins/lines.mjs'] }),
      'plugins/lines.mjs': THROWS_LINES,
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const r = await p.venomqa(['run'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/^venomqa: plugin "\.\/plugins\/lines\.mjs" failed to load from \S+lines\.mjs:1:7: cannot reach the vault\n {2}tried: vault-1\n {2}tried: vault-2\n/)
    expect(r.stderr).not.toContain('the whole error')
  })
})
