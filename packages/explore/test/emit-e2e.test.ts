/**
 * The emitted journey, end to end. A short sequence really runs against the example todo app in its own
 * process (in memory, rolled back through its control endpoints); the journey written from that run is
 * then run by the built `venomqa` CLI, in a project of its own, against two instances of the app: one
 * where the invariant breaks (the regular quota lets a user keep 5 open todos, the rule says 1) and one
 * where it is fixed (TODO_QUOTA=1 refuses the second). Needs the built packages (core, runner, cli,
 * explore) and the built todo app, as every test that spawns the CLI.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { type Exploration, type ExploreAction, type TakenAction, actionAsStep, branch, checkpoint, errorMessage, isAction, journey, path as journeyPath, step } from '@venomqa/core'
import { createRunner, httpControlState } from '@venomqa/runner'
import { REPO_ROOT, type RunningProcess, runBuiltCli, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SequenceRun, SequenceStepRun } from '../src/contracts'
import { checkInvariant, emitJourney } from '../src/emit'

const INVARIANT = 'a user has at most one open todo'

const EXPLORATION_SOURCE = `import { action, assertStatus, exploration, invariant, step } from '@venomqa/core'

const user = { email: 'regression@example.test', password: 'a long password', name: 'Regression' }

const createTodo = action('create_todo', async ({ http, ctx, input }) => {
  const res = await http.post('/api/todos', { json: { title: input.title } })
  if (res.status === 201) ctx.set('todoId', res.json().id)
  return res
}, { inputs: () => [{ title: 'first' }, { title: 'second' }] })

const comment = action('add_comment', async ({ http, ctx }) => {
  const res = await http.post(\`/api/todos/\${ctx.require('todoId')}/comments\`, { json: { text: 'why' } })
  assertStatus(res, 201)
  ctx.set('commentId', res.json().id)
  return res
}, { when: (v) => v.ctx.has('todoId') })

export default exploration('todos', {
  setup: [
    step('sign_up', async ({ http }) => assertStatus(await http.post('/api/users', { json: user }), 201)),
    step('log_in', async ({ http }) => {
      const res = await http.post('/api/auth/login', { json: { email: user.email, password: user.password } })
      assertStatus(res, 200)
      http.setAuthToken(res.json().token)
    }),
  ],
  actions: [createTodo, comment],
  invariants: [
    invariant(${JSON.stringify(INVARIANT)}, async ({ http }) => {
      const open = (await http.get('/api/todos')).json().filter((t: { done: boolean }) => !t.done).length
      return open <= 1 || \`\${open} open todos\`
    }),
  ],
})
`

const CONFIG = `export default {
  baseUrl: process.env.APP_URL,
  plugins: [['http-control', { url: process.env.APP_URL }]],
}
`

let buggy: RunningProcess
let fixed: RunningProcess
let project: string

beforeAll(async () => {
  for (const built of ['packages/core/dist/index.js', 'packages/runner/dist/index.js', 'packages/explore/dist/index.js', 'packages/cli/dist/bin.js'])
    if (!existsSync(path.join(REPO_ROOT, built))) throw new Error(`${built} is missing: build the packages first (pnpm build)`)
  if (!(await readFile(path.join(REPO_ROOT, 'packages/core/dist/index.js'), 'utf8')).includes('checkInvariant'))
    throw new Error('packages/core/dist is older than checkInvariant: build @venomqa/core first')
  ;[buggy, fixed] = await Promise.all([startTodoApp(), startTodoApp({ TODO_QUOTA: '1' })])
  project = await mkdtemp(path.join(os.tmpdir(), 'venomqa-regression-'))
  await mkdir(path.join(project, 'node_modules/@venomqa'), { recursive: true })
  // No @venomqa/explore: a project has the CLI and core (what `venomqa init` asks for), and the emitted
  // journey must load with those alone.
  for (const pkg of ['core', 'runner', 'cli']) await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(project, 'node_modules/@venomqa', pkg), 'dir')
  await mkdir(path.join(project, 'explore'))
  await writeFile(path.join(project, 'explore/todos.explore.ts'), EXPLORATION_SOURCE)
  await writeFile(path.join(project, 'venomqa.config.ts'), CONFIG)
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'regression-project', private: true, type: 'module' }))
})

afterAll(async () => {
  await Promise.all([buggy?.stop(), fixed?.stop()])
  if (project) await rm(project, { recursive: true, force: true })
})

/**
 * Run `sequence` from a checkpoint taken before the setup, as a journey on the real runner, recording
 * what each action did: the SequenceRun the exploration's sequence runner would give for it. The branch
 * rolls the app back afterwards.
 */
