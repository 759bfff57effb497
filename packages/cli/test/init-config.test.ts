import { readFile, rm, symlink, writeFile } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import { CLOSED_PORT, REPO_ROOT, listenLocally } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, projectWithJourneys } from './helpers/project'

// The config `venomqa init` writes is the user's first example: what it shows commented out must work once
// uncommented. Its plugins line used to give Redis no key prefix, which the Redis state backend refuses.
let p: Project

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null)
  for (const pkg of ['adapter-redis', 'state-postgres']) await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(p.dir, 'node_modules/@venomqa', pkg), 'dir')
})
afterAll(async () => {
  await p?.remove()
})

describe('the config venomqa init writes', () => {
  it('has a plugins example that sets up once uncommented', async () => {
    const init = await p.venomqa(['init'])
    expect(init.code, init.stderr).toBe(0)
    const file = path.join(p.dir, 'venomqa.config.ts')
    const written = await readFile(file, 'utf8')
    const example = /^ {2}\/\/ (plugins: .*)$/m.exec(written)
    expect(example, written).not.toBeNull()
    await writeFile(file, written.replace(example![0], `  ${example![1]}`))
    // Nothing answers at these addresses: the services' checks fail (exit 1), after the plugins took their
    // options and set up. A plugin that refuses its options is a mistake in the config (exit 2).
    const closed = { REDIS_URL: `redis://127.0.0.1:${CLOSED_PORT}/0`, DATABASE_URL: `postgres://postgres@127.0.0.1:${CLOSED_PORT}/app` }
    const doctor = await p.venomqa(['doctor'], { env: closed, timeoutMs: 60_000 })
    expect(doctor.stdout).toMatch(/^✓ plugin +@venomqa\/adapter-redis /m)
    expect(doctor.stdout).toMatch(/^✓ plugin +@venomqa\/state-postgres /m)
    expect(doctor.stdout).toMatch(/^✓ setup +2 plugins set up: @venomqa\/(?:adapter-redis, @venomqa\/state-postgres|state-postgres, @venomqa\/adapter-redis)$/m)
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(1)
  })

  it('has a ci profile that runs a failed journey again from scratch and says it is flaky, never a POST again in place', async () => {
    // The first POST answers 503, every later one 201: an API that failed once.
    const posts: string[] = []
    const server = http.createServer((req, res) => {
      if (req.method !== 'POST') return res.writeHead(200).end('ok')
      posts.push(req.url!)
      res.writeHead(posts.length === 1 ? 503 : 201, { 'content-type': 'application/json' }).end('{"id":1}')
    })
    const api = await listenLocally(server)
    try {
      const q = await projectWithJourneys({
        'order.journey.ts': `import { assertStatus, journey, step } from '@venomqa/core'
export default journey('order', { steps: [step('create', async ({ http }) => { const res = await http.post('/orders', { json: {} }); assertStatus(res, 201); return res })] })
`,
      })
      try {
        const init = await q.venomqa(['init'])
        expect(init.code, init.stderr).toBe(0)
        await rm(path.join(q.dir, 'journeys/example.journey.ts'))
        const r = await q.venomqa(['run', '--profile', 'ci', '--base-url', api.url, '-r', 'console'])
        expect(r.code, r.stdout + r.stderr).toBe(0)
        expect(r.stdout).toContain('Journeys  0 passed, 1 flaky of 1')
        expect(posts).toEqual(['/orders', '/orders'])
      } finally {
        await q.remove()
      }
    } finally {
      await api.close()
    }
  })
})
