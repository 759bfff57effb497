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

  it('under --debug with several that fail to load, each whole error is told, not the first alone', async () => {
    const p = await project({
      'venomqa.json': JSON.stringify({ baseUrl: 'http://127.0.0.1:1', bogusKey: 1, plugins: ['./plugins/lines.mjs', './plugins/other.mjs'] }),
      'plugins/lines.mjs': THROWS_LINES,
      'plugins/other.mjs': "throw new Error('the other broke\\n  because: no key')\n",
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const r = await p.venomqa(['run', '--debug'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/Caused by \(1 of 2\): PluginError: plugin "\.\/plugins\/lines\.mjs" failed to load from \S+lines\.mjs:1:7: cannot reach the vault\n {2}tried: vault-1\n {2}tried: vault-2\n/)
    expect(r.stderr).toMatch(/Caused by \(2 of 2\): PluginError: plugin "\.\/plugins\/other\.mjs" failed to load from \S+other\.mjs:1:7: the other broke\n {2}because: no key\n/)
  })
})

// The CLI's own message of several lines (an unknown plugin: the packages tried, one a line, and a guess)
// is one entry of the list, its later lines indented under its bullet. Where an entry with an unset
// variable was checked, or the file's problems were told with those of --plugin, each of its lines was
// a bullet of its own (`  - @venomqa/redsi`, `  - venomqa.json: @venomqa/redsi`), and the entry was not named.
describe('an unknown plugin among other mistakes of the config', () => {
  const TRIED = ['redsi', '@venomqa/redsi', '@venomqa/adapter-redsi', '@venomqa/state-redsi', '@venomqa/reporter-redsi', 'venomqa-plugin-redsi']
  /** The entries of a list of problems: each line with a bullet, and the lines under it. */
  const entriesOf = (stderr: string) => stderr.trimEnd().split('\n').slice(1).join('\n').split(/\n(?= {2}- )/)

  it('in an entry with an unset variable, and beside --plugin, is one entry, the packages tried indented under it', async () => {
    const p = await project({
      'venomqa.json': JSON.stringify({ baseUrl: 'http://127.0.0.1:1', bogusKey: 1, plugins: [['redsi', { url: '${VENOMQA_TEST_UNSET_URL}' }]] }),
      'journeys/noop.journey.mjs': JOURNEY,
    })
    const alone = await p.venomqa(['run'])
    expect(alone.code, alone.stderr).toBe(2)
    const withFlag = await p.venomqa(['run', '--plugin', 'nosuchplugin'])
    expect(withFlag.code, withFlag.stderr).toBe(2)
    for (const [r, file, count] of [
      [alone, '', 3],
      [withFlag, 'venomqa.json: ', 4],
    ] as const) {
      const entries = entriesOf(r.stderr)
      expect(entries, r.stderr).toHaveLength(count)
      const unknown = entries.find((e) => e.includes('unknown plugin "redsi"'))!
      expect(unknown.split('\n')).toEqual([
        expect.stringMatching(new RegExp(`^ {2}- ${file}plugins\\[0\\]: unknown plugin "redsi": none of these packages is installed in \\S+:$`)),
        ...TRIED.map((name) => `      - ${name}`),
        '    Did you mean "redis"? It is installed.',
      ])
    }
  })
})

