import { writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost). */
const host = cliHost()

// The config's `http` key (the runner's HTTP client options: timeout, retry, cacheGets, connections), as
// `venomqa run` and `venomqa explore` take it, against an app on a free port in this process: GET /slow
// answers after SLOW_MS, GET /unavailable always answers 503 (each request counted).
const SLOW_MS = 1000
/** Far below SLOW_MS: no answer comes in time, however busy the machine. */
const CUT_MS = 300

let server: http.Server
let baseUrl: string
let unavailableSeen = 0
let project: Project

const JOURNEY = `import { journey, step } from '@venomqa/core'

export default journey('slow', {
  steps: [
    step('slow_get', async ({ http }) => { await http.get('/slow') }),
    step('unavailable_get', async ({ http }) => { await http.get('/unavailable') }),
  ],
})
`

async function config(value: Record<string, unknown>): Promise<void> {
  await writeFile(path.join(project.dir, 'venomqa.json'), JSON.stringify({ baseUrl, ...value }))
}

beforeAll(async () => {
  assertBuilt()
  server = http.createServer(async (req, res) => {
    for await (const _ of req);
    const url = new URL(req.url ?? '/', 'http://app')
    if (url.pathname === '/slow') await new Promise((r) => setTimeout(r, SLOW_MS))
    if (url.pathname === '/unavailable') {
      unavailableSeen++
      res.writeHead(503, { 'content-type': 'application/json' })
      res.end('{"ok":false}')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  project = await makeProject(null, {}, host)
  await writeFile(path.join(project.dir, 'package.json'), JSON.stringify({ name: 'http-config', private: true, type: 'module' }))
  await writeFile(path.join(project.dir, 'slow.journey.ts'), JOURNEY)
})
afterAll(async () => {
  await project?.remove()
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
})
beforeEach(() => {
  unavailableSeen = 0
})

describe('the config key http', () => {
  it('http.timeout cuts a request that outlasts it, failing its step with the deadline named; http.retry is the policy', async () => {
    await config({ http: { timeout: CUT_MS, retry: { retries: 1, baseDelayMs: 1 } } })
    const r = await project.venomqa(['run', 'slow.journey.ts'])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stdout).toContain(`GET ${baseUrl}/slow timed out after ${CUT_MS} ms`)
    // The first attempt and one retry, as the policy says (the default is two retries).
    expect(unavailableSeen).toBe(2)
  })

  it('a bad value is refused, naming http.timeout and the file, exit 2, nothing sent', async () => {
    await config({ http: { timeout: 0 } })
    const r = await project.venomqa(['run', 'slow.journey.ts'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('venomqa.json: http.timeout: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 0')
    await config({ http: { timout: 300, retry: true } })
    const two = await project.venomqa(['run', 'slow.journey.ts'])
    expect(two.code).toBe(2)
    expect(two.stderr).toContain('http.timout: unknown key (did you mean "timeout"?)')
    expect(two.stderr).toContain('http.retry: expected false (no retries) or a policy { retries?, baseDelayMs?, maxDelayMs?, statuses? }, got true')
    expect(unavailableSeen).toBe(0)
  })

  it('a profile overrides it, key by key: the base keeps its other keys', async () => {
    await config({ http: { timeout: 20_000, retry: false }, profiles: { ci: { http: { timeout: CUT_MS } } } })
    const base = await project.venomqa(['run', 'slow.journey.ts'])
    expect(base.code, base.stdout + base.stderr).toBe(0)
    expect(unavailableSeen).toBe(1)
    const ci = await project.venomqa(['run', 'slow.journey.ts', '--profile', 'ci'])
    expect(ci.code, ci.stdout + ci.stderr).toBe(1)
    expect(ci.stdout).toContain(`GET ${baseUrl}/slow timed out after ${CUT_MS} ms`)
    // retry: false, from the base, still holds under the profile.
    expect(unavailableSeen).toBe(2)
    // Checked in a profile as in the base (every profile, as every key is).
    await config({ http: { timeout: 20_000 }, profiles: { bad: { http: { timeout: 1.5 } } } })
    const bad = await project.venomqa(['run', 'slow.journey.ts'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('venomqa.json: profiles.bad.http.timeout: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 1.5')
  })

  it('--http-timeout and VENOMQA_HTTP_TIMEOUT set it too, checked alike and named when wrong', async () => {
    await config({ http: { timeout: 20_000, retry: false } })
    const flag = await project.venomqa(['run', 'slow.journey.ts', '--http-timeout', String(CUT_MS)])
    expect(flag.code, flag.stdout + flag.stderr).toBe(1)
    expect(flag.stdout).toContain(`GET ${baseUrl}/slow timed out after ${CUT_MS} ms`)
    const env = await project.venomqa(['run', 'slow.journey.ts'], { env: { VENOMQA_HTTP_TIMEOUT: String(CUT_MS) } })
    expect(env.code, env.stdout + env.stderr).toBe(1)
    expect(env.stdout).toContain(`GET ${baseUrl}/slow timed out after ${CUT_MS} ms`)
    const badFlag = await project.venomqa(['run', 'slow.journey.ts', '--http-timeout', '2s'])
    expect(badFlag.code).toBe(2)
    expect(badFlag.stderr).toContain('--http-timeout: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got "2s"')
    const badEnv = await project.venomqa(['run', 'slow.journey.ts'], { env: { VENOMQA_HTTP_TIMEOUT: '-1' } })
    expect(badEnv.code).toBe(2)
    expect(badEnv.stderr).toContain('VENOMQA_HTTP_TIMEOUT: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got "-1"')
  })

  it('venomqa explore takes it as run does', async () => {
    await config({ plugins: ['http-control'], http: { timeout: CUT_MS } })
    await writeFile(
      path.join(project.dir, 'slow.explore.ts'),
      `import { action, exploration, invariant } from '@venomqa/core'

export default exploration('slow-probe', {
  actions: [action('tick', ({ http }) => http.post('/tick'), { maxPerPath: 1 })],
  invariants: [invariant('the slow report answers', async ({ http }) => (await http.get('/slow')).status === 200)],
  depth: 1,
  seed: 1,
})
`,
    )
    const r = await project.venomqa(['explore', 'slow.explore.ts', '--no-emit'], { timeoutMs: 40_000 })
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stdout).toContain(`/slow timed out after ${CUT_MS} ms`)
  }, 60_000)
})
