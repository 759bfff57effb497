/**
 * The README example, run as written: the code block is taken from README.md at test time, its package
 * import pointed at this package's source, and run as `npx tsx todo.ts` would, against the example todo
 * app in its own process on a MariaDB database of this test's own.
 */
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunResult } from '@venomqa/core'
import { type RunningProcess, describeWithService, runExample, startTodoApp, stepsRun, tsBlock } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { HOST, PORT, dropDatabase, dump, freshDatabase, privateObjects, urlFor } from './helpers'

// The example prints only its status and backends: every run it makes is recorded too, to check each step.
const runs = vi.hoisted((): RunResult[] => [])
vi.mock('@venomqa/runner', async (importOriginal) => (await import('@venomqa/test-utils')).recordingRunner(await importOriginal(), runs))

const describe = await describeWithService('MySQL', HOST, PORT)
const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DB = `venomqa_my_readme_${randomBytes(4).toString('hex')}`

describe('README example', () => {
  let app: RunningProcess | undefined

  beforeAll(async () => {
    await freshDatabase(DB, []) // the app creates its tables at start
    app = await startTodoApp({ DATABASE_URL: urlFor(DB) })
  })
  afterAll(async () => {
    await app?.stop()
    await dropDatabase(DB)
  })

  it('todo.ts: the todo of the first path is gone in the second, and the run ends at the checkpoint', async () => {
    const logged = await runExample({
      dir: path.join(PKG, `test/readme-example.${process.pid}.generated`),
      files: { 'todo.ts': tsBlock(path.join(PKG, 'README.md'), '// todo.ts: run with `npx tsx todo.ts` (or any TypeScript runner)') },
      entry: 'todo.ts',
      imports: { '@venomqa/state-mysql': path.join(PKG, 'src/index.ts') },
      env: { BASE_URL: app!.url, DATABASE_URL: urlFor(DB) },
    })
    expect(logged).toEqual([['passed', [{ name: 'mysql', mechanism: 'snapshot', parallelSafe: false }]]])
    expect(runs).toHaveLength(1)
    expect(stepsRun(runs[0]!)).toEqual([
      'todo_paths > signup: passed',
      'todo_paths > login: passed',
      'todo_paths > add_todo > add: passed',
      'todo_paths > list_is_empty > list: passed',
    ])

    // As the README says: Ann (signed up before the checkpoint) stays, her todo is gone, and so is
    // everything the backend created.
    const { rows, autoIncrement } = await dump(DB)
    expect((rows.users as { name: string }[]).map((u) => u.name)).toEqual(['Ann'])
    expect(rows.todos).toEqual([])
    expect(autoIncrement.todos).toBe('1')
    expect(await privateObjects(DB)).toEqual([])
  })

  it('backend.ts: the named mysqlState() gives the backend, for stateBackends', async () => {
    runs.length = 0
    const logged = await runExample({
      dir: path.join(PKG, `test/readme-example.${process.pid}.backend.generated`),
      files: { 'backend.ts': tsBlock(path.join(PKG, 'README.md'), '// backend.ts: the backend without the plugin') },
      entry: 'backend.ts',
      imports: { '@venomqa/state-mysql': path.join(PKG, 'src/index.ts') },
      env: { BASE_URL: app!.url, DATABASE_URL: urlFor(DB) },
    })
    expect(logged).toEqual([['passed', [{ name: 'mysql', mechanism: 'snapshot', parallelSafe: false }]]])
    expect(stepsRun(runs[0]!)).toEqual(['health > health: passed'])
    expect(await privateObjects(DB)).toEqual([])
  })
})