async function runSequence(exploration: Exploration, sequence: readonly TakenAction[], baseUrl: string): Promise<SequenceRun> {
  const actions = new Map(exploration.actions.filter(isAction).map((a) => [a.name, a as ExploreAction<any>]))
  const steps: SequenceStepRun[] = []
  let violation: string | undefined
  const recorded = (taken: TakenAction, i: number) =>
    step(`${i + 1} ${taken.action}`, async (args) => {
      const ctxBefore = { ...args.ctx.snapshot() }
      const from = args.http.history.length
      await actionAsStep(actions.get(taken.action)!, taken.input)(args)
      steps.push({ ...taken, exchanges: args.http.history.slice(from), ctxBefore, ctxAfter: { ...args.ctx.snapshot() }, enabled: true })
    })
  const verdict = step('verdict', async (args) => {
    await checkInvariant(exploration, INVARIANT, args, { path: sequence }).catch((err) => (violation = errorMessage(err)))
  })
  const runner = createRunner({ baseUrl, stateBackends: [httpControlState({ url: baseUrl })] })
  try {
    const result = await runner.run(
      journey('sequence', {
        steps: [checkpoint('root'), branch('root', [journeyPath('run', [...exploration.setup, ...sequence.map(recorded), verdict])])],
      }),
    )
    expect(result.status, JSON.stringify(result.issues)).toBe('passed')
  } finally {
    await runner.close()
  }
  return { steps, violation, probes: [] }
}

interface CliRun {
  code: number | null
  output: string
}

function runJourneys(appUrl: string, files: string[] = [], env: Record<string, string> = {}): Promise<CliRun> {
  return runBuiltCli(['run', ...files, '--reporter', 'console'], { cwd: project, env: { APP_URL: appUrl, ...env } })
}

async function stats(appUrl: string): Promise<unknown> {
  return (await fetch(`${appUrl}/api/stats`)).json()
}

