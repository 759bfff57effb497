import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// `explore --workers 2` with no workerSetup names the setup to add. A project that rolls back MariaDB
// with @venomqa/state-mysql was told of postgresWorkers, from a package it does not have.
let p: Project

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null)
  await symlink(path.join(REPO_ROOT, 'packages/state-mysql'), path.join(p.dir, 'node_modules/@venomqa/state-mysql'), 'dir')
  await writeFile(
    path.join(p.dir, 'venomqa.json'),
    JSON.stringify({ baseUrl: 'http://127.0.0.1:9', plugins: [['@venomqa/state-mysql', { url: 'mysql://root@127.0.0.1:3306/hcli_workers_advice' }]] }),
  )
  await mkdir(path.join(p.dir, 'explore'))
  await writeFile(
    path.join(p.dir, 'explore/x.explore.ts'),
    `import { action, exploration } from '@venomqa/core'
export default exploration('x', { actions: [action('noop', () => undefined)], depth: 1, seed: 1 })
`,
  )
})
afterAll(async () => {
  await p?.remove()
})

describe('explore --workers with no workerSetup', () => {
  it("names the worker setup of the run's state backend's package", async () => {
    const r = await p.venomqa(['explore', '--workers', '2'])
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(r.stderr).toContain('venomqa: exploration "x" would run on 2 workers, but no workerSetup is configured')
    expect(r.stderr).toContain('Add a workerSetup to the config (mysqlWorkers from @venomqa/state-mysql: one app and database per worker, see docs/parallel.md)')
    expect(r.stderr).not.toContain('postgresWorkers')
  })
})
