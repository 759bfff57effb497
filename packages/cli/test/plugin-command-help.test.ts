/**
 * A plugin's command is found as a built-in one is: `venomqa help <command>` shows its help (it printed the
 * program's help and exited 2), and a misspelt one (`jsondir:shwo`) gets a "did you mean", from a plugin in
 * the config or from an installed package that declares it.
 */
import { describe, expect, it } from 'vitest'
import { projectsOfFiles } from './helpers/project'

const JSONDIR = {
  'plugins/jsondir.mjs': `export default { name: 'jsondir', version: '1.0.0', apiVersion: 1,
  commands(api) { api.addCommand('jsondir:show', { description: 'show the JSON files of a folder', options: [{ flags: '--pretty', description: 'indent them' }], run({ stdout }) { stdout.write('shown\\n'); return 0 } }) } }
`,
  'venomqa.json': JSON.stringify({ plugins: ['./plugins/jsondir.mjs'] }),
}
const INSTALLED = {
  'node_modules/venomqa-plugin-files/package.json': JSON.stringify({ name: 'venomqa-plugin-files', version: '1.0.0', type: 'module', main: 'index.mjs', venomqa: { commands: ['files:list'] } }),
  'node_modules/venomqa-plugin-files/index.mjs': `export default { name: 'venomqa-plugin-files', version: '1.0.0', apiVersion: 1,
  commands(api) { api.addCommand('files:list', { description: 'list the files', run() { return 0 } }) } }
`,
}

const project = projectsOfFiles()

describe("a plugin's command, asked for as a built-in one is", () => {
  it('`venomqa help <command>` shows its help, as `venomqa <command> --help` does', async () => {
    const p = await project(JSONDIR)
    const asked = await p.venomqa(['jsondir:show', '--help'])
    const r = await p.venomqa(['help', 'jsondir:show'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('Usage: venomqa jsondir:show [options] [args...]')
    expect(r.stdout).toContain('show the JSON files of a folder (from jsondir)')
    expect(r.stdout).toContain('--pretty')
    expect(r.stdout).toBe(asked.stdout)
  })

  it('a misspelt command of a configured plugin gets a "did you mean"', async () => {
    const p = await project(JSONDIR)
    const r = await p.venomqa(['jsondir:shwo'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe("venomqa: unknown command 'jsondir:shwo'\n(Did you mean jsondir:show?)\n")
    const help = await p.venomqa(['help', 'jsondir:shwo'])
    expect(help.code).toBe(2)
    expect(help.stderr).toBe("venomqa: unknown command 'jsondir:shwo'\n(Did you mean jsondir:show?)\n")
  })

  it('a misspelt command an installed package declares gets a "did you mean"', async () => {
    const p = await project(INSTALLED)
    const r = await p.venomqa(['files:lsit'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe("venomqa: unknown command 'files:lsit'\n(Did you mean files:list?)\n")
  })

  it('a misspelt built-in command still gets its own', async () => {
    const p = await project(JSONDIR)
    const r = await p.venomqa(['lsit'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown command 'lsit'\n(Did you mean list?)")
  })
})
