/**
 * Regression journeys written by a real exploration, run by the built `venomqa` CLI: each must fail
 * while its bug exists and pass once it is fixed. The API (test/replay-app.ts) runs in this process and
 * is switched from buggy to fixed between the two runs; each exploration is a file of a project of its
 * own, which the journey imports its setup from. Needs the built packages (core, runner, cli, explore).
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Exploration, ExplorationResult, RunResult } from '@venomqa/core'
import { type Runner, createRunner, httpControlState } from '@venomqa/runner'
import { REPO_ROOT, runBuiltCli } from '@venomqa/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { explore } from '../src'
import { NEW_PASSWORD, PASSWORD, type ReplayApp, SESSION, startReplayApp } from './replay-app'

const CONFIG = `export default {
  baseUrl: process.env.APP_URL,
  plugins: [['http-control', { url: process.env.APP_URL }]],
}
`

let app: ReplayApp
/** Another service the actions call by its absolute URL. */
let other: ReplayApp
let project: string

beforeAll(async () => {
  for (const built of ['packages/core/dist/index.js', 'packages/runner/dist/index.js', 'packages/explore/dist/index.js', 'packages/cli/dist/bin.js'])
    if (!existsSync(path.join(REPO_ROOT, built))) throw new Error(`${built} is missing: build the packages first (pnpm build)`)
  ;[app, other] = await Promise.all([startReplayApp(), startReplayApp()])
  project = await mkdtemp(path.join(os.tmpdir(), 'venomqa-replay-'))
  await mkdir(path.join(project, 'node_modules/@venomqa'), { recursive: true })
  for (const pkg of ['core', 'runner', 'cli', 'explore']) await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(project, 'node_modules/@venomqa', pkg), 'dir')
  await mkdir(path.join(project, 'explore'))
  await writeFile(path.join(project, 'venomqa.config.ts'), CONFIG)
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'replay-project', private: true, type: 'module' }))
})

afterEach(() => {
  for (const a of [app, other]) {
    a.fixed = false
    a.healthStatus = 200
  }
})

afterAll(async () => {
  await Promise.all([app?.stop(), other?.stop()])
  if (project) await rm(project, { recursive: true, force: true })
})

const appRunner = () => createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })] })

/**
 * Write `source` as `explore/<name>.explore.ts` and explore it against the app, writing its regression
 * journeys; with the runner of a run that explores more than this one, else with one of its own.
 */
async function exploreSource(name: string, source: string, runner?: Runner): Promise<ExplorationResult> {
  const file = `explore/${name}.explore.ts`
  await writeFile(path.join(project, file), source)
  const exploration = ((await import(pathToFileURL(path.join(project, file)).href)) as { default: Exploration }).default
  const own = runner ?? appRunner()
  try {
    return await explore(exploration, { runner: own, root: project, file, emitDir: 'journeys/regressions', overrides: { seed: 1 } })
  } finally {
    if (!runner) await own.close()
  }
}

/** An exploration whose only action answers 500 (`no_5xx`), named `name`. */
const parseExploration = (name: string) => `import { action, exploration } from '@venomqa/core'

export default exploration(${JSON.stringify(name)}, {
  actions: [action('parse', ({ http }) => http.post('/parse', { body: '{"a": ', headers: { 'content-type': 'application/json' } }))],
  depth: 1,
})
`

interface Written {
  invariant: string
  /** The actions of the minimal sequence. */
  sequence: string[]
  message: string
  file: string
  text: string
}

/** Each violation of an exploration, with the text of its journey. */
async function written(result: ExplorationResult, count: number): Promise<Written[]> {
  expect(result.violations, JSON.stringify(result.issues)).toHaveLength(count)
  return Promise.all(
    result.violations.map(async (v) => {
      expect(v.emittedFile, JSON.stringify(result.issues)).toBeDefined()
      const text = await readFile(path.join(project, v.emittedFile!), 'utf8')
      return { invariant: v.invariant, sequence: v.sequence.map((s) => s.action), message: v.message, file: v.emittedFile!, text }
    }),
  )
}

/** The one violation of an exploration, with the text of its journey. */
async function onlyViolation(result: ExplorationResult): Promise<Written> {
  return (await written(result, 1))[0]!
}

function runJourney(file: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return runBuiltCli(['run', file, '--reporter', 'console'], { cwd: project, env: { APP_URL: app.url, ...env } })
}

