import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// What a plugin's health check says is the plugin's text, or a server's it quotes: `venomqa doctor` prints
// it on its verdict line with its control characters escaped (an ESC from a server's page must not clear
// the terminal), and a reason of several lines under the line's detail, not at the left edge.

const PLUGIN = `export default {
  name: 'talkative',
  apiVersion: 1,
  setup(api) {
    api.addHealthCheck('escapes', async () => 'answered 404: <h1>\\u001b[2JNot here\\u0007</h1>')
    api.addHealthCheck('lines', async () => { throw new Error('cannot list the mailbox:\\nsecond line\\r\\nthird line') })
  },
}
`

const projects: Project[] = []
beforeAll(() => {
  assertBuilt()
})
afterAll(async () => {
  for (const p of projects) await p.remove()
})

describe('venomqa doctor, a service check in text a plugin chose', () => {
  it('escapes control characters and keeps the lines of a reason under its detail', async () => {
    const p = await makeProject(null)
    projects.push(p)
    await mkdir(path.join(p.dir, 'plugins'), { recursive: true })
    await writeFile(path.join(p.dir, 'plugins/talkative.mjs'), PLUGIN)
    await writeFile(path.join(p.dir, 'venomqa.yaml'), "plugins:\n  - './plugins/talkative.mjs'\n")
    const r = await p.venomqa(['doctor'])
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/)
    expect(r.stdout).toContain('✗ service    escapes: answered 404: <h1>\\x1b[2JNot here\\x07</h1>\n')
    expect(r.stdout).toContain('✗ service    lines: cannot list the mailbox:\n             second line\n             third line\n')
  })
})
