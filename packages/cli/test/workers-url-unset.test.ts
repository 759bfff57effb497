import { existsSync } from 'node:fs'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { explorationRun } from '@venomqa/fixtures'
import { REPO_ROOT } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// A config that gives each worker a database as docs/parallel.md shows, its main database read from the
// environment (`postgresWorkers({ url: process.env.DATABASE_URL! })`): the CI job that only renders the
// shards' reports, and `list` on a developer's machine, have no DATABASE_URL and make no worker. The config
// must load there; only a run that makes workers needs the URL, and says so before anything runs.
// Each journey's step leaves a file behind: what ran is told by the files, not by what the output says.
const JOURNEY = (name: string) => `import { writeFileSync } from 'node:fs'
import { journey, step } from '@venomqa/core'
export default journey('${name}', { steps: [step('ping', () => writeFileSync('ran-${name}', ''))] })
`
const START_APP = `startApp: async () => ({ baseUrl: 'http://127.0.0.1:9' })`
const CONFIG = `import { postgresWorkers } from '@venomqa/state-postgres'
export default {
  baseUrl: 'http://127.0.0.1:9',
  workerSetup: postgresWorkers({ url: process.env.DATABASE_URL, ${START_APP} }),
}
`
const MYSQL_CONFIG = `import { mysqlWorkers } from '@venomqa/state-mysql'
export default {
  baseUrl: 'http://127.0.0.1:9',
  workerSetup: mysqlWorkers({ url: process.env.DATABASE_URL, ${START_APP} }),
}
`
// The proxy's rows sit in its open transaction, which a worker's copy cannot read: refused from its state
// backend alone, before the proxy is started (its control URL here answers nothing).
const PROXY_CONFIG = `import { postgresWorkers } from '@venomqa/state-postgres'
export default {
  baseUrl: 'http://127.0.0.1:9',
  plugins: [['@venomqa/pg-proxy', { control: 'http://127.0.0.1:9' }]],
  workerSetup: postgresWorkers({ url: 'postgres://postgres@127.0.0.1:5432/hcli_proxy', ${START_APP} }),
}
`
let p: Project

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null)
  for (const name of ['state-postgres', 'state-mysql', 'pg-proxy']) await symlink(path.join(REPO_ROOT, 'packages', name), path.join(p.dir, 'node_modules/@venomqa', name), 'dir')
  await writeFile(path.join(p.dir, 'venomqa.config.mjs'), CONFIG)
  await writeFile(path.join(p.dir, 'mysql.config.mjs'), MYSQL_CONFIG)
  await writeFile(path.join(p.dir, 'proxy.config.mjs'), PROXY_CONFIG)
  await mkdir(path.join(p.dir, 'journeys'))
  for (const name of ['a', 'b']) await writeFile(path.join(p.dir, 'journeys', `${name}.journey.ts`), JOURNEY(name))
  await mkdir(path.join(p.dir, 'explore'))
  await writeFile(
    path.join(p.dir, 'explore/x.explore.ts'),
    `import { writeFileSync } from 'node:fs'
import { action, exploration } from '@venomqa/core'
export default exploration('x', { actions: [action('touch', () => writeFileSync('ran-x', ''))], depth: 1, seed: 1 })
`,
  )
  await writeFile(path.join(p.dir, 'saved.json'), JSON.stringify(explorationRun()))
})
afterAll(async () => {
  await p?.remove()
})

const ran = () => ['a', 'b'].filter((name) => existsSync(path.join(p.dir, `ran-${name}`)))

describe('postgresWorkers with its url unset', () => {
  it('lets the config load where no worker is made: list and report', async () => {
    const list = await p.venomqa(['list'], { env: { DATABASE_URL: undefined } })
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout).toMatch(/^a\b/m)
    const report = await p.venomqa(['report', 'saved.json', '-r', 'json:out.json'], { env: { DATABASE_URL: undefined } })
    expect(report.stderr).not.toContain('postgresWorkers')
    expect(report.code, report.stderr).not.toBe(2)
  })

  it('refuses a run that makes workers before anything runs, exit 2, naming the key', async () => {
    const r = await p.venomqa(['run', '--workers', '2', '--save', 'out/results.json'], { env: { DATABASE_URL: undefined } })
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(r.stderr).toContain('venomqa: postgresWorkers: `url` (the main database) is required')
    expect(ran()).toEqual([])
    expect(r.stdout).not.toContain('▶')
    expect(existsSync(path.join(p.dir, 'out/results.json'))).toBe(false)
  })

  it('mysqlWorkers without its url, and postgresWorkers over the pg-proxy state, are refused the same way', async () => {
    const mysql = await p.venomqa(['run', '--workers', '2', '-c', 'mysql.config.mjs'], { env: { DATABASE_URL: undefined } })
    expect(mysql.code, mysql.stdout + mysql.stderr).toBe(2)
    expect(mysql.stderr).toContain('venomqa: mysqlWorkers: `url` (the main database) is required')
    const proxy = await p.venomqa(['run', '--workers', '2', '-c', 'proxy.config.mjs'])
    expect(proxy.code, proxy.stdout + proxy.stderr).toBe(2)
    expect(proxy.stderr).toContain('venomqa: postgresWorkers: the run\'s state backend "pg-proxy')
    expect(proxy.stderr).toContain('uses the proxy mechanism')
    expect(ran()).toEqual([])
  })

  it('refuses an exploration on workers the same way, with nothing explored', async () => {
    const r = await p.venomqa(['explore', '--workers', '2', '--prefix-replay'], { env: { DATABASE_URL: undefined } })
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(r.stderr).toContain('venomqa: postgresWorkers: `url` (the main database) is required')
    expect(existsSync(path.join(p.dir, 'ran-x'))).toBe(false)
  })

  it('a worker that cannot be made for a reason of the moment (its database server down) still fails the run, exit 1', async () => {
    // Nothing listens on port 1: the config is right, the server is not there.
    const r = await p.venomqa(['run', '--workers', '2'], { env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/hcli_down' } })
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stdout).toContain('worker 1 could not be made, so the journey did not run: workerSetup.create(1) failed:')
  })
})