/** `venomqa run` on journey files, its results saved: the exit code and output, and the status of each file's journey. */
async function runJourneys(files: string[], env: Record<string, string>): Promise<{ code: number | null; output: string; statuses: (string | undefined)[] }> {
  const save = 'out/results.json'
  await rm(path.join(project, save), { force: true })
  const { code, output } = await runBuiltCli(['run', ...files, '--reporter', 'console', '--save', save], { cwd: project, env: { APP_URL: app.url, ...env } })
  const results = JSON.parse(await readFile(path.join(project, save), 'utf8').catch(() => '{"journeys":[]}')) as RunResult
  return { code, output, statuses: files.map((f) => results.journeys.find((j) => j.file?.endsWith(f))?.status) }
}

/**
 * Each journey fails against the buggy app and passes against the fixed one. Several are run together,
 * in one `venomqa run` on each app (a process of the CLI each time is most of what a replay costs), and
 * judged one by one.
 */
async function expectRegression(files: string | string[], fix: () => void, env: Record<string, string> = {}): Promise<void> {
  const all = [files].flat()
  const buggy = await runJourneys(all, env)
  expect(buggy.code, buggy.output).toBe(1)
  expect(buggy.statuses, buggy.output).toEqual(all.map(() => 'failed'))
  fix()
  const fixed = await runJourneys(all, env)
  expect(fixed.code, fixed.output).toBe(0)
  expect(fixed.statuses, fixed.output).toEqual(all.map(() => 'passed'))
}

