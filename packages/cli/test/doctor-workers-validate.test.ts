/**
 * `venomqa doctor` asks the workerSetup's `validate` before it makes worker 1, as `venomqa run` asks it
 * before its first journey: a mistake in the setup's config (postgresWorkers without its url, a hand-written
 * setup's validate that throws) is told as the config mistake it is, with run's words naming the key, exit 2,
 * and no worker made. A setup that validates is still tried by making worker 1. No database is needed: a
 * setup refused by its validate touches nothing, and the one that validates here makes nothing but a file.
 */
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { workersLine, workersProject } from './helpers/doctor-workers'
import type { Project } from './helpers/project'

// Each setup leaves `made-<index>` behind when its create runs: what was made is told by the files.
const CONFIG = `import { writeFileSync } from 'node:fs'
import { postgresWorkers } from '@venomqa/state-postgres'

const made = (index: number) => writeFileSync(\`made-\${index}\`, '')
const setups = {
  'no-url': () => postgresWorkers({ url: process.env.DATABASE_URL, startApp: async (index: number) => (made(index), { baseUrl: 'http://127.0.0.1:9' }) }),
  refuses: () => ({
    validate() {
      throw new Error('APP_COMMAND is not set')
    },
    async create(index: number) {
      made(index)
      return {}
    },
  }),
  validates: () => ({
    validate() {},
    async create(index: number) {
      made(index)
      return {}
    },
  }),
}

export default {
  workers: 2,
  workerSetup: setups[process.env.SETUP as keyof typeof setups](),
}
`

describe('venomqa doctor with a workerSetup whose config is wrong', () => {
  let project: Project
  const made = () => existsSync(path.join(project.dir, 'made-1'))
  const doctor = async (setup: string, ...flags: string[]) => {
    await rm(path.join(project.dir, 'made-1'), { force: true })
    return project.venomqa(['doctor', ...flags], { env: { SETUP: setup, DATABASE_URL: undefined }, timeoutMs: 30_000 })
  }
  beforeAll(async () => {
    project = await workersProject({ 'venomqa.config.ts': CONFIG }, {})
  }, 30_000)
  afterAll(async () => {
    await project?.remove()
  })

  it("tells postgresWorkers without its url with run's words, a mistake (exit 2), without trying to make worker 1", async () => {
    const r = await doctor('no-url')
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(workersLine(r.stdout)).toBe(
      '✗ workers    worker 1 not made: the workerSetup refuses the config, as a run does before its first journey: postgresWorkers: `url` (the main database) is required',
    )
    expect(r.stdout).not.toContain('create(1)')
    expect(r.stdout).toMatch(/doctor: 1 of \d+ checks failed, a mistake in the config, a plugin or a journey/)
    expect(made()).toBe(false)
  }, 30_000)

  it("a hand-written validate that throws is the mistake naming workerSetup, as run says it, and its create is not called", async () => {
    const r = await doctor('refuses')
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(workersLine(r.stdout)).toBe(
      '✗ workers    worker 1 not made: the workerSetup refuses the config, as a run does before its first journey: workerSetup: APP_COMMAND is not set',
    )
    expect(made()).toBe(false)
    // The same words as the run's refusal.
    const run = await project.venomqa(['run'], { env: { SETUP: 'refuses' }, timeoutMs: 30_000 })
    expect(run.code, run.stdout + run.stderr).toBe(2)
    expect(run.stderr).toContain('venomqa: workerSetup: APP_COMMAND is not set')
  }, 60_000)

  it('tells the mistake with --no-workers too: it makes no worker to find it', async () => {
    const r = await doctor('no-url', '--no-workers')
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(workersLine(r.stdout)).toMatch(/^✗ workers {4}worker 1 not made: the workerSetup refuses the config, .*postgresWorkers: `url` \(the main database\) is required$/)
    expect(made()).toBe(false)
  }, 30_000)

  it('makes worker 1 as before when the setup validates', async () => {
    const r = await doctor('validates')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(workersLine(r.stdout)).toMatch(/^✓ workers {4}worker 1 made by the workerSetup in \d+ ms: no app of its own/)
    expect(made()).toBe(true)
    const skipped = await doctor('validates', '--no-workers')
    expect(skipped.code, skipped.stdout + skipped.stderr).toBe(0)
    expect(workersLine(skipped.stdout)).toBe('- workers    worker 1 not made (--no-workers): the workerSetup is first tried when a run needs a worker')
    expect(made()).toBe(false)
  }, 60_000)
})
