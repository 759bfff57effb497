import { readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { CLOSED_PORT, REPO_ROOT } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

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
    expect(doctor.stdout).toMatch(/^✓ setup +2 plugins set up$/m)
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(1)
  })
})
