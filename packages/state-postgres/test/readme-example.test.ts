/**
 * The README example, run as written: todo.journey.ts and run.ts are taken from README.md at test time,
 * written side by side (run.ts imports ./todo.journey), the package import pointed at this package's source,
 * and run as `npx tsx run.ts` would, against the example todo app in its own process on a PostgreSQL
 * database of this test's own.
 */
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunResult } from '@venomqa/core'
import { type RunningProcess, describeWithService, runExample, startTodoApp, stepsRun, tsBlock } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { PG, createDatabase, dropDatabase, trackingLeftovers, withClient } from './helpers'

// The example prints only its status and backends: every run it makes is recorded too, to check each step.
const runs = vi.hoisted((): RunResult[] => [])
vi.mock('@venomqa/runner', async (importOriginal) => (await import('@venomqa/test-utils')).recordingRunner(await importOriginal(), runs))

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const README = path.join(PKG, 'README.md')
const DB = `venomqa_pg_readme_${randomBytes(4).toString('hex')}`

describe('README example', () => {
  let url: string
  let app: RunningProcess | undefined

  beforeAll(async () => {
    url = await createDatabase(DB) // the app creates its tables at start
    app = await startTodoApp({ DATABASE_URL: url })
  })
  afterAll(async () => {
    await app?.stop()
    await dropDatabase(DB)
  })

  it('run.ts with todo.journey.ts: every path starts from the checkpoint, the run ends there, and it runs again on the same database', async () => {
    // A folder per run: a module imported once is not run again from the same path.
    const run = (n: number) => runExample({
      dir: path.join(PKG, `test/readme-example.${process.pid}.${n}.generated`),
      files: {
        'todo.journey.ts': tsBlock(README, '// todo.journey.ts'),
        'run.ts': tsBlock(README, '// run.ts: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/todo_test npx tsx run.ts` (and BASE_URL if the app is elsewhere)'),
      },
      entry: 'run.ts',
      imports: { '@venomqa/state-postgres': path.join(PKG, 'src/index.ts') },
      env: { BASE_URL: app!.url, DATABASE_URL: url },
    })
    const logged = await run(1)

    expect(logged).toEqual([['passed', [{ name: `postgres:${DB}`, mechanism: 'snapshot', parallelSafe: false }]]])
    expect(stepsRun(runs[0]!)).toEqual([
      'todos > sign_up: passed',
      'todos > log_in: passed',
      'todos > first_todo: passed',
      'todos > add > add: passed',
      'todos > delete > sees_only_the_first: passed',
      'todos > delete > delete: passed',
      'todos > add_again > add: passed',
      'todos > back_at_the_checkpoint: passed',
    ])

    // The database is left at the checkpoint (Ada and her first todo), without the backend's tracking.
    const titles = async () => withClient(url, async (c) => (await c.query('SELECT title FROM todos ORDER BY id')).rows.map((r) => r.title))
    expect(await titles()).toEqual(['first'])
    expect(await trackingLeftovers(url)).toEqual([])

    // The main line's writes stay, so a second run signs up a user of its own: a fixed address got a 409.
    expect(await run(2)).toEqual(logged)
    expect(stepsRun(runs[1]!)).toEqual(stepsRun(runs[0]!))
    expect(await titles()).toEqual(['first', 'first'])
    expect(await trackingLeftovers(url)).toEqual([])
  })
})
