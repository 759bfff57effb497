import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, projectWithJourneys, waitUntil } from './helpers/project'

// Ctrl-C or SIGTERM while the journeys still load (a top-level await, a slow import): it ended the
// process with 143 and no word, and left the earlier run's "passed" record for --last-failed.
let p: Project

beforeAll(async () => {
  p = await projectWithJourneys({
    'slow.journey.mjs': [
      "import { journey, step } from '@venomqa/core'",
      "if (process.env.SLOW_LOAD) { process.stderr.write('loading slowly\\n'); await new Promise((r) => setTimeout(r, 30_000)) }",
      "export default [journey('slow_to_load', { steps: [step('nothing', () => {})] }), journey('second', { steps: [step('nothing', () => {})] })]",
      '',
    ].join('\n'),
  })
})
afterAll(async () => {
  await p?.remove()
})

describe('a signal while the journeys load', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s: exit 130, says nothing ran, and leaves no record of an earlier run', async (signal) => {
    expect((await p.venomqa(['run'])).code).toBe(0)
    const record = path.join(p.dir, '.venomqa/last-run.json')
    expect(existsSync(record)).toBe(true)
    const run = p.spawn(['run'], { env: { SLOW_LOAD: '1' } })
    await waitUntil(() => run.output().stderr.includes('loading slowly'), 'the journey file to start loading')
    run.child.kill(signal)
    const r = await run.done
    expect([r.code, r.signal]).toEqual([130, null])
    expect(r.stderr).toContain('venomqa: interrupted before the run started: nothing ran\n')
    expect(existsSync(record)).toBe(false)
  })

  it("a shard's: takes that shard's record and the whole run's, and leaves the other shard's", async () => {
    for (const i of [1, 2]) expect((await p.venomqa(['run', '--shard', `${i}/2`])).code).toBe(0)
    const records = () => readdirSync(path.join(p.dir, '.venomqa')).sort()
    expect(records()).toEqual(['last-run.shard-1-of-2.json', 'last-run.shard-2-of-2.json'])
    const run = p.spawn(['run', '--shard', '2/2'], { env: { SLOW_LOAD: '1' } })
    await waitUntil(() => run.output().stderr.includes('loading slowly'), 'the journey file to start loading')
    run.child.kill('SIGINT')
    expect((await run.done).code).toBe(130)
    expect(records()).toEqual(['last-run.shard-1-of-2.json'])
  })
})