describe('the emitted journey', () => {
  let file: string
  let text: string
  let exploration: Exploration
  let run: SequenceRun

  it('is written from a real run of the sequence, with ids through the context', async () => {
    exploration = ((await import(pathToFileURL(path.join(project, 'explore/todos.explore.ts')).href)) as { default: Exploration }).default
    const sequence = [
      { action: 'create_todo', input: { title: 'first' } },
      { action: 'add_comment', input: undefined },
      { action: 'create_todo', input: { title: 'second' } },
    ]
    run = await runSequence(exploration, sequence, buggy.url)
    expect(run.violation).toBe(`invariant "${INVARIANT}" broken: 2 open todos`)
    file = await emitJourney({ exploration, explorationFile: 'explore/todos.explore.ts', root: project, dir: 'journeys/regressions', invariant: INVARIANT, id: '5eed5eed00', run, baseUrl: buggy.url })
    expect(file).toBe('journeys/regressions/a-user-has-at-most-one-open-todo-5eed5eed.journey.ts')
    text = await readFile(path.join(project, file), 'utf8')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
    expect(text).toContain("await http.post(`/api/todos/${ctx.require('todoId')}/comments`, { json: { text: 'why' } })")
    expect(text).toContain("ctx.set('todoId', res.json().id)")
    expect(text).toContain("ctx.set('commentId', res.json().id)")
    expect(text).not.toMatch(/\/api\/todos\/\d/)
    expect(text).not.toMatch(/authorization|bearer|a long password/i)
    // The same run gives the same file.
    expect(await emitJourney({ exploration, explorationFile: 'explore/todos.explore.ts', root: project, dir: 'journeys/regressions', invariant: INVARIANT, id: '5eed5eed00', run, baseUrl: buggy.url })).toBe(file)
    expect(await readFile(path.join(project, file), 'utf8')).toBe(text)
  })

  // NodeNext, a Node ESM project's usual setting, wants the import of the exploration with its extension:
  // without one, every regression journey failed tsc --noEmit with TS2307 there.
  it.each([
    ['ESNext', 'Bundler'],
    ['NodeNext', 'NodeNext'],
  ])('type-checks (module %s, moduleResolution %s)', (module, moduleResolution) => {
    const tsconfig = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module,
        moduleResolution,
        lib: ['ES2023', 'DOM'],
        types: ['node'],
        typeRoots: [path.join(REPO_ROOT, 'node_modules/@types')],
        skipLibCheck: true,
      },
      include: ['journeys/**/*.ts', 'explore/**/*.ts'],
    }
    return writeFile(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig)).then(() => {
      const tsc = spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', project], { encoding: 'utf8' })
      expect(tsc.stdout + tsc.stderr).toBe('')
      expect(tsc.status).toBe(0)
    })
  })

  it('fails with venomqa run while the bug exists, and leaves the app as it found it', async () => {
    const before = await stats(buggy.url)
    const first = await runJourneys(buggy.url)
    expect(first.code, first.output).toBe(1)
    expect(first.output).toContain(`invariant "${INVARIANT}" broken: 2 open todos`)
    expect(await stats(buggy.url)).toEqual(before)
    // Run again: the setup's sign-up would be refused (409) had the first run left its user behind.
    const second = await runJourneys(buggy.url)
    expect(second.code, second.output).toBe(1)
    expect(second.output).toContain(`invariant "${INVARIANT}" broken: 2 open todos`)
  })

  it('passes with venomqa run once the bug is fixed', async () => {
    const before = await stats(fixed.url)
    const run = await runJourneys(fixed.url)
    expect(run.code, run.output).toBe(0)
    expect(await stats(fixed.url)).toEqual(before)
  })

  it('refuses to load without the secrets it sends, and fails while the bug exists once they are set', async () => {
    // The last create also sent an API key in its body: the journey reads it from VENOMQA_SECRET_API_KEY.
    // Unset, the key would be left out of the request; against an app that needs it the request would be
    // refused, and the regression would pass with the bug still there.
    const last = run.steps[run.steps.length - 1]!
    const exchange = last.exchanges[0]!
    const withKey: SequenceRun = {
      ...run,
      steps: [...run.steps.slice(0, -1), { ...last, exchanges: [{ ...exchange, request: { ...exchange.request, body: { title: 'second', api_key: 'k-5f1c9e2a77' } } }] }],
    }
    const keyed = await emitJourney({ exploration, explorationFile: 'explore/todos.explore.ts', root: project, dir: 'journeys/keyed', invariant: INVARIANT, id: 'ab5ec4e7', run: withKey, baseUrl: buggy.url })
    const keyedText = await readFile(path.join(project, keyed), 'utf8')
    expect(keyedText).toContain('api_key: process.env.VENOMQA_SECRET_API_KEY')
    expect(keyedText).not.toContain('k-5f1c9e2a77')
    try {
      const before = await stats(buggy.url)
      const unset = await runJourneys(buggy.url, [keyed])
      expect(unset.code, unset.output).toBe(2)
      expect(unset.output).toContain('VENOMQA_SECRET_API_KEY not set: this regression journey sends the values they stand for')
      // Named where the journey throws, in the file as written: jiti's transform moves its header comments
      // below the import it hoists, which put the throw a line lower in the code it ran.
      const lines = keyedText.split('\n')
      const line = lines.findIndex((l) => l.startsWith('if (unset.length) throw new Error(')) + 1
      expect(line).toBeGreaterThan(1)
      const column = lines[line - 1]!.indexOf('new Error(') + 1
      expect(unset.output).toContain(`venomqa: could not load ${keyed}:${line}:${column}: VENOMQA_SECRET_API_KEY not set`)
      expect(unset.output).not.toContain('PASSED')
      expect(await stats(buggy.url)).toEqual(before)
      const set = await runJourneys(buggy.url, [keyed], { VENOMQA_SECRET_API_KEY: 'k-5f1c9e2a77' })
      expect(set.code, set.output).toBe(1)
      expect(set.output).toContain(`invariant "${INVARIANT}" broken: 2 open todos`)
      expect(set.output).not.toContain('k-5f1c9e2a77')
      expect(await stats(buggy.url)).toEqual(before)
    } finally {
      await rm(path.join(project, 'journeys/keyed'), { recursive: true, force: true })
    }
  })

  it("a 409 in its setup (the user an earlier run left behind) is put down to the value the API keeps unique, not to state leaked between paths", async () => {
    // The user the setup signs up with a fixed email, there before the journey: taken and put back through
    // the app's own checkpoint, so that the other tests meet the app as it was.
    const control = (what: string) => fetch(`${buggy.url}/__venomqa/${what}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'before-409' }) })
    expect((await control('checkpoint')).status).toBe(200)
    try {
      const user = { email: 'regression@example.test', password: 'a long password', name: 'Regression' }
      expect((await fetch(`${buggy.url}/api/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) })).status).toBe(201)
      const run = await runJourneys(buggy.url, [file])
      expect(run.code, run.output).toBe(1)
      expect(run.output).toMatch(/sign_up \[high\] step\n\s+POST \S+\/api\/users expected status 201, got 409/)
      expect(run.output).toContain('Suggestion: Conflict: the API already holds something with a value this request sends and it requires to be unique')
      expect(run.output).not.toContain('state leaked between paths')
    } finally {
      await control('rollback')
      await control('release')
    }
  })

  it('fails, never passes, when the replay cannot go the way the exploration went', async () => {
    // Without the log-in every request is refused: the ids the sequence needs never come, and the last
    // check would hold for want of todos. A token left unset, a header gone, do the same.
    const diverged = text.replace('...exploration.setup,', '').replace(/journey\('([^']+)'/, "journey('$1-without-log-in'")
    expect(diverged).not.toBe(text)
    const file = 'journeys/diverged/without-log-in.journey.ts'
    await mkdir(path.join(project, 'journeys/diverged'), { recursive: true })
    await writeFile(path.join(project, file), diverged)
    try {
      const run = await runJourneys(buggy.url, [file])
      expect(run.code, run.output).toBe(1)
      expect(run.output).toMatch(/✗ create_todo POST \S+\/api\/todos → 401/)
      expect(run.output).toContain('the sequence no longer reaches the state where the violation was found: step "create_todo"')
      expect(run.output).toContain('was answered 201 in the exploration and 401 now')
    } finally {
      await rm(path.join(project, 'journeys/diverged'), { recursive: true, force: true })
    }
  })
})
