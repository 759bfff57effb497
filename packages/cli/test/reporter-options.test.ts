import { existsSync } from 'node:fs'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { REPO_ROOT, runBuiltCli } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// A mistake in a reporter's or a plugin's options names the entry the user wrote (`reporters[1]`, a
// profile's), and a misspelt key gets the one meant, through the built `venomqa`.
let p: Project

const CONFIG = `export default {
  reporters: ['console', ['html', { titel: 'Nightly', maxBodyChars: -1 }]],
  profiles: {
    ci: { reporters: ['console', ['junit', { verbos: true }]] },
    many: { reporters: [['console', { verbos: true }], ['html', { titel: 'Nightly' }], ['markdown', { x: 1 }]] },
    typo: { reporters: ['console', 'consol'] },
    nofile: { reporters: ['console', 'junit:'] },
    noplugin: { plugins: ['venomqa-nope'] },
  },
}
`
const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('noop', { steps: [step('nothing', () => {})] })
`

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null, {}, host)
  await symlink(path.join(REPO_ROOT, 'packages/reporter-html'), path.join(p.dir, 'node_modules/@venomqa/reporter-html'), 'dir')
  await writeFile(path.join(p.dir, 'venomqa.config.ts'), CONFIG)
  await mkdir(path.join(p.dir, 'journeys'), { recursive: true })
  await writeFile(path.join(p.dir, 'journeys/noop.journey.mjs'), JOURNEY)
})
afterAll(async () => {
  await p?.remove()
})

describe('reporter and plugin option errors', () => {
  it("a plugin reporter's options: every problem, at the reporter's entry, with the key it meant; nothing written", async () => {
    const r = await p.venomqa(['run'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain('  - venomqa.config.ts: reporters[1].maxBodyChars: expected a positive whole number, got -1')
    expect(r.stderr).toContain('  - venomqa.config.ts: reporters[1].titel: unknown option (did you mean "title"?)')
    expect(r.stderr).not.toMatch(/\n\s+at .*\(/)
    expect(existsSync(path.join(p.dir, 'venomqa-report.html'))).toBe(false)
  })

  it("a built-in reporter's, from a profile, at the profile's entry", async () => {
    const profile = await p.venomqa(['run', '--profile', 'ci'])
    expect(profile.code).toBe(2)
    expect(profile.stderr).toContain('reporter "junit": "verbos" is not an option of the junit reporter (it takes none)\n  at venomqa.config.ts: profiles.ci.reporters[1]')
  })

  it("every reporter's refused options at once, each at its entry", async () => {
    const r = await p.venomqa(['run', '--profile', 'many'])
    expect(r.code, r.stderr).toBe(2)
    // The last lines of the output: no `at` line after them, no stack.
    expect(r.stderr.slice(r.stderr.indexOf('venomqa: 3 problems'))).toBe(
      [
        'venomqa: 3 problems with reporter options:',
        '  - venomqa.config.ts: profiles.many.reporters[0]: reporter "console": "verbos" is not an option of the console reporter (it takes color, progress, verbose); did you mean "verbose"?',
        '  - venomqa.config.ts: profiles.many.reporters[1].titel: unknown option (did you mean "title"?)',
        '  - venomqa.config.ts: profiles.many.reporters[2]: reporter "markdown": "x" is not an option of the markdown reporter (it takes none)',
        '',
      ].join('\n'),
    )
  })

  it("a plugin's misspelt option gets the one it meant", async () => {
    const r = await p.venomqa(['run', '-r', 'console', '--plugin', 'csv?rowz=step'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('venomqa: --plugin csv?rowz: unknown option (did you mean "rows"?)')
  })
})

describe('an unknown reporter name', () => {
  it('names the installed reporter or plugin that is not loaded and how to load it, never an install of the name given', async () => {
    // @venomqa/reporter-html is installed (linked above), and not among the config's plugins.
    const typo = await p.venomqa(['run', '-r', 'htm'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain(
      'venomqa: unknown reporter "htm": did you mean "html"? @venomqa/reporter-html is installed but not loaded: the reporter name "html" loads it (or add "@venomqa/reporter-html" to plugins in the config, or give --plugin @venomqa/reporter-html). Known reporters: console, json, junit, markdown',
    )
    // Anyone may publish the misspelt name: it is never said to install it.
    expect(typo.stderr).not.toMatch(/\b(npm|pnpm|yarn) (i|install|add)\b|reporter-htm\b/)
    const meant = await p.venomqa(['run', '-r', 'html:meant.html'])
    expect(meant.code, meant.stderr).toBe(0)
    expect(existsSync(path.join(p.dir, 'meant.html'))).toBe(true)

    // venomqa-plugin-csv (installed by makeProject) registers the csv reporter, but the config does not load it.
    const plugin = await p.venomqa(['run', '-r', 'csv'])
    expect(plugin.code).toBe(2)
    expect(plugin.stderr).toContain(
      'venomqa: unknown reporter "csv": no loaded plugin declares it, and venomqa-plugin-csv is installed but not loaded: add "venomqa-plugin-csv" to plugins in the config, or give --plugin venomqa-plugin-csv. Known reporters: console, json, junit, markdown',
    )
    const loaded = await p.venomqa(['run', '-r', 'csv:loaded.csv', '--plugin', 'venomqa-plugin-csv'])
    expect(loaded.code, loaded.stderr).toBe(0)
    expect(existsSync(path.join(p.dir, 'loaded.csv'))).toBe(true)
  })

  it('names the entry that has it, as an unknown plugin names its own: a config key (in its file), a profile, a flag', async () => {
    const profile = await p.venomqa(['run', '--profile', 'typo'])
    expect(profile.code).toBe(2)
    expect(profile.stderr).toContain(
      'venomqa: unknown reporter "consol": did you mean "console"? Known reporters: console, json, junit, markdown\n  at venomqa.config.ts: profiles.typo.reporters[1]\n',
    )
    // An unknown plugin the config names, in the file it is written in, as the config's other mistakes are.
    const plugin = await p.venomqa(['run', '--profile', 'noplugin'])
    expect(plugin.code).toBe(2)
    expect(plugin.stderr).toMatch(/venomqa: unknown plugin "venomqa-nope": none of these packages is installed in /)
    expect(plugin.stderr.endsWith('\n  at venomqa.config.ts: profiles.noplugin.plugins[0]\n')).toBe(true)
    const flag = await p.venomqa(['run', '-r', 'consol'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain('Known reporters: console, json, junit, markdown\n  at --reporter consol\n')
    // A file left out after the colon (an unset variable in `junit:$REPORT`) is told at its entry too.
    const nofile = await p.venomqa(['run', '--profile', 'nofile'])
    expect(nofile.code).toBe(2)
    expect(nofile.stderr).toContain(
      'venomqa: reporter "junit:" has nothing after ":"; give the file (junit:<file>), or "junit" alone for its default\n  at venomqa.config.ts: profiles.nofile.reporters[1]\n',
    )
  })

  it('finds what is installed where Node does: a workspace package whose plugins are hoisted to the workspace root', async () => {
    // apps/api has a config and journeys of its own and no node_modules: its packages are the root's.
    const api = path.join(p.dir, 'apps/api')
    await mkdir(path.join(api, 'journeys'), { recursive: true })
    await writeFile(path.join(api, 'venomqa.config.mjs'), 'export default {}\n')
    await writeFile(path.join(api, 'journeys/noop.journey.mjs'), JOURNEY)
    const typo = await runBuiltCli(['run', '-r', 'htm'], { cwd: api })
    expect(typo.code).toBe(2)
    expect(typo.output).toContain('unknown reporter "htm": did you mean "html"? @venomqa/reporter-html is installed but not loaded')
    const plugin = await runBuiltCli(['run', '-r', 'csv'], { cwd: api })
    expect(plugin.code).toBe(2)
    expect(plugin.output).toContain('unknown reporter "csv": no loaded plugin declares it, and venomqa-plugin-csv is installed but not loaded')
    const unknown = await runBuiltCli(['run', '--plugin', 'csvv'], { cwd: api })
    expect(unknown.code).toBe(2)
    expect(unknown.output).toContain('Did you mean "csv"? It is installed.')
  })
})
