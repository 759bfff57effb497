import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// A health check that answers `{ warning }`: the service works, but something about it looks wrong (a
// proxy no client has connected through). Doctor shows it as a warning, which fails nothing.

const PLUGIN = `export default {
  name: 'wary',
  apiVersion: 1,
  setup(api) {
    api.addHealthCheck('proxy', async () => ({ warning: 'no client has connected through it yet: start the app with DATABASE_URL=postgres://app:s3cret@127.0.0.1:6543/app' }))
    api.addHealthCheck('fine', async () => true)
  },
}
`
const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('one', { steps: [step('s', () => {})] })
`

const projects: Project[] = []
beforeAll(() => {
  assertBuilt()
})
afterAll(async () => {
  for (const p of projects) await p.remove()
})

describe('venomqa doctor, a service check that warns', () => {
  it('shows the warning with its own mark, masked, and passes', async () => {
    const p = await makeProject(null)
    projects.push(p)
    await mkdir(path.join(p.dir, 'plugins'), { recursive: true })
    await mkdir(path.join(p.dir, 'journeys'), { recursive: true })
    await writeFile(path.join(p.dir, 'plugins/wary.mjs'), PLUGIN)
    await writeFile(path.join(p.dir, 'journeys/one.journey.mjs'), JOURNEY)
    await writeFile(path.join(p.dir, 'venomqa.yaml'), "plugins:\n  - './plugins/wary.mjs'\n")
    const r = await p.venomqa(['doctor'])
    expect(r.stdout).toContain('! service    proxy: no client has connected through it yet: start the app with DATABASE_URL=postgres://app:***@127.0.0.1:6543/app\n')
    expect(r.stdout).not.toContain('s3cret')
    expect(r.stdout).toContain('✓ service    fine is healthy\n')
    expect(r.stdout).toMatch(/\ndoctor: all \d+ checks passed, 1 with a warning\n$/)
    expect(r.code).toBe(0)
  })
})