describe('a regression journey from a real exploration', () => {
  it('calls another origin where the action called it, not the base URL', async () => {
    other.healthStatus = 500
    const result = await exploreSource(
      'other-origin',
      `import { action, exploration } from '@venomqa/core'

export default exploration('other-origin', {
  actions: [action('other_health', ({ http }) => http.get('${other.url}/health'))],
  depth: 1,
})
`,
    )
    const v = await onlyViolation(result)
    expect(v.invariant).toBe('no_5xx')
    expect(v.text).toContain(`await http.get('${other.url}/health')`)
    await expectRegression(v.file, () => (other.fixed = true))
  })

  it('sends every header the action gave: the JSON content type of a text body, an accept', async () => {
    const result = await exploreSource(
      'headers',
      `import { action, exploration, step } from '@venomqa/core'

export default exploration('headers', {
  // A header of the client's own, from the setup: the journey runs the setup, and does not write it.
  setup: [step('identify', ({ http }) => http.setHeader('x-client', 'replay-tests'))],
  actions: [
    action('parse', ({ http }) => http.post('/parse', { body: '{"a": ', headers: { 'content-type': 'application/json' } })),
    action('export', ({ http }) => http.get('/export', { headers: { accept: 'text/csv', 'x-mode': 'full' } })),
  ],
  depth: 1,
})
`,
    )
    const [parse, csv] = await written(result, 2)
    expect([parse!.sequence, csv!.sequence]).toEqual([['parse'], ['export']])
    expect(parse!.text).toContain(`await http.post('/parse', { body: '{"a": ', headers: { 'content-type': 'application/json' } })`)
    expect(csv!.text).toContain("await http.get('/export', { headers: { accept: 'text/csv', 'x-mode': 'full' } })")
    expect(parse!.text + csv!.text).not.toContain('x-client')
    await expectRegression([parse!.file, csv!.file], () => (app.fixed = true))
  })

  it.each([
    // The action's deadline is the step's, in the journey too: the step fails at it. /slow answers past the
    // deadline, and not long past it: a request its step stopped waiting for is waited for before the
    // rollback that follows (so that the rollback undoes what it did), in every replay of the exploration.
    ['the action', `action('slow', ({ http }) => http.get('/slow?ms=500'), { timeout: 300 })`, "{ query: { ms: '500' } })", 'step "slow" timed out after 300 ms'],
    ['its request', `action('slow', ({ http }) => http.get('/slow?ms=500', { timeout: 300 }))`, "{ query: { ms: '500' }, timeout: 300 })", '/slow?ms=500 timed out after 300 ms'],
  ])('replays a request that timed out, with the timeout of %s, and judges that request', async (whose, slow, options, failure) => {
    const result = await exploreSource(
      `slow-${whose.replace(/\W+/g, '-')}`,
      `import { action, exploration } from '@venomqa/core'

export default exploration('slow', {
  actions: [${slow}],
  depth: 1,
})
`,
    )
    const v = await onlyViolation(result)
    expect(v.invariant).toBe('request_error')
    expect(v.text).toContain(`await http.get('/slow', ${options}\n`)
    expect(v.text).not.toContain('made no request')
    const buggy = await runJourney(v.file)
    expect(buggy.code, buggy.output).toBe(1)
    expect(buggy.output).toContain(failure)
    expect(buggy.output).not.toContain('undefined')
    app.fixed = true
    const fixed = await runJourney(v.file)
    expect(fixed.code, fixed.output).toBe(0)
  })

  it("carries the action's timeout on its step: requests too slow only together fail the replay as they failed the exploration", async () => {
    const result = await exploreSource(
      'slow-pair',
      `import { action, exploration } from '@venomqa/core'

export default exploration('slow-pair', {
  actions: [
    action('slow_pair', async ({ http }) => {
      await http.get('/slow?ms=250')
      await http.get('/slow?ms=250')
    }, { timeout: 400 }),
  ],
  depth: 1,
})
`,
    )
    const v = await onlyViolation(result)
    expect(v.invariant).toBe('request_error')
    // Each request alone is in time: the deadline is the step's, as the action's was.
    // The first, answered in the exploration, is looked at (a fix may refuse it); the second got no answer.
    expect(v.text.match(/void \(await http\.get\('\/slow', \{ query: \{ ms: '250' \} \}\)\)\.status\n/g)).toHaveLength(1)
    expect(v.text.match(/ await http\.get\('\/slow', \{ query: \{ ms: '250' \} \}\)\n/g)).toHaveLength(1)
    expect(v.text).toContain("          'slow_pair',\n          async ({ http }) => {\n")
    expect(v.text).toContain('          },\n          { timeout: 400 },\n        ),\n')
    expect(v.text).toContain('// Exploration found 1 action from the root state that breaks it.')
    const buggy = await runJourney(v.file)
    expect(buggy.code, buggy.output).toBe(1)
    expect(buggy.output).toContain('step "slow_pair" timed out after 400 ms')
    app.fixed = true
    const fixed = await runJourney(v.file)
    expect(fixed.code, fixed.output).toBe(0)
  })

  it('sets a key from the last answer only under the status the exploration saw it set under', async () => {
    // The fixed app refuses the second seat in plain text: an unguarded res.json() would throw there, and
    // the journey would fail once the bug is fixed.
    const result = await exploreSource(
      'seats',
      `import { action, exploration, invariant } from '@venomqa/core'

export default exploration('seats', {
  actions: [
    action('take_seat', async ({ http, ctx }) => {
      const res = await http.post('/seats')
      if (res.status === 201) ctx.set('seatId', res.json().id)
      return res
    }),
  ],
  invariants: [invariant('one seat at most', async ({ http }) => (await http.get('/seats')).json().length <= 1 || 'two seats taken')],
  depth: 2,
})
`,
    )
    const v = await onlyViolation(result)
    expect(v.sequence).toEqual(['take_seat', 'take_seat'])
    expect(v.text).toContain("assertStillAccepted(res, { step: 'take_seat', status: 201 })\n          ctx.set('seatId', res.json().id)\n")
    expect(v.text).toContain("if (res.status === 201) ctx.set('seatId', res.json().id)\n")
    expect(v.text).toContain('// Exploration found 2 actions from the root state that break it.')
    await expectRegression(v.file, () => (app.fixed = true))
  })

  it("raises no issue on the fixed app that refuses the last action, whose answer the action left unread", async () => {
    // The action returns the response and sets nothing: written as is, the last request's answer would be
    // read by nothing, and the fixed app's 409 would be told as an error answer the step forgot to check
    // (a high issue, advising to return it, which would fail the journey on the fixed app).
    const result = await exploreSource(
      'seat-unread',
      `import { action, exploration, invariant } from '@venomqa/core'

export default exploration('seat-unread', {
  actions: [action('take_seat', ({ http }) => http.post('/seats'))],
  invariants: [invariant('one seat at most', async ({ http }) => (await http.get('/seats')).json().length <= 1 || 'two seats taken')],
  depth: 2,
})
`,
    )
    const v = await onlyViolation(result)
    expect(v.sequence).toEqual(['take_seat', 'take_seat'])
    await expectRegression(v.file, () => (app.fixed = true))
    const save = 'out/results.json'
    const fixed = JSON.parse(await readFile(path.join(project, save), 'utf8')) as RunResult
    expect([...fixed.issues, ...fixed.journeys.flatMap((j) => j.issues)].map((i) => i.error)).toEqual([])
  })

  it('sends a request of the last action that needs a value of an earlier answer only when that answer gave it', async () => {
    // The last action takes a seat, then reads it back by the id the answer gave. The fixed app refuses
    // the second seat (a 409 in plain text, no id): the read must be left out as the action left it out,
    // where reading the id regardless would fail the journey for a missing context key, not for the bug.
    const result = await exploreSource(
      'seat-read-back',
      `import { action, exploration, invariant } from '@venomqa/core'

export default exploration('seat-read-back', {
  actions: [
    action('take_seat', async ({ http }) => {
      const res = await http.post('/seats')
      return res.status === 201 ? http.get(\`/seats/\${res.json().id}\`) : res
    }),
  ],
  invariants: [invariant('one seat at most', async ({ http }) => (await http.get('/seats')).json().length <= 1 || 'two seats taken')],
  depth: 2,
})
`,
    )
    const v = await onlyViolation(result)
    expect(v.sequence).toEqual(['take_seat', 'take_seat'])
    const last = v.text.slice(v.text.indexOf("step('take_seat (2)'"))
    const guarded = /if \(res\.status === 201\) ctx\.set\('(take_seat\.id_\d)', res\.json\(\)\.id\)\n +\/\/ .+\n +if \(res\.status === 201\) \{\n +\/\/ answered 200\n +\/\/ Looked at, not checked: .+\n +void \(await http\.get\(`\/seats\/\$\{ctx\.require\('\1'\)\}`\)\)\.status\n +\}\n/
    expect(last).toMatch(guarded)
    const buggy = await runJourney(v.file)
    expect(buggy.code, buggy.output).toBe(1)
    expect(buggy.output).toContain('invariant "one seat at most" broken: two seats taken')
    app.fixed = true
    const reads = () => app.hits.get('GET /seats/2') ?? 0
    const readBefore = reads()
    const fixed = await runJourney(v.file)
    expect(fixed.code, fixed.output).toBe(0)
    // The fixed app gave no second seat: the journey read none back.
    expect(reads()).toBe(readBefore)
  })

  it('is written once per exploration: two that break one invariant with one sequence keep a journey each', async () => {
    const runner = appRunner()
    try {
      const first = await onlyViolation(await exploreSource('parse-a', parseExploration('parse-a'), runner))
      const second = await onlyViolation(await exploreSource('parse-b', parseExploration('parse-b'), runner))
      expect([first.invariant, second.invariant]).toEqual(['no_5xx', 'no_5xx'])
      expect(second.file).not.toBe(first.file)
      expect(await readFile(path.join(project, first.file), 'utf8')).toBe(first.text)
      expect(first.text).toContain("import exploration from '../../explore/parse-a.explore.js'")
      expect(second.text).toContain("import exploration from '../../explore/parse-b.explore.js'")
    } finally {
      await runner.close()
    }
  })

  it('never replaces a journey the same run wrote earlier: the second is an issue, the first stays', async () => {
    // Two files that define one exploration (the API allows it; the CLI refuses two names): one id,
    // one file name, two texts (each imports its own file).
    const runner = appRunner()
    try {
      const first = await onlyViolation(await exploreSource('copy-1', parseExploration('copy'), runner))
      const second = await exploreSource('copy-2', parseExploration('copy'), runner)
      expect(second.violations).toHaveLength(1)
      expect(second.violations[0]!.emittedFile).toBeUndefined()
      expect(second.issues.find((i) => i.step === 'emit')?.error).toBe(
        `could not write the regression journey for "no_5xx": not replacing ${first.file}: this run wrote it earlier, for the invariant "no_5xx" of the exploration "copy"`,
      )
      expect(await readFile(path.join(project, first.file), 'utf8')).toBe(first.text)
    } finally {
      await runner.close()
    }
  })

  it('reads a ?session= the action sent from the environment, as `venomqa generate` does, and sends it', async () => {
    const result = await exploreSource(
      'session',
      `import { action, exploration } from '@venomqa/core'

export default exploration('session', {
  actions: [action('me', ({ http }) => http.get('/me?session=${SESSION}&page=2'))],
  depth: 1,
})
`,
    )
    const v = await onlyViolation(result)
    expect(v.text).toContain("await http.get('/me', { query: { session: process.env.VENOMQA_SECRET_SESSION, page: '2' } })")
    expect(v.text).toContain('//   VENOMQA_SECRET_SESSION: the query parameter "session"\n')
    expect(v.text).not.toContain(SESSION)
    expect(JSON.stringify(result)).not.toContain(SESSION)
    await expectRegression(v.file, () => (app.fixed = true), { VENOMQA_SECRET_SESSION: SESSION })
  })

  it('sends an OAuth ?code= from the context, read from the redirect of this run: never written, in no report', async () => {
    // A code is good once: written as it was, or read from a variable, the replay would send a spent code,
    // be refused (400) before it got to the bug, and pass with the bug still there.
    const result = await exploreSource(
      'oauth',
      `import { action, exploration } from '@venomqa/core'

export default exploration('oauth', {
  actions: [
    action('authorize', async ({ http, ctx }) => {
      const res = await http.get('/oauth/authorize?state=st-1')
      ctx.set('code', new URL(res.headers.location!, res.url).searchParams.get('code'))
      return res
    }, { when: (v) => !v.ctx.has('code') }),
    action('callback', ({ http, ctx }) => http.get('/oauth/callback', { query: { code: ctx.require('code'), state: 'st-1' } }), {
      when: (v) => v.ctx.has('code'),
    }),
  ],
  depth: 2,
})
`,
    )
    const v = await onlyViolation(result)
    expect(v.sequence).toEqual(['authorize', 'callback'])
    expect(v.text).toContain("ctx.set('code', new URL(res.headers.location!, res.url).searchParams.get('code'))")
    expect(v.text).toMatch(/await http\.get\(.*\/oauth\/.*, \{ query: \{ code: String\(ctx\.require\('code'\)\), state: 'st-1' \} \}\)\n/)
    expect(v.text).not.toContain('VENOMQA_SECRET_')
    const spent = [...app.codes]
    expect(spent.length).toBeGreaterThan(0)
    const leaks = (text: string) => spent.filter((code) => text.includes(code))
    expect(leaks(v.text)).toEqual([])
    expect(leaks(JSON.stringify(result))).toEqual([])
    const buggy = await runJourneys([v.file], {})
    expect(buggy.statuses, buggy.output).toEqual(['failed'])
    expect(buggy.output).toContain('/oauth/callback?code=[REDACTED]&state=st-1')
    expect(leaks(buggy.output)).toEqual([])
    app.fixed = true
    const fixed = await runJourneys([v.file], {})
    expect(fixed.statuses, fixed.output).toEqual(['passed'])
  })

  it('reads two secret values of one name from two variables, so it sends both as the exploration did', async () => {
    const result = await exploreSource(
      'rotate',
      `import { action, exploration } from '@venomqa/core'

export default exploration('rotate', {
  actions: [action('rotate', ({ http }) => http.post('/rotate?password=${PASSWORD}', { json: { password: '${NEW_PASSWORD}' } }))],
  depth: 1,
})
`,
    )
    const v = await onlyViolation(result)
    expect(v.text).toContain("await http.post('/rotate', { query: { password: process.env.VENOMQA_SECRET_PASSWORD }, json: { password: process.env.VENOMQA_SECRET_PASSWORD_2 } })")
    expect(v.text).not.toContain(PASSWORD)
    expect(v.text).not.toContain(NEW_PASSWORD)
    await expectRegression(v.file, () => (app.fixed = true), { VENOMQA_SECRET_PASSWORD: PASSWORD, VENOMQA_SECRET_PASSWORD_2: NEW_PASSWORD })
  })

  it('sends a list of secrets (`passwords: [...]`) as a list, each item from a variable of its own', async () => {
    // The record masks the list whole: read from one variable, it was sent as a string, which the app
    // refuses (400) before it gets to the bug, and the journey passed with the bug still there.
    const result = await exploreSource(
      'password-history',
      `import { action, exploration } from '@venomqa/core'

export default exploration('password-history', {
  actions: [
    action('history', ({ http, input }) => http.post('/password-history', { json: { passwords: input.passwords } }), {
      inputs: () => [{ passwords: ['${PASSWORD}', '${NEW_PASSWORD}'] }],
    }),
  ],
  depth: 1,
})
`,
    )
    const v = await onlyViolation(result)
    expect(v.invariant).toBe('no_5xx')
    const sent = '[process.env.VENOMQA_SECRET_PASSWORDS, process.env.VENOMQA_SECRET_PASSWORDS_2]'
    expect(v.text).toContain(`await http.post('/password-history', { json: { passwords: ${sent} } })`)
    expect(v.text).toContain('//   VENOMQA_SECRET_PASSWORDS: "passwords[0]" in a request body\n//   VENOMQA_SECRET_PASSWORDS_2: "passwords[1]" in a request body\n')
    expect(v.text).not.toContain(PASSWORD)
    expect(v.text).not.toContain(NEW_PASSWORD)
    await expectRegression(v.file, () => (app.fixed = true), { VENOMQA_SECRET_PASSWORDS: PASSWORD, VENOMQA_SECRET_PASSWORDS_2: NEW_PASSWORD })
  })
})
