/**
 * The CLI host the test files run their commands in (helpers/cli-host.mjs, CliHost): each command must see
 * what a `venomqa` process of its own would see, or a test passing there says nothing of the binary.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

const host = cliHost()
let p: Project

/** A plugin named `name` whose command `venomqa say` prints the variable SAID. */
const PLUGIN = (name: string) => `export default { name: '${name}', version: '1.0.0', apiVersion: 1, setup() {}, commands(api) {
  api.addCommand('say', { description: 'says', run({ stdout }) { stdout.write(process.env.SAID ?? 'nothing'); return 0 } })
} }\n`

describe('CliHost', () => {
  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null, {}, host)
  })
  afterAll(async () => {
    await p?.remove()
  })

  it('reads a config the test rewrote since the last command, as a new process would (Node keeps a module it loaded)', async () => {
    await writeFile(path.join(p.dir, 'plug.mjs'), PLUGIN('first'))
    await writeFile(path.join(p.dir, 'venomqa.config.mjs'), "export default { baseUrl: 'http://127.0.0.1:9', plugins: ['./plug.mjs'] }\n")
    expect((await p.venomqa(['plugins'])).stdout).toMatch(/\bfirst\b/)
    await writeFile(path.join(p.dir, 'plug.mjs'), PLUGIN('second'))
    const again = await p.venomqa(['plugins'])
    expect(again.stdout).toMatch(/\bsecond\b/)
    expect(again.stdout).not.toMatch(/\bfirst\b/)
  })

  it("gives each command only the environment given to it, the process's own streams and its exit code", async () => {
    await writeFile(path.join(p.dir, 'plug.mjs'), PLUGIN('speaker'))
    const said = await p.venomqa(['say'], { env: { SAID: 'hello' } })
    expect(said).toMatchObject({ code: 0, stdout: 'hello' })
    expect((await p.venomqa(['say'])).stdout).toBe('nothing')
    const unknown = await p.venomqa(['no-such-command'])
    expect(unknown.code).toBe(2)
    expect(unknown.stdout).toBe('')
    expect(unknown.stderr).toMatch(/^venomqa: unknown command 'no-such-command'/)
  })

  it('answers a fault nothing caught as the binary does (exit 1, one line), and the next command gets a new host', async () => {
    const throwsLater = `export default { name: 'late', version: '1.0.0', apiVersion: 1, setup() {}, commands(api) {
  api.addCommand('boom', { description: 'throws outside any await', run: () => new Promise(() => { setTimeout(() => { throw new Error('late boom') }, 10) }) })
} }\n`
    await writeFile(path.join(p.dir, 'plug.mjs'), throwsLater)
    const boom = await p.venomqa(['boom'])
    expect(boom.code).toBe(1)
    expect(boom.stderr).toBe('venomqa: unexpected error (thrown where nothing caught it): late boom\n  (run with --debug to see the stack)\n')
    const binary = await p.venomqa(['boom'], { process: true })
    expect(binary.code).toBe(1)
    expect(binary.stderr).toBe(boom.stderr)
    await writeFile(path.join(p.dir, 'plug.mjs'), PLUGIN('after'))
    expect(await p.venomqa(['say'])).toMatchObject({ code: 0, stdout: 'nothing' })
  })
})
