/**
 * The README examples run as written, against the todo app in its own process: every journey (the root
 * README's, and each package's), the runner's program, and every config is loaded. Each block is written
 * next to the demo journeys (so its imports resolve as a user's would) and imported as it is. The programs
 * that need a service of their own (Redis, WireMock, MySQL, ...) are listed in ELSEWHERE with where they
 * run, as is every ```js program (they read a saved run or post it somewhere), so a new README example
 * cannot go unexecuted unnoticed.
 */
import fs from 'node:fs'
import path from 'node:path'
import { isJourney, type Journey, type RunResult } from '@venomqa/core'
import { createRunner, httpControlState } from '@venomqa/runner'
import { JS_LANGS, REPO_ROOT, codeFences, jsBlocks, startTodoApp, type RunningProcess } from '@venomqa/test-utils'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'

const here = path.join(REPO_ROOT, 'examples/journeys')
const READMES = ['README.md', ...fs.readdirSync(path.join(REPO_ROOT, 'packages')).map((p) => `packages/${p}/README.md`)].filter((f) =>
  fs.existsSync(path.join(REPO_ROOT, f)),
)
/**
 * README examples this file does not run, by `<readme> <n>` (the n-th ```ts block) or `<readme> js <n>`
 * (the n-th ```js block), with the reason (and the test that runs it, if one does).
 */
const ELSEWHERE: Record<string, string> = {
  'packages/adapter-elasticsearch/README.md 1': 'needs Elasticsearch: packages/adapter-elasticsearch/test/readme-example.test.ts',
  'packages/pg-proxy/README.md 1': 'needs PostgreSQL and the proxy binary: packages/pg-proxy/test/readme-example.test.ts',
  'packages/adapter-mailhog/README.md 1': 'starts a mail catcher and sends to it with nodemailer: packages/adapter-mailhog/test/readme-example.test.ts',
  'packages/adapter-mailhog/README.md 2': 'needs a Mailpit API and the app sending mail to it: packages/adapter-mailhog/test/readme-example.test.ts',
  'packages/adapter-redis/README.md 1': 'needs Redis: packages/adapter-redis/test/readme-example.test.ts',
  'packages/adapter-redis/README.md 2': 'a fragment of a config, not a program: packages/adapter-redis/test/journey.test.ts runs two entries of the plugin so',
  'packages/adapter-redis/README.md 3': 'a fragment (a type), not a program',
  'packages/adapter-wiremock/README.md 1': 'needs WireMock (Java): packages/adapter-wiremock/test/readme-example.test.ts',
  'packages/adapter-wiremock/README.md 2': 'needs WireMock (Java): packages/adapter-wiremock/test/readme-example.test.ts',
  'packages/explore/README.md 1': 'needs the shop app on PostgreSQL: packages/explore/test/docs.test.ts',
  'packages/openapi/README.md 1': 'needs an OpenAPI document: packages/openapi/test/readme.test.ts',
  'packages/openapi/README.md 2': 'a fragment, not a program',
  'packages/state-mysql/README.md 1': 'needs MySQL or MariaDB and the app on it: packages/state-mysql/test/readme-example.test.ts',
  'packages/state-mysql/README.md 2': 'needs MySQL or MariaDB and the app on it: packages/state-mysql/test/readme-example.test.ts',
  'packages/state-postgres/README.md 2': 'imports the README journey as ./todo.journey and needs the app on PostgreSQL: packages/state-postgres/test/readme-example.test.ts',
  'packages/reporter-html/README.md js 1': 'reads a saved results.json and writes report.html: packages/reporter-html/test/readme-example.test.ts',
  'packages/reporter-slack/README.md js 1': 'posts to a Slack webhook (a local stand-in): packages/reporter-slack/test/readme-example.test.ts',
}
/** Code block languages that are not programs, with the reason. A README block in any other language fails the check below. */
const NOT_PROGRAMS: Record<string, string> = { sh: 'commands to type', bash: 'commands to type' }
const written: string[] = []
let app: RunningProcess | undefined

// A fresh app per example: each README journey signs its user up, as a first run against a new API would.
beforeEach(async () => {
  await app?.stop()
  app = await startTodoApp()
})
afterAll(async () => {
  await app?.stop()
  for (const f of written) fs.rmSync(f, { force: true })
})

