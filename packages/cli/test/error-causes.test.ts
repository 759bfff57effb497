import { readFile, mkdir, writeFile } from 'node:fs/promises'
import { freePort } from '@venomqa/test-utils'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// A step whose own fetch cannot connect throws `TypeError: fetch failed`; why it failed is in its cause.
const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('unreachable', {
  steps: [step('call', async () => { await fetch(\`http://127.0.0.1:\${process.env.CLOSED_PORT}/\`) })],
})
`

describe("a step's error names its cause", () => {
  let project: Project
  beforeAll(async () => {
    assertBuilt()
    project = await makeProject(null)
    await writeFile(path.join(project.dir, 'package.json'), JSON.stringify({ name: 'unreachable', private: true, type: 'module' }))
    await mkdir(path.join(project.dir, 'journeys'))
    await writeFile(path.join(project.dir, 'journeys/unreachable.journey.ts'), JOURNEY)
  })
  afterAll(async () => {
    await project?.remove()
  })

  it('in the console and in the json report; --debug adds the stack of the cause', async () => {
    const port = await freePort()
    const refused = `fetch failed (cause: connect ECONNREFUSED 127.0.0.1:${port})`
    const r = await project.venomqa(['run', '--reporter', 'console', '--reporter', 'json:out/results.json'], { env: { CLOSED_PORT: String(port), CI: 'true' } })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(refused)
    const report = JSON.parse(await readFile(path.join(project.dir, 'out/results.json'), 'utf8')) as { journeys: { nodes: { name: string; error?: { message: string } }[] }[] }
    expect(report.journeys[0]!.nodes.find((s) => s.name === 'call')!.error!.message).toBe(refused)

    const debug = await project.venomqa(['run', '--debug'], { env: { CLOSED_PORT: String(port), CI: 'true' } })
    expect(debug.code).toBe(1)
    expect(debug.stdout).toContain(refused)
    expect(debug.stdout).toMatch(new RegExp(`\\n\\s+Caused by: Error: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\n\\s+at `))
  })
})
