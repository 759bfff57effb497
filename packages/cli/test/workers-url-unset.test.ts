import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { explorationRun } from '@venomqa/fixtures'
import { REPO_ROOT } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// A config that gives each worker a database as docs/parallel.md shows, its main database read from the
// environment (`postgresWorkers({ url: process.env.DATABASE_URL! })`): the CI job that only renders the
// shards' reports, and `list` on a developer's machine, have no DATABASE_URL and make no worker. The config
// must load there; only a run that makes workers needs the URL, and says so.
const JOURNEY = (name: string) => `import { journey, step } from '@venomqa/core'
export default journey('${name}', { steps: [step('ping', ({ http }) => http.get('/ping'))] })
`
const CONFIG = `import { postgresWorkers } from '@venomqa/state-postgres'
export default {
  baseUrl: 'http://127.0.0.1:9',
  workerSetup: postgresWorkers({ url: process.env.DATABASE_URL, startApp: async () => ({ baseUrl: 'http://127.0.0.1:9' }) }),
}
`
let p: Project

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null)
  await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(p.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
  await writeFile(path.join(p.dir, 'venomqa.config.mjs'), CONFIG)
  await mkdir(path.join(p.dir, 'journeys'))
  for (const name of ['a', 'b']) await writeFile(path.join(p.dir, 'journeys', `${name}.journey.ts`), JOURNEY(name))
  await writeFile(path.join(p.dir, 'saved.json'), JSON.stringify(explorationRun()))
})
afterAll(async () => {
  await p?.remove()
})

describe('postgresWorkers with its url unset', () => {
  it('lets the config load where no worker is made: list and report', async () => {
    const list = await p.venomqa(['list'], { env: { DATABASE_URL: undefined } })
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout).toMatch(/^a\b/m)
    const report = await p.venomqa(['report', 'saved.json', '-r', 'json:out.json'], { env: { DATABASE_URL: undefined } })
    expect(report.stderr).not.toContain('postgresWorkers')
    expect(report.code, report.stderr).not.toBe(2)
  })

  it('fails a run that makes workers, naming the key where the worker could not be made', async () => {
    const r = await p.venomqa(['run', '--workers', '2'], { env: { DATABASE_URL: undefined } })
    expect(r.stdout).toContain('worker 1 could not be made, so the journey did not run: workerSetup.create(1) failed: postgresWorkers: `url` (the main database) is required')
    expect(r.code, r.stdout + r.stderr).toBe(1)
  })
})
