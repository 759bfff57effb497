import { existsSync } from 'node:fs'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// A mistake in a reporter's or a plugin's options names the entry the user wrote (`reporters[1]`, a
// profile's), and a misspelt key gets the one meant, through the built `venomqa`.
let p: Project

const CONFIG = `export default {
  reporters: ['console', ['html', { titel: 'Nightly', maxBodyChars: -1 }]],
  profiles: { ci: { reporters: ['console', ['junit', { verbos: true }]] } },
}
`
const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('noop', { steps: [step('nothing', () => {})] })
`

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null)
  await symlink(path.join(REPO_ROOT, 'packages/reporter-html'), path.join(p.dir, 'node_modules/@venomqa/reporter-html'), 'dir')
  await writeFile(path.join(p.dir, 'venomqa.config.ts'), CONFIG)
  await mkdir(path.join(p.dir, 'journeys'), { recursive: true })
  await writeFile(path.join(p.dir, 'journeys/noop.journey.mjs'), JOURNEY)
})
afterAll(async () => {
  await p?.remove()
})

describe('reporter and plugin option errors', () => {
  it("a plugin reporter's options: every problem, at the reporter's entry, with the key it meant; nothing written", async () => {
    const r = await p.venomqa(['run'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain('  - reporters[1].maxBodyChars: expected a positive whole number, got -1')
    expect(r.stderr).toContain('  - reporters[1].titel: unknown option (did you mean "title"?)')
    expect(r.stderr).not.toMatch(/\n\s+at .*\(/)
    expect(existsSync(path.join(p.dir, 'venomqa-report.html'))).toBe(false)
  })

  it("a built-in reporter's, from a profile, at the profile's entry", async () => {
    const profile = await p.venomqa(['run', '--profile', 'ci'])
    expect(profile.code).toBe(2)
    expect(profile.stderr).toContain('reporter "junit": "verbos" is not an option of the junit reporter (it takes none)\n  at profiles.ci.reporters[1]')
  })

  it("a plugin's misspelt option gets the one it meant", async () => {
    const r = await p.venomqa(['run', '-r', 'console', '--plugin', 'csv?rowz=step'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('venomqa: --plugin csv?rowz: unknown option (did you mean "rows"?)')
  })
})