function blocks(readme: string): string[] {
  return [...fs.readFileSync(path.join(REPO_ROOT, readme), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

async function load(name: string, code: string): Promise<Record<string, unknown>> {
  const file = path.join(here, `.readme-${name}.ts`)
  fs.writeFileSync(file, code)
  written.push(file)
  return (await import(/* @vite-ignore */ file)) as Record<string, unknown>
}

async function runJourneys(journeys: Journey[]): Promise<RunResult> {
  const runner = createRunner({ baseUrl: app!.url, stateBackends: [httpControlState({ url: app!.url })] })
  try {
    return await runner.run(journeys)
  } finally {
    await runner.close()
  }
}

describe('README examples', () => {
  it('every listed exception still exists', () => {
    for (const [key, reason] of Object.entries(ELSEWHERE)) {
      const [readme, ...rest] = key.split(' ') as [string, ...string[]]
      const [found, n] = rest.length === 2 && rest[0] === 'js' ? [jsBlocks(path.join(REPO_ROOT, readme)), rest[1]!] : [blocks(readme), rest[0]!]
      expect(rest.length === 1 || rest[0] === 'js', `${key}: expected "<readme> <n>" or "<readme> js <n>"`).toBe(true)
      expect(found.length, key).toBeGreaterThanOrEqual(Number(n))
      // An example said to run elsewhere names a test that exists and reads that README.
      const test = /(packages\/\S+\.test\.ts)$/.exec(reason)?.[1]
      if (test) expect(fs.readFileSync(path.join(REPO_ROOT, test), 'utf8'), key).toMatch(/README/)
    }
  })

  it('every program is covered: the ```ts blocks below are whole, each ```js block runs elsewhere, no other block is a program', () => {
    const unrun: string[] = []
    const unknown: string[] = []
    for (const readme of READMES) {
      const fences = codeFences(path.join(REPO_ROOT, readme))
      // The ```ts blocks run below are all of them, none cut short by a fence inside it.
      expect(fences.filter((f) => f.lang === 'ts').map((f) => f.code), readme).toEqual(blocks(readme))
      for (const [i, fence] of fences.filter((f) => JS_LANGS.includes(f.lang)).entries())
        if (!ELSEWHERE[`${readme} js ${i + 1}`]) unrun.push(`${readme} js ${i + 1}: ${fence.code.split('\n', 1)[0]}`)
      for (const f of fences)
        if (f.lang !== 'ts' && !JS_LANGS.includes(f.lang) && !(f.lang in NOT_PROGRAMS)) unknown.push(`${readme}: \`\`\`${f.lang || '(no language)'} ${f.code.split('\n', 1)[0]}`)
    }
    expect(unrun, 'a ```js block no test runs: run it in a test that reads the README, and list it in ELSEWHERE with that test').toEqual([])
    expect(unknown, 'a block in a language this check does not know: run it, or add the language to NOT_PROGRAMS with the reason').toEqual([])
  })

  for (const readme of READMES) {
    const found = blocks(readme)
    for (const [i, code] of found.entries()) {
      const name = `${readme.replace(/\W+/g, '-')}-${i + 1}`
      const elsewhere = ELSEWHERE[`${readme} ${i + 1}`]
      // Listed in ELSEWHERE, with the reason and the test that runs it when one does (checked above).
      if (elsewhere) continue
      it(`${readme} example ${i + 1}: ${code.split('\n')[0]}`, async () => {
        if (code.includes('defineConfig(')) {
          // A config: it loads, and is the object the CLI reads.
          const mod = await load(name, code)
          expect(mod.default).toEqual(expect.objectContaining({ plugins: expect.any(Array) }))
          return
        }
        if (code.includes('createRunner(')) {
          // A program that runs itself: BASE_URL points it at the app, and it writes junit.xml where it runs.
          process.env.BASE_URL = app!.url
          const junit = path.join(process.cwd(), 'junit.xml')
          written.push(junit)
          const logged: unknown[][] = []
          const log = console.log
          console.log = (...args: unknown[]) => void logged.push(args)
          try {
            await load(name, code)
          } finally {
            console.log = log
          }
          expect(process.exitCode).toBe(0)
          process.exitCode = undefined
          expect(logged).toContainEqual(['health', 'passed'])
          expect(fs.readFileSync(junit, 'utf8')).toMatch(/<testsuite name="smoke"[^>]* failures="0"/)
          return
        }
        expect(code, 'neither a config, a program nor a journey: run it here or list it in ELSEWHERE').toMatch(/export default (journey|journeysFor)\(/)
        const mod = await load(name, code)
        const journeys = (Array.isArray(mod.default) ? mod.default : [mod.default]) as Journey[]
        expect(journeys.every(isJourney)).toBe(true)
        const result = await runJourneys(journeys)
        for (const j of result.journeys) expect(j.issues, j.name).toEqual([])
        expect(result.status).toBe('passed')
      })
    }
  }
})
